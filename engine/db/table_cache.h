// TableCache: the open SST readers, keyed by file number, bounded by
// Options::max_open_files (least recently used first out).
//
// Thread safety: safe for concurrent use. A table stays open while any
// iterator over it is alive, even after eviction.
#ifndef LSM_ENGINE_DB_TABLE_CACHE_H_
#define LSM_ENGINE_DB_TABLE_CACHE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/table/cache.h"
#include "engine/table/table.h"
#include "engine/util/mutex.h"
#include "lsm/iterator.h"
#include "lsm/options.h"

namespace lsm {

class TableCache {
 public:
  // block_cache may be nullptr (no block caching).
  // read_counters may be nullptr; else it outlives the cache.
  TableCache(std::string dbname, const Options& options, BlockCache* block_cache,
             TableReadCounters* read_counters = nullptr);
  TableCache(const TableCache&) = delete;
  TableCache& operator=(const TableCache&) = delete;

  absl::StatusOr<std::shared_ptr<Table>> FindTable(uint64_t file_number, uint64_t file_size);

  // An iterator over the table's internal keys that keeps the table open.
  std::unique_ptr<Iterator> NewIterator(const ReadOptions& options, uint64_t file_number,
                                        uint64_t file_size);

  // Calls found(ikey, value) with the first entry >= internal_key, if the
  // table (after its filter) may hold internal_key's user key.
  absl::Status Get(const ReadOptions& options, uint64_t file_number, uint64_t file_size,
                   std::string_view internal_key,
                   Table::FoundFn found);

  // Table::MultiGet on the table (opened once for all the keys).
  absl::Status MultiGet(const ReadOptions& options, uint64_t file_number, uint64_t file_size,
                        const std::vector<std::string_view>& internal_keys,
                        Table::MultiFoundFn found);

  // Appends the table's range tombstones (read when it was opened).
  absl::Status AppendRangeTombstones(uint64_t file_number, uint64_t file_size,
                                     std::vector<RangeTombstone>* out);

  // Forgets a deleted file: closes it (once unused) and drops its blocks.
  void Evict(uint64_t file_number);

  size_t OpenTables() const;
  // Memory the open tables hold outside the block cache: index, filter and
  // range-deletion blocks, and the readers themselves.
  size_t TableReaderBytes() const { return reader_bytes_.load(std::memory_order_relaxed); }
  // Closes least recently used tables while the readers hold more than
  // limit bytes (0: no limit), now and after every open; the table just
  // opened stays. A table an iterator uses stays open until the iterator is
  // destroyed.
  void SetReaderByteLimit(size_t limit);
  // Called (without the cache's lock) after a table is opened or closed.
  void SetOnReadersChanged(std::function<void()> fn) { on_readers_changed_ = std::move(fn); }

 private:
  struct Entry {
    std::shared_ptr<Table> table;
    std::list<uint64_t>::iterator lru_position;
  };

  const std::string dbname_;
  Env* const env_;
  TableOptions table_options_;  // constant after construction
  BlockCache* const block_cache_;
  const size_t capacity_;
  const bool allow_mmap_;

  // Closes LRU tables until within the count and byte limits, keeping
  // `keep`. Returns the closed tables, to be released without the lock.
  std::vector<std::shared_ptr<Table>> TrimLocked(uint64_t keep) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable Mutex mu_;
  std::unordered_map<uint64_t, Entry> tables_ ABSL_GUARDED_BY(mu_);
  std::list<uint64_t> lru_ ABSL_GUARDED_BY(mu_);  // front = most recently used
  std::atomic<size_t> reader_bytes_{0};           // PinnedMemoryUsage of tables_
  size_t reader_byte_limit_ ABSL_GUARDED_BY(mu_) = 0;
  std::function<void()> on_readers_changed_;      // set before first use
};

}  // namespace lsm

#endif  // LSM_ENGINE_DB_TABLE_CACHE_H_
