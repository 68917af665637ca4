// The LevelDB adapter (Debian's libleveldb), registered as "leveldb".
//
// LevelDB has one background thread and no public flush: Flush compacts the
// whole key range, which writes the memtable out first.
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "bench/engines/engine.h"
#include "leveldb/cache.h"
#include "leveldb/db.h"
#include "leveldb/filter_policy.h"
#include "leveldb/iterator.h"
#include "leveldb/options.h"
#include "leveldb/write_batch.h"

namespace lsm {
namespace bench {
namespace {

leveldb::Slice ToSlice(std::string_view s) { return leveldb::Slice(s.data(), s.size()); }

absl::Status FromLevelDB(const leveldb::Status& s) {
  if (s.ok()) return absl::OkStatus();
  const std::string message = s.ToString();
  if (s.IsNotFound()) return absl::NotFoundError(message);
  if (s.IsCorruption()) return absl::DataLossError(message);
  if (s.IsInvalidArgument()) return absl::InvalidArgumentError(message);
  if (s.IsNotSupportedError()) return absl::UnimplementedError(message);
  return absl::InternalError(message);
}

using LevelDBIterator = SliceIteratorAdapter<leveldb::Iterator, FromLevelDB>;

class LevelDBEngine final : public Engine {
 public:
  ~LevelDBEngine() override { Close().IgnoreError(); }

  std::string_view name() const override { return "leveldb"; }

  std::string Description() const override {
    return absl::StrCat("LevelDB ", leveldb::kMajorVersion, ".", leveldb::kMinorVersion,
                        " (Debian libleveldb)");
  }

  absl::Status Open(const std::string& dir, const EngineOptions& options) override {
    if (db_ != nullptr) return absl::FailedPreconditionError("already open");
    if (options.bloom_bits_per_key > 0) {
      filter_.reset(leveldb::NewBloomFilterPolicy(options.bloom_bits_per_key));
    }
    leveldb::Options opts;
    opts.create_if_missing = !options.must_exist;
    opts.filter_policy = filter_.get();
    if (!options.engine_defaults) {
      cache_.reset(leveldb::NewLRUCache(options.block_cache_bytes));
      opts.write_buffer_size = options.write_buffer_size;
      opts.max_file_size = options.target_file_size;
      opts.block_size = options.block_size;
      opts.block_cache = cache_.get();
      opts.compression =
          options.compression ? leveldb::kSnappyCompression : leveldb::kNoCompression;
      opts.max_open_files = options.max_open_files;
    }
    leveldb::DB* db = nullptr;
    absl::Status s = FromLevelDB(leveldb::DB::Open(opts, dir, &db));
    if (!s.ok()) return s;
    db_.reset(db);
    return absl::OkStatus();
  }

  absl::Status Close() override {
    db_.reset();  // the destructor waits for the background compaction
    filter_.reset();
    cache_.reset();
    return absl::OkStatus();
  }

  absl::Status Put(std::string_view key, std::string_view value, bool sync) override {
    leveldb::WriteOptions wo;
    wo.sync = sync;
    return FromLevelDB(db_->Put(wo, ToSlice(key), ToSlice(value)));
  }

  absl::Status Delete(std::string_view key, bool sync) override {
    leveldb::WriteOptions wo;
    wo.sync = sync;
    return FromLevelDB(db_->Delete(wo, ToSlice(key)));
  }

  absl::Status WritePuts(std::span<const KeyValue> puts, bool sync) override {
    leveldb::WriteBatch batch;
    for (const KeyValue& kv : puts) batch.Put(ToSlice(kv.key), ToSlice(kv.value));
    leveldb::WriteOptions wo;
    wo.sync = sync;
    return FromLevelDB(db_->Write(wo, &batch));
  }

  absl::Status Get(std::string_view key, std::string* value) override {
    return FromLevelDB(db_->Get(leveldb::ReadOptions(), ToSlice(key), value));
  }

  std::unique_ptr<EngineIterator> NewIterator() override {
    return std::make_unique<LevelDBIterator>(db_->NewIterator(leveldb::ReadOptions()));
  }

  absl::Status Flush() override { return CompactAll(); }

  absl::Status CompactAll() override {
    db_->CompactRange(nullptr, nullptr);
    return absl::OkStatus();
  }

  std::string Stats() override {
    std::string stats;
    if (!db_->GetProperty("leveldb.stats", &stats)) stats.clear();
    return stats;
  }

 private:
  // Declared before db_ so that they outlive it.
  std::unique_ptr<leveldb::Cache> cache_;
  std::unique_ptr<const leveldb::FilterPolicy> filter_;
  std::unique_ptr<leveldb::DB> db_;
};

const EngineRegistrar kRegistrar("leveldb", [] { return std::make_unique<LevelDBEngine>(); });

}  // namespace
}  // namespace bench
}  // namespace lsm
