#include "engine/db/memory_budget.h"

#include <algorithm>

namespace lsm {

namespace {

size_t MemTableShare(size_t budget) { return budget / 4; }

}  // namespace

Options MemoryBudget::Apply(Options o) {
  if (o.memory_budget == 0) return o;
  o.memory_budget = std::max(o.memory_budget, kMinBudget);
  const size_t per_memtable =
      MemTableShare(o.memory_budget) / static_cast<size_t>(std::max(o.max_write_buffer_number, 2));
  o.write_buffer_size = std::min(o.write_buffer_size, per_memtable);
  o.block_cache_capacity = o.memory_budget - MemTableShare(o.memory_budget);
  o.allow_mmap_reads = false;
  return o;
}

MemoryBudget::MemoryBudget(size_t budget, BlockCache* cache, TableCache* tables,
                           const std::atomic<int64_t>* iterator_pinned_bytes)
    : budget_(budget),
      shared_(budget - MemTableShare(budget)),
      cache_(cache),
      tables_(tables),
      pinned_(iterator_pinned_bytes) {
  tables_->SetReaderByteLimit(shared_ / 2);
}

void MemoryBudget::Rebalance() {
  if (cache_ == nullptr) return;
  const size_t floor = shared_ / 8;
  const size_t readers = tables_->TableReaderBytes();
  const size_t pinned =
      static_cast<size_t>(std::max<int64_t>(0, pinned_->load(std::memory_order_relaxed)));
  const size_t taken = readers + pinned;
  const size_t target = taken + floor >= shared_ ? floor : shared_ - taken;
  // Small moves are not worth a pass over every shard's lock.
  const size_t current = cache_->Capacity();
  const size_t delta = current > target ? current - target : target - current;
  if (delta >= (size_t{64} << 10) || (delta > 0 && target == floor)) {
    cache_->SetCapacity(target);
  }
}

}  // namespace lsm
