// lsm::DB: a persistent, ordered map from byte-string keys to byte-string
// values, stored as a log-structured merge tree.
//
// Thread safety: a DB is safe for concurrent use by many threads without
// external synchronization. Iterators and WriteBatches are not (see their
// headers). One process at a time may open a DB directory.
#ifndef LSM_DB_H_
#define LSM_DB_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lsm/env.h"
#include "lsm/iterator.h"
#include "lsm/options.h"
#include "lsm/snapshot.h"
#include "lsm/statistics.h"
#include "lsm/write_batch.h"

namespace lsm {

class DB {
 public:
  // Opens (or creates, per options) the DB in directory `path`.
  // FailedPrecondition when another process holds it, or when it exists and
  // options.error_if_exists; DataLoss when it is damaged beyond what
  // options.wal_recovery and paranoid_checks allow.
  static absl::StatusOr<std::unique_ptr<DB>> Open(const Options& options, const std::string& path);

  DB() = default;
  DB(const DB&) = delete;
  DB& operator=(const DB&) = delete;
  // Waits for background work, then releases the lock.
  virtual ~DB() = default;

  virtual absl::Status Put(const WriteOptions& options, std::string_view key,
                           std::string_view value) = 0;
  virtual absl::Status Delete(const WriteOptions& options, std::string_view key) = 0;
  // Deletes every key k with begin <= k < end (bytewise) as of this write, in
  // O(1): one range tombstone, however many keys the range holds. Keys
  // written later are not affected; snapshots taken before still see the
  // old values. begin == end deletes nothing; InvalidArgument when begin >
  // end or either key is over kMaxKeySize.
  virtual absl::Status DeleteRange(const WriteOptions& options, std::string_view begin,
                                   std::string_view end) = 0;
  // Applies every update of the batch atomically.
  virtual absl::Status Write(const WriteOptions& options, WriteBatch* batch) = 0;
  // OK and *value set when found; NotFound when absent.
  virtual absl::Status Get(const ReadOptions& options, std::string_view key,
                           std::string* value) = 0;
  // Looks up every key as of one sequence number (options.snapshot, or the
  // latest): result i is keys[i]'s value, NotFound when it is absent,
  // InvalidArgument when it is over kMaxKeySize. The keys are looked up in
  // sorted order under one read state, so a batch costs less than as many
  // Gets.
  virtual std::vector<absl::StatusOr<std::string>> MultiGet(
      const ReadOptions& options, const std::vector<std::string_view>& keys) = 0;
  // The iterator keeps what it reads alive until it is destroyed; destroy it
  // before the DB. It reads as of one sequence number (options.snapshot, or
  // the latest). A repositioning call (Seek*, SeekTo*) may move it to a tree
  // compaction left since, when that tree shows it exactly the same entries
  // (under a snapshot, or with nothing written since): then it releases the
  // files it read before (engine/db/README.md).
  virtual std::unique_ptr<Iterator> NewIterator(const ReadOptions& options) = 0;

  virtual const Snapshot* GetSnapshot() = 0;
  virtual void ReleaseSnapshot(const Snapshot* snapshot) = 0;

  // Writes the memtable to an SST and waits for it.
  virtual absl::Status Flush() = 0;
  // Makes every write acknowledged before the call durable (fdatasync of the
  // WAL), as if each had been made with WriteOptions::sync: the way to sync
  // a run of unsynced writes once, e.g. before recording elsewhere that they
  // happened. Queued with the writes; the memtable is not flushed.
  virtual absl::Status SyncWAL() = 0;
  // Compacts the key range [*begin, *end] through every level; nullptr means
  // an open end.
  virtual absl::Status CompactRange(const std::string_view* begin,
                                    const std::string_view* end) = 0;

  // Writes a consistent copy of the DB into directory dir, which must not
  // exist (AlreadyExists otherwise): a DB that DB::Open opens, holding every
  // write acknowledged before the call and nothing written after the one
  // sequence number it is taken at. Tables are hard-linked when dir is on
  // the same file system, copied otherwise. Writes, flushes and compactions
  // go on meanwhile.
  virtual absl::Status CreateCheckpoint(const std::string& dir) = 0;

  // About how many bytes the keys in [begin, end) take: their share of the
  // tables on disk (compressed) plus their entries in the memtables.
  // InvalidArgument when begin > end.
  virtual absl::StatusOr<uint64_t> GetApproximateSize(std::string_view begin,
                                                       std::string_view end) = 0;

  // Counters and latency percentiles since the DB was opened (always kept:
  // they cost a few relaxed atomic adds and two clock reads per call).
  virtual Statistics GetStatistics() = 0;

  // "lsm.stats", "lsm.num-files-at-level<N>", "lsm.sstables",
  // "lsm.statistics" (GetStatistics as "name value" lines), "lsm.memory"
  // (bytes held by the memtables, the block cache and the table readers'
  // index and filter blocks, as "name value" lines),
  // "lsm.approximate-memory-usage", "lsm.estimate-num-keys" (live keys,
  // estimated: entries minus deletions, over tables and memtables);
  // std::nullopt for an unknown name.
  virtual std::optional<std::string> GetProperty(std::string_view name) = 0;
};

// Deletes every file of the DB at path, then the directory.
absl::Status DestroyDB(const std::string& path, const Options& options);

}  // namespace lsm

#endif  // LSM_DB_H_
