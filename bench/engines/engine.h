// Engine: the small adapter interface through which bench/db_bench drives our
// engine (lsm), LevelDB, RocksDB, LMDB and WiredTiger with the same workloads.
// Each adapter maps the shared EngineOptions onto its engine's own options, so
// that the engines run with the same memtable size, block size, bloom filter,
// compression and block cache wherever they share a knob (bench/README.md
// lists what each flag maps to, engine by engine).
//
// Adapters register themselves by name (see EngineRegistrar); the driver picks
// them with --engine=lsm,leveldb,rocksdb,lmdb,wiredtiger. An adapter library
// must be linked with alwayslink = True so that its registrar runs.
//
// Thread safety: after Open and before Close, Put, Delete, WritePuts, Get and
// NewIterator may be called concurrently from many threads (the LMDB and
// WiredTiger adapters give each thread handles of its own). Open, Flush,
// CompactAll and Close need external synchronization. An EngineIterator is
// used by one thread at a time.
#ifndef LSM_BENCH_ENGINES_ENGINE_H_
#define LSM_BENCH_ENGINES_ENGINE_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace lsm {
namespace bench {

// The options the engines share. Defaults follow the comparison's rules:
// bloom 10 bits/key, snappy, 8 MiB block cache, 4 MiB write buffer, 4 KiB
// blocks, and LevelDB's tree shape (2 MiB tables, a 10 MiB level 1).
struct EngineOptions {
  // Memtable size that triggers a flush to a level-0 table.
  size_t write_buffer_size = 4 << 20;
  // Size at which a compaction starts a new output table (LevelDB:
  // max_file_size; RocksDB: target_file_size_base).
  size_t target_file_size = 2 << 20;
  // Target size of level 1, each deeper level 10x larger (LevelDB's is fixed
  // at 10 MiB and ignores this).
  uint64_t max_bytes_for_level_base = 10 << 20;
  // Uncompressed size of a data block.
  size_t block_size = 4096;
  // Capacity of the block cache in bytes.
  size_t block_cache_bytes = 8 << 20;
  // Bloom filter bits per key; 0 disables filters.
  int bloom_bits_per_key = 10;
  // true: snappy; false: no compression.
  bool compression = true;
  // Background flush/compaction threads (ignored by LevelDB, which has one).
  int max_background_jobs = 2;
  int max_open_files = 1000;
  // Fail Open when the database does not exist yet (--use_existing_db).
  bool must_exist = false;
  // Each engine keeps its own default options (what a user who changes
  // nothing gets); of the fields above only bloom_bits_per_key and
  // must_exist apply.
  bool engine_defaults = false;
  // lsm only, in both modes: its memtables are skiplists instead of its
  // default B+tree-indexed lists.
  bool lsm_skiplist_memtable = false;
  // lsm only, in both modes: its block compression ("none", "snappy",
  // "zstd", any case: tools::ParseCompression); empty keeps the mode's
  // (--compression, or its default).
  std::string lsm_compression;
};

struct KeyValue {
  std::string_view key;
  std::string_view value;
};

// A cursor over the engine's keys in order. Same contract as lsm::Iterator.
class EngineIterator {
 public:
  virtual ~EngineIterator() = default;
  virtual bool Valid() const = 0;
  virtual void SeekToFirst() = 0;
  virtual void SeekToLast() = 0;
  // First key >= target.
  virtual void Seek(std::string_view target) = 0;
  // REQUIRES: Valid()
  virtual void Next() = 0;
  // REQUIRES: Valid()
  virtual void Prev() = 0;
  // REQUIRES: Valid(). Valid until the next move.
  virtual std::string_view key() const = 0;
  // REQUIRES: Valid(). Valid until the next move.
  virtual std::string_view value() const = 0;
  virtual absl::Status status() const = 0;
};

// An EngineIterator over a LevelDB-style iterator (LevelDB's and RocksDB's
// share the shape: Slice keys, a Status to convert). FromStatus maps the
// library's status to absl::Status.
template <typename LibIterator, auto FromStatus>
class SliceIteratorAdapter final : public EngineIterator {
 public:
  // Takes ownership of it.
  explicit SliceIteratorAdapter(LibIterator* it) : it_(it) {}

  bool Valid() const override { return it_->Valid(); }
  void SeekToFirst() override { it_->SeekToFirst(); }
  void SeekToLast() override { it_->SeekToLast(); }
  void Seek(std::string_view target) override { it_->Seek(Slice(target.data(), target.size())); }
  void Next() override { it_->Next(); }
  void Prev() override { it_->Prev(); }
  std::string_view key() const override { return View(it_->key()); }
  std::string_view value() const override { return View(it_->value()); }
  absl::Status status() const override { return FromStatus(it_->status()); }

 private:
  using Slice = decltype(std::declval<LibIterator&>().key());
  static std::string_view View(const Slice& s) { return std::string_view(s.data(), s.size()); }

  std::unique_ptr<LibIterator> it_;
};

// An iterator that is never valid and reports why it could not be made.
class FailedIterator final : public EngineIterator {
 public:
  explicit FailedIterator(absl::Status status) : status_(std::move(status)) {}
  bool Valid() const override { return false; }
  void SeekToFirst() override {}
  void SeekToLast() override {}
  void Seek(std::string_view) override {}
  void Next() override {}
  void Prev() override {}
  std::string_view key() const override { return {}; }
  std::string_view value() const override { return {}; }
  absl::Status status() const override { return status_; }

 private:
  absl::Status status_;
};

class Engine {
 public:
  Engine() = default;
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;
  // Closes the database if it is still open.
  virtual ~Engine() = default;

  // The name it is registered under: "lsm", "leveldb", "rocksdb", "lmdb",
  // "wiredtiger".
  virtual std::string_view name() const = 0;
  // The engine's version and anything a report must say about the build
  // (e.g. that Debian's RocksDB has assertions on).
  virtual std::string Description() const = 0;

  // Opens (creating unless options.must_exist) the database in dir.
  // REQUIRES: not open.
  virtual absl::Status Open(const std::string& dir, const EngineOptions& options) = 0;
  // Waits for background work and releases the database. OK when not open.
  virtual absl::Status Close() = 0;

  // REQUIRES for everything below: open.
  virtual absl::Status Put(std::string_view key, std::string_view value, bool sync) = 0;
  virtual absl::Status Delete(std::string_view key, bool sync) = 0;
  // Applies all the puts atomically, as one write batch.
  virtual absl::Status WritePuts(std::span<const KeyValue> puts, bool sync) = 0;
  // OK and *value set when found; NotFound when absent.
  virtual absl::Status Get(std::string_view key, std::string* value) = 0;
  // Destroy the iterator before Close.
  virtual std::unique_ptr<EngineIterator> NewIterator() = 0;
  // Writes the memtable out to a table and waits for it. LevelDB has no public
  // flush, so its adapter compacts the whole key range instead; LMDB has no
  // memtable (its adapter syncs the file); WiredTiger takes a checkpoint.
  virtual absl::Status Flush() = 0;
  // Flushes, then compacts the whole key range through every level.
  // Unimplemented when the engine has nothing of the kind (LMDB): the runner
  // then reports the workload as not supported, with the status's message.
  virtual absl::Status CompactAll() = 0;
  // The engine's own statistics text ("lsm.stats", "leveldb.stats",
  // "rocksdb.stats", LMDB's mdb_env_stat, WiredTiger's LSM metadata); empty
  // when it has none.
  virtual std::string Stats() = 0;
};

using EngineFactory = std::function<std::unique_ptr<Engine>()>;

// Registers factory under name at static-initialization time:
//   static const EngineRegistrar kRegistrar("leveldb", [] { ... });
class EngineRegistrar {
 public:
  EngineRegistrar(std::string_view name, EngineFactory factory);
};

// A new, unopened engine; NotFound (listing the registered names) for an
// unknown name.
absl::StatusOr<std::unique_ptr<Engine>> NewEngine(std::string_view name);
// The registered names, sorted.
std::vector<std::string> RegisteredEngines();

}  // namespace bench
}  // namespace lsm

#endif  // LSM_BENCH_ENGINES_ENGINE_H_
