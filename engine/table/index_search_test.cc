#include "engine/table/index_search.h"

#include <algorithm>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "engine/memtable/dbformat.h"
#include "engine/table/block_builder.h"
#include "engine/table/probe_tree.h"
#include "gtest/gtest.h"

namespace lsm {
namespace {

// An index block of the given separators (sorted internal keys), each
// pointing at block i: offset i * 100, size 50.
Block IndexBlockOf(const std::vector<std::string>& separators) {
  BlockBuilder b(1);
  for (size_t i = 0; i < separators.size(); ++i) {
    b.Add(separators[i], BlockHandle(i * 100, 50).Encode());
  }
  BlockContents c;
  c.data = BlockBuffer(b.Finish());
  return Block(std::move(c));
}

size_t LinearFind(const std::vector<std::string>& separators, std::string_view key) {
  size_t i = 0;
  while (i < separators.size() && CompareInternalKeys(separators[i], key) < 0) ++i;
  return i;
}

// Sizes around every node and level boundary (8 keys a node: 1, 2, 3 and 4
// levels), with runs of equal values and values at both ends of the range.
TEST(ProbeTreeTest, LowerBoundMatchesStdLowerBound) {
  const unsigned seed = std::random_device{}();
  std::printf("seed %u\n", seed);
  std::mt19937_64 rng(seed);
  std::vector<size_t> sizes = {0, 1, 2, 7, 8, 9, 15, 16, 17, 63, 64, 65, 71, 72, 73,
                               511, 512, 513, 4095, 4096, 4097, 5000};
  for (int i = 0; i < 20; ++i) sizes.push_back(rng() % 3000);
  for (size_t n : sizes) {
    for (uint64_t spread : {uint64_t{4}, uint64_t{1000}, UINT64_MAX}) {
      std::vector<uint64_t> v(n);
      for (uint64_t& x : v) {
        x = spread == UINT64_MAX ? rng() : rng() % spread;
        if (rng() % 16 == 0) x = rng() % 2 ? 0 : UINT64_MAX;
      }
      std::sort(v.begin(), v.end());
      const ProbeTree tree(v);
      ASSERT_EQ(tree.size(), n);
      for (size_t i = 0; i < n; ++i) ASSERT_EQ(tree[i], v[i]);
      std::vector<uint64_t> targets = {0, 1, UINT64_MAX, UINT64_MAX - 1};
      for (int q = 0; q < 200 && n > 0; ++q) {
        const uint64_t x = v[rng() % n];
        targets.push_back(x);
        targets.push_back(x + 1);
        targets.push_back(x - 1);
      }
      for (int q = 0; q < 50; ++q) targets.push_back(spread == UINT64_MAX ? rng() : rng() % spread);
      for (uint64_t x : targets) {
        const size_t want = static_cast<size_t>(std::lower_bound(v.begin(), v.end(), x) - v.begin());
        ASSERT_EQ(tree.LowerBound(x), want) << "seed " << seed << " n " << n << " x " << x;
        const size_t from = n == 0 ? 0 : rng() % (n + 1);
        const size_t want_from =
            static_cast<size_t>(std::lower_bound(v.begin() + from, v.end(), x) - v.begin());
        ASSERT_EQ(tree.LowerBoundFrom(from, x), want_from)
            << "seed " << seed << " n " << n << " from " << from << " x " << x;
      }
    }
  }
}

// Random keys over a tiny alphabet with long shared prefixes, so that the
// 8-byte probes tie often and keys fall outside the shared prefix.
TEST(IndexSearchTest, FindMatchesALinearScan) {
  const unsigned seed = std::random_device{}();
  std::printf("seed %u\n", seed);
  std::mt19937 rng(seed);
  auto random_key = [&](const std::string& prefix) {
    std::string k = prefix;
    const size_t len = rng() % 14;
    for (size_t i = 0; i < len; ++i) k.push_back("ab\0\xff"[rng() % 4]);
    return k;
  };
  for (int round = 0; round < 300; ++round) {
    const std::string prefix = std::string(rng() % 12, 'p') + (rng() % 2 ? "\x01" : "");
    std::vector<std::string> seps;
    const size_t n = rng() % 40;
    for (size_t i = 0; i < n; ++i) {
      seps.push_back(MakeInternalKey(random_key(prefix), rng() % 5, ValueType::kValue));
    }
    // A table's last separator is a short successor of its last key, often
    // outside the prefix the others share ("q" after "pppp...").
    if (n > 0 && rng() % 2) seps.push_back(MakeInternalKey("q", kMaxSequenceNumber, ValueType::kValue));
    std::sort(seps.begin(), seps.end(),
              [](const std::string& a, const std::string& b) { return CompareInternalKeys(a, b) < 0; });
    seps.erase(std::unique(seps.begin(), seps.end()), seps.end());
    const Block block = IndexBlockOf(seps);
    absl::StatusOr<IndexSearch> search = IndexSearch::Build(block);
    ASSERT_TRUE(search.ok()) << search.status();
    ASSERT_EQ(search->size(), seps.size());
    for (size_t i = 0; i < seps.size(); ++i) {
      ASSERT_EQ(search->separator(i), seps[i]);
      ASSERT_EQ(search->handle(i).offset(), i * 100);
    }
    for (int q = 0; q < 60; ++q) {
      std::string user;
      switch (rng() % 4) {
        case 0: user = random_key(prefix); break;
        case 1: user = random_key(prefix.substr(0, rng() % (prefix.size() + 1))); break;
        case 2: user = random_key("q"); break;  // after the prefix
        default: user = random_key(""); break;
      }
      const std::string key = MakeInternalKey(user, rng() % 6, ValueType::kValue);
      ASSERT_EQ(search->Find(key), LinearFind(seps, key))
          << "seed " << seed << " round " << round << " key '" << user << "'";
    }
  }
}

// The iterator over IndexSearch walks and seeks like the index block's own.
TEST(IndexSearchTest, IteratorMatchesTheBlockIterator) {
  std::mt19937 rng(77);
  std::vector<std::string> seps;
  for (int i = 0; i < 300; ++i) {
    seps.push_back(MakeInternalKey("pre" + std::to_string(rng() % 5000), rng() % 4,
                                   ValueType::kValue));
  }
  std::sort(seps.begin(), seps.end(),
            [](const std::string& a, const std::string& b) { return CompareInternalKeys(a, b) < 0; });
  seps.erase(std::unique(seps.begin(), seps.end()), seps.end());
  const Block block = IndexBlockOf(seps);
  absl::StatusOr<IndexSearch> search = IndexSearch::Build(block);
  ASSERT_TRUE(search.ok());
  std::unique_ptr<Iterator> want = block.NewIterator(KeyOrder::kInternal);
  std::unique_ptr<Iterator> got = search->NewIterator();
  auto same = [&](const std::string& what) {
    ASSERT_EQ(got->Valid(), want->Valid()) << what;
    if (!want->Valid()) return;
    ASSERT_EQ(got->key(), want->key()) << what;
    ASSERT_EQ(got->value(), want->value()) << what;
  };
  want->SeekToFirst();
  got->SeekToFirst();
  same("first");
  want->SeekToLast();
  got->SeekToLast();
  same("last");
  for (int q = 0; q < 500; ++q) {
    const std::string target =
        q % 3 == 0 ? seps[rng() % seps.size()]
                   : MakeInternalKey("pre" + std::to_string(rng() % 6000), rng() % 4,
                                     ValueType::kValue);
    if (q % 2 == 0) {
      want->Seek(target);
      got->Seek(target);
    } else {
      want->SeekForPrev(target);
      got->SeekForPrev(target);
    }
    same("seek " + std::to_string(q));
    for (int step = 0; step < 5 && want->Valid(); ++step) {
      if (rng() % 2) {
        want->Next();
        got->Next();
      } else {
        want->Prev();
        got->Prev();
      }
      same("step " + std::to_string(step));
    }
  }
}

TEST(IndexSearchTest, MalformedHandleIsDataLoss) {
  BlockBuilder b(1);
  b.Add(MakeInternalKey("k", 1, ValueType::kValue), "\xff");
  BlockContents c;
  c.data = BlockBuffer(b.Finish());
  const Block block(std::move(c));
  absl::StatusOr<IndexSearch> search = IndexSearch::Build(block);
  EXPECT_TRUE(absl::IsDataLoss(search.status())) << search.status();
}

}  // namespace
}  // namespace lsm
