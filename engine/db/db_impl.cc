#include "engine/db/db_impl.h"

#include <algorithm>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/db/db_iter.h"
#include "engine/db/filename.h"
#include "engine/db/memory_budget.h"
#include "engine/memtable/memtable.h"
#include "engine/table/iterator_util.h"
#include "engine/table/merging_iterator.h"
#include "engine/table/table_builder.h"
#include "engine/wal/log_reader.h"
#include "engine/wal/write_batch_internal.h"
#include "lsm/status.h"

namespace lsm {

namespace {

// A leader groups at most this many bytes of batches into one WAL record.
constexpr size_t kMaxGroupBytes = 1 << 20;

Options SanitizeOptions(const Options& in) {
  Options o = in;
  if (o.env == nullptr) o.env = Env::Default();
  o.write_buffer_size = std::max<size_t>(o.write_buffer_size, 64 << 10);
  o.max_write_buffer_number = std::clamp(o.max_write_buffer_number, 2, 64);
  o.block_size = std::clamp<size_t>(o.block_size, 1 << 10, 4 << 20);
  o.block_restart_interval = std::max(o.block_restart_interval, 1);
  o.bloom_bits_per_key = std::clamp(o.bloom_bits_per_key, 0, 64);
  o.max_open_files = std::max(o.max_open_files, 20);
  o.max_background_jobs = std::clamp(o.max_background_jobs, 1, 64);
  o.target_file_size = std::max<size_t>(o.target_file_size, 64 << 10);
  o.max_bytes_for_level_base = std::max<uint64_t>(o.max_bytes_for_level_base, 256 << 10);
  o.level_size_multiplier = std::max(o.level_size_multiplier, 2);
  o.level0_compaction_trigger = std::max(o.level0_compaction_trigger, 1);
  o.level0_slowdown_writes_trigger =
      std::max(o.level0_slowdown_writes_trigger, o.level0_compaction_trigger);
  o.level0_stop_writes_trigger =
      std::max(o.level0_stop_writes_trigger, o.level0_slowdown_writes_trigger + 1);
  return MemoryBudget::Apply(o);
}

}  // namespace

struct DBImpl::Writer {
  explicit Writer(Mutex* mu) : cv(mu), wake_cv(&wake_mu) {}
  WriteBatch* batch = nullptr;
  bool sync = false;
  std::thread::id thread = std::this_thread::get_id();
  absl::Status status;  // set by the leader that wrote the batch, before kDone
  CondVar cv;           // on the DB mutex: a gathering leader waits on it

  // A queued writer waits, without the DB mutex, until it reaches the front
  // of the queue (kTurn) or a leader has written its batch (kDone). Waking
  // it takes only its own mutex, so a leader releases its group after
  // dropping the DB mutex, and the writers it wakes do not queue on it. The
  // woken writer cannot return (and destroy this) before Signal has let go
  // of wake_mu.
  enum class Wake { kNone, kTurn, kDone };
  void Signal(Wake w) {
    MutexLock l(&wake_mu);
    wake = w;
    wake_cv.Signal();
  }
  Wake Await() {
    MutexLock l(&wake_mu);
    while (wake == Wake::kNone) wake_cv.Wait();
    return wake;
  }
  Mutex wake_mu;
  CondVar wake_cv;
  Wake wake ABSL_GUARDED_BY(wake_mu) = Wake::kNone;
  // Writers of the same group this one wakes (kDone) once it is woken, so
  // that a large group is woken by two threads at once, not one by one.
  std::vector<Writer*> wake_after;
};

class DBImpl::SnapshotImpl final : public Snapshot {
 public:
  explicit SnapshotImpl(SequenceNumber seq) : seq_(seq) {}
  ~SnapshotImpl() override = default;
  uint64_t sequence() const override { return seq_; }

 private:
  const SequenceNumber seq_;
};

DBImpl::DBImpl(const Options& options, std::string dbname)
    : options_(SanitizeOptions(options)),
      dbname_(std::move(dbname)),
      background_cv_(&mutex_) {
  if (options_.block_cache_capacity > 0) {
    block_cache_ = std::make_unique<BlockCache>(options_.block_cache_capacity);
  }
  table_cache_ = std::make_unique<TableCache>(dbname_, options_, block_cache_.get(),
                                              &table_read_counters_);
  versions_ = std::make_unique<VersionSet>(dbname_, options_, table_cache_.get());
  if (options_.memory_budget > 0) {
    memory_budget_ = std::make_unique<MemoryBudget>(
        options_.memory_budget, block_cache_.get(), table_cache_.get(),
        &table_read_counters_.iterator_pinned_bytes);
    table_cache_->SetOnReadersChanged([budget = memory_budget_.get()] { budget->Rebalance(); });
  }
  options_.env->SetBackgroundThreads(options_.max_background_jobs);
}

DBImpl::~DBImpl() {
  {
    MutexLock l(&mutex_);
    shutting_down_.store(true, std::memory_order_release);
    while (flush_scheduled_ || compactions_scheduled_ > 0 || manual_compactions_ > 0) {
      background_cv_.Wait();
    }
    if (logfile_) logfile_->Close().IgnoreError();
    // Snapshots outliving the DB are a caller bug; they are freed here so
    // nothing leaks, and must not be used afterwards.
    snapshots_.clear();
    read_view_.reset();
  }
  if (db_lock_) options_.env->UnlockFile(std::move(db_lock_)).IgnoreError();
}

// ---------------------------------------------------------------------------
// Building tables

namespace {

// Widens a table's key and sequence range to its range tombstones: a
// tombstone [b, e) @ s spans from b @ s up to just before every entry of e.
void AddTombstonesToFileRange(const std::vector<RangeTombstone>& tombstones,
                              FileMetaData* meta) {
  for (const RangeTombstone& t : tombstones) {
    const std::string lo = RangeTombstoneKey(t);
    const std::string hi = RangeTombstoneEndKey(t.end);
    if (meta->smallest.empty() || CompareInternalKeys(lo, meta->smallest) < 0) meta->smallest = lo;
    if (meta->largest.empty() || CompareInternalKeys(hi, meta->largest) > 0) meta->largest = hi;
    meta->smallest_seq = std::min(meta->smallest_seq, t.sequence);
    meta->largest_seq = std::max(meta->largest_seq, t.sequence);
  }
  meta->num_range_deletions += tombstones.size();
}

}  // namespace

absl::Status DBImpl::BuildTable(Iterator* iter, const std::vector<RangeTombstone>& tombstones,
                                FileMetaData* meta) {
  meta->file_size = 0;
  iter->SeekToFirst();
  if (!iter->Valid() && tombstones.empty()) return iter->status();
  const std::string path = TableFileName(dbname_, meta->number);
  auto file = options_.env->NewWritableFile(path);
  if (!file.ok()) return file.status();
  TableBuilder builder(FromOptions(options_), file->get());
  meta->smallest.clear();
  meta->largest.clear();
  meta->smallest_seq = kMaxSequenceNumber;
  meta->largest_seq = 0;
  for (; iter->Valid(); iter->Next()) {
    const std::string_view key = iter->key();
    ParsedInternalKey p;
    if (ParseInternalKey(key, &p)) {
      meta->smallest_seq = std::min(meta->smallest_seq, p.sequence);
      meta->largest_seq = std::max(meta->largest_seq, p.sequence);
      if (p.type == ValueType::kDeletion) ++meta->num_deletions;
    }
    if (meta->smallest.empty()) meta->smallest.assign(key);
    meta->largest.assign(key);
    builder.Add(key, iter->value());
  }
  for (const RangeTombstone& t : tombstones) builder.AddRangeTombstone(t);
  AddTombstonesToFileRange(tombstones, meta);
  absl::Status s = iter->status();
  if (s.ok()) s = builder.Finish();
  else builder.Abandon();
  if (s.ok()) {
    meta->file_size = builder.FileSize();
    meta->num_entries = builder.NumEntries();
    s = (*file)->Sync();
  }
  if (s.ok()) s = (*file)->Close();
  if (!s.ok()) {
    meta->file_size = 0;
    options_.env->RemoveFile(path).IgnoreError();
  }
  return s;
}

absl::Status DBImpl::WriteLevel0Table(const std::vector<std::shared_ptr<MemTable>>& mems,
                                      VersionEdit* edit) {
  const uint64_t start = options_.env->NowMicros();
  FileMetaData meta;
  meta.number = versions_->NewFileNumber();
  pending_outputs_.insert(meta.number);
  mutex_.Unlock();
  // The memtables are frozen (or private to recovery): no lock needed.
  std::vector<std::unique_ptr<Iterator>> children;
  std::vector<RangeTombstone> tombstones;
  for (const auto& mem : mems) {
    children.push_back(mem->NewIterator());
    mem->AppendRangeTombstones(&tombstones);
  }
  std::unique_ptr<Iterator> iter = NewMergingIterator(std::move(children));
  absl::Status s = BuildTable(iter.get(), tombstones, &meta);
  // The new file's directory entry must be durable before the MANIFEST names it.
  if (s.ok() && meta.file_size > 0) s = options_.env->SyncDir(dbname_);
  iter.reset();
  mutex_.Lock();
  // The number stays in pending_outputs_ until the caller has installed the
  // edit (or given up): until then no Version names the file, and a
  // concurrent DeleteObsoleteFiles must not take it for garbage.
  if (!s.ok() || meta.file_size == 0) pending_outputs_.erase(meta.number);
  if (s.ok() && meta.file_size > 0) {
    edit->AddFile(0, meta);
    LevelStats& stats = level_stats_[0];
    stats.bytes_written += meta.file_size;
    stats.files_out += 1;
    stats.micros += options_.env->NowMicros() - start;
    stats.count += 1;
  }
  return s;
}

// ---------------------------------------------------------------------------
// Writes

namespace {

// The size limits of lsm/options.h, for one entry.
absl::Status CheckKeyValue(std::string_view key, std::string_view value) {
  if (key.size() > kMaxKeySize) {
    return absl::InvalidArgumentError(
        absl::StrFormat("key of %d bytes exceeds the limit of %d", key.size(), kMaxKeySize));
  }
  if (value.size() > kMaxValueSize) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "value of %d bytes exceeds the limit of %d", value.size(), kMaxValueSize));
  }
  return absl::OkStatus();
}

// A range deletion's bounds: both keys within the limit, begin <= end.
absl::Status CheckRange(std::string_view begin, std::string_view end) {
  absl::Status s = CheckKeyValue(begin, {});
  if (s.ok()) s = CheckKeyValue(end, {});
  if (s.ok() && CompareUserKeys(begin, end) > 0) {
    s = absl::InvalidArgumentError(
        absl::StrFormat("DeleteRange: begin '%s' sorts after end '%s'",
                        absl::CEscape(ToAbsl(begin)), absl::CEscape(ToAbsl(end))));
  }
  return s;
}

// Checks every entry of a batch against the limits; keeps the first failure.
class LimitChecker final : public WriteBatch::Handler {
 public:
  void Put(std::string_view key, std::string_view value) override {
    if (status.ok()) status = CheckKeyValue(key, value);
  }
  void Delete(std::string_view key) override {
    if (status.ok()) status = CheckKeyValue(key, {});
  }
  void DeleteRange(std::string_view begin, std::string_view end) override {
    if (status.ok()) status = CheckRange(begin, end);
  }
  absl::Status status;
};

}  // namespace

absl::Status DBImpl::Put(const WriteOptions& options, std::string_view key,
                         std::string_view value) {
  absl::Status s = CheckKeyValue(key, value);
  if (!s.ok()) return s;
  WriteBatch batch;
  batch.Put(key, value);
  return WriteInternal(options, &batch);
}

absl::Status DBImpl::Delete(const WriteOptions& options, std::string_view key) {
  absl::Status s = CheckKeyValue(key, {});
  if (!s.ok()) return s;
  WriteBatch batch;
  batch.Delete(key);
  return WriteInternal(options, &batch);
}

absl::Status DBImpl::DeleteRange(const WriteOptions& options, std::string_view begin,
                                 std::string_view end) {
  absl::Status s = CheckRange(begin, end);
  if (!s.ok()) return s;
  if (begin == end) return absl::OkStatus();  // an empty range
  WriteBatch batch;
  batch.DeleteRange(begin, end);
  return WriteInternal(options, &batch);
}

absl::Status DBImpl::Write(const WriteOptions& options, WriteBatch* batch) {
  if (batch == nullptr) return absl::InvalidArgumentError("Write: batch is null");
  if (batch->Count() == 0) return absl::OkStatus();
  if (batch->ApproximateSize() > kMaxValueSize + (1 << 20)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "write batch of %d bytes exceeds the limit of %d", batch->ApproximateSize(),
        kMaxValueSize + (1 << 20)));
  }
  {
    LimitChecker checker;
    absl::Status s = batch->Iterate(&checker);
    if (!s.ok()) return absl::InvalidArgumentError(absl::StrCat("Write: ", s.message()));
    if (!checker.status.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("write batch: ", checker.status.message()));
    }
  }
  return WriteInternal(options, batch);
}

absl::Status DBImpl::WriteInternal(const WriteOptions& options, WriteBatch* batch) {
  ScopedLatency latency(&write_latency_);
  Writer w(&mutex_);
  w.batch = batch;
  w.sync = options.sync;

  mutex_.Lock();
  writers_.push_back(&w);
  // A gathering leader wakes once, when the last writer it waits for is queued.
  if (gathering_leader_ != nullptr && writers_.size() >= gathering_expected_) {
    gathering_leader_->cv.Signal();
  }
  if (&w != writers_.front()) {
    mutex_.Unlock();
    if (w.Await() == Writer::Wake::kDone) {
      for (Writer* other : w.wake_after) other->Signal(Writer::Wake::kDone);
      return w.status;
    }
    mutex_.Lock();
  }

  // This thread leads a group: it writes the batches of the writers queued
  // behind it as one WAL record.
  absl::Status s = MakeRoomForWrite(/*force=*/false);
  if (s.ok() && w.sync) GatherSyncGroup(&w);
  SequenceNumber last_sequence = versions_->LastSequence();
  Writer* last_writer = &w;
  bool synced = false;  // the group's WAL record was synced
  if (s.ok()) {
    bool need_sync = false;
    WriteBatch* group = BuildBatchGroup(&last_writer, &need_sync);
    group->set_sequence(last_sequence + 1);
    last_sequence += group->Count();
    const size_t bytes = group->ApproximateSize();
    {
      // Only the leader touches the log and the memtable's write side, so
      // both are safe without the lock; readers of the memtable are lock-free.
      mutex_.Unlock();
      s = log_->AddRecord(group->rep());
      uint64_t sync_micros = 0;
      absl::Status insert;
      if (s.ok() && need_sync) {
        // The memtable insert runs while the record is on its way to the
        // disk. Readers do not see it before the group's sequence numbers
        // are published below, and a failed sync publishes nothing and makes
        // the DB read-only, so inserting before the sync returns cannot
        // expose a write that is not durable.
        const uint64_t start = options_.env->NowMicros();
        logfile_->StartSync();
        insert = InsertBatchIntoMemTable(*group, mem_.get());
        s = logfile_->Sync();
        sync_micros = options_.env->NowMicros() - start;
      } else if (s.ok()) {
        insert = InsertBatchIntoMemTable(*group, mem_.get());
      }
      mutex_.Lock();
      if (s.ok() && !insert.ok()) s = insert;
      if (need_sync) sync_micros_avg_ = (7 * sync_micros_avg_ + sync_micros) / 8;
    }
    synced = s.ok() && need_sync;
    if (s.ok()) {
      versions_->SetLastSequence(last_sequence);
    } else {
      // A failed WAL append may have left a partial record: nothing more may
      // be written to this DB until it is reopened.
      RecordBackgroundError(s);
    }
    if (group == &group_batch_) group_batch_.Clear();
    user_bytes_written_ += bytes;
    wal_syncs_ += need_sync ? 1 : 0;
    write_groups_ += 1;
  }

  if (synced) last_sync_group_.clear();
  std::vector<Writer*> written;  // the group's other writers, woken below
  while (true) {
    Writer* ready = writers_.front();
    writers_.pop_front();
    writes_ += 1;
    if (synced && last_sync_group_.size() < kMaxGatheredWriters) {
      last_sync_group_.push_back(ready->thread);
    }
    if (ready != &w) {
      ready->status = s;
      written.push_back(ready);
    }
    if (ready == last_writer) break;
  }
  // The first writer woken wakes the second half of the group while this
  // thread wakes the first half.
  const size_t mine = (written.size() + 1) / 2;
  if (!written.empty()) {
    written[0]->wake_after.assign(written.begin() + static_cast<std::ptrdiff_t>(mine),
                                  written.end());
  }
  // The next leader waits for its turn until woken, so it outlives the lock.
  Writer* const next = writers_.empty() ? nullptr : writers_.front();
  mutex_.Unlock();
  if (next != nullptr) next->Signal(Writer::Wake::kTurn);
  for (size_t i = 0; i < mine; ++i) written[i]->Signal(Writer::Wake::kDone);
  return s;
}

void DBImpl::GatherSyncGroup(Writer* leader) {
  // The writers of the last synced group were released when their sync
  // finished; a thread that writes in a loop is already on its way back with
  // its next write. Without waiting for them, the threads split into two
  // cohorts that take turns, each paying a full sync for half of the writers.
  size_t returning = 0;
  for (const std::thread::id& t : last_sync_group_) {
    const bool queued = std::any_of(writers_.begin(), writers_.end(),
                                    [&t](const Writer* q) { return q->thread == t; });
    returning += queued ? 0 : 1;
  }
  if (returning == 0) return;
  const size_t expected = writers_.size() + returning;
  // A writer that does not come back costs at most half a sync.
  const uint64_t deadline =
      options_.env->NowMicros() + std::min<uint64_t>(sync_micros_avg_ / 2, kMaxGatherMicros);
  gathering_leader_ = leader;
  gathering_expected_ = expected;
  for (uint64_t now = options_.env->NowMicros(); writers_.size() < expected && now < deadline;
       now = options_.env->NowMicros()) {
    leader->cv.WaitForMicros(static_cast<int64_t>(deadline - now));
  }
  gathering_leader_ = nullptr;
}

WriteBatch* DBImpl::BuildBatchGroup(Writer** last_writer, bool* need_sync) {
  Writer* first = writers_.front();
  WriteBatch* result = first->batch;
  *need_sync = first->sync;
  size_t size = first->batch->ApproximateSize();
  // A small first batch limits the group, so a small write is not delayed
  // behind a megabyte of others.
  size_t max_size = size <= (128 << 10) ? size + (128 << 10) : kMaxGroupBytes;
  *last_writer = first;
  for (size_t i = 1; i < writers_.size(); ++i) {
    Writer* w = writers_[i];
    // A writer without a batch is Flush() waiting for its turn: it must run
    // on its own, so the group ends before it.
    if (w->batch == nullptr) break;
    size += w->batch->ApproximateSize();
    if (size > max_size) break;
    if (result == first->batch) {
      group_batch_.Clear();
      group_batch_.Append(*first->batch);
      result = &group_batch_;
    }
    group_batch_.Append(*w->batch);
    *need_sync = *need_sync || w->sync;
    *last_writer = w;
  }
  return result;
}

absl::Status DBImpl::MakeRoomForWrite(bool force) {
  bool allow_delay = !force;
  while (true) {
    if (!bg_error_.ok()) return bg_error_;
    const int l0_files = versions_->current()->NumFiles(0);
    if (allow_delay && l0_files >= options_.level0_slowdown_writes_trigger) {
      // Gradual backpressure: each write waits longer as L0 nears the stop
      // trigger, giving compaction the CPU instead of failing writes.
      const int span = options_.level0_stop_writes_trigger - options_.level0_slowdown_writes_trigger;
      const int over = l0_files - options_.level0_slowdown_writes_trigger + 1;
      const int64_t delay = std::min<int64_t>(1000, 1000 * over / std::max(span, 1));
      mutex_.Unlock();
      options_.env->SleepForMicroseconds(delay);
      mutex_.Lock();
      slowdown_micros_ += delay;
      allow_delay = false;
    } else if (!force && mem_->ApproximateMemoryUsage() <= options_.write_buffer_size) {
      return absl::OkStatus();
    } else if (static_cast<int>(imm_.size()) + 1 >= options_.max_write_buffer_number) {
      // Every memtable allowed in memory is full: wait for a flush.
      const uint64_t start = options_.env->NowMicros();
      background_cv_.Wait();
      stop_micros_ += options_.env->NowMicros() - start;
    } else if (l0_files >= options_.level0_stop_writes_trigger) {
      const uint64_t start = options_.env->NowMicros();
      MaybeScheduleWork();
      background_cv_.Wait();
      stop_micros_ += options_.env->NowMicros() - start;
    } else {
      // Switch to a new memtable and log; flush the old one in the background.
      const uint64_t old_log = logfile_number_;
      absl::Status s = NewLogFile();
      if (!s.ok()) {
        RecordBackgroundError(s);
        return s;
      }
      imm_.push_back(ImmutableMemTable{std::move(mem_), old_log});
      ImmutableMemTablesChanged();
      mem_ = std::make_shared<MemTable>(options_.write_buffer_size, options_.memtable_structure);
      force = false;
      MaybeScheduleWork();
    }
  }
}

void DBImpl::ImmutableMemTablesChanged() {
  memtable_changes_.fetch_add(1, std::memory_order_release);
  if (imm_.empty()) {
    imm_for_reads_.reset();
    return;
  }
  auto list = std::make_shared<MemTableList>();
  for (auto it = imm_.rbegin(); it != imm_.rend(); ++it) list->push_back(it->mem);
  imm_for_reads_ = std::move(list);
}

void DBImpl::RecordBackgroundError(const absl::Status& s) {
  if (bg_error_.ok() && !s.ok()) {
    bg_error_ = absl::Status(s.code(), absl::StrCat("DB is read-only after a write failure: ",
                                                    s.message()));
    background_cv_.SignalAll();
  }
}

// ---------------------------------------------------------------------------
// Background work

void DBImpl::MaybeScheduleWork() {
  if (shutting_down_.load(std::memory_order_acquire) || !bg_error_.ok()) return;
  if (!imm_.empty() && !flush_scheduled_) {
    flush_scheduled_ = true;
    options_.env->Schedule([this] { BackgroundFlush(); });
  }
  // Compactions are picked (and their inputs marked) here, under the lock,
  // so a job is only scheduled when it has work, and no two jobs share a file.
  const int max_compactions = std::max(1, options_.max_background_jobs - 1);
  while (compactions_scheduled_ < max_compactions) {
    std::unique_ptr<Compaction> c = versions_->PickCompaction();
    if (c == nullptr) break;
    ReserveInputs(c.get());
    ++compactions_scheduled_;
    if (c->is_seek_compaction()) ++seek_compactions_;
    std::shared_ptr<Compaction> job(std::move(c));
    options_.env->Schedule([this, job] { BackgroundCompaction(job.get()); });
  }
}

void DBImpl::ReleasePendingOutputs(const VersionEdit& edit) {
  for (const auto& [level, f] : edit.new_files()) pending_outputs_.erase(f.number);
}

void DBImpl::ReserveInputs(Compaction* c) {
  c->MarkInputs(true);
  if (c->level() == 0) versions_->set_l0_compaction_running(true);
}

void DBImpl::ReleaseInputs(Compaction* c) {
  c->MarkInputs(false);
  if (c->level() == 0) versions_->set_l0_compaction_running(false);
}

void DBImpl::BackgroundFlush() {
  MutexLock l(&mutex_);
  if (!shutting_down_.load(std::memory_order_acquire) && bg_error_.ok() && !imm_.empty()) {
    absl::Status s = FlushImmutableMemTable();
    if (!s.ok()) RecordBackgroundError(s);
  }
  flush_scheduled_ = false;
  MaybeScheduleWork();
  background_cv_.SignalAll();
}

absl::Status DBImpl::FlushImmutableMemTable() {
  // Every memtable frozen so far goes into one table; later ones wait for the
  // next flush.
  const size_t n = imm_.size();
  std::vector<std::shared_ptr<MemTable>> mems;
  for (size_t i = 0; i < n; ++i) mems.push_back(imm_[i].mem);
  VersionEdit edit;
  absl::Status s = WriteLevel0Table(mems, &edit);
  if (s.ok()) {
    // Logs older than the one of the oldest memtable left hold only what
    // this flush persisted.
    edit.SetLogNumber(imm_.size() > n ? imm_[n].log_number : logfile_number_);
    s = versions_->LogAndApply(&edit, &mutex_);
  }
  ReleasePendingOutputs(edit);
  if (s.ok()) {
    imm_.erase(imm_.begin(), imm_.begin() + static_cast<std::ptrdiff_t>(n));
    ImmutableMemTablesChanged();
    DeleteObsoleteFiles();
  }
  return s;
}

void DBImpl::BackgroundCompaction(Compaction* c) {
  MutexLock l(&mutex_);
  if (!shutting_down_.load(std::memory_order_acquire) && bg_error_.ok()) {
    absl::Status s = RunCompaction(c);
    if (!s.ok() && !shutting_down_.load(std::memory_order_acquire)) RecordBackgroundError(s);
  }
  ReleaseInputs(c);
  --compactions_scheduled_;
  MaybeScheduleWork();
  background_cv_.SignalAll();
}

absl::Status DBImpl::RunCompaction(Compaction* c) {
  const uint64_t start = options_.env->NowMicros();
  absl::Status s;
  VersionEdit edit;
  LevelStats& stats = level_stats_[c->output_level()];
  if (c->IsTrivialMove()) {
    const FileMetaData& f = *c->inputs(0)[0];
    edit.RemoveFile(c->level(), f.number);
    edit.AddFile(c->output_level(), f);
    s = versions_->LogAndApply(&edit, &mutex_);
    trivial_moves_ += 1;
  } else {
    std::vector<FileMetaData> outputs;
    s = DoCompactionWork(c, &outputs);
    if (s.ok()) {
      c->AddInputDeletions(&edit);
      for (const FileMetaData& f : outputs) edit.AddFile(c->output_level(), f);
      s = versions_->LogAndApply(&edit, &mutex_);
    }
    for (const FileMetaData& f : outputs) {
      pending_outputs_.erase(f.number);
      stats.bytes_written += f.file_size;
    }
    stats.bytes_read += c->InputBytes();
    stats.files_in += c->num_input_files();
    stats.files_out += outputs.size();
  }
  stats.micros += options_.env->NowMicros() - start;
  stats.count += 1;
  // The inputs are obsolete once no Version needs them: drop this
  // compaction's own reference before collecting them.
  c->ReleaseInputVersion();
  if (s.ok()) DeleteObsoleteFiles();
  return s;
}

absl::Status DBImpl::FinishOutputFile(std::unique_ptr<WritableFile> file, TableBuilder* builder,
                                      FileMetaData* meta) {
  absl::Status s = builder->Finish();
  if (s.ok()) {
    meta->file_size = builder->FileSize();
    meta->num_entries = builder->NumEntries();
    s = file->Sync();
  }
  if (s.ok()) s = file->Close();
  return s;
}

absl::Status DBImpl::DoCompactionWork(Compaction* c, std::vector<FileMetaData>* outputs) {
  const SequenceNumber smallest_snapshot = OldestSnapshot();
  // The inputs are reserved for this compaction: opening them needs no lock.
  mutex_.Unlock();
  std::vector<std::unique_ptr<Iterator>> inputs;
  ReadOptions ro;
  ro.fill_cache = false;
  for (int which = 0; which < 2; ++which) {
    for (const auto& f : c->inputs(which)) {
      inputs.push_back(table_cache_->NewIterator(ro, f->number, f->file_size));
    }
  }
  std::unique_ptr<Iterator> input = NewMergingIterator(std::move(inputs));

  absl::Status s;
  // Range tombstones of the inputs. A point entry one of them deletes for
  // every reader is dropped; a tombstone is dropped once every reader sees it
  // and nothing below the output level overlaps its range. The rest go to
  // the outputs, each output taking the part inside its own key range.
  std::vector<RangeTombstone> input_tombstones;
  for (int which = 0; which < 2 && s.ok(); ++which) {
    for (const auto& f : c->inputs(which)) {
      if (f->num_range_deletions == 0) continue;
      s = table_cache_->AppendRangeTombstones(f->number, f->file_size, &input_tombstones);
      if (!s.ok()) break;
    }
  }
  const FragmentedRangeTombstones deleting(input_tombstones);
  std::vector<RangeTombstone> kept_tombstones;
  for (RangeTombstone& t : input_tombstones) {
    if (t.sequence <= smallest_snapshot && c->IsBaseLevelForRange(t.begin, t.end)) continue;
    kept_tombstones.push_back(std::move(t));
  }
  // Output files split the key space at user keys: [lower, upper).
  std::string output_lower;
  bool has_output_lower = false;

  std::unique_ptr<WritableFile> file;
  std::unique_ptr<TableBuilder> builder;
  FileMetaData meta;
  std::string current_user_key;
  bool has_current_user_key = false;
  SequenceNumber last_sequence_for_key = kMaxSequenceNumber;
  std::string last_added_user_key;
  bool cut_pending = false;  // the output is full: cut at the next user key

  auto open_output = [&]() -> absl::Status {
    mutex_.Lock();
    meta = FileMetaData();
    meta.number = versions_->NewFileNumber();
    pending_outputs_.insert(meta.number);
    mutex_.Unlock();
    auto created = options_.env->NewWritableFile(TableFileName(dbname_, meta.number));
    if (!created.ok()) return created.status();
    file = std::move(*created);
    builder = std::make_unique<TableBuilder>(FromOptions(options_), file.get());
    meta.smallest_seq = kMaxSequenceNumber;
    return absl::OkStatus();
  };
  // upper: the first user key of the next output (nullptr: the last one).
  auto finish_output = [&](const std::string* upper) -> absl::Status {
    const std::vector<RangeTombstone> clipped = ClipRangeTombstones(
        kept_tombstones, has_output_lower ? &output_lower : nullptr, upper);
    for (const RangeTombstone& t : clipped) builder->AddRangeTombstone(t);
    AddTombstonesToFileRange(clipped, &meta);
    if (upper != nullptr) {
      output_lower = *upper;
      has_output_lower = true;
    }
    absl::Status fs = FinishOutputFile(std::move(file), builder.get(), &meta);
    builder.reset();
    if (fs.ok()) outputs->push_back(meta);
    return fs;
  };

  for (input->SeekToFirst(); s.ok() && input->Valid(); input->Next()) {
    if (shutting_down_.load(std::memory_order_acquire) && !c->is_manual()) {
      s = absl::CancelledError("compaction cancelled by shutdown");
      break;
    }
    const std::string_view key = input->key();
    ParsedInternalKey p;
    bool drop = false;
    if (!ParseInternalKey(key, &p)) {
      s = absl::DataLossError("compaction input: malformed internal key");
      break;
    }
    if (!has_current_user_key || p.user_key != std::string_view(current_user_key)) {
      current_user_key.assign(p.user_key);
      has_current_user_key = true;
      last_sequence_for_key = kMaxSequenceNumber;
    }
    if (last_sequence_for_key <= smallest_snapshot) {
      drop = true;  // a newer entry of this key is visible to every reader
    } else if (p.type == ValueType::kDeletion && p.sequence <= smallest_snapshot &&
               c->IsBaseLevelForKey(p.user_key)) {
      // Nothing older of this key exists below, and every reader sees the
      // deletion: the tombstone has done its work.
      drop = true;
    } else if (!deleting.empty() &&
               p.sequence < deleting.MaxCoveringSequence(p.user_key, smallest_snapshot)) {
      drop = true;  // a range tombstone every reader sees deletes it
    }
    last_sequence_for_key = p.sequence;

    // Cut between user keys only, so that one key never spans two files.
    const bool new_user_key = builder && p.user_key != std::string_view(last_added_user_key);
    const bool stop_for_grandparents = c->ShouldStopBefore(key);
    if (builder && new_user_key && (cut_pending || stop_for_grandparents)) {
      cut_pending = false;
      const std::string upper(p.user_key);
      s = finish_output(&upper);
      if (!s.ok()) break;
    }
    if (drop) continue;

    if (!builder) {
      s = open_output();
      if (!s.ok()) break;
      meta.smallest.assign(key);
    }
    meta.largest.assign(key);
    meta.smallest_seq = std::min(meta.smallest_seq, p.sequence);
    meta.largest_seq = std::max(meta.largest_seq, p.sequence);
    if (p.type == ValueType::kDeletion) ++meta.num_deletions;
    builder->Add(key, input->value());
    last_added_user_key.assign(p.user_key);
    if (builder->FileSize() >= c->max_output_file_size()) cut_pending = true;
  }
  if (s.ok()) s = input->status();
  // Tombstones past the last output's start, with no point entry left to
  // carry them: an output of their own.
  if (s.ok() && !builder &&
      !ClipRangeTombstones(kept_tombstones, has_output_lower ? &output_lower : nullptr, nullptr)
           .empty()) {
    s = open_output();
  }
  if (s.ok() && builder) s = finish_output(nullptr);
  if (!s.ok() && builder) builder->Abandon();
  if (s.ok() && !outputs->empty()) s = options_.env->SyncDir(dbname_);
  input.reset();
  mutex_.Lock();
  if (!s.ok()) {
    for (const FileMetaData& f : *outputs) pending_outputs_.erase(f.number);
    outputs->clear();
    if (meta.number != 0) pending_outputs_.erase(meta.number);
  }
  return s;
}

SequenceNumber DBImpl::OldestSnapshot() const {
  SequenceNumber oldest = versions_->LastSequence();
  for (const auto& snap : snapshots_) oldest = std::min(oldest, snap->sequence());
  return oldest;
}

void DBImpl::DeleteObsoleteFiles() {
  if (!bg_error_.ok()) return;  // after an error, keep everything for recovery
  read_view_.reset();  // it may hold a replaced Version; the next read makes a new one
  std::set<uint64_t> live = versions_->LiveFiles();
  live.insert(pending_outputs_.begin(), pending_outputs_.end());
  auto children = options_.env->GetChildren(dbname_);
  if (!children.ok()) return;
  std::vector<std::string> to_delete;
  for (const std::string& name : *children) {
    uint64_t number;
    FileType type;
    if (!ParseFileName(name, &number, &type)) continue;
    bool keep = true;
    switch (type) {
      case FileType::kLog:
        keep = number >= versions_->LogNumber() || number == logfile_number_;
        break;
      case FileType::kDescriptor:
        keep = number == versions_->ManifestFileNumber();
        break;
      case FileType::kTable:
        keep = live.count(number) > 0;
        break;
      case FileType::kTemp:
        keep = false;
        break;
      case FileType::kCurrent:
      case FileType::kLock:
      case FileType::kInfoLog:
        keep = true;
        break;
    }
    if (!keep) {
      if (type == FileType::kTable) table_cache_->Evict(number);
      to_delete.push_back(name);
    }
  }
  // Deleting does not need the lock; the files are unreachable.
  mutex_.Unlock();
  for (const std::string& name : to_delete) {
    options_.env->RemoveFile(dbname_ + "/" + name).IgnoreError();
  }
  mutex_.Lock();
}

// ---------------------------------------------------------------------------
// Reads

DBImpl::ReadState DBImpl::AcquireReadState(const ReadOptions& options) {
  MutexLock l(&mutex_);
  const std::shared_ptr<const Version>& version = versions_->current();
  if (read_view_ == nullptr || read_view_->mem != mem_ || read_view_->imm != imm_for_reads_ ||
      read_view_->version != version) {
    read_view_ = std::make_shared<const ReadView>(ReadView{mem_, imm_for_reads_, version});
  }
  ReadState rs;
  rs.sequence = options.snapshot ? options.snapshot->sequence() : versions_->LastSequence();
  rs.view = read_view_;
  return rs;
}

absl::Status DBImpl::Get(const ReadOptions& options, std::string_view key, std::string* value) {
  if (value == nullptr) return absl::InvalidArgumentError("Get: value is null");
  absl::Status s = CheckKeyValue(key, {});
  if (!s.ok()) return s;
  ScopedLatency latency(&get_latency_);
  s = GetWithReadState(options, AcquireReadState(options), key, value);
  gets_.fetch_add(1, std::memory_order_relaxed);
  if (s.ok()) {
    gets_found_.fetch_add(1, std::memory_order_relaxed);
    bytes_read_.fetch_add(value->size(), std::memory_order_relaxed);
  }
  return s;
}

std::optional<absl::Status> DBImpl::GetFromMemTables(const ReadState& rs, std::string_view key,
                                                     std::string* value) {
  // An entry is deleted by a range tombstone newer than itself (and visible
  // to the read), wherever each of them lives: compare sequences.
  SequenceNumber covering = 0;
  auto add_tombstones = [&](const MemTable& mem) {
    if (mem.NumRangeDeletions() == 0) return;
    covering = std::max(covering, mem.RangeTombstones()->MaxCoveringSequence(key, rs.sequence));
  };
  add_tombstones(*rs.view->mem);
  if (rs.view->imm != nullptr) {
    for (const auto& imm : *rs.view->imm) add_tombstones(*imm);
  }
  SequenceNumber found_seq = 0;
  MemTable::GetResult r = rs.view->mem->Get(key, rs.sequence, value, &found_seq);
  if (rs.view->imm != nullptr) {
    for (size_t i = 0; r == MemTable::GetResult::kNotPresent && i < rs.view->imm->size(); ++i) {
      r = (*rs.view->imm)[i]->Get(key, rs.sequence, value, &found_seq);
    }
  }
  if (r == MemTable::GetResult::kFound) {
    return found_seq < covering ? absl::NotFoundError("") : absl::OkStatus();
  }
  if (r == MemTable::GetResult::kDeleted) return absl::NotFoundError("");
  // Every table entry is older than every memtable entry: a memtable
  // tombstone covering the key deletes whatever the tables hold.
  if (covering > 0) return absl::NotFoundError("");
  return std::nullopt;
}

absl::Status DBImpl::GetWithReadState(const ReadOptions& options, const ReadState& rs,
                                      std::string_view key, std::string* value) {
  if (std::optional<absl::Status> s = GetFromMemTables(rs, key, value)) return *s;
  Version::FileRef seek_charge;
  absl::Status found = rs.view->version->Get(options, key, rs.sequence, value, &seek_charge);
  ChargeSeek(seek_charge);
  return found;
}

std::vector<absl::StatusOr<std::string>> DBImpl::MultiGet(
    const ReadOptions& options, const std::vector<std::string_view>& keys) {
  ScopedLatency latency(&get_latency_);
  std::vector<absl::StatusOr<std::string>> results(keys.size(), absl::NotFoundError(""));
  std::vector<size_t> order;
  order.reserve(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    absl::Status s = CheckKeyValue(keys[i], {});
    if (s.ok()) {
      order.push_back(i);
    } else {
      results[i] = s;
    }
  }
  // In key order, neighbours share files and blocks: the memtables answer
  // what they can, then the tables take the rest in one pass per level
  // (Version::MultiGet), under one read state.
  std::sort(order.begin(), order.end(),
            [&keys](size_t a, size_t b) { return CompareUserKeys(keys[a], keys[b]) < 0; });
  const ReadState rs = AcquireReadState(options);
  std::string value;
  std::vector<std::string_view> table_keys;
  std::vector<size_t> table_slots;  // result index of each table key
  for (size_t n = 0; n < order.size(); ++n) {
    const size_t i = order[n];
    if (n > 0 && keys[order[n - 1]] == keys[i]) continue;  // copied below
    if (std::optional<absl::Status> s = GetFromMemTables(rs, keys[i], &value)) {
      if (s->ok()) {
        results[i] = value;
      } else {
        results[i] = *s;
      }
      continue;
    }
    table_keys.push_back(keys[i]);
    table_slots.push_back(i);
  }
  if (!table_keys.empty()) {
    std::vector<std::string> values;
    std::vector<absl::Status> statuses;
    rs.view->version->MultiGet(options, table_keys, rs.sequence, &values, &statuses);
    for (size_t j = 0; j < table_keys.size(); ++j) {
      if (statuses[j].ok()) {
        results[table_slots[j]] = std::move(values[j]);
      } else {
        results[table_slots[j]] = statuses[j];
      }
    }
  }
  for (size_t n = 1; n < order.size(); ++n) {
    if (keys[order[n - 1]] == keys[order[n]]) results[order[n]] = results[order[n - 1]];
  }
  uint64_t found = 0, bytes = 0;
  for (const auto& r : results) {
    if (r.ok()) {
      ++found;
      bytes += r->size();
    }
  }
  gets_.fetch_add(order.size(), std::memory_order_relaxed);
  gets_found_.fetch_add(found, std::memory_order_relaxed);
  bytes_read_.fetch_add(bytes, std::memory_order_relaxed);
  return results;
}

absl::StatusOr<uint64_t> DBImpl::GetApproximateSize(std::string_view begin,
                                                    std::string_view end) {
  if (CompareUserKeys(begin, end) > 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("GetApproximateSize: begin '%s' sorts after end '%s'",
                        absl::CEscape(ToAbsl(begin)), absl::CEscape(ToAbsl(end))));
  }
  const ReadState rs = AcquireReadState(ReadOptions());
  const std::string lo = MakeLookupKey(begin, kMaxSequenceNumber);
  const std::string hi = MakeLookupKey(end, kMaxSequenceNumber);
  uint64_t bytes = 0;
  // Tables: the part of each overlapping file between the two keys, by the
  // offsets its index gives.
  for (int level = 0; level < kNumLevels; ++level) {
    for (const auto& f : rs.view->version->files(level)) {
      if (CompareUserKeys(ExtractUserKey(f->largest), begin) < 0 ||
          CompareUserKeys(ExtractUserKey(f->smallest), end) >= 0) {
        continue;
      }
      auto table = table_cache_->FindTable(f->number, f->file_size);
      if (!table.ok()) return table.status();
      const uint64_t from = CompareUserKeys(ExtractUserKey(f->smallest), begin) >= 0
                                ? 0
                                : (*table)->ApproximateOffsetOf(lo);
      const uint64_t to = CompareUserKeys(ExtractUserKey(f->largest), end) < 0
                              ? f->file_size
                              : (*table)->ApproximateOffsetOf(hi);
      if (to > from) bytes += to - from;
    }
  }
  // Memtables: the entries in range (at most a few memtables' worth).
  auto add_memtable = [&](const MemTable& mem) {
    std::unique_ptr<Iterator> it = mem.NewIterator();
    for (it->Seek(lo); it->Valid() && CompareUserKeys(ExtractUserKey(it->key()), end) < 0;
         it->Next()) {
      bytes += it->key().size() + it->value().size();
    }
  };
  add_memtable(*rs.view->mem);
  if (rs.view->imm != nullptr) {
    for (const auto& imm : *rs.view->imm) add_memtable(*imm);
  }
  return bytes;
}

void DBImpl::ChargeSeek(const Version::FileRef& f) {
  if (f.file == nullptr || !f.file->allowed_seeks.Charge()) return;
  // One file waits at a time; this one is charged again by later reads.
  if (versions_->SeekCompactionMarked()) return;
  MutexLock l(&mutex_);
  if (versions_->MarkForSeekCompaction(f)) MaybeScheduleWork();
}

absl::StatusOr<DBIterSources> DBImpl::NewIteratorSources(const ReadOptions& options,
                                                         const ReadState& rs) {
  std::vector<std::unique_ptr<Iterator>> children;
  children.push_back(rs.view->mem->NewIterator());
  if (rs.view->imm != nullptr) {
    for (const auto& imm : *rs.view->imm) children.push_back(imm->NewIterator());
  }
  rs.view->version->AddIterators(options, &children);
  // The range tombstones of every source, merged once for this iterator.
  std::vector<RangeTombstone> tombstones;
  rs.view->mem->AppendRangeTombstones(&tombstones);
  if (rs.view->imm != nullptr) {
    for (const auto& imm : *rs.view->imm) imm->AppendRangeTombstones(&tombstones);
  }
  absl::Status s = rs.view->version->AddRangeTombstones(&tombstones);
  if (!s.ok()) return s;
  DBIterSources sources;
  if (!tombstones.empty()) {
    sources.tombstones = std::make_shared<const FragmentedRangeTombstones>(tombstones);
  }
  sources.internal = NewMergingIterator(std::move(children));
  if (memory_budget_ != nullptr) memory_budget_->Rebalance();
  // The cleanup keeps the memtables and the version alive as long as the
  // internal iterator (it runs after that is destroyed), then gives what the
  // iterator held back to the memory budget.
  sources.cleanup = [rs, budget = memory_budget_.get()]() {
    if (budget != nullptr) budget->Rebalance();
  };
  sources.sample = [this, version = rs.view->version](std::string_view internal_key) {
    ChargeSeek(version->SampleRead(internal_key));
  };
  return sources;
}

std::unique_ptr<Iterator> DBImpl::NewIterator(const ReadOptions& options) {
  // Read before the view is taken: a change in between only makes the
  // first refresh check rebuild sources that were already current.
  const uint64_t generation = ReadSourcesGeneration();
  const ReadState rs = AcquireReadState(options);
  absl::StatusOr<DBIterSources> sources = NewIteratorSources(options, rs);
  if (!sources.ok()) return NewErrorIterator(sources.status());
  // A newer tree shows the iterator's entries when they are the latest state
  // (no write since its sequence: a compaction keeps the newest entry of
  // every key) or when options.snapshot pins them (compactions keep what a
  // live snapshot sees). Then a repositioning call moves the iterator to the
  // newer tree, so a long-lived iterator reads the compacted shape and stops
  // holding replaced files. Once a write lands after an unpinned iterator's
  // sequence, it keeps its tree for good.
  SourceRefresher refresh = [this, options, sequence = rs.sequence, generation = generation,
                             may_refresh = true]() mutable -> std::optional<DBIterSources> {
    if (!may_refresh) return std::nullopt;
    const uint64_t now = ReadSourcesGeneration();
    if (now == generation) return std::nullopt;
    const ReadState fresh = AcquireReadState(options);
    if (fresh.sequence != sequence) {
      may_refresh = false;
      return std::nullopt;
    }
    absl::StatusOr<DBIterSources> rebuilt = NewIteratorSources(options, fresh);
    if (!rebuilt.ok()) return std::nullopt;  // the sources it has still read fine
    generation = now;
    return *std::move(rebuilt);
  };
  return NewDBIterator(*std::move(sources), rs.sequence, options.lower_bound, options.upper_bound,
                       std::move(refresh), &seek_latency_);
}

const Snapshot* DBImpl::GetSnapshot() {
  MutexLock l(&mutex_);
  snapshots_.push_back(std::make_unique<SnapshotImpl>(versions_->LastSequence()));
  return snapshots_.back().get();
}

void DBImpl::ReleaseSnapshot(const Snapshot* snapshot) {
  if (snapshot == nullptr) return;
  MutexLock l(&mutex_);
  snapshots_.remove_if([snapshot](const auto& s) { return s.get() == snapshot; });
}

// ---------------------------------------------------------------------------
// Manual operations

absl::Status DBImpl::Flush() {
  MutexLock l(&mutex_);
  if (mem_->NumEntries() == 0 && imm_.empty()) return bg_error_;
  // An empty write that forces a memtable switch, through the writer queue so
  // it is ordered with concurrent writes.
  Writer w(&mutex_);
  writers_.push_back(&w);
  if (&w != writers_.front()) {
    mutex_.Unlock();
    w.Await();  // a writer without a batch is only ever woken for its turn
    mutex_.Lock();
  }
  absl::Status s = mem_->NumEntries() > 0 ? MakeRoomForWrite(/*force=*/true) : absl::OkStatus();
  writers_.pop_front();
  if (!writers_.empty()) writers_.front()->Signal(Writer::Wake::kTurn);
  if (!s.ok()) return s;
  while (!imm_.empty() && bg_error_.ok()) background_cv_.Wait();
  return bg_error_;
}

absl::Status DBImpl::SyncWAL() {
  MutexLock l(&mutex_);
  if (!bg_error_.ok()) return bg_error_;
  // At the front of the writer queue, as a leader: no write is appending to
  // the log meanwhile, and logs before the current one were synced when they
  // were closed (NewLogFile).
  Writer w(&mutex_);
  writers_.push_back(&w);
  if (&w != writers_.front()) {
    mutex_.Unlock();
    w.Await();  // a writer without a batch is only ever woken for its turn
    mutex_.Lock();
  }
  WritableFile* const log = logfile_.get();
  mutex_.Unlock();
  absl::Status s = log != nullptr ? log->Sync() : absl::OkStatus();
  mutex_.Lock();
  if (!s.ok()) RecordBackgroundError(s);
  else ++wal_syncs_;
  writers_.pop_front();
  if (!writers_.empty()) writers_.front()->Signal(Writer::Wake::kTurn);
  return s;
}

absl::Status DBImpl::CompactRange(const std::string_view* begin, const std::string_view* end) {
  absl::Status s = Flush();
  if (!s.ok()) return s;
  MutexLock l(&mutex_);
  ++manual_compactions_;
  int max_level = 0;
  for (int level = 1; level < kNumLevels; ++level) {
    if (!versions_->current()->GetOverlappingInputs(level, begin, end).empty()) max_level = level;
  }
  const int last = std::min(max_level, kNumLevels - 2);
  for (int level = 0; level <= last && s.ok(); ++level) {
    while (s.ok()) {
      if (!bg_error_.ok()) {
        s = bg_error_;
        break;
      }
      bool busy = false;
      std::unique_ptr<Compaction> c = versions_->CompactRange(level, begin, end, &busy);
      if (c == nullptr && !busy) break;  // nothing left in range at this level
      if (c == nullptr) {
        background_cv_.Wait();  // an automatic compaction holds those files
        continue;
      }
      ReserveInputs(c.get());
      s = RunCompaction(c.get());
      ReleaseInputs(c.get());
      // A failed compaction write is an I/O error like any other: the DB
      // stops taking writes until it is reopened.
      if (!s.ok()) RecordBackgroundError(s);
    }
  }
  --manual_compactions_;
  MaybeScheduleWork();
  background_cv_.SignalAll();
  return s;
}

absl::Status DBImpl::TEST_WaitForBackgroundWork() {
  MutexLock l(&mutex_);
  while ((flush_scheduled_ || compactions_scheduled_ > 0 || !imm_.empty()) && bg_error_.ok()) {
    background_cv_.Wait();
  }
  return bg_error_;
}

}  // namespace lsm
