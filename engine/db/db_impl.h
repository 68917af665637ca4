// DBImpl: the implementation of lsm::DB (see lsm/db.h and DESIGN.md).
//
// Locking: mutex_ guards the mutable state below it. It is released around
// every file write: a WAL append (by the group-commit leader), a flush, a
// compaction and a MANIFEST write. Lock order: mutex_ before any lock inside
// the VersionSet, TableCache or BlockCache.
#ifndef LSM_ENGINE_DB_DB_IMPL_H_
#define LSM_ENGINE_DB_DB_IMPL_H_

#include <array>
#include <atomic>
#include <deque>
#include <list>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine/db/db_iter.h"
#include "engine/db/memory_budget.h"
#include "engine/db/table_cache.h"
#include "engine/db/version_set.h"
#include "engine/memtable/memtable.h"
#include "engine/table/cache.h"
#include "engine/table/table_builder.h"
#include "engine/util/latency_histogram.h"
#include "engine/util/mutex.h"
#include "engine/wal/log_writer.h"
#include "lsm/db.h"

namespace lsm {

class DBImpl final : public DB {
 public:
  DBImpl(const Options& options, std::string dbname);
  ~DBImpl() override;

  // Called once by DB::Open.
  absl::Status Open();

  absl::Status Put(const WriteOptions& options, std::string_view key,
                   std::string_view value) override;
  absl::Status Delete(const WriteOptions& options, std::string_view key) override;
  absl::Status DeleteRange(const WriteOptions& options, std::string_view begin,
                           std::string_view end) override;
  absl::Status Write(const WriteOptions& options, WriteBatch* batch) override;
  absl::Status Get(const ReadOptions& options, std::string_view key, std::string* value) override;
  std::vector<absl::StatusOr<std::string>> MultiGet(
      const ReadOptions& options, const std::vector<std::string_view>& keys) override;
  std::unique_ptr<Iterator> NewIterator(const ReadOptions& options) override;
  const Snapshot* GetSnapshot() override;
  void ReleaseSnapshot(const Snapshot* snapshot) override;
  absl::Status Flush() override;
  absl::Status SyncWAL() override;
  absl::Status CompactRange(const std::string_view* begin, const std::string_view* end) override;
  absl::Status CreateCheckpoint(const std::string& dir) override;
  absl::StatusOr<uint64_t> GetApproximateSize(std::string_view begin,
                                              std::string_view end) override;
  Statistics GetStatistics() override;
  std::optional<std::string> GetProperty(std::string_view name) override;

  // ---- Test hooks ----
  // Waits until no flush or compaction is pending or running.
  absl::Status TEST_WaitForBackgroundWork();

 private:
  struct Writer;
  class SnapshotImpl;
  struct LevelStats {
    uint64_t bytes_read = 0;
    uint64_t bytes_written = 0;
    uint64_t files_in = 0;
    uint64_t files_out = 0;
    uint64_t micros = 0;
    uint64_t count = 0;
  };
  using MemTableList = std::vector<std::shared_ptr<MemTable>>;
  // The memtables and Version a read pins. Every read that starts while
  // they are current shares one ReadView, so a read takes one reference
  // instead of three.
  struct ReadView {
    std::shared_ptr<MemTable> mem;
    std::shared_ptr<const MemTableList> imm;  // newest first; null when none
    std::shared_ptr<const Version> version;
  };
  // What a read pins, at the sequence it reads.
  struct ReadState {
    SequenceNumber sequence = 0;
    std::shared_ptr<const ReadView> view;
  };
  // A frozen memtable waiting for its flush, and the log holding its writes.
  struct ImmutableMemTable {
    std::shared_ptr<MemTable> mem;
    uint64_t log_number;
  };
  ReadState AcquireReadState(const ReadOptions& options);
  // Looks key up in the memtables rs pins, newest first.
  // The memtables' answer for key under rs (their range tombstones
  // included): OK with *value or NotFound when they decide it, nullopt when
  // the tables must be searched.
  static std::optional<absl::Status> GetFromMemTables(const ReadState& rs, std::string_view key,
                                                      std::string* value);
  // What a DB iterator under rs reads (see DBIterSources); the error of a
  // table whose range tombstones cannot be read.
  absl::StatusOr<DBIterSources> NewIteratorSources(const ReadOptions& options,
                                                   const ReadState& rs);
  // Changes whenever a ReadView made now would differ from one made before:
  // a memtable was frozen or flushed, or a Version installed. Read without
  // the mutex.
  uint64_t ReadSourcesGeneration() const {
    return memtable_changes_.load(std::memory_order_acquire) + versions_->VersionsInstalled();
  }
  // One point read under rs: the memtables, then rs.version. OK with *value,
  // NotFound, or the error of a table.
  absl::Status GetWithReadState(const ReadOptions& options, const ReadState& rs,
                                std::string_view key, std::string* value);

  // ---- Recovery (db_open.cc) ----
  // Checks that the files the MANIFEST needs exist, replays the logs it does
  // not cover into level-0 tables, starts a new log and records all of it.
  absl::Status RecoverLogs() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  struct LogReplay {
    uint64_t records = 0;   // batches replayed
    std::string torn_tail;  // where the log ends in a dropped torn tail, if it does
    bool stopped = false;   // kPointInTime met damage: replay no later log
  };
  absl::Status ReplayLogFile(uint64_t log_number, VersionEdit* edit,
                             SequenceNumber* max_sequence, LogReplay* replay)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // paranoid_checks: reads every block of every live table, checking
  // checksums, entry counts and key ranges against the MANIFEST.
  absl::Status VerifyLiveTables() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Syncs and closes the current log, then creates the next one; the I/O
  // runs without mutex_. REQUIRES: the caller is the write leader, or Open.
  absl::Status NewLogFile() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  // Writes the entries and range tombstones of mems to one new table at
  // level 0 and records it in edit.
  absl::Status WriteLevel0Table(const std::vector<std::shared_ptr<MemTable>>& mems,
                                VersionEdit* edit) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Builds a table file from iter and tombstones; sets meta (number must be
  // set). Empty input leaves meta->file_size 0 and no file.
  absl::Status BuildTable(Iterator* iter, const std::vector<RangeTombstone>& tombstones,
                          FileMetaData* meta);

  // Write without the per-entry limit checks (Put and Delete check first).
  absl::Status WriteInternal(const WriteOptions& options, WriteBatch* batch);
  absl::Status MakeRoomForWrite(bool force) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Spends one seek of f's budget (nothing when f is empty); schedules its
  // compaction when the budget runs out.
  void ChargeSeek(const Version::FileRef& f) ABSL_LOCKS_EXCLUDED(mutex_);
  // Called by the leader of a sync write: waits (briefly, bounded by a
  // half of a recent sync) for the writers of the last synced group that
  // are not queued again yet, so that one sync serves all of them.
  void GatherSyncGroup(Writer* leader) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  WriteBatch* BuildBatchGroup(Writer** last_writer, bool* need_sync)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  void MaybeScheduleWork() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void BackgroundFlush();
  void BackgroundCompaction(Compaction* c);
  // Marks c's inputs busy (and L0 as compacting) or releases them.
  // Forgets the outputs of edit as pending (they are installed or abandoned).
  void ReleasePendingOutputs(const VersionEdit& edit) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void ReserveInputs(Compaction* c) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void ReleaseInputs(Compaction* c) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  absl::Status FlushImmutableMemTable() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  absl::Status RunCompaction(Compaction* c) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  absl::Status DoCompactionWork(Compaction* c, std::vector<FileMetaData>* outputs)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  absl::Status FinishOutputFile(std::unique_ptr<WritableFile> file, TableBuilder* builder,
                                FileMetaData* meta);
  void RecordBackgroundError(const absl::Status& s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void DeleteObsoleteFiles() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  SequenceNumber OldestSnapshot() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  std::string StatsString() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  // ---- Constant after construction ----
  const Options options_;  // env filled in
  const std::string dbname_;
  std::unique_ptr<BlockCache> block_cache_;
  TableReadCounters table_read_counters_;  // before table_cache_, which points at it
  std::unique_ptr<TableCache> table_cache_;
  std::unique_ptr<MemoryBudget> memory_budget_;  // null without Options::memory_budget
  std::unique_ptr<FileLock> db_lock_;

  // ---- Guarded by mutex_ ----
  mutable Mutex mutex_;
  CondVar background_cv_;  // signalled when background work finishes
  std::unique_ptr<VersionSet> versions_ ABSL_GUARDED_BY(mutex_);
  std::shared_ptr<MemTable> mem_ ABSL_GUARDED_BY(mutex_);
  std::vector<ImmutableMemTable> imm_ ABSL_GUARDED_BY(mutex_);  // oldest first
  // imm_'s memtables newest first, as readers take them (one shared_ptr copy
  // per read); rebuilt whenever imm_ changes.
  std::shared_ptr<const MemTableList> imm_for_reads_ ABSL_GUARDED_BY(mutex_);
  // The ReadView of mem_, imm_for_reads_ and the current Version, made by
  // the first read that finds it out of date. Dropped before obsolete files
  // are collected, so it never keeps a replaced Version's files on disk.
  std::shared_ptr<const ReadView> read_view_ ABSL_GUARDED_BY(mutex_);
  void ImmutableMemTablesChanged() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Bumped by ImmutableMemTablesChanged (see ReadSourcesGeneration).
  std::atomic<uint64_t> memtable_changes_{0};
  std::unique_ptr<WritableFile> logfile_ ABSL_GUARDED_BY(mutex_);
  uint64_t logfile_number_ ABSL_GUARDED_BY(mutex_) = 0;
  std::unique_ptr<log::Writer> log_ ABSL_GUARDED_BY(mutex_);
  std::deque<Writer*> writers_ ABSL_GUARDED_BY(mutex_);
  WriteBatch group_batch_ ABSL_GUARDED_BY(mutex_);
  // Sync-group gathering (GatherSyncGroup).
  static constexpr size_t kMaxGatheredWriters = 64;
  static constexpr uint64_t kMaxGatherMicros = 2000;
  std::vector<std::thread::id> last_sync_group_ ABSL_GUARDED_BY(mutex_);
  Writer* gathering_leader_ ABSL_GUARDED_BY(mutex_) = nullptr;
  size_t gathering_expected_ ABSL_GUARDED_BY(mutex_) = 0;  // queue length it waits for
  uint64_t sync_micros_avg_ ABSL_GUARDED_BY(mutex_) = 0;  // moving average of WAL syncs
  std::list<std::unique_ptr<SnapshotImpl>> snapshots_ ABSL_GUARDED_BY(mutex_);
  std::set<uint64_t> pending_outputs_ ABSL_GUARDED_BY(mutex_);
  bool flush_scheduled_ ABSL_GUARDED_BY(mutex_) = false;
  int compactions_scheduled_ ABSL_GUARDED_BY(mutex_) = 0;
  int manual_compactions_ ABSL_GUARDED_BY(mutex_) = 0;
  std::atomic<bool> shutting_down_{false};
  absl::Status bg_error_ ABSL_GUARDED_BY(mutex_);

  // ---- Statistics (guarded by mutex_) ----
  std::array<LevelStats, kNumLevels> level_stats_ ABSL_GUARDED_BY(mutex_);
  uint64_t user_bytes_written_ ABSL_GUARDED_BY(mutex_) = 0;
  uint64_t wal_syncs_ ABSL_GUARDED_BY(mutex_) = 0;
  uint64_t write_groups_ ABSL_GUARDED_BY(mutex_) = 0;
  uint64_t writes_ ABSL_GUARDED_BY(mutex_) = 0;
  uint64_t slowdown_micros_ ABSL_GUARDED_BY(mutex_) = 0;
  uint64_t stop_micros_ ABSL_GUARDED_BY(mutex_) = 0;
  uint64_t trivial_moves_ ABSL_GUARDED_BY(mutex_) = 0;
  uint64_t seek_compactions_ ABSL_GUARDED_BY(mutex_) = 0;  // picked for reads, not size
  // Read-side statistics, counted without the mutex.
  std::atomic<uint64_t> gets_{0};
  std::atomic<uint64_t> gets_found_{0};
  std::atomic<uint64_t> bytes_read_{0};
  LatencyHistogram get_latency_;
  LatencyHistogram write_latency_;
  LatencyHistogram seek_latency_;  // DB iterators' positioning calls
};

}  // namespace lsm

#endif  // LSM_ENGINE_DB_DB_IMPL_H_
