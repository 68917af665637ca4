#include "engine/db/table_cache.h"

#include <utility>

#include "engine/db/filename.h"
#include "engine/table/iterator_util.h"
#include "lsm/env.h"

namespace lsm {

TableCache::TableCache(std::string dbname, const Options& options, BlockCache* block_cache,
                       TableReadCounters* read_counters)
    : dbname_(std::move(dbname)),
      env_(options.env),
      table_options_(FromOptions(options)),
      block_cache_(block_cache),
      capacity_(options.max_open_files > 10 ? options.max_open_files - 10 : 1),
      allow_mmap_(options.allow_mmap_reads) {
  table_options_.read_counters = read_counters;
}

std::vector<std::shared_ptr<Table>> TableCache::TrimLocked(uint64_t keep) {
  std::vector<std::shared_ptr<Table>> closed;
  auto over = [&] {
    return tables_.size() > capacity_ ||
           (reader_byte_limit_ > 0 && reader_bytes_.load(std::memory_order_relaxed) >
                                          reader_byte_limit_);
  };
  auto it = lru_.end();
  while (over() && it != lru_.begin()) {
    --it;
    if (*it == keep) continue;
    auto entry = tables_.find(*it);
    reader_bytes_.fetch_sub(entry->second.table->PinnedMemoryUsage(), std::memory_order_relaxed);
    closed.push_back(std::move(entry->second.table));
    tables_.erase(entry);
    it = lru_.erase(it);
  }
  return closed;
}

void TableCache::SetReaderByteLimit(size_t limit) {
  std::vector<std::shared_ptr<Table>> closed;
  {
    MutexLock l(&mu_);
    reader_byte_limit_ = limit;
    closed = TrimLocked(/*keep=*/0);
  }
  if (!closed.empty() && on_readers_changed_) on_readers_changed_();
}

absl::StatusOr<std::shared_ptr<Table>> TableCache::FindTable(uint64_t file_number,
                                                             uint64_t file_size) {
  {
    MutexLock l(&mu_);
    auto it = tables_.find(file_number);
    if (it != tables_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second.lru_position);
      return it->second.table;
    }
  }
  // Open without the lock: it reads the footer, index and filter. Two threads
  // may race to open the same file; the first to insert wins.
  const std::string path = TableFileName(dbname_, file_number);
  RandomAccessFileOptions file_options;
  file_options.allow_mmap = allow_mmap_;
  auto file = env_->NewRandomAccessFile(path, file_options);
  if (!file.ok()) {
    // A table a Version names must exist: its absence is lost data, never
    // "key not found".
    if (absl::IsNotFound(file.status())) {
      return absl::DataLossError(path + ": table file is missing");
    }
    return file.status();
  }
  auto table =
      Table::Open(table_options_, std::move(*file), file_size, file_number, block_cache_);
  if (!table.ok()) {
    return absl::Status(table.status().code(),
                        path + ": " + std::string(table.status().message()));
  }
  std::shared_ptr<Table> opened = std::move(*table);

  std::shared_ptr<Table> result;
  std::vector<std::shared_ptr<Table>> closed;  // released after the lock
  {
    MutexLock l(&mu_);
    auto [it, inserted] = tables_.try_emplace(file_number);
    if (!inserted) {
      lru_.splice(lru_.begin(), lru_, it->second.lru_position);
      return it->second.table;
    }
    lru_.push_front(file_number);
    reader_bytes_.fetch_add(opened->PinnedMemoryUsage(), std::memory_order_relaxed);
    it->second.table = std::move(opened);
    it->second.lru_position = lru_.begin();
    result = it->second.table;
    closed = TrimLocked(/*keep=*/file_number);
  }
  if (on_readers_changed_) on_readers_changed_();
  return result;
}

std::unique_ptr<Iterator> TableCache::NewIterator(const ReadOptions& options,
                                                  uint64_t file_number, uint64_t file_size) {
  auto table = FindTable(file_number, file_size);
  if (!table.ok()) return NewErrorIterator(table.status());
  const Table* t = table->get();
  return t->NewIterator(options, *std::move(table));
}

absl::Status TableCache::Get(const ReadOptions& options, uint64_t file_number,
                             uint64_t file_size, std::string_view internal_key,
                             Table::FoundFn found) {
  auto table = FindTable(file_number, file_size);
  if (!table.ok()) return table.status();
  return (*table)->Get(options, internal_key, found);
}

absl::Status TableCache::MultiGet(const ReadOptions& options, uint64_t file_number,
                                  uint64_t file_size,
                                  const std::vector<std::string_view>& internal_keys,
                                  Table::MultiFoundFn found) {
  auto table = FindTable(file_number, file_size);
  if (!table.ok()) return table.status();
  return (*table)->MultiGet(options, internal_keys, found);
}

absl::Status TableCache::AppendRangeTombstones(uint64_t file_number, uint64_t file_size,
                                               std::vector<RangeTombstone>* out) {
  auto table = FindTable(file_number, file_size);
  if (!table.ok()) return table.status();
  const std::vector<RangeTombstone>& tombstones = (*table)->range_tombstones();
  out->insert(out->end(), tombstones.begin(), tombstones.end());
  return absl::OkStatus();
}

void TableCache::Evict(uint64_t file_number) {
  {
    MutexLock l(&mu_);
    auto it = tables_.find(file_number);
    if (it != tables_.end()) {
      reader_bytes_.fetch_sub(it->second.table->PinnedMemoryUsage(), std::memory_order_relaxed);
      lru_.erase(it->second.lru_position);
      tables_.erase(it);
    }
  }
  if (block_cache_ != nullptr) block_cache_->EraseFile(file_number);
}

size_t TableCache::OpenTables() const {
  MutexLock l(&mu_);
  return tables_.size();
}

}  // namespace lsm
