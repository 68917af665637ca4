// The RocksDB adapter (Debian's librocksdb), registered as "rocksdb".
//
// Debian builds librocksdb with assertions enabled (its rocksdb-tools db_bench
// warns "Assertions are enabled; benchmarks unnecessarily slow"), so RocksDB's
// numbers here understate what a release build does. Description() says so,
// and every report repeats it.
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "bench/engines/engine.h"
#include "rocksdb/cache.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/iterator.h"
#include "rocksdb/options.h"
#include "rocksdb/table.h"
#include "rocksdb/version.h"
#include "rocksdb/write_batch.h"

namespace lsm {
namespace bench {
namespace {

rocksdb::Slice ToSlice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }

absl::Status FromRocksDB(const rocksdb::Status& s) {
  if (s.ok()) return absl::OkStatus();
  const std::string message = s.ToString();
  if (s.IsNotFound()) return absl::NotFoundError(message);
  if (s.IsCorruption()) return absl::DataLossError(message);
  if (s.IsInvalidArgument()) return absl::InvalidArgumentError(message);
  if (s.IsNotSupported()) return absl::UnimplementedError(message);
  if (s.IsNoSpace()) return absl::ResourceExhaustedError(message);
  return absl::InternalError(message);
}

using RocksDBIterator = SliceIteratorAdapter<rocksdb::Iterator, FromRocksDB>;

class RocksDBEngine final : public Engine {
 public:
  ~RocksDBEngine() override { Close().IgnoreError(); }

  std::string_view name() const override { return "rocksdb"; }

  std::string Description() const override {
    return absl::StrCat("RocksDB ", ROCKSDB_MAJOR, ".", ROCKSDB_MINOR, ".", ROCKSDB_PATCH,
                        " (Debian librocksdb, built with assertions enabled: its numbers "
                        "understate a release build)");
  }

  absl::Status Open(const std::string& dir, const EngineOptions& options) override {
    if (db_ != nullptr) return absl::FailedPreconditionError("already open");
    rocksdb::BlockBasedTableOptions table;
    if (options.bloom_bits_per_key > 0) {
      table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(options.bloom_bits_per_key));
    }
    rocksdb::Options opts;
    opts.create_if_missing = !options.must_exist;
    if (!options.engine_defaults) {
      table.block_size = options.block_size;
      table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
      opts.write_buffer_size = options.write_buffer_size;
      opts.target_file_size_base = options.target_file_size;
      opts.max_bytes_for_level_base = options.max_bytes_for_level_base;
      opts.max_bytes_for_level_multiplier = 10;
      opts.compression =
          options.compression ? rocksdb::kSnappyCompression : rocksdb::kNoCompression;
      opts.max_background_jobs = options.max_background_jobs;
      opts.max_open_files = options.max_open_files;
    }
    opts.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    rocksdb::DB* db = nullptr;
    absl::Status s = FromRocksDB(rocksdb::DB::Open(opts, dir, &db));
    if (!s.ok()) return s;
    db_.reset(db);
    return absl::OkStatus();
  }

  absl::Status Close() override {
    if (db_ == nullptr) return absl::OkStatus();
    absl::Status s = FromRocksDB(db_->Close());
    db_.reset();
    return s;
  }

  absl::Status Put(std::string_view key, std::string_view value, bool sync) override {
    rocksdb::WriteOptions wo;
    wo.sync = sync;
    return FromRocksDB(db_->Put(wo, ToSlice(key), ToSlice(value)));
  }

  absl::Status Delete(std::string_view key, bool sync) override {
    rocksdb::WriteOptions wo;
    wo.sync = sync;
    return FromRocksDB(db_->Delete(wo, ToSlice(key)));
  }

  absl::Status WritePuts(std::span<const KeyValue> puts, bool sync) override {
    rocksdb::WriteBatch batch;
    for (const KeyValue& kv : puts) {
      absl::Status s = FromRocksDB(batch.Put(ToSlice(kv.key), ToSlice(kv.value)));
      if (!s.ok()) return s;
    }
    rocksdb::WriteOptions wo;
    wo.sync = sync;
    return FromRocksDB(db_->Write(wo, &batch));
  }

  absl::Status Get(std::string_view key, std::string* value) override {
    return FromRocksDB(db_->Get(rocksdb::ReadOptions(), ToSlice(key), value));
  }

  std::unique_ptr<EngineIterator> NewIterator() override {
    return std::make_unique<RocksDBIterator>(db_->NewIterator(rocksdb::ReadOptions()));
  }

  absl::Status Flush() override { return FromRocksDB(db_->Flush(rocksdb::FlushOptions())); }

  absl::Status CompactAll() override {
    absl::Status s = Flush();
    if (!s.ok()) return s;
    return FromRocksDB(db_->CompactRange(rocksdb::CompactRangeOptions(), nullptr, nullptr));
  }

  std::string Stats() override {
    std::string stats;
    if (!db_->GetProperty("rocksdb.stats", &stats)) stats.clear();
    return stats;
  }

 private:
  std::unique_ptr<rocksdb::DB> db_;
};

const EngineRegistrar kRegistrar("rocksdb", [] { return std::make_unique<RocksDBEngine>(); });

}  // namespace
}  // namespace bench
}  // namespace lsm
