// The adapter for our engine (//engine:lsm), registered as "lsm".
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "bench/engines/engine.h"
#include "lsm/db.h"
#include "lsm/iterator.h"
#include "lsm/options.h"
#include "lsm/write_batch.h"
#include "tools/tool_util.h"

namespace lsm {
namespace bench {
namespace {

class LsmIterator final : public EngineIterator {
 public:
  explicit LsmIterator(std::unique_ptr<lsm::Iterator> it) : it_(std::move(it)) {}

  bool Valid() const override { return it_->Valid(); }
  void SeekToFirst() override { it_->SeekToFirst(); }
  void SeekToLast() override { it_->SeekToLast(); }
  void Seek(std::string_view target) override { it_->Seek(target); }
  void Next() override { it_->Next(); }
  void Prev() override { it_->Prev(); }
  std::string_view key() const override { return it_->key(); }
  std::string_view value() const override { return it_->value(); }
  absl::Status status() const override { return it_->status(); }

 private:
  std::unique_ptr<lsm::Iterator> it_;
};

class LsmEngine final : public Engine {
 public:
  std::string_view name() const override { return "lsm"; }

  std::string Description() const override { return "lsm (this repository, //engine:lsm)"; }

  absl::Status Open(const std::string& dir, const EngineOptions& options) override {
    if (db_ != nullptr) return absl::FailedPreconditionError("already open");
    lsm::Options opts;
    opts.create_if_missing = !options.must_exist;
    opts.bloom_bits_per_key = options.bloom_bits_per_key;
    if (!options.engine_defaults) SetSharedShape(options, &opts);
    if (options.lsm_skiplist_memtable) opts.memtable_structure = MemTableStructure::kSkipList;
    if (!options.lsm_compression.empty()) {
      absl::StatusOr<Compression> c = tools::ParseCompression(options.lsm_compression);
      if (!c.ok()) return c.status();
      opts.compression = *c;
    }
    absl::StatusOr<std::unique_ptr<lsm::DB>> db = lsm::DB::Open(opts, dir);
    if (!db.ok()) return db.status();
    db_ = std::move(*db);
    return absl::OkStatus();
  }

  static void SetSharedShape(const EngineOptions& options, lsm::Options* o) {
    lsm::Options& opts = *o;
    opts.write_buffer_size = options.write_buffer_size;
    opts.target_file_size = options.target_file_size;
    opts.max_bytes_for_level_base = options.max_bytes_for_level_base;
    opts.level_size_multiplier = 10;
    opts.block_size = options.block_size;
    opts.block_cache_capacity = options.block_cache_bytes;
    opts.compression = options.compression ? Compression::kSnappy : Compression::kNone;
    opts.max_background_jobs = options.max_background_jobs;
    opts.max_open_files = options.max_open_files;
  }

  absl::Status Close() override {
    db_.reset();  // the destructor waits for background work
    return absl::OkStatus();
  }

  absl::Status Put(std::string_view key, std::string_view value, bool sync) override {
    WriteOptions wo;
    wo.sync = sync;
    return db_->Put(wo, key, value);
  }

  absl::Status Delete(std::string_view key, bool sync) override {
    WriteOptions wo;
    wo.sync = sync;
    return db_->Delete(wo, key);
  }

  absl::Status WritePuts(std::span<const KeyValue> puts, bool sync) override {
    lsm::WriteBatch batch;
    for (const KeyValue& kv : puts) batch.Put(kv.key, kv.value);
    WriteOptions wo;
    wo.sync = sync;
    return db_->Write(wo, &batch);
  }

  absl::Status Get(std::string_view key, std::string* value) override {
    return db_->Get(ReadOptions(), key, value);
  }

  std::unique_ptr<EngineIterator> NewIterator() override {
    return std::make_unique<LsmIterator>(db_->NewIterator(ReadOptions()));
  }

  absl::Status Flush() override { return db_->Flush(); }

  absl::Status CompactAll() override {
    absl::Status s = db_->Flush();
    if (!s.ok()) return s;
    return db_->CompactRange(nullptr, nullptr);
  }

  std::string Stats() override { return db_->GetProperty("lsm.stats").value_or(""); }

 private:
  std::unique_ptr<lsm::DB> db_;
};

const EngineRegistrar kRegistrar("lsm", [] { return std::make_unique<LsmEngine>(); });

}  // namespace
}  // namespace bench
}  // namespace lsm
