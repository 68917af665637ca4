#include "engine/table/block.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "engine/memtable/dbformat.h"
#include "engine/table/block_builder.h"
#include "engine/util/coding.h"
#include "engine/util/random.h"
#include "gtest/gtest.h"

namespace lsm {
namespace {

using Entries = std::vector<std::pair<std::string, std::string>>;

std::shared_ptr<const Block> MakeBlock(std::string data) {
  BlockContents c;
  c.data = BlockBuffer(data);
  return std::make_shared<Block>(std::move(c));
}

std::string Build(const Entries& entries, int restart_interval) {
  BlockBuilder b(restart_interval);
  for (const auto& [k, v] : entries) b.Add(k, v);
  return std::string(b.Finish());
}

// n internal keys with shared prefixes, two versions of every third key.
Entries SampleEntries(int n) {
  Entries e;
  for (int i = 0; i < n; ++i) {
    const std::string user = "key" + std::to_string(1000 + i * 2);
    if (i % 3 == 0) e.emplace_back(MakeInternalKey(user, 200 + i, ValueType::kValue), "new" + user);
    e.emplace_back(MakeInternalKey(user, 100 + i, i % 5 == 0 ? ValueType::kDeletion : ValueType::kValue),
                   i % 7 == 0 ? "" : "v" + std::to_string(i));
  }
  return e;
}

void ExpectAt(const Iterator& it, const Entries& e, size_t i) {
  ASSERT_TRUE(it.Valid()) << "expected entry " << i;
  EXPECT_EQ(it.key(), e[i].first) << i;
  EXPECT_EQ(it.value(), e[i].second) << i;
}

// Checks every navigation against the sorted vector.
void CheckBlock(const Block& block, const Entries& e) {
  std::unique_ptr<Iterator> it = block.NewIterator(KeyOrder::kInternal);
  size_t i = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++i) ExpectAt(*it, e, i);
  EXPECT_EQ(i, e.size());
  EXPECT_TRUE(it->status().ok());

  i = e.size();
  for (it->SeekToLast(); it->Valid(); it->Prev()) ExpectAt(*it, e, --i);
  EXPECT_EQ(i, 0u);

  for (size_t j = 0; j < e.size(); ++j) {
    // At a key.
    it->Seek(e[j].first);
    ExpectAt(*it, e, j);
    it->SeekForPrev(e[j].first);
    ExpectAt(*it, e, j);
    // Between keys: a user key just after this one.
    const std::string between =
        MakeInternalKey(std::string(ExtractUserKey(e[j].first)) + '\0', kMaxSequenceNumber,
                        kValueTypeForSeek);
    auto lb = std::lower_bound(e.begin(), e.end(), between, [](const auto& a, const std::string& b) {
      return CompareInternalKeys(a.first, b) < 0;
    });
    it->Seek(between);
    if (lb == e.end()) {
      EXPECT_FALSE(it->Valid());
    } else {
      ExpectAt(*it, e, lb - e.begin());
    }
    // The point-read search finds what Seek finds, at a key and between keys.
    for (const auto& [target, want] :
         {std::pair<std::string, size_t>{e[j].first, j},
          std::pair<std::string, size_t>{between, static_cast<size_t>(lb - e.begin())}}) {
      std::string got_key, got_value;
      absl::StatusOr<bool> visited =
          block.VisitFirstAtOrAfter(target, [&](std::string_view k, std::string_view v) {
            got_key = k;
            got_value = v;
          });
      ASSERT_TRUE(visited.ok()) << visited.status();
      ASSERT_EQ(*visited, want < e.size());
      if (want < e.size()) {
        EXPECT_EQ(got_key, e[want].first);
        EXPECT_EQ(got_value, e[want].second);
      }
    }
    it->SeekForPrev(between);
    ASSERT_NE(lb, e.begin());
    ExpectAt(*it, e, (lb - e.begin()) - 1);
    // Prev from every position, across restart points.
    it->Seek(e[j].first);
    it->Prev();
    if (j == 0) {
      EXPECT_FALSE(it->Valid());
    } else {
      ExpectAt(*it, e, j - 1);
    }
  }
  // A random walk of Next and Prev from random seeks: a backward scan keeps
  // the entries of its restart region, and any other move must drop them.
  const uint32_t seed = static_cast<uint32_t>(e.size()) * 7919u + 17u;
  SCOPED_TRACE(testing::Message() << "walk seed " << seed);
  Random rnd(seed);
  for (int walk = 0; walk < 20 && !e.empty(); ++walk) {
    size_t pos = rnd.Uniform(static_cast<uint32_t>(e.size()));
    it->Seek(e[pos].first);
    for (int step = 0; step < 60; ++step) {
      ExpectAt(*it, e, pos);
      if (rnd.OneIn(3)) {
        if (pos + 1 == e.size()) break;
        it->Next();
        ++pos;
      } else {
        if (pos == 0) break;
        it->Prev();
        --pos;
      }
    }
  }
  // Before the first and after the last key.
  if (!e.empty()) {
    std::string first_key;
    absl::StatusOr<bool> visited = block.VisitFirstAtOrAfter(
        std::string_view(), [&](std::string_view k, std::string_view) { first_key = k; });
    ASSERT_TRUE(visited.ok() && *visited);
    EXPECT_EQ(first_key, e[0].first);
    visited = block.VisitFirstAtOrAfter(MakeInternalKey("z", 1, ValueType::kValue),
                                        [](std::string_view, std::string_view) {});
    ASSERT_TRUE(visited.ok());
    EXPECT_FALSE(*visited);
    it->Seek(MakeInternalKey("a", 1, ValueType::kValue));
    ExpectAt(*it, e, 0);
    it->SeekForPrev(MakeInternalKey("a", 1, ValueType::kValue));
    EXPECT_FALSE(it->Valid());
    it->Seek(MakeInternalKey("z", 1, ValueType::kValue));
    EXPECT_FALSE(it->Valid());
    it->SeekForPrev(MakeInternalKey("z", 1, ValueType::kValue));
    ExpectAt(*it, e, e.size() - 1);
  }
  EXPECT_TRUE(it->status().ok());
}

class BlockRestartTest : public testing::TestWithParam<int> {};

TEST_P(BlockRestartTest, NavigatesLikeASortedVector) {
  for (int n : {1, 2, 15, 16, 17, 100}) {
    SCOPED_TRACE(n);
    const Entries e = SampleEntries(n);
    std::shared_ptr<const Block> b = MakeBlock(Build(e, GetParam()));
    ASSERT_TRUE(b->status().ok()) << b->status();
    const uint32_t expected_restarts = (e.size() + GetParam() - 1) / GetParam();
    EXPECT_EQ(b->num_restarts(), expected_restarts);
    CheckBlock(*b, e);
  }
}

INSTANTIATE_TEST_SUITE_P(Intervals, BlockRestartTest, testing::Values(1, 2, 16));

TEST(BlockTest, PrefixCompressionSavesSpace) {
  const Entries e = SampleEntries(100);
  EXPECT_LT(Build(e, 16).size(), Build(e, 1).size());
}

TEST(BlockTest, EmptyBlock) {
  std::shared_ptr<const Block> b = MakeBlock(Build({}, 16));
  ASSERT_TRUE(b->status().ok());
  std::unique_ptr<Iterator> it = b->NewIterator(KeyOrder::kInternal);
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  it->SeekToLast();
  EXPECT_FALSE(it->Valid());
  it->Seek(MakeInternalKey("k", 1, ValueType::kValue));
  EXPECT_FALSE(it->Valid());
  it->SeekForPrev(MakeInternalKey("k", 1, ValueType::kValue));
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().ok());
}

TEST(BlockTest, BytewiseOrderAndBinaryKeys) {
  Entries e = {{"", "empty key"},
               {std::string("\0", 1), "nul"},
               {std::string("a\0b", 3), "embedded nul"},
               {"abc", std::string(1000, 'v')},
               {"\xff\xff", "high"}};
  std::shared_ptr<const Block> b = MakeBlock(Build(e, 2));
  auto it = std::make_unique<BlockIter>();
  it->SetBlock(b, KeyOrder::kBytewise);
  b.reset();  // the iterator keeps the block alive
  size_t i = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++i) ExpectAt(*it, e, i);
  EXPECT_EQ(i, e.size());
  it->Seek("ab");
  ExpectAt(*it, e, 3);
  it->SeekForPrev("ab");
  ExpectAt(*it, e, 2);
}

TEST(BlockTest, MalformedRestartArrayIsDataLoss) {
  const Entries e = SampleEntries(40);
  const std::string good = Build(e, 4);
  const size_t n = good.size();
  const uint32_t num = DecodeFixed32(good.data() + n - 4);
  const size_t array = n - 4 - 4 * num;

  std::vector<std::pair<const char*, std::string>> cases;
  // Too many restarts for the block's size.
  std::string s = good;
  EncodeFixed32(s.data() + n - 4, static_cast<uint32_t>(n));
  cases.emplace_back("count too large", s);
  s = good;
  EncodeFixed32(s.data() + n - 4, 0);
  cases.emplace_back("zero restarts", s);
  // A restart offset past the entries.
  s = good;
  EncodeFixed32(s.data() + array + 4, static_cast<uint32_t>(n + 100));
  cases.emplace_back("offset out of range", s);
  // Restarts out of order.
  s = good;
  EncodeFixed32(s.data() + array + 8, 1);
  cases.emplace_back("out of order", s);
  // First restart not at 0.
  s = good;
  EncodeFixed32(s.data() + array, 3);
  cases.emplace_back("first not zero", s);
  cases.emplace_back("too short", std::string("\x01\x00", 2));

  for (const auto& [name, data] : cases) {
    SCOPED_TRACE(name);
    std::shared_ptr<const Block> b = MakeBlock(data);
    EXPECT_EQ(b->status().code(), absl::StatusCode::kDataLoss);
    std::unique_ptr<Iterator> it = b->NewIterator(KeyOrder::kInternal);
    it->SeekToFirst();
    EXPECT_FALSE(it->Valid());
    EXPECT_EQ(it->status().code(), absl::StatusCode::kDataLoss);
    EXPECT_EQ(b->VisitFirstAtOrAfter({}, [](std::string_view, std::string_view) {}).status().code(),
              absl::StatusCode::kDataLoss);
  }
}

TEST(BlockTest, DamagedEntriesNeverReadOutOfBounds) {
  // Random damage to the entry area (the restart array kept intact):
  // iteration either yields keys or stops with DataLoss. ASan checks bounds.
  const Entries e = SampleEntries(60);
  const std::string good = Build(e, 8);
  const uint64_t seed = 1234;
  SCOPED_TRACE(seed);
  Random rnd(seed);
  int corrupt = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    std::string bad = good;
    const int flips = 1 + static_cast<int>(rnd.Uniform(4));
    for (int f = 0; f < flips; ++f) bad[rnd.Uniform(bad.size())] = static_cast<char>(rnd.Next());
    std::shared_ptr<const Block> b = MakeBlock(bad);
    for (KeyOrder order : {KeyOrder::kInternal, KeyOrder::kBytewise}) {
      std::unique_ptr<Iterator> it = b->NewIterator(order);
      int steps = 0;
      for (it->SeekToFirst(); it->Valid() && steps < 1000; it->Next()) ++steps;
      for (it->SeekToLast(); it->Valid() && steps < 2000; it->Prev()) ++steps;
      it->Seek(e[rnd.Uniform(e.size())].first);
      if (it->Valid()) it->Prev();
      it->SeekForPrev(e[rnd.Uniform(e.size())].first);
      if (it->Valid()) it->Next();
      if (order == KeyOrder::kInternal) {
        absl::StatusOr<bool> visited = b->VisitFirstAtOrAfter(
            e[rnd.Uniform(e.size())].first, [](std::string_view, std::string_view) {});
        if (!visited.ok()) {
          EXPECT_EQ(visited.status().code(), absl::StatusCode::kDataLoss);
        }
      }
      if (!it->status().ok()) {
        EXPECT_EQ(it->status().code(), absl::StatusCode::kDataLoss);
        ++corrupt;
      }
    }
  }
  EXPECT_GT(corrupt, 0);
  // Fully random buffers too.
  for (int trial = 0; trial < 2000; ++trial) {
    std::shared_ptr<const Block> b = MakeBlock(rnd.Bytes(rnd.Uniform(64)));
    std::unique_ptr<Iterator> it = b->NewIterator(KeyOrder::kInternal);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
    }
    for (it->SeekToLast(); it->Valid(); it->Prev()) {
    }
    it->Seek(MakeInternalKey("m", 5, ValueType::kValue));
  }
}

TEST(BlockIterTest, ARepointedIteratorForgetsTheBlockBefore) {
  // One iterator, pointed at one block after another (as a table's iterator
  // reuses it): each block reads as if the iterator were new, forward and
  // backward, and a damaged block or a cleared iterator reports and holds
  // nothing.
  const Entries first = SampleEntries(40);
  Entries second;
  for (int i = 0; i < 25; ++i) {
    second.emplace_back(MakeInternalKey("zz" + std::to_string(100 + i), 7, ValueType::kValue),
                        "w" + std::to_string(i));
  }
  std::shared_ptr<const Block> a = MakeBlock(Build(first, 4));
  std::shared_ptr<const Block> b = MakeBlock(Build(second, 3));
  std::shared_ptr<const Block> bad = MakeBlock("xy");
  ASSERT_FALSE(bad->status().ok());

  BlockIter it;
  EXPECT_FALSE(it.Valid());
  EXPECT_TRUE(it.status().ok());
  it.SetBlock(a, KeyOrder::kInternal);
  it.SeekToLast();
  it.Prev();  // keeps a's decoded restart region for further backward steps
  ExpectAt(it, first, first.size() - 2);

  it.SetBlock(b, KeyOrder::kInternal);
  EXPECT_FALSE(it.Valid());
  size_t i = second.size();
  for (it.SeekToLast(); it.Valid(); it.Prev()) ExpectAt(it, second, --i);
  EXPECT_EQ(i, 0u);
  i = 0;
  for (it.SeekToFirst(); it.Valid(); it.Next(), ++i) ExpectAt(it, second, i);
  EXPECT_EQ(i, second.size());

  it.SetBlock(bad, KeyOrder::kInternal);
  it.SeekToFirst();
  EXPECT_FALSE(it.Valid());
  EXPECT_EQ(it.status().code(), absl::StatusCode::kDataLoss);

  it.SetBlock(a, KeyOrder::kInternal);
  EXPECT_TRUE(it.status().ok());
  it.Seek(first[5].first);
  ExpectAt(it, first, 5);

  // Clear releases the block the iterator kept alive.
  std::weak_ptr<const Block> watch = b;
  it.SetBlock(std::move(b), KeyOrder::kInternal);
  it.Clear(absl::DataLossError("unreadable"));
  EXPECT_TRUE(watch.expired());
  EXPECT_FALSE(it.Valid());
  EXPECT_EQ(it.status().code(), absl::StatusCode::kDataLoss);
}

TEST(BlockIterTest, KeysLongerThanTheInlineBufferReadBackWhole) {
  // Keys from 9 to 400 bytes, with long shared prefixes: the iterator's key
  // buffer (inline up to 48 bytes) grows, and prefix decoding, backward
  // steps and seeks all see whole keys.
  Entries e;
  for (int i = 0; i < 60; ++i) {
    std::string user(static_cast<size_t>(1 + (i * 37) % 392), 'p');
    user += std::to_string(1000 + i);
    e.emplace_back(MakeInternalKey(user, 5, ValueType::kValue), "v" + std::to_string(i));
  }
  std::sort(e.begin(), e.end(), [](const auto& a, const auto& b) {
    return CompareInternalKeys(a.first, b.first) < 0;
  });
  std::shared_ptr<const Block> block = MakeBlock(Build(e, 4));
  CheckBlock(*block, e);
}

}  // namespace
}  // namespace lsm
