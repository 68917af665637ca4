// Opening a DB: creating it, recovering it from its MANIFEST and logs, and
// starting the log it writes next; and DestroyDB. The crash-safety argument
// for each step is in engine/db/README.md ("Recovery").
#include <algorithm>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "engine/db/db_impl.h"
#include "engine/db/filename.h"
#include "engine/wal/log_reader.h"
#include "engine/wal/write_batch_internal.h"
#include "lsm/status.h"

namespace lsm {

namespace {

// A directory without CURRENT is a new DB, or one whose creation was cut
// short: nothing in it but MANIFEST-000001 (and temp files). Anything else is
// a DB that lost its CURRENT; creating a new DB over it would delete every
// table as garbage.
absl::Status CheckNoDatabaseWithoutCurrent(Env* env, const std::string& dbname) {
  auto children = env->GetChildren(dbname);
  if (!children.ok()) return children.status();
  std::vector<std::string> db_files;
  std::string newest_manifest;
  uint64_t newest_manifest_number = 0;
  for (const std::string& name : *children) {
    uint64_t number;
    FileType type;
    if (!ParseFileName(name, &number, &type)) continue;
    if (type == FileType::kDescriptor && number >= newest_manifest_number) {
      newest_manifest_number = number;
      newest_manifest = name;
    }
    if (type == FileType::kLog || type == FileType::kTable ||
        (type == FileType::kDescriptor && number != 1)) {
      db_files.push_back(name);
    }
  }
  if (db_files.empty()) return absl::OkStatus();
  std::sort(db_files.begin(), db_files.end());
  if (db_files.size() > 4) {
    db_files.resize(4);
    db_files.push_back("...");
  }
  return absl::DataLossError(absl::StrFormat(
      "%s: CURRENT is missing, but the directory holds a DB (%s); not creating a new one "
      "over it. %s",
      dbname, absl::StrJoin(db_files, ", "),
      newest_manifest.empty()
          ? std::string("No MANIFEST is left to recover it from.")
          : absl::StrFormat("If %s is intact, writing \"%s\" and a newline to CURRENT "
                            "restores the DB.",
                            newest_manifest, newest_manifest)));
}

constexpr char kWalSalvageHint[] =
    " (to open anyway: wal_recovery = kPointInTime keeps the writes before the damage, "
    "kSkipAnyCorruptedRecords every intact record)";

}  // namespace

absl::StatusOr<std::unique_ptr<DB>> DB::Open(const Options& options, const std::string& path) {
  if (path.empty()) return absl::InvalidArgumentError("DB path is empty");
  auto db = std::make_unique<DBImpl>(options, path);
  absl::Status s = db->Open();
  if (!s.ok()) return s;
  return std::unique_ptr<DB>(std::move(db));
}

absl::Status DBImpl::Open() {
  Env* env = options_.env;
  if (!env->FileExists(dbname_) && !options_.create_if_missing) {
    return absl::InvalidArgumentError(
        absl::StrCat(dbname_, ": does not exist (create_if_missing is false)"));
  }
  absl::Status s = env->CreateDir(dbname_);
  if (!s.ok()) return s;
  auto lock = env->LockFile(LockFileName(dbname_));
  if (!lock.ok()) {
    if (absl::IsFailedPrecondition(lock.status())) {
      return absl::FailedPreconditionError(
          absl::StrCat(dbname_, ": already opened by another process or DB instance"));
    }
    return lock.status();
  }
  db_lock_ = std::move(*lock);

  if (!env->FileExists(CurrentFileName(dbname_))) {
    s = CheckNoDatabaseWithoutCurrent(env, dbname_);
    if (!s.ok()) return s;
    if (!options_.create_if_missing) {
      return absl::InvalidArgumentError(
          absl::StrCat(dbname_, ": not a DB (no CURRENT) and create_if_missing is false"));
    }
    s = versions_->CreateNew();
    if (!s.ok()) return s;
  } else if (options_.error_if_exists) {
    return absl::FailedPreconditionError(
        absl::StrCat(dbname_, ": exists (error_if_exists is true)"));
  }

  MutexLock l(&mutex_);
  s = versions_->Recover();
  if (!s.ok()) return s;
  s = RecoverLogs();
  if (!s.ok()) return s;
  mem_ = std::make_shared<MemTable>(options_.write_buffer_size, options_.memtable_structure);
  if (options_.paranoid_checks) {
    s = VerifyLiveTables();
    if (!s.ok()) return s;
  }
  DeleteObsoleteFiles();
  MaybeScheduleWork();
  return absl::OkStatus();
}

absl::Status DBImpl::RecoverLogs() {
  auto children = options_.env->GetChildren(dbname_);
  if (!children.ok()) return children.status();
  std::set<uint64_t> present;
  std::vector<uint64_t> logs;
  for (const std::string& name : *children) {
    uint64_t number;
    FileType type;
    if (!ParseFileName(name, &number, &type)) continue;
    if (type == FileType::kTable) present.insert(number);
    if (type == FileType::kLog && number >= versions_->LogNumber()) logs.push_back(number);
    versions_->MarkFileNumberUsed(number);
  }
  // A file the MANIFEST needs is missing: lost data. (After a torn MANIFEST
  // tail was dropped, it means the dropped edit had been acted on.)
  const std::string& dropped = versions_->dropped_manifest_tail();
  const std::string why = dropped.empty() ? "" : absl::StrCat(" (", dropped, ")");
  for (uint64_t n : versions_->LiveFiles()) {
    if (!present.count(n)) {
      return absl::DataLossError(
          absl::StrFormat("%s: table #%d named by the MANIFEST is missing%s", dbname_, n, why));
    }
  }
  std::sort(logs.begin(), logs.end());
  // The log the MANIFEST names as current is deleted only after a later
  // edit is durable. If it is gone, that later edit was lost: replaying
  // would silently drop the writes the lost edit had flushed.
  const uint64_t log_number = versions_->LogNumber();
  if (log_number != 0 && (logs.empty() || logs.front() != log_number)) {
    return absl::DataLossError(
        absl::StrFormat("%s: the MANIFEST names log #%d, which is missing (the MANIFEST lost "
                        "an edit)%s",
                        dbname_, log_number, why));
  }

  // A log may end in a torn tail (a crash cut its last append short) only if
  // no later log holds a record: a log is synced and closed before the next
  // one is created (NewLogFile), so a tear followed by acknowledged writes
  // is damage, not a crash. A later log that is empty is one an Open cut
  // short created before it could retire the torn one.
  VersionEdit edit;
  SequenceNumber max_sequence = versions_->LastSequence();
  std::string torn;  // where a replayed log ended in a torn tail
  for (uint64_t number : logs) {
    LogReplay replay;
    absl::Status s = ReplayLogFile(number, &edit, &max_sequence, &replay);
    if (!s.ok()) return s;
    if (replay.records > 0 && !torn.empty()) {
      return absl::DataLossError(absl::StrCat(torn, ", but the later log ",
                                              LogFileName(dbname_, number),
                                              " holds writes: this is damage, not a crash",
                                              kWalSalvageHint));
    }
    if (replay.stopped) break;  // kPointInTime: nothing after the damage
    if (!replay.torn_tail.empty()) torn = replay.torn_tail;
  }
  versions_->SetLastSequence(max_sequence);
  // Everything replayed is now in tables: start a fresh log and record that
  // older logs are no longer needed.
  absl::Status s = NewLogFile();
  if (!s.ok()) return s;
  edit.SetLogNumber(logfile_number_);
  s = versions_->LogAndApply(&edit, &mutex_);
  ReleasePendingOutputs(edit);
  return s;
}

absl::Status DBImpl::VerifyLiveTables() {
  std::shared_ptr<const Version> v = versions_->current();
  ReadOptions ro;
  ro.verify_checksums = true;
  ro.fill_cache = false;
  for (int level = 0; level < kNumLevels; ++level) {
    for (const auto& f : v->files(level)) {
      const std::string path = TableFileName(dbname_, f->number);
      std::unique_ptr<Iterator> it = table_cache_->NewIterator(ro, f->number, f->file_size);
      uint64_t entries = 0;
      std::string first, last;
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        if (entries++ == 0) first.assign(it->key());
        last.assign(it->key());
      }
      if (!it->status().ok()) {
        return absl::DataLossError(absl::StrCat(path, ": ", it->status().message()));
      }
      if ((f->num_entries != 0 && entries != f->num_entries) ||
          (entries > 0 && (first != f->smallest || last != f->largest))) {
        return absl::DataLossError(absl::StrFormat(
            "%s: holds %d entries in a different key range than the MANIFEST records (%d)",
            path, entries, f->num_entries));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status DBImpl::ReplayLogFile(uint64_t log_number, VersionEdit* edit,
                                   SequenceNumber* max_sequence, LogReplay* replay) {
  const std::string path = LogFileName(dbname_, log_number);
  auto file = options_.env->NewSequentialFile(path);
  if (!file.ok()) return file.status();
  log::Reader::FirstDamageReporter reporter;
  const WalRecoveryMode mode = options_.wal_recovery;
  log::Reader reader(file->get(), &reporter, mode);
  std::shared_ptr<MemTable> mem = std::make_shared<MemTable>(0, options_.memtable_structure);
  std::string record;
  WriteBatch batch;
  absl::Status s;
  while (reader.ReadRecord(&record)) {
    s = batch.SetContents(record);
    if (!s.ok()) {
      if (mode == WalRecoveryMode::kSkipAnyCorruptedRecords) continue;
      if (mode == WalRecoveryMode::kPointInTime) {
        replay->stopped = true;
        break;
      }
      return absl::DataLossError(absl::StrFormat("%s: offset %d: %s%s", path,
                                                 reader.LastRecordOffset(),
                                                 std::string(s.message()), kWalSalvageHint));
    }
    ++replay->records;
    s = InsertBatchIntoMemTable(batch, mem.get());
    if (!s.ok()) return absl::DataLossError(absl::StrCat(path, ": ", s.message()));
    const SequenceNumber last = batch.sequence() + batch.Count() - 1;
    if (batch.Count() > 0) *max_sequence = std::max(*max_sequence, last);
    if (mem->ApproximateMemoryUsage() > options_.write_buffer_size) {
      s = WriteLevel0Table({mem}, edit);
      if (!s.ok()) return s;
      mem = std::make_shared<MemTable>(0, options_.memtable_structure);
    }
  }
  if (!reader.status().ok()) {
    return absl::Status(reader.status().code(),
                        absl::StrCat(path, ": ", reader.status().message(),
                                     absl::IsDataLoss(reader.status()) ? kWalSalvageHint : ""));
  }
  if (mode == WalRecoveryMode::kPointInTime && reporter.count() > 0) replay->stopped = true;
  if (reporter.count() > 0 && mode == WalRecoveryMode::kAbsoluteConsistency) {
    return absl::DataLossError(absl::StrCat(path, ": ", reporter.first(), kWalSalvageHint));
  }
  if (reader.dropped_tail() && mode == WalRecoveryMode::kTolerateCorruptedTailRecords) {
    replay->torn_tail = absl::StrCat(path, " ends in a torn tail at ", reporter.first());
  }
  if (mem->NumEntries() > 0) {
    s = WriteLevel0Table({mem}, edit);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status DBImpl::NewLogFile() {
  const uint64_t number = versions_->NewFileNumber();
  WritableFile* const old = logfile_.get();
  // The caller is the write leader (or Open): nobody else touches the log,
  // so the I/O runs without the lock.
  mutex_.Unlock();
  // The old log is synced and closed before the new one exists, so a power
  // cut never leaves a torn tail in a log that has a successor (see
  // RecoverLogs).
  absl::Status s;
  if (old != nullptr) {
    s = old->Sync();
    if (s.ok()) s = old->Close();
  }
  std::unique_ptr<WritableFile> file;
  if (s.ok()) {
    WritableFileOptions log_options;
    log_options.mmap_preallocated = options_.wal_mmap_writes;
    log_options.zero_fill_after_sync = true;  // a log synced per write flushes data only
    auto created = options_.env->NewWritableFile(LogFileName(dbname_, number), log_options);
    if (created.ok()) {
      file = std::move(*created);
    } else {
      s = created.status();
    }
  }
  // The new log's directory entry must be durable before a synced write in
  // it is acknowledged.
  if (s.ok()) s = options_.env->SyncDir(dbname_);
  if (!s.ok()) file.reset();
  mutex_.Lock();
  if (!s.ok()) return s;
  logfile_ = std::move(file);
  logfile_number_ = number;
  log_ = std::make_unique<log::Writer>(logfile_.get());
  return absl::OkStatus();
}

absl::Status DestroyDB(const std::string& path, const Options& options) {
  Env* env = options.env ? options.env : Env::Default();
  auto children = env->GetChildren(path);
  if (!children.ok()) {
    return absl::IsNotFound(children.status()) ? absl::OkStatus() : children.status();
  }
  auto lock = env->LockFile(LockFileName(path));
  if (!lock.ok()) return lock.status();
  absl::Status result;
  for (const std::string& name : *children) {
    uint64_t number;
    FileType type;
    if (ParseFileName(name, &number, &type) && type != FileType::kLock) {
      absl::Status s = env->RemoveFile(path + "/" + name);
      if (result.ok() && !s.ok()) result = s;
    }
  }
  // LOCK is unlinked while still held: a process that opens the path from
  // now on locks a new file, and nothing here touches that one.
  env->RemoveFile(LockFileName(path)).IgnoreError();
  env->RemoveDir(path).IgnoreError();
  env->UnlockFile(std::move(*lock)).IgnoreError();
  return result;
}

}  // namespace lsm
