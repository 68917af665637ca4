// MemoryBudget: keeps what one DB holds in memory within
// Options::memory_budget (see lsm/options.h).
//
// The split: a quarter of the budget goes to the memtables, fixed when the
// DB opens (write_buffer_size lowered so that max_write_buffer_number of them
// fit). The other three quarters are shared by three parts whose sizes move:
//   - table readers (index, filter and range-deletion blocks of open tables),
//     capped at half of the share: past it the least recently used idle
//     tables are closed (TableCache::SetReaderByteLimit);
//   - data blocks that iterators hold (TableReadCounters::
//     iterator_pinned_bytes), which cannot be taken from them;
//   - the block cache, which gets what the other two leave, but never less
//     than an eighth of the share.
// Rebalance() recomputes the cache's capacity from the current sizes; the DB
// calls it when a table is opened and when an iterator is created or
// destroyed.
//
// Thread safety: Rebalance may be called from any thread.
#ifndef LSM_ENGINE_DB_MEMORY_BUDGET_H_
#define LSM_ENGINE_DB_MEMORY_BUDGET_H_

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "engine/db/table_cache.h"
#include "engine/table/cache.h"
#include "lsm/options.h"

namespace lsm {

class MemoryBudget {
 public:
  // The smallest budget honoured: four 64 KiB memtables are a quarter of it.
  static constexpr size_t kMinBudget = size_t{1} << 20;

  // o with its memory options derived from o.memory_budget (unchanged when
  // it is 0): the memtable size, the block cache's starting capacity, and
  // no memory-mapped reads.
  static Options Apply(Options o);

  // The parts must outlive the MemoryBudget. Sets the table readers' cap.
  MemoryBudget(size_t budget, BlockCache* cache, TableCache* tables,
               const std::atomic<int64_t>* iterator_pinned_bytes);
  MemoryBudget(const MemoryBudget&) = delete;
  MemoryBudget& operator=(const MemoryBudget&) = delete;

  // Resizes the block cache to what the table readers and the pinned blocks
  // leave of the shared part.
  void Rebalance();

  size_t budget() const { return budget_; }

 private:
  const size_t budget_;
  const size_t shared_;  // the three quarters the cache, readers and pins share
  BlockCache* const cache_;
  TableCache* const tables_;
  const std::atomic<int64_t>* const pinned_;
};

}  // namespace lsm

#endif  // LSM_ENGINE_DB_MEMORY_BUDGET_H_
