// The memtable's two sorted structures, BTreeList and SkipList, pass the same
// tests: a typed test suite runs each test on both.
#include "engine/memtable/btree_list.h"
#include "engine/memtable/skiplist.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "engine/util/arena.h"
#include "engine/util/random.h"
#include "gtest/gtest.h"

namespace lsm {
namespace {

// Integers stored big-endian, so that their bytes sort as the numbers do.
struct BigEndian64 {
  char bytes[8];
};
BigEndian64 ToBigEndian(uint64_t v) {
  BigEndian64 k;
  v = __builtin_bswap64(v);
  std::memcpy(k.bytes, &v, 8);
  return k;
}
uint64_t FromBigEndian(const BigEndian64& k) {
  uint64_t v;
  std::memcpy(&v, k.bytes, 8);
  return __builtin_bswap64(v);
}
struct BigEndian64Compare {
  int operator()(const BigEndian64& a, const BigEndian64& b) const {
    const uint64_t x = FromBigEndian(a);
    const uint64_t y = FromBigEndian(b);
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  std::string_view Bytes(const BigEndian64& k) const { return std::string_view(k.bytes, 8); }
};

// One of the sorted structures (Structure<Key, Comparator>) holding
// integers, spoken to in integers.
template <template <typename, class> class S>
class IntList {
 public:
  template <typename Key, class Comparator>
  using Structure = S<Key, Comparator>;
  using List = S<BigEndian64, BigEndian64Compare>;

  IntList(BigEndian64Compare cmp, Arena* arena) : list_(cmp, arena) {}
  void Insert(uint64_t k) { list_.Insert(ToBigEndian(k)); }
  bool Contains(uint64_t k) const { return list_.Contains(ToBigEndian(k)); }

  class Iterator {
   public:
    explicit Iterator(const IntList* list) : iter_(&list->list_) {}
    bool Valid() const { return iter_.Valid(); }
    uint64_t key() const { return FromBigEndian(iter_.key()); }
    void Next() { iter_.Next(); }
    void Prev() { iter_.Prev(); }
    void Seek(uint64_t target) { iter_.Seek(ToBigEndian(target)); }
    void SeekForPrev(uint64_t target) { iter_.SeekForPrev(ToBigEndian(target)); }
    void SeekToFirst() { iter_.SeekToFirst(); }
    void SeekToLast() { iter_.SeekToLast(); }

   private:
    typename List::Iterator iter_;
  };

 private:
  List list_;
};

template <typename T>
class SortedStructureTest : public testing::Test {};
using Structures = testing::Types<IntList<BTreeList>, IntList<SkipList>>;
class StructureNames {
 public:
  template <typename T>
  static std::string GetName(int) {
    return std::is_same_v<T, IntList<BTreeList>> ? "BTreeList" : "SkipList";
  }
};
TYPED_TEST_SUITE(SortedStructureTest, Structures, StructureNames);

// Iterates over list both ways and expects exactly the keys of model, in
// order.
template <typename List>
void ExpectSameKeys(const List& list, const std::set<uint64_t>& model) {
  typename List::Iterator iter(&list);
  iter.SeekToFirst();
  for (uint64_t k : model) {
    ASSERT_TRUE(iter.Valid());
    ASSERT_EQ(iter.key(), k);
    iter.Next();
  }
  EXPECT_FALSE(iter.Valid());
  iter.SeekToLast();
  for (auto it = model.rbegin(); it != model.rend(); ++it) {
    ASSERT_TRUE(iter.Valid());
    ASSERT_EQ(iter.key(), *it);
    iter.Prev();
  }
  EXPECT_FALSE(iter.Valid());
}

TYPED_TEST(SortedStructureTest, Empty) {
  Arena arena;
  TypeParam list(BigEndian64Compare{}, &arena);
  EXPECT_FALSE(list.Contains(10));

  typename TypeParam::Iterator iter(&list);
  EXPECT_FALSE(iter.Valid());
  iter.SeekToFirst();
  EXPECT_FALSE(iter.Valid());
  iter.Seek(100);
  EXPECT_FALSE(iter.Valid());
  iter.SeekForPrev(100);
  EXPECT_FALSE(iter.Valid());
  iter.SeekToLast();
  EXPECT_FALSE(iter.Valid());
}

// Table-driven positioning on the list {10, 20, 30}.
TYPED_TEST(SortedStructureTest, SeekCases) {
  Arena arena;
  TypeParam list(BigEndian64Compare{}, &arena);
  for (uint64_t k : {20, 10, 30}) list.Insert(k);
  struct Case {
    uint64_t target;
    bool seek_valid;
    uint64_t seek_key;
    bool prev_valid;
    uint64_t prev_key;
  };
  const Case cases[] = {
      {5, true, 10, false, 0},    // before everything
      {10, true, 10, true, 10},   // exact first
      {15, true, 20, true, 10},   // between
      {20, true, 20, true, 20},   // exact middle
      {30, true, 30, true, 30},   // exact last
      {31, false, 0, true, 30},   // after everything
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.target);
    typename TypeParam::Iterator iter(&list);
    iter.Seek(c.target);
    ASSERT_EQ(iter.Valid(), c.seek_valid);
    if (c.seek_valid) {
      EXPECT_EQ(iter.key(), c.seek_key);
    }
    iter.SeekForPrev(c.target);
    ASSERT_EQ(iter.Valid(), c.prev_valid);
    if (c.prev_valid) {
      EXPECT_EQ(iter.key(), c.prev_key);
    }
  }
}

// Random inserts checked against std::set: membership, both directions of
// iteration, Seek and SeekForPrev.
TYPED_TEST(SortedStructureTest, MatchesStdSet) {
  const uint64_t seed = 301;
  std::cerr << "seed=" << seed << "\n";
  Random rnd(seed);
  constexpr int kN = 2000;
  constexpr uint64_t kRange = 5000;
  Arena arena;
  TypeParam list(BigEndian64Compare{}, &arena);
  std::set<uint64_t> model;
  for (int i = 0; i < kN; ++i) {
    const uint64_t key = rnd.Uniform(kRange);
    if (model.insert(key).second) list.Insert(key);
  }

  for (uint64_t k = 0; k < kRange; ++k) {
    ASSERT_EQ(list.Contains(k), model.count(k) == 1) << k;
  }

  ExpectSameKeys(list, model);
  for (int i = 0; i < 1000; ++i) {
    const uint64_t target = rnd.Uniform(kRange + 10);
    typename TypeParam::Iterator iter(&list);
    iter.Seek(target);
    auto lb = model.lower_bound(target);
    if (lb == model.end()) {
      ASSERT_FALSE(iter.Valid()) << target;
    } else {
      ASSERT_TRUE(iter.Valid()) << target;
      ASSERT_EQ(iter.key(), *lb);
    }
    iter.SeekForPrev(target);
    auto ub = model.upper_bound(target);
    if (ub == model.begin()) {
      ASSERT_FALSE(iter.Valid()) << target;
    } else {
      ASSERT_TRUE(iter.Valid()) << target;
      ASSERT_EQ(iter.key(), *std::prev(ub));
    }
  }
}

// Random walks of Next, Prev and seeks against std::set.
TYPED_TEST(SortedStructureTest, RandomWalksMatchStdSet) {
  const uint64_t seed = 977;
  std::cerr << "seed=" << seed << "\n";
  Random rnd(seed);
  Arena arena;
  TypeParam list(BigEndian64Compare{}, &arena);
  std::set<uint64_t> model;
  for (int i = 0; i < 5000; ++i) {
    const uint64_t key = rnd.Uniform(100000);
    if (model.insert(key).second) list.Insert(key);
  }
  const std::vector<uint64_t> keys(model.begin(), model.end());
  typename TypeParam::Iterator iter(&list);
  for (int walk = 0; walk < 300; ++walk) {
    size_t pos = rnd.Uniform(keys.size());
    if (rnd.OneIn(10)) {
      iter.SeekToLast();
      pos = keys.size() - 1;
    } else {
      iter.Seek(keys[pos]);
    }
    for (int step = 0; step < 100; ++step) {
      ASSERT_TRUE(iter.Valid()) << "walk " << walk << " step " << step;
      ASSERT_EQ(iter.key(), keys[pos]) << "walk " << walk << " step " << step;
      if (rnd.OneIn(4)) {
        iter.Next();
        if (++pos == keys.size()) {
          ASSERT_FALSE(iter.Valid());
          break;
        }
      } else {
        iter.Prev();
        if (pos-- == 0) {
          ASSERT_FALSE(iter.Valid());
          break;
        }
      }
    }
  }
}

// Keys inserted between backward steps do not break the order, and the
// steps that follow see them.
TYPED_TEST(SortedStructureTest, PrevAfterInsertsStaysOrdered) {
  Arena arena;
  TypeParam list(BigEndian64Compare{}, &arena);
  for (uint64_t k = 0; k < 4000; k += 2) list.Insert(k);
  typename TypeParam::Iterator iter(&list);
  iter.SeekToLast();
  iter.Prev();  // at 3996
  for (uint64_t k = 1; k < 4000; k += 2) list.Insert(k);
  uint64_t last = iter.key();
  size_t steps = 0;
  for (iter.Prev(); iter.Valid(); iter.Prev(), ++steps) {
    ASSERT_LT(iter.key(), last);
    last = iter.key();
  }
  EXPECT_EQ(last, 0u);
  EXPECT_EQ(steps, 3996u);  // every key below 3996 (0..3995), odd ones included
}

// Ascending runs (the BTreeList's uneven split of its rightmost leaf, the
// SkipList's insert hint) mixed with random keys, and descending runs,
// checked against std::set via forward and backward iteration.
TYPED_TEST(SortedStructureTest, AscendingRunsAndRandomKeys) {
  const uint64_t seed = 911;
  std::cerr << "seed=" << seed << "\n";
  Random rnd(seed);
  Arena arena;
  TypeParam list(BigEndian64Compare{}, &arena);
  std::set<uint64_t> model;
  for (int run = 0; run < 200; ++run) {
    const uint64_t start = rnd.Uniform(1000000);
    const int len = static_cast<int>(rnd.Uniform(40));
    const int step = rnd.OneIn(4) ? -1 : 1;
    for (int i = 0; i < len; ++i) {
      const uint64_t k = start + step * i * static_cast<int64_t>(1 + rnd.Uniform(3));
      if (model.insert(k).second) list.Insert(k);
    }
  }
  ExpectSameKeys(list, model);
  for (uint64_t k : model) ASSERT_TRUE(list.Contains(k)) << k;
}

// Keys of the memtable's kind: a byte string and a sequence number, where
// versions of one string share their Bytes and sort newest first.
struct VersionedKey {
  std::string user;
  uint64_t seq;
};
struct VersionedCompare {
  int operator()(const VersionedKey* a, const VersionedKey* b) const {
    const int r = a->user.compare(b->user);
    if (r != 0) return r;
    return a->seq > b->seq ? -1 : (a->seq < b->seq ? 1 : 0);
  }
  std::string_view Bytes(const VersionedKey* k) const { return k->user; }
};
bool VersionedLess(const VersionedKey& a, const VersionedKey& b) {
  return VersionedCompare{}(&a, &b) < 0;
}

// Strings that share long prefixes, are prefixes of one another, hold zero
// and 0xff bytes, and come in many versions, so that the 8-byte windows a
// tree node compares are often equal, or end inside a key: checked against a
// sorted vector by iteration in both directions and by seeks.
TYPED_TEST(SortedStructureTest, SharedPrefixesAndVersionsMatchSortedVector) {
  const uint64_t seed = 4243;
  std::cerr << "seed=" << seed << "\n";
  Random rnd(seed);
  const std::string stems[] = {"", "a", "user/", "user/000000", std::string("k\0\0", 3),
                               "\xff\xff\xff\xff\xff\xff\xff\xff\xff",
                               "orders/2026-12-02/customer-"};
  std::deque<VersionedKey> storage;
  std::vector<VersionedKey> model;
  Arena arena;
  typename TypeParam::template Structure<const VersionedKey*, VersionedCompare> list(
      VersionedCompare{}, &arena);
  std::set<std::pair<std::string, uint64_t>> seen;
  for (int i = 0; i < 20000; ++i) {
    std::string user = stems[rnd.Uniform(std::size(stems))];
    const int tail = static_cast<int>(rnd.Uniform(12));
    for (int t = 0; t < tail; ++t) {
      // Mostly digits, sometimes the extreme bytes.
      const uint32_t r = rnd.Uniform(20);
      user.push_back(r == 0 ? '\0' : (r == 1 ? '\xff' : static_cast<char>('0' + r % 10)));
    }
    const uint64_t seq = rnd.Uniform(8);  // few sequences: many versions per string
    if (!seen.emplace(user, seq).second) continue;
    storage.push_back(VersionedKey{user, seq});
    list.Insert(&storage.back());
    model.push_back(storage.back());
  }
  std::sort(model.begin(), model.end(), VersionedLess);

  typename decltype(list)::Iterator iter(&list);
  size_t n = 0;
  for (iter.SeekToFirst(); iter.Valid(); iter.Next(), ++n) {
    ASSERT_LT(n, model.size());
    ASSERT_EQ(iter.key()->user, model[n].user) << n;
    ASSERT_EQ(iter.key()->seq, model[n].seq) << n;
  }
  ASSERT_EQ(n, model.size());
  for (iter.SeekToLast(); iter.Valid(); iter.Prev()) {
    ASSERT_GT(n, 0u);
    --n;
    ASSERT_EQ(iter.key()->user, model[n].user) << n;
    ASSERT_EQ(iter.key()->seq, model[n].seq) << n;
  }
  ASSERT_EQ(n, 0u);

  // Seeks to every stored key, and to targets near them that are not stored.
  for (int i = 0; i < 20000; ++i) {
    VersionedKey target = model[rnd.Uniform(model.size())];
    switch (rnd.Uniform(4)) {
      case 0:
        break;  // an exact key
      case 1:
        target.seq = 100;  // before every version of the string
        break;
      case 2:
        target.user.push_back(static_cast<char>(rnd.Uniform(256)));  // just after
        break;
      case 3:
        if (!target.user.empty()) target.user.pop_back();  // a prefix of it
        break;
    }
    SCOPED_TRACE(testing::Message() << "target " << testing::PrintToString(target.user) << "@"
                                    << target.seq);
    const auto lb = std::lower_bound(model.begin(), model.end(), target, VersionedLess);
    iter.Seek(&target);
    if (lb == model.end()) {
      ASSERT_FALSE(iter.Valid());
    } else {
      ASSERT_TRUE(iter.Valid());
      ASSERT_EQ(iter.key()->user, lb->user);
      ASSERT_EQ(iter.key()->seq, lb->seq);
    }
    ASSERT_EQ(list.Contains(&target), lb != model.end() && !VersionedLess(target, *lb));
  }
}

// One writer inserts while reader threads iterate, seek and probe, without
// locks. Every reader pass must see a strictly sorted list that contains every
// key published before the pass began and everything the reader's previous
// pass saw (the view only grows).
TYPED_TEST(SortedStructureTest, ConcurrentReadersSeeSortedMonotoneView) {
  const uint64_t seed = 17;
  std::cerr << "seed=" << seed << "\n";
  constexpr int kKeys = 12000;
  constexpr int kBatch = 1000;
  constexpr int kReaders = 3;

  // Distinct keys in random order.
  std::vector<uint64_t> keys;
  {
    Random rnd(seed);
    std::set<uint64_t> seen;
    while (keys.size() < kKeys) {
      const uint64_t k = rnd.Next64() >> 1;
      if (seen.insert(k).second) keys.push_back(k);
    }
  }

  Arena arena;
  TypeParam list(BigEndian64Compare{}, &arena);
  std::atomic<int> published{0};  // keys[0, published) are inserted
  std::atomic<bool> done{false};
  std::atomic<int> passes[kReaders];
  for (auto& p : passes) p.store(0);
  std::atomic<int> failures{0};

  auto reader = [&](int id) {
    Random rnd(seed + 1 + id);
    std::vector<uint64_t> previous;
    bool last_pass = false;
    while (!last_pass) {
      last_pass = done.load(std::memory_order_acquire);
      const int n = published.load(std::memory_order_acquire);
      std::vector<uint64_t> expected(keys.begin(), keys.begin() + n);
      std::sort(expected.begin(), expected.end());

      std::vector<uint64_t> seen;
      typename TypeParam::Iterator iter(&list);
      for (iter.SeekToFirst(); iter.Valid(); iter.Next()) {
        if (!seen.empty() && seen.back() >= iter.key()) {
          ++failures;
          ADD_FAILURE() << "reader " << id << ": out of order " << seen.back() << " then "
                        << iter.key();
          return;
        }
        seen.push_back(iter.key());
      }
      if (!std::includes(seen.begin(), seen.end(), expected.begin(), expected.end())) {
        ++failures;
        ADD_FAILURE() << "reader " << id << ": a published key is missing";
        return;
      }
      if (!std::includes(seen.begin(), seen.end(), previous.begin(), previous.end())) {
        ++failures;
        ADD_FAILURE() << "reader " << id << ": the view shrank";
        return;
      }
      // Backward through the back pointers, while the writer inserts.
      std::vector<uint64_t> seen_backward;
      for (iter.SeekToLast(); iter.Valid(); iter.Prev()) {
        if (!seen_backward.empty() && seen_backward.back() <= iter.key()) {
          ++failures;
          ADD_FAILURE() << "reader " << id << ": backward out of order " << seen_backward.back()
                        << " then " << iter.key();
          return;
        }
        seen_backward.push_back(iter.key());
      }
      std::reverse(seen_backward.begin(), seen_backward.end());
      if (!std::includes(seen_backward.begin(), seen_backward.end(), expected.begin(),
                         expected.end())) {
        ++failures;
        ADD_FAILURE() << "reader " << id << ": a published key is missing backward";
        return;
      }
      // Point probes and seeks against keys published before this pass.
      for (int i = 0; i < 50 && n > 0; ++i) {
        const uint64_t k = keys[rnd.Uniform(n)];
        if (!list.Contains(k)) {
          ++failures;
          ADD_FAILURE() << "reader " << id << ": Contains(" << k << ") false";
          return;
        }
        const uint64_t target = rnd.Next64() >> 1;
        iter.Seek(target);
        auto lb = std::lower_bound(expected.begin(), expected.end(), target);
        const bool ok = iter.Valid() ? (iter.key() >= target &&
                                        (lb == expected.end() || iter.key() <= *lb))
                                     : lb == expected.end();
        if (!ok) {
          ++failures;
          ADD_FAILURE() << "reader " << id << ": Seek(" << target << ") wrong";
          return;
        }
      }
      previous = std::move(seen);
      passes[id].fetch_add(1, std::memory_order_release);
    }
  };

  std::vector<std::thread> threads;
  for (int i = 0; i < kReaders; ++i) threads.emplace_back(reader, i);

  for (int b = 0; b < kKeys / kBatch; ++b) {
    // Wait until each reader finished b passes, so the readers run while the
    // next batch goes in.
    for (int r = 0; r < kReaders; ++r) {
      while (passes[r].load(std::memory_order_acquire) < b && failures.load() == 0) {
        std::this_thread::yield();
      }
    }
    for (int i = b * kBatch; i < (b + 1) * kBatch; ++i) {
      list.Insert(keys[i]);
      published.store(i + 1, std::memory_order_release);
    }
  }
  done.store(true, std::memory_order_release);
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  for (int r = 0; r < kReaders; ++r) EXPECT_GE(passes[r].load(), kKeys / kBatch);
}

}  // namespace
}  // namespace lsm
