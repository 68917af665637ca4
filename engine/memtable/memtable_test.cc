#include "engine/memtable/memtable.h"

#include <atomic>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/strings/escaping.h"
#include "engine/memtable/dbformat.h"
#include "engine/util/random.h"
#include "gtest/gtest.h"

namespace lsm {
namespace {

using GetResult = MemTable::GetResult;
using namespace std::string_view_literals;

std::string GetValue(const MemTable& mem, std::string_view key, SequenceNumber snap,
                     GetResult* result) {
  std::string value = "untouched";
  *result = mem.Get(key, snap, &value);
  return value;
}

// The inline eight-bytes-at-a-time user-key comparison agrees with a
// bytewise comparison, over lengths around its word and memcmp boundaries,
// shared prefixes and bytes above 0x7f.
TEST(DBFormatTest, CompareUserKeysIsBytewise) {
  const uint64_t seed = 20261130;
  std::printf("seed=%llu\n", static_cast<unsigned long long>(seed));
  Random rnd(seed);
  const char alphabet[] = {'\0', 'a', 'b', '\x7f', '\x80', '\xff'};
  auto sign = [](int v) { return (v > 0) - (v < 0); };
  for (int trial = 0; trial < 200000; ++trial) {
    std::string a(rnd.Uniform(41), '\0');
    for (char& c : a) c = alphabet[rnd.Uniform(sizeof(alphabet))];
    std::string b = a.substr(0, rnd.Uniform(a.size() + 1));
    const size_t extra = rnd.Uniform(12);
    for (size_t i = 0; i < extra; ++i) b.push_back(alphabet[rnd.Uniform(sizeof(alphabet))]);
    ASSERT_EQ(sign(CompareUserKeys(a, b)), sign(a.compare(b)))
        << "a=" << absl::CEscape(a) << " b=" << absl::CEscape(b);
    ASSERT_EQ(sign(CompareUserKeys(b, a)), sign(b.compare(a)));
  }
}

// Every MemTableTest runs on each sorted structure.
class MemTableTest : public testing::TestWithParam<MemTableStructure> {};
INSTANTIATE_TEST_SUITE_P(Structures, MemTableTest,
                         testing::Values(MemTableStructure::kBTree, MemTableStructure::kSkipList),
                         [](const testing::TestParamInfo<MemTableStructure>& info) {
                           return info.param == MemTableStructure::kBTree ? "BTree" : "SkipList";
                         });

TEST_P(MemTableTest, EmptyTable) {
  MemTable mem(0, GetParam());
  std::string value;
  EXPECT_EQ(mem.Get("a", kMaxSequenceNumber, &value), GetResult::kNotPresent);
  EXPECT_EQ(mem.NumEntries(), 0u);
  EXPECT_EQ(mem.SmallestSequence(), kMaxSequenceNumber);
  EXPECT_EQ(mem.LargestSequence(), 0u);
  auto iter = mem.NewIterator();
  iter->SeekToFirst();
  EXPECT_FALSE(iter->Valid());
  EXPECT_TRUE(iter->status().ok());
}

// Get at each snapshot sees the newest entry at or below it.
TEST_P(MemTableTest, GetAtSnapshots) {
  MemTable mem(0, GetParam());
  mem.Add(10, ValueType::kValue, "k", "v10");
  mem.Add(20, ValueType::kValue, "k", "v20");
  mem.Add(30, ValueType::kDeletion, "k", "");
  mem.Add(40, ValueType::kValue, "k", "v40");
  mem.Add(25, ValueType::kValue, "other", "o25");

  struct Case {
    SequenceNumber snapshot;
    GetResult result;
    std::string value;
  };
  const Case cases[] = {
      {5, GetResult::kNotPresent, "untouched"},  // before the first write
      {10, GetResult::kFound, "v10"},            // exactly at a write
      {19, GetResult::kFound, "v10"},            // between writes
      {20, GetResult::kFound, "v20"},
      {29, GetResult::kFound, "v20"},
      {30, GetResult::kDeleted, "untouched"},  // the tombstone shadows v20
      {39, GetResult::kDeleted, "untouched"},
      {40, GetResult::kFound, "v40"},  // rewritten after the delete
      {kMaxSequenceNumber, GetResult::kFound, "v40"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.snapshot);
    GetResult r;
    EXPECT_EQ(GetValue(mem, "k", c.snapshot, &r), c.value);
    EXPECT_EQ(r, c.result);
  }
  GetResult r;
  GetValue(mem, "other", 24, &r);
  EXPECT_EQ(r, GetResult::kNotPresent);
  EXPECT_EQ(GetValue(mem, "other", 25, &r), "o25");
  EXPECT_EQ(r, GetResult::kFound);
  // Keys adjacent to existing ones are absent.
  for (std::string_view k : {""sv, "j"sv, "k\0"sv, "ka"sv, "l"sv, "othe"sv, "otherx"sv}) {
    GetValue(mem, k, kMaxSequenceNumber, &r);
    EXPECT_EQ(r, GetResult::kNotPresent) << k;
  }

  EXPECT_EQ(mem.NumEntries(), 5u);
  EXPECT_EQ(mem.NumDeletions(), 1u);
  EXPECT_EQ(mem.SmallestSequence(), 10u);
  EXPECT_EQ(mem.LargestSequence(), 40u);
}

// Binary keys with embedded zeros, and empty keys and values.
TEST_P(MemTableTest, BinaryKeysAndEmptyValues) {
  using namespace std::string_literals;
  MemTable mem(0, GetParam());
  const std::string k1 = "a\0b"s;
  const std::string k2 = "a\0"s;
  const std::string k3 = "\0\0\xff"s;
  mem.Add(1, ValueType::kValue, k1, "");
  mem.Add(2, ValueType::kValue, k2, "v\0x"s);
  mem.Add(3, ValueType::kValue, k3, "\xff"s);
  mem.Add(4, ValueType::kValue, "", "empty-key");
  mem.Add(5, ValueType::kValue, "a", "plain-a");

  GetResult r;
  EXPECT_EQ(GetValue(mem, k1, 10, &r), "");
  EXPECT_EQ(r, GetResult::kFound);
  EXPECT_EQ(GetValue(mem, k2, 10, &r), "v\0x"s);
  EXPECT_EQ(r, GetResult::kFound);
  EXPECT_EQ(GetValue(mem, k3, 10, &r), "\xff"s);
  EXPECT_EQ(GetValue(mem, "", 10, &r), "empty-key");
  EXPECT_EQ(GetValue(mem, "a", 10, &r), "plain-a");
  GetValue(mem, "a\0\0"s, 10, &r);
  EXPECT_EQ(r, GetResult::kNotPresent);

  // Bytewise order: "" < "\0\0\xff" < "a" < "a\0" < "a\0b".
  auto iter = mem.NewIterator();
  std::vector<std::string> user_keys;
  for (iter->SeekToFirst(); iter->Valid(); iter->Next()) {
    user_keys.emplace_back(ExtractUserKey(iter->key()));
  }
  EXPECT_EQ(user_keys, (std::vector<std::string>{"", k3, "a", k2, k1}));
}

// Many sequences of one user key iterate newest first; Seek with a lookup key
// lands on the newest entry at or below the sequence; SeekForPrev and Prev
// walk back.
TEST_P(MemTableTest, IteratorOrderForOneUserKey) {
  MemTable mem(0, GetParam());
  const std::vector<SequenceNumber> seqs = {7, 3, 100, 42, 1, 99};
  for (SequenceNumber s : seqs) {
    mem.Add(s, s % 2 == 0 ? ValueType::kDeletion : ValueType::kValue, "key",
            s % 2 == 0 ? "" : "v" + std::to_string(s));
  }
  mem.Add(50, ValueType::kValue, "kex", "before");
  mem.Add(50, ValueType::kValue, "kez", "after");

  auto iter = mem.NewIterator();
  std::vector<std::tuple<std::string, SequenceNumber, ValueType, std::string>> got;
  for (iter->SeekToFirst(); iter->Valid(); iter->Next()) {
    ParsedInternalKey p;
    ASSERT_TRUE(ParseInternalKey(iter->key(), &p));
    got.emplace_back(std::string(p.user_key), p.sequence, p.type, std::string(iter->value()));
  }
  using T = std::tuple<std::string, SequenceNumber, ValueType, std::string>;
  const std::vector<T> want = {
      {"kex", 50, ValueType::kValue, "before"},   {"key", 100, ValueType::kDeletion, ""},
      {"key", 99, ValueType::kValue, "v99"},      {"key", 42, ValueType::kDeletion, ""},
      {"key", 7, ValueType::kValue, "v7"},        {"key", 3, ValueType::kValue, "v3"},
      {"key", 1, ValueType::kValue, "v1"},        {"kez", 50, ValueType::kValue, "after"},
  };
  EXPECT_EQ(got, want);

  // Backward gives the reverse.
  std::vector<T> back;
  for (iter->SeekToLast(); iter->Valid(); iter->Prev()) {
    ParsedInternalKey p;
    ASSERT_TRUE(ParseInternalKey(iter->key(), &p));
    back.emplace_back(std::string(p.user_key), p.sequence, p.type, std::string(iter->value()));
  }
  EXPECT_EQ(back, std::vector<T>(want.rbegin(), want.rend()));

  struct Case {
    SequenceNumber seq;
    SequenceNumber seek_lands;     // sequence of "key" Seek finds; 0: lands on "kez"
    SequenceNumber prev_lands;     // sequence of "key" SeekForPrev finds; 0: on "kex"
  };
  const Case cases[] = {
      {200, 100, 0},   // above everything: newest for Seek, nothing <= for Prev
      {100, 100, 0},   // exact: the deletion at 100 sorts after the kValue target
      {50, 42, 99},    // between 99 and 42
      {1, 1, 1},
      {0, 0, 1},       // below the oldest: Seek moves on to the next user key
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.seq);
    const std::string target = MakeLookupKey("key", c.seq);
    iter->Seek(target);
    ASSERT_TRUE(iter->Valid());
    ParsedInternalKey p;
    ASSERT_TRUE(ParseInternalKey(iter->key(), &p));
    if (c.seek_lands == 0) {
      EXPECT_EQ(p.user_key, "kez");
    } else {
      EXPECT_EQ(p.user_key, "key");
      EXPECT_EQ(p.sequence, c.seek_lands);
    }
    iter->SeekForPrev(target);
    ASSERT_TRUE(iter->Valid());
    ASSERT_TRUE(ParseInternalKey(iter->key(), &p));
    if (c.prev_lands == 0) {
      EXPECT_EQ(p.user_key, "kex");
    } else {
      EXPECT_EQ(p.user_key, "key");
      EXPECT_EQ(p.sequence, c.prev_lands);
    }
  }

  iter->Seek(MakeLookupKey("kf", kMaxSequenceNumber));
  EXPECT_FALSE(iter->Valid());
  iter->SeekForPrev(MakeLookupKey("a", kMaxSequenceNumber));
  EXPECT_FALSE(iter->Valid());
  // A target too short to be an internal key is read as a user key.
  iter->Seek("kez");
  ASSERT_TRUE(iter->Valid());
  EXPECT_EQ(ExtractUserKey(iter->key()), "kez");
}

// Random operations against a model: for every key and many snapshots, Get
// must agree with the newest model entry at or below the snapshot.
TEST_P(MemTableTest, RandomizedAgainstModel) {
  const uint64_t seed = 4242;
  std::cerr << "seed=" << seed << "\n";
  Random rnd(seed);
  MemTable mem(0, GetParam());
  // model[key][seq] = value, or nullopt-like "\x01DEL" marker for deletions.
  std::map<std::string, std::map<SequenceNumber, std::optional<std::string>>> model;
  SequenceNumber seq = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string key = "k" + std::to_string(rnd.Uniform(300));
    if (rnd.OneIn(5)) key.push_back('\0');
    ++seq;
    if (rnd.OneIn(4)) {
      mem.Add(seq, ValueType::kDeletion, key, "");
      model[key][seq] = std::nullopt;
    } else {
      std::string value = rnd.Bytes(rnd.Uniform(40));
      mem.Add(seq, ValueType::kValue, key, value);
      model[key][seq] = value;
    }
  }
  EXPECT_EQ(mem.NumEntries(), 3000u);
  EXPECT_GT(mem.ApproximateMemoryUsage(), 3000u * 10);

  for (int i = 0; i < 5000; ++i) {
    std::string key = "k" + std::to_string(rnd.Uniform(310));
    if (rnd.OneIn(5)) key.push_back('\0');
    const SequenceNumber snap = rnd.Uniform(seq + 2);
    GetResult want = GetResult::kNotPresent;
    std::string want_value;
    auto it = model.find(key);
    if (it != model.end()) {
      auto v = it->second.upper_bound(snap);
      if (v != it->second.begin()) {
        --v;
        if (v->second.has_value()) {
          want = GetResult::kFound;
          want_value = *v->second;
        } else {
          want = GetResult::kDeleted;
        }
      }
    }
    std::string got_value;
    const GetResult got = mem.Get(key, snap, &got_value);
    ASSERT_EQ(got, want) << "key=" << key << " snap=" << snap;
    if (want == GetResult::kFound) {
      ASSERT_EQ(got_value, want_value);
    }
  }

  // Full iteration equals the model flattened in internal-key order.
  auto iter = mem.NewIterator();
  iter->SeekToFirst();
  for (const auto& [key, versions] : model) {
    for (auto v = versions.rbegin(); v != versions.rend(); ++v) {
      ASSERT_TRUE(iter->Valid());
      ParsedInternalKey p;
      ASSERT_TRUE(ParseInternalKey(iter->key(), &p));
      ASSERT_EQ(p.user_key, key);
      ASSERT_EQ(p.sequence, v->first);
      ASSERT_EQ(p.type, v->second ? ValueType::kValue : ValueType::kDeletion);
      if (v->second) {
        ASSERT_EQ(iter->value(), *v->second);
      }
      iter->Next();
    }
  }
  EXPECT_FALSE(iter->Valid());
}

TEST_P(MemTableTest, LargeKeysAndValues) {
  MemTable mem(0, GetParam());
  const std::string big_key(70000, 'k');
  const std::string big_value(1 << 20, 'v');
  mem.Add(1, ValueType::kValue, big_key, big_value);
  mem.Add(2, ValueType::kValue, "small", "s");
  std::string value;
  EXPECT_EQ(mem.Get(big_key, 5, &value), GetResult::kFound);
  EXPECT_EQ(value, big_value);
  EXPECT_GE(mem.ApproximateMemoryUsage(), big_key.size() + big_value.size());
}

// An iterator keeps a shared_ptr-owned memtable alive after the last owner
// lets go.
TEST_P(MemTableTest, IteratorKeepsSharedMemTableAlive) {
  auto mem = std::make_shared<MemTable>(0, GetParam());
  mem->Add(1, ValueType::kValue, "a", "1");
  std::weak_ptr<MemTable> weak = mem;
  auto iter = mem->NewIterator();
  mem.reset();
  EXPECT_FALSE(weak.expired());
  iter->SeekToFirst();
  ASSERT_TRUE(iter->Valid());
  EXPECT_EQ(iter->value(), "1");
  iter.reset();
  EXPECT_TRUE(weak.expired());
}

// Readers Get and iterate while the single writer adds.
TEST_P(MemTableTest, ConcurrentReadersWithOneWriter) {
  MemTable mem(0, GetParam());
  constexpr int kN = 20000;
  std::atomic<int> published{0};
  std::atomic<bool> failed{false};
  auto reader = [&] {
    Random rnd(7);
    while (published.load(std::memory_order_acquire) < kN && !failed.load()) {
      const int n = published.load(std::memory_order_acquire);
      if (n == 0) continue;
      const int i = static_cast<int>(rnd.Uniform(n));
      std::string value;
      char key[16];
      snprintf(key, sizeof(key), "%08d", i);
      if (mem.Get(key, kMaxSequenceNumber, &value) != GetResult::kFound ||
          value != std::to_string(i)) {
        failed.store(true);
        ADD_FAILURE() << "key " << key << " not found";
      }
      auto iter = mem.NewIterator();
      iter->Seek(MakeLookupKey(key, kMaxSequenceNumber));
      if (!iter->Valid() || ExtractUserKey(iter->key()) != key) {
        failed.store(true);
        ADD_FAILURE() << "iterator missed " << key;
      }
    }
  };
  std::thread t1(reader), t2(reader);
  for (int i = 0; i < kN; ++i) {
    char key[16];
    snprintf(key, sizeof(key), "%08d", i);
    mem.Add(i + 1, ValueType::kValue, key, std::to_string(i));
    published.store(i + 1, std::memory_order_release);
  }
  t1.join();
  t2.join();
  EXPECT_FALSE(failed.load());
}

}  // namespace
}  // namespace lsm

namespace lsm {
namespace {

// The bloom filter never hides a key the memtable holds, and turns most
// absent keys away (printed: the false positive rate at about 9 bits/key).
TEST(MemTableBloomTest, NoFalseNegativesFewFalsePositives) {
  MemTableBloom bloom(16 << 10);  // 16 KiB: 131072 bits
  for (int i = 0; i < 14000; ++i) bloom.Add("key" + std::to_string(i));
  for (int i = 0; i < 14000; ++i) ASSERT_TRUE(bloom.MayContain("key" + std::to_string(i))) << i;
  int positives = 0;
  for (int i = 0; i < 100000; ++i) positives += bloom.MayContain("absent" + std::to_string(i));
  std::printf("false positives: %.2f%%\n", positives / 1000.0);
  EXPECT_LT(positives, 5000);  // 5%: a broken filter says yes to nearly everything
}

TEST(MemTableBloomTest, MemTableWithABloomAnswersLikeOneWithout) {
  MemTable with(1 << 20);
  MemTable without;
  Random rnd(12);
  for (SequenceNumber seq = 1; seq <= 5000; ++seq) {
    const std::string k = "k" + std::to_string(rnd.Uniform(3000));
    const ValueType t = rnd.OneIn(5) ? ValueType::kDeletion : ValueType::kValue;
    const std::string v = t == ValueType::kValue ? "v" + std::to_string(seq) : "";
    with.Add(seq, t, k, v);
    without.Add(seq, t, k, v);
  }
  EXPECT_GT(with.ApproximateMemoryUsage(), without.ApproximateMemoryUsage());
  for (int i = 0; i < 4000; ++i) {
    const std::string k = "k" + std::to_string(i);
    const SequenceNumber snap = rnd.Uniform(5200);
    std::string a, b;
    SequenceNumber sa = 0, sb = 0;
    ASSERT_EQ(with.Get(k, snap, &a, &sa), without.Get(k, snap, &b, &sb)) << k;
    ASSERT_EQ(a, b);
    ASSERT_EQ(sa, sb);
  }
}

TEST(LookupKeyTest, MatchesMakeLookupKeyInlineAndOnTheHeap) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{16}, LookupKey::kInline, LookupKey::kInline + 1,
                   size_t{1000}}) {
    const std::string user(n, 'u');
    for (SequenceNumber seq : {SequenceNumber{0}, SequenceNumber{77}, kMaxSequenceNumber}) {
      const LookupKey key(user, seq);
      EXPECT_EQ(key.internal_key(), MakeLookupKey(user, seq)) << n << " " << seq;
    }
  }
  // An empty view with no storage at all.
  EXPECT_EQ(LookupKey(std::string_view(), 9).internal_key(), MakeLookupKey("", 9));
}

}  // namespace
}  // namespace lsm
