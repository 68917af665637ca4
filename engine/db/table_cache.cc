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
      capacity_(options.max_open_files > 10 ? options.max_open_files - 10 : 1) {
  table_options_.read_counters = read_counters;
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
  auto file = env_->NewRandomAccessFile(path);
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

  MutexLock l(&mu_);
  auto [it, inserted] = tables_.try_emplace(file_number);
  if (!inserted) {
    lru_.splice(lru_.begin(), lru_, it->second.lru_position);
    return it->second.table;
  }
  lru_.push_front(file_number);
  it->second.table = std::move(opened);
  it->second.lru_position = lru_.begin();
  std::shared_ptr<Table> result = it->second.table;
  while (tables_.size() > capacity_) {
    tables_.erase(lru_.back());
    lru_.pop_back();
  }
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
                             const std::function<void(std::string_view, std::string_view)>& found) {
  auto table = FindTable(file_number, file_size);
  if (!table.ok()) return table.status();
  return (*table)->Get(options, internal_key, found);
}

void TableCache::Evict(uint64_t file_number) {
  {
    MutexLock l(&mu_);
    auto it = tables_.find(file_number);
    if (it != tables_.end()) {
      lru_.erase(it->second.lru_position);
      tables_.erase(it);
    }
  }
  if (block_cache_ != nullptr) block_cache_->EraseFile(file_number);
}

size_t TableCache::TableReaderBytes() const {
  MutexLock l(&mu_);
  size_t n = 0;
  for (const auto& [number, e] : tables_) n += e.table->PinnedMemoryUsage();
  return n;
}

size_t TableCache::OpenTables() const {
  MutexLock l(&mu_);
  return tables_.size();
}

}  // namespace lsm
