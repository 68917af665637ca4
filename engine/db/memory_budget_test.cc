// Options::memory_budget: how it splits the budget, and how the block cache
// gives way to table readers and to the blocks iterators hold.
// memory_budget_rss_test measures the process's resident memory.
#include "engine/db/memory_budget.h"

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "engine/db/db_test_util.h"
#include "engine/env/mem_env.h"
#include "engine/util/random.h"
#include "gtest/gtest.h"

namespace lsm {
namespace {

std::string Key(uint64_t i) { return absl::StrFormat("key%010d", i); }

// A property line of lsm.memory ("name value").
uint64_t MemoryPart(DB* db, const std::string& name) {
  const std::string text = db->GetProperty("lsm.memory").value_or("");
  const size_t at = text.find(name + " ");
  EXPECT_NE(at, std::string::npos) << name << " missing from\n" << text;
  return at == std::string::npos ? 0 : std::stoull(text.substr(at + name.size() + 1));
}

TEST(MemoryBudgetTest, ApplySplitsTheBudget) {
  Options o;
  o.memory_budget = 64 << 20;
  const Options a = MemoryBudget::Apply(o);
  EXPECT_EQ(a.write_buffer_size, (16u << 20) / 4) << "four memtables in a quarter";
  EXPECT_EQ(a.block_cache_capacity, 48u << 20);
  EXPECT_FALSE(a.allow_mmap_reads);
  o.write_buffer_size = 1 << 20;  // already smaller: kept
  EXPECT_EQ(MemoryBudget::Apply(o).write_buffer_size, 1u << 20);
  o.memory_budget = 1000;  // raised to the minimum
  EXPECT_EQ(MemoryBudget::Apply(o).memory_budget, MemoryBudget::kMinBudget);
  o.memory_budget = 0;  // off: nothing changes
  EXPECT_EQ(MemoryBudget::Apply(o).block_cache_capacity, Options().block_cache_capacity);
  EXPECT_TRUE(MemoryBudget::Apply(o).allow_mmap_reads);
}

// The cache shrinks while iterators hold blocks and grows back after.
TEST(MemoryBudgetTest, CacheGivesWayToPinnedBlocksAndReaders) {
  std::unique_ptr<Env> env = NewMemEnv(Env::Default());
  Options o = SmallOptions(env.get());
  o.compression = Compression::kNone;
  o.memory_budget = 4 << 20;
  auto db = DB::Open(o, "/mb");
  ASSERT_TRUE(db.ok()) << db.status();
  Random rnd(7);
  for (int i = 0; i < 20000; ++i) {
    absl::Status s = (*db)->Put(WriteOptions(), Key(i), rnd.Bytes(200));
    ASSERT_TRUE(s.ok()) << s;
  }
  ASSERT_TRUE((*db)->CompactRange(nullptr, nullptr).ok());
  const uint64_t shared = (4u << 20) - (1u << 20);
  const uint64_t before = MemoryPart(db->get(), "block.cache.capacity");
  EXPECT_LE(before, shared);
  EXPECT_EQ(MemoryPart(db->get(), "budget"), 4u << 20);
  std::vector<std::unique_ptr<Iterator>> its;
  for (int i = 0; i < 300; ++i) {
    its.push_back((*db)->NewIterator(ReadOptions()));
    its.back()->Seek(Key(rnd.Uniform(20000)));
    ASSERT_TRUE(its.back()->Valid());
  }
  (*db)->NewIterator(ReadOptions()).reset();  // one more create/destroy: a rebalance
  const uint64_t pinned = MemoryPart(db->get(), "iterator.pinned");
  const uint64_t readers = MemoryPart(db->get(), "table.readers");
  const uint64_t during = MemoryPart(db->get(), "block.cache.capacity");
  std::printf("shared %llu: readers %llu, pinned %llu, cache capacity %llu -> %llu\n",
              (unsigned long long)shared, (unsigned long long)readers,
              (unsigned long long)pinned, (unsigned long long)before, (unsigned long long)during);
  EXPECT_GT(pinned, 300u * 1024) << "each iterator holds at least one data block";
  EXPECT_LT(during, before);
  EXPECT_LE(during, std::max(shared / 8, shared - pinned - readers) + (64 << 10));
  EXPECT_LE(MemoryPart(db->get(), "block.cache"), during);
  its.clear();
  (*db)->NewIterator(ReadOptions()).reset();
  EXPECT_EQ(MemoryPart(db->get(), "iterator.pinned"), 0u);
  EXPECT_GT(MemoryPart(db->get(), "block.cache.capacity"), during);
}

}  // namespace
}  // namespace lsm
