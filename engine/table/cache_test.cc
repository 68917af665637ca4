#include "engine/table/cache.h"

#include <atomic>
#include <cstdio>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "engine/util/random.h"
#include "engine/util/test_seed.h"
#include "gtest/gtest.h"

namespace lsm {
namespace {

using StringCache = ShardedClockCache<std::string>;

std::shared_ptr<const std::string> Str(std::string s) {
  return std::make_shared<const std::string>(std::move(s));
}

// The value a test stores for (file, offset), so any lookup can be checked.
std::string ValueFor(uint64_t file, uint64_t offset) {
  return std::to_string(file) + ":" + std::to_string(offset);
}

// "" on a miss, the cached string otherwise.
std::string Get(StringCache* c, uint64_t file, uint64_t offset) {
  auto v = c->Lookup(file, offset);
  return v == nullptr ? "" : *v;
}

TEST(ShardBitsForTest, ShrinksShardsForSmallCaches) {
  EXPECT_EQ(4, ShardBitsFor(size_t{64} << 20, 4));
  EXPECT_EQ(4, ShardBitsFor(16 * kMinShardCapacity, 4));
  EXPECT_EQ(3, ShardBitsFor(16 * kMinShardCapacity - 1, 4));
  EXPECT_EQ(0, ShardBitsFor(kMinShardCapacity, 4));
  EXPECT_EQ(0, ShardBitsFor(0, 4));
  EXPECT_EQ(0, ShardBitsFor(size_t{1} << 30, 0));
  EXPECT_EQ(0, ShardBitsFor(size_t{1} << 30, -3));
  EXPECT_EQ(6, ShardBitsFor(size_t{1} << 30, 6));
}

TEST(CacheTest, HitAndMiss) {
  StringCache c(1 << 20);
  EXPECT_EQ(nullptr, c.Lookup(1, 0));
  EXPECT_EQ(0u, c.hits());
  EXPECT_EQ(1u, c.misses());

  auto inserted = c.Insert(1, 0, Str("a"), 10);
  ASSERT_NE(nullptr, inserted);
  EXPECT_EQ("a", *inserted);
  auto found = c.Lookup(1, 0);
  ASSERT_NE(nullptr, found);
  EXPECT_EQ(inserted.get(), found.get());  // the same object, not a copy
  EXPECT_EQ(1u, c.hits());
  EXPECT_EQ(1u, c.misses());

  // The file number and the offset both belong to the key.
  EXPECT_EQ(nullptr, c.Lookup(1, 1));
  EXPECT_EQ(nullptr, c.Lookup(0, 0));
  EXPECT_EQ(nullptr, c.Lookup(2, 0));
  EXPECT_EQ(1u, c.hits());
  EXPECT_EQ(4u, c.misses());
}

TEST(CacheTest, InsertReplacesSameKey) {
  StringCache c(1000, 0);
  c.Insert(7, 4096, Str("old"), 100);
  auto held = c.Lookup(7, 4096);
  auto now = c.Insert(7, 4096, Str("new"), 30);
  EXPECT_EQ("new", *now);
  EXPECT_EQ("new", Get(&c, 7, 4096));
  EXPECT_EQ(30u, c.TotalCharge());
  EXPECT_EQ(1u, c.Size());
  EXPECT_EQ("old", *held);  // a reader of the old value is unaffected
}

// Second chance: entries read since the eviction pass last passed them stay;
// the oldest of the others go first.
TEST(CacheTest, EvictsTheOldestEntryNotReadSince) {
  StringCache c(100, 0);  // one shard: a deterministic order
  ASSERT_EQ(1, c.NumShards());
  for (uint64_t i = 1; i <= 10; ++i) c.Insert(1, i, Str(ValueFor(1, i)), 10);
  EXPECT_EQ(100u, c.TotalCharge());
  EXPECT_EQ(10u, c.Size());

  // Read 1 and 3: they get a second chance; 2 goes first, then 4.
  EXPECT_EQ(ValueFor(1, 1), Get(&c, 1, 1));
  EXPECT_EQ(ValueFor(1, 3), Get(&c, 1, 3));

  c.Insert(1, 11, Str(ValueFor(1, 11)), 10);
  EXPECT_EQ("", Get(&c, 1, 2));
  EXPECT_EQ(ValueFor(1, 1), Get(&c, 1, 1));

  // A charge of 25 evicts three entries: 4, 5, 6.
  c.Insert(1, 12, Str(ValueFor(1, 12)), 25);
  EXPECT_EQ("", Get(&c, 1, 4));
  EXPECT_EQ("", Get(&c, 1, 5));
  EXPECT_EQ("", Get(&c, 1, 6));
  for (uint64_t i : {1, 3, 7, 8, 9, 10, 11, 12}) {
    EXPECT_EQ(ValueFor(1, i), Get(&c, 1, i)) << i;
  }
  EXPECT_EQ(95u, c.TotalCharge());
}

TEST(CacheTest, InsertIfRoomNeverEvicts) {
  StringCache c(100, 0);
  for (uint64_t i = 1; i <= 8; ++i) c.Insert(1, i, Str(ValueFor(1, i)), 10);
  // 20 bytes free: the first fits, the second would have to evict.
  auto fits = c.InsertIfRoom(2, 1, Str(ValueFor(2, 1)), 20);
  ASSERT_NE(fits, nullptr);
  EXPECT_EQ(ValueFor(2, 1), Get(&c, 2, 1));
  auto left_out = c.InsertIfRoom(2, 2, Str(ValueFor(2, 2)), 10);
  ASSERT_NE(left_out, nullptr);
  EXPECT_EQ(ValueFor(2, 2), *left_out);  // handed back to the caller
  EXPECT_EQ("", Get(&c, 2, 2));
  EXPECT_EQ(0u, c.not_admitted());  // counts InsertIfAdmitted's refusals only
  for (uint64_t i = 1; i <= 8; ++i) EXPECT_EQ(ValueFor(1, i), Get(&c, 1, i)) << i;
  EXPECT_EQ(100u, c.TotalCharge());
}

TEST(CacheTest, ReplacingRefreshesRecency) {
  StringCache c(30, 0);
  c.Insert(1, 1, Str("a"), 10);
  c.Insert(1, 2, Str("b"), 10);
  c.Insert(1, 3, Str("c"), 10);
  c.Insert(1, 1, Str("a2"), 10);  // 1 becomes the most recently used
  c.Insert(1, 4, Str("d"), 10);   // evicts 2
  EXPECT_EQ("a2", Get(&c, 1, 1));
  EXPECT_EQ("", Get(&c, 1, 2));
  EXPECT_EQ("c", Get(&c, 1, 3));
  EXPECT_EQ("d", Get(&c, 1, 4));
}

TEST(CacheTest, ChargeAccounting) {
  StringCache c(1000, 0);
  size_t expected = 0;
  for (uint64_t i = 0; i < 10; ++i) {
    c.Insert(3, i * 100, Str("x"), i + 1);
    expected += i + 1;
    EXPECT_EQ(expected, c.TotalCharge());
  }
  c.Erase(3, 500);  // charge 6
  expected -= 6;
  EXPECT_EQ(expected, c.TotalCharge());
  c.Erase(3, 500);  // absent: no change
  EXPECT_EQ(expected, c.TotalCharge());
  c.Insert(3, 0, Str("y"), 101);  // replaces charge 1 by 101
  expected += 100;
  EXPECT_EQ(expected, c.TotalCharge());
  EXPECT_EQ(1000u, c.Capacity());

  // Zero-charge entries are cached and cost nothing.
  c.Insert(4, 0, Str("z"), 0);
  EXPECT_EQ(expected, c.TotalCharge());
  EXPECT_EQ("z", Get(&c, 4, 0));
}

TEST(CacheTest, ChargeNeverExceedsCapacity) {
  StringCache c(1000, 0);
  Random rnd(301);
  for (int i = 0; i < 2000; ++i) {
    c.Insert(rnd.Uniform(5), rnd.Uniform(100), Str("v"), 1 + rnd.Uniform(200));
    ASSERT_LE(c.TotalCharge(), 1000u);
  }
  EXPECT_GT(c.TotalCharge(), 0u);
}

TEST(CacheTest, ZeroCapacityCachesNothing) {
  StringCache c(0);
  auto v = c.Insert(1, 0, Str("a"), 10);
  ASSERT_NE(nullptr, v);
  EXPECT_EQ("a", *v);
  auto z = c.Insert(1, 1, Str("b"), 0);
  ASSERT_NE(nullptr, z);
  EXPECT_EQ("b", *z);
  EXPECT_EQ(nullptr, c.Lookup(1, 0));
  EXPECT_EQ(nullptr, c.Lookup(1, 1));
  EXPECT_EQ(0u, c.TotalCharge());
  EXPECT_EQ(0u, c.Size());
  EXPECT_EQ(0u, c.Capacity());
  EXPECT_EQ(2u, c.misses());
}

TEST(CacheTest, OversizedValueIsNotCachedAndDropsOldEntry) {
  StringCache c(100, 0);
  c.Insert(1, 0, Str("small"), 10);
  c.Insert(1, 8, Str("other"), 10);
  auto big = c.Insert(1, 0, Str("big"), 101);
  EXPECT_EQ("big", *big);
  // Neither the oversized value nor the stale one it replaced is served.
  EXPECT_EQ("", Get(&c, 1, 0));
  EXPECT_EQ("other", Get(&c, 1, 8));
  EXPECT_EQ(10u, c.TotalCharge());
  // Exactly the capacity fits (and evicts everything else).
  c.Insert(1, 16, Str("full"), 100);
  EXPECT_EQ("full", Get(&c, 1, 16));
  EXPECT_EQ("", Get(&c, 1, 8));
  EXPECT_EQ(100u, c.TotalCharge());
}

TEST(CacheTest, EraseFile) {
  StringCache c(size_t{16} << 20);  // several shards
  ASSERT_GT(c.NumShards(), 1);
  for (uint64_t f = 1; f <= 3; ++f) {
    for (uint64_t off = 0; off < 200; ++off) c.Insert(f, off * 4096, Str(ValueFor(f, off)), 100);
  }
  EXPECT_EQ(600u, c.Size());
  EXPECT_EQ(60000u, c.TotalCharge());

  c.EraseFile(2);
  EXPECT_EQ(400u, c.Size());
  EXPECT_EQ(40000u, c.TotalCharge());
  for (uint64_t off = 0; off < 200; ++off) {
    EXPECT_EQ(ValueFor(1, off), Get(&c, 1, off * 4096));
    EXPECT_EQ("", Get(&c, 2, off * 4096));
    EXPECT_EQ(ValueFor(3, off), Get(&c, 3, off * 4096));
  }

  c.EraseFile(2);   // already gone
  c.EraseFile(99);  // never there
  EXPECT_EQ(400u, c.Size());

  // The file's blocks can be cached again (a reused number in a test setup).
  c.Insert(2, 0, Str("again"), 5);
  EXPECT_EQ("again", Get(&c, 2, 0));
  c.EraseFile(1);
  c.EraseFile(3);
  EXPECT_EQ(1u, c.Size());
  EXPECT_EQ(5u, c.TotalCharge());
}

// Erasing single entries first exercises every position in a file's list
// (head, middle, tail) before EraseFile walks what is left.
TEST(CacheTest, EraseFileAfterPartialErase) {
  StringCache c(1 << 20, 0);
  for (uint64_t off = 0; off < 10; ++off) c.Insert(5, off, Str(ValueFor(5, off)), 1);
  c.Erase(5, 9);  // the most recently linked: list head
  c.Erase(5, 0);  // the first linked: list tail
  c.Erase(5, 4);  // middle
  EXPECT_EQ(7u, c.Size());
  c.EraseFile(5);
  EXPECT_EQ(0u, c.Size());
  EXPECT_EQ(0u, c.TotalCharge());
  for (uint64_t off = 0; off < 10; ++off) EXPECT_EQ("", Get(&c, 5, off));
}

// Tracks how many instances are alive.
struct Tracked {
  explicit Tracked(std::atomic<int>* live) : live(live) { ++*live; }
  ~Tracked() { --*live; }
  std::atomic<int>* live;
};

TEST(CacheTest, EvictedValueStaysValidWhileHeld) {
  std::atomic<int> live{0};
  {
    ShardedClockCache<Tracked> c(10, 0);
    c.Insert(1, 0, std::make_shared<const Tracked>(&live), 10);
    std::shared_ptr<const Tracked> held = c.Lookup(1, 0);
    ASSERT_NE(nullptr, held);
    c.Insert(1, 1, std::make_shared<const Tracked>(&live), 10);  // evicts (1, 0)
    EXPECT_EQ(nullptr, c.Lookup(1, 0));
    EXPECT_EQ(10u, c.TotalCharge());
    EXPECT_EQ(2, live.load());  // the evicted one is alive: we hold it
    EXPECT_EQ(&live, held->live);
    held.reset();
    EXPECT_EQ(1, live.load());  // freed when the last holder let go

    // The same through EraseFile.
    held = c.Lookup(1, 1);
    c.EraseFile(1);
    EXPECT_EQ(1, live.load());
    held.reset();
    EXPECT_EQ(0, live.load());

    c.Insert(2, 0, std::make_shared<const Tracked>(&live), 1);
    EXPECT_EQ(1, live.load());
  }
  EXPECT_EQ(0, live.load());  // the cache's destructor released its entries
}

// InsertIfAdmitted: free room takes anything; a full shard takes a key only
// if it was looked up more often than the entry it would evict.
TEST(CacheTest, InsertIfAdmittedComparesFrequencyWithTheNextVictim) {
  StringCache c(10 * kTypicalCharge, 0);  // one shard: a deterministic order
  for (uint64_t i = 1; i <= 10; ++i) {
    ASSERT_NE(nullptr, c.InsertIfAdmitted(1, i, Str(ValueFor(1, i)), kTypicalCharge));
  }
  EXPECT_EQ(10u, c.Size());
  EXPECT_EQ(0u, c.not_admitted());

  // Full. Key 11 was never looked up, nor was the victim (1): a tie keeps 1.
  auto refused = c.InsertIfAdmitted(1, 11, Str(ValueFor(1, 11)), kTypicalCharge);
  ASSERT_NE(nullptr, refused);
  EXPECT_EQ(ValueFor(1, 11), *refused);  // handed back to the caller
  EXPECT_EQ(1u, c.not_admitted());
  EXPECT_EQ(10u, c.Size());
  // Looked up (and missed) once, 11 beats 1, never looked up.
  EXPECT_EQ("", Get(&c, 1, 11));
  c.InsertIfAdmitted(1, 11, Str(ValueFor(1, 11)), kTypicalCharge);
  EXPECT_EQ(1u, c.not_admitted());
  EXPECT_EQ(10u, c.Size());
  EXPECT_EQ(nullptr, c.Lookup(1, 1));
  for (uint64_t i = 2; i <= 11; ++i) EXPECT_EQ(ValueFor(1, i), Get(&c, 1, i)) << i;

  // A replacement of a cached key is never refused.
  c.InsertIfAdmitted(1, 11, Str("new"), kTypicalCharge);
  EXPECT_EQ("new", Get(&c, 1, 11));
  EXPECT_EQ(1u, c.not_admitted());
}

// The victim InsertIfAdmitted compares with is the one eviction would take:
// entries read since the last pass get their second chance first, and a
// victim read often stays against a key read less often.
TEST(CacheTest, AdmissionWeighsTheVictimAfterSecondChances) {
  StringCache c(3 * kTypicalCharge, 0);
  for (uint64_t i = 1; i <= 3; ++i) c.Insert(1, i, Str(ValueFor(1, i)), kTypicalCharge);
  for (int n = 0; n < 5; ++n) {
    for (uint64_t i = 1; i <= 2; ++i) EXPECT_EQ(ValueFor(1, i), Get(&c, 1, i));
  }
  // 1 and 2 (read 5 times, flagged) get their second chance; 3 (never
  // read) is the victim, and 4, missed once, beats it.
  EXPECT_EQ("", Get(&c, 1, 4));
  c.InsertIfAdmitted(1, 4, Str(ValueFor(1, 4)), kTypicalCharge);
  EXPECT_EQ(0u, c.not_admitted());
  EXPECT_EQ(nullptr, c.Lookup(1, 3));
  // Left in eviction order: 1, 2 (flags cleared, read 5 times each), 4.
  // 5, missed 3 times, is refused against 1; missed 6 times, it is admitted.
  for (int n = 0; n < 3; ++n) EXPECT_EQ("", Get(&c, 1, 5));
  c.InsertIfAdmitted(1, 5, Str(ValueFor(1, 5)), kTypicalCharge);
  EXPECT_EQ(1u, c.not_admitted());
  for (int n = 0; n < 3; ++n) EXPECT_EQ("", Get(&c, 1, 5));
  c.InsertIfAdmitted(1, 5, Str(ValueFor(1, 5)), kTypicalCharge);
  EXPECT_EQ(1u, c.not_admitted());
  EXPECT_EQ(nullptr, c.Lookup(1, 1));
  // Reading 2, 4 and 5 flags them all: the search for a victim clears the
  // flags in order and comes back to 2 (read 6 times). 6 needs 7 lookups.
  for (uint64_t i : {2, 4, 5}) EXPECT_EQ(ValueFor(1, i), Get(&c, 1, i)) << i;
  for (int n = 0; n < 6; ++n) EXPECT_EQ("", Get(&c, 1, 6));
  c.InsertIfAdmitted(1, 6, Str(ValueFor(1, 6)), kTypicalCharge);
  EXPECT_EQ(2u, c.not_admitted());
  EXPECT_EQ("", Get(&c, 1, 6));  // the 7th
  c.InsertIfAdmitted(1, 6, Str(ValueFor(1, 6)), kTypicalCharge);
  EXPECT_EQ(2u, c.not_admitted());
  EXPECT_EQ(nullptr, c.Lookup(1, 2));
  for (uint64_t i : {4, 5, 6}) EXPECT_EQ(ValueFor(1, i), Get(&c, 1, i)) << i;
}

// Looks every key of `trace` up, and inserts it on a miss with
// InsertIfAdmitted (admit) or Insert; returns the hits.
uint64_t Replay(StringCache* c, const std::vector<uint64_t>& trace, bool admit) {
  uint64_t hits = 0;
  for (uint64_t key : trace) {
    if (c->Lookup(1, key) != nullptr) {
      ++hits;
    } else if (admit) {
      c->InsertIfAdmitted(1, key, Str("v"), kTypicalCharge);
    } else {
      c->Insert(1, key, Str("v"), kTypicalCharge);
    }
  }
  return hits;
}

// The same trace on two caches of 1000 typical blocks (one shard), one
// filled with InsertIfAdmitted, one with Insert. Prints the outcome.
struct TraceOutcome {
  uint64_t admitting_hits = 0;
  uint64_t evicting_hits = 0;
  uint64_t admitting_misses = 0;
  uint64_t refused = 0;  // the admitting cache's not_admitted()
};
TraceOutcome ReplayAdmittingAndEvicting(const char* name, const std::vector<uint64_t>& trace) {
  StringCache admitting(1000 * kTypicalCharge, 0);
  StringCache evicting(1000 * kTypicalCharge, 0);
  TraceOutcome o;
  o.admitting_hits = Replay(&admitting, trace, true);
  o.evicting_hits = Replay(&evicting, trace, false);
  o.admitting_misses = admitting.misses();
  o.refused = admitting.not_admitted();
  EXPECT_EQ(0u, evicting.not_admitted());
  std::printf("%s: hits %llu admitting, %llu evicting; %llu of %llu misses refused\n", name,
              static_cast<unsigned long long>(o.admitting_hits),
              static_cast<unsigned long long>(o.evicting_hits),
              static_cast<unsigned long long>(o.refused),
              static_cast<unsigned long long>(o.admitting_misses));
  return o;
}

// Reads spread evenly over four times what fits: admitting every miss buys
// no hits, only evictions. Admission keeps the hit rate and refuses most.
TEST(CacheTest, AdmissionRefusesMostMissesUnderEvenReads) {
  const uint64_t seed = NewTestSeed();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  Random rnd(seed);
  std::vector<uint64_t> trace(200000);
  for (uint64_t& key : trace) key = rnd.Uniform(4000);
  const TraceOutcome o = ReplayAdmittingAndEvicting("even reads", trace);
  EXPECT_GE(o.admitting_hits, o.evicting_hits * 95 / 100);
  EXPECT_GT(o.refused, o.admitting_misses * 3 / 4);
}

// A hot set read often, then a scan of keys read once: the scan must not
// flush the hot set (it does with Insert, which admits everything).
TEST(CacheTest, AdmissionKeepsTheHotSetThroughAScan) {
  std::vector<uint64_t> hot;
  for (int round = 0; round < 4; ++round) {
    for (uint64_t key = 0; key < 800; ++key) hot.push_back(key);
  }
  std::vector<uint64_t> scan;
  for (uint64_t key = 100000; key < 110000; ++key) scan.push_back(key);
  std::vector<uint64_t> hot_once(hot.begin(), hot.begin() + 800);
  for (const bool admit : {true, false}) {
    SCOPED_TRACE(admit ? "InsertIfAdmitted" : "Insert");
    StringCache c(1000 * kTypicalCharge, 0);
    Replay(&c, hot, admit);
    Replay(&c, scan, admit);
    const uint64_t hits = Replay(&c, hot_once, admit);
    if (admit) {
      EXPECT_GE(hits, 790u);
    } else {
      EXPECT_EQ(0u, hits);
    }
  }
}

// Skewed reads: admission must not cost hits against admitting everything.
TEST(CacheTest, AdmissionKeepsTheHitRateUnderSkewedReads) {
  const uint64_t seed = NewTestSeed();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  Random rnd(seed);
  std::vector<uint64_t> trace(200000);
  for (uint64_t& key : trace) key = FMix64(rnd.Skewed(14)) % 20000;
  const TraceOutcome o = ReplayAdmittingAndEvicting("skewed reads", trace);
  EXPECT_GE(o.admitting_hits, o.evicting_hits);
}

// A straightforward model of one shard's second-chance eviction: a list,
// oldest first; a hit sets a flag; eviction moves a flagged (or the just
// inserted) entry to the young end with its flag cleared, and drops others.
class ModelClock {
 public:
  explicit ModelClock(size_t capacity) : capacity_(capacity) {}

  std::string Lookup(uint64_t f, uint64_t off) {
    for (Item& item : entries_) {
      if (item.f == f && item.off == off) {
        item.referenced = true;
        return item.value;
      }
    }
    return "";
  }
  void Insert(uint64_t f, uint64_t off, const std::string& v, size_t charge) {
    Erase(f, off);
    if (capacity_ == 0 || charge > capacity_) return;
    entries_.push_back({f, off, v, charge, false});
    while (Usage() > capacity_) {
      Item front = entries_.front();
      const bool is_new = front.f == f && front.off == off;
      if (front.referenced || is_new) {
        entries_.pop_front();
        front.referenced = false;
        entries_.push_back(front);
        if (is_new && entries_.size() == 1) break;
        continue;
      }
      entries_.pop_front();
    }
  }
  void Erase(uint64_t f, uint64_t off) {
    entries_.remove_if([&](const Item& i) { return i.f == f && i.off == off; });
  }
  void EraseFile(uint64_t f) {
    entries_.remove_if([&](const Item& i) { return i.f == f; });
  }
  size_t Usage() const {
    size_t u = 0;
    for (const Item& i : entries_) u += i.charge;
    return u;
  }
  size_t Size() const { return entries_.size(); }

 private:
  struct Item {
    uint64_t f, off;
    std::string value;
    size_t charge;
    bool referenced;
  };
  const size_t capacity_;
  std::list<Item> entries_;
};

TEST(CacheTest, RandomizedAgainstModel) {
  const uint64_t seed = NewTestSeed();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  Random rnd(seed);
  for (size_t capacity : {0, 50, 300, 5000}) {
    SCOPED_TRACE("capacity=" + std::to_string(capacity));
    StringCache c(capacity, 0);
    ModelClock m(capacity);
    for (int op = 0; op < 5000; ++op) {
      const uint64_t f = rnd.Uniform(6);
      const uint64_t off = rnd.Uniform(30);
      switch (rnd.Uniform(10)) {
        case 0:
        case 1:
        case 2:
        case 3: {
          const std::string v = ValueFor(f, off) + "#" + std::to_string(op);
          const size_t charge = rnd.Skewed(6);
          c.Insert(f, off, Str(v), charge);
          m.Insert(f, off, v, charge);
          break;
        }
        case 4:
          c.Erase(f, off);
          m.Erase(f, off);
          break;
        case 5:
          if (rnd.OneIn(5)) {
            c.EraseFile(f);
            m.EraseFile(f);
          }
          break;
        default:
          ASSERT_EQ(m.Lookup(f, off), Get(&c, f, off)) << "op " << op;
          break;
      }
      ASSERT_EQ(m.Usage(), c.TotalCharge()) << "op " << op;
      ASSERT_EQ(m.Size(), c.Size()) << "op " << op;
    }
  }
}

TEST(CacheTest, ConcurrentLookupInsertErase) {
  // Four shards of 64 KiB; values charged 1 KiB, 200 keys over 4 files: the
  // threads evict each other's entries all the time.
  BlockCache unused(0);  // the wrapper links and constructs
  EXPECT_EQ(nullptr, unused.Lookup(1, 2));
  StringCache c(4 * kMinShardCapacity, 2);
  ASSERT_EQ(4, c.NumShards());
  constexpr int kThreads = 4;
  constexpr int kOps = 20000;
  std::atomic<uint64_t> lookups{0};
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Random rnd(1000 + t);
      for (int i = 0; i < kOps; ++i) {
        const uint64_t f = rnd.Uniform(4);
        const uint64_t off = rnd.Uniform(50);
        const uint64_t r = rnd.Uniform(100);
        if (r < 60) {
          auto v = c.Lookup(f, off);
          lookups.fetch_add(1, std::memory_order_relaxed);
          if (v != nullptr && *v != ValueFor(f, off)) wrong.fetch_add(1);
        } else if (r < 99) {
          auto v = r < 80 ? c.Insert(f, off, Str(ValueFor(f, off)), 1024)
                          : c.InsertIfAdmitted(f, off, Str(ValueFor(f, off)), 1024);
          if (*v != ValueFor(f, off)) wrong.fetch_add(1);
        } else {
          c.EraseFile(f);
        }
        if (i % 1000 == 0 && c.TotalCharge() > c.Capacity()) wrong.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(0, wrong.load());
  EXPECT_EQ(lookups.load(), c.hits() + c.misses());
  EXPECT_GT(c.hits(), 0u);
  EXPECT_LE(c.TotalCharge(), c.Capacity());
  EXPECT_EQ(c.Size() * 1024, c.TotalCharge());
}

}  // namespace
}  // namespace lsm
