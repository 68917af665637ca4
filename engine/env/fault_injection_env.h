// FaultInjectionEnv: an EnvWrapper for durability and error-handling tests.
// It works over any Env (POSIX or in-memory) and does two things:
//
// 1. Power loss. It remembers what a power cut would lose:
//    - for every file written through it, how many bytes were synced
//      (WritableFile::Sync) out of how many were appended; a file opened by
//      NewAppendableFile counts its earlier bytes as synced;
//    - every namespace change not yet made durable by SyncDir of its
//      directory: file creations (NewWritableFile/NewAppendableFile of a new
//      path), renames (durable once the directory of the *target* is synced),
//      and, when SetUndoUnsyncedRemovals(true), file removals.
//    SimulatePowerLoss() then rewrites the underlying file system into what
//    survives: every tracked file is cut back to its synced size, and the
//    unsynced namespace changes are undone newest first (a created file is
//    deleted, a renamed file gets its old name back and the file it replaced
//    gets its durable contents back, a removed file comes back with its
//    durable contents). Afterwards tracking starts afresh, as after reboot.
//    SimulatePowerLoss(PowerLoss) can be harsher: keep a part of the unsynced
//    bytes, cut mid-record, zero-filled or followed by garbage to the end of
//    their page, and keep some unsynced namespace changes while undoing
//    others (metadata made durable out of order).
//    Not modelled: directory creation and removal (durable at once), lock
//    files (never tracked), and damage to synced data.
//    Files that existed before they were first written through this Env are
//    assumed durable.
//
// 2. Errors. Chosen operations fail with a chosen status, optionally only on
//    paths containing a substring: FailNth (one chosen call), FailAfter (all
//    calls after the first n), FailAlways. OpCount() counts calls per kind so a
//    test can run a workload once, count its syncs, then fail each in turn. A
//    failing call has no effect on the file system. SetFilesystemActive(false)
//    makes every writing operation fail, as after a crash: the process is
//    "dead" but its objects are still being torn down.
//
// Its WritableFiles keep appended bytes in their own buffer and hand them to
// the target only on Flush, Sync and Close (and when destroyed while the file
// system is active). So after SetFilesystemActive(false) nothing more reaches
// the target: tearing the DB down then leaves exactly what a process crash
// (kill -9) leaves, the bytes flushed; SimulatePowerLoss then leaves what a
// power cut leaves.
//
// Typical crash test:
//   FaultInjectionEnv env(base);           // options.env = &env
//   ... write, some with sync ...
//   env.SetFilesystemActive(false);        // the crash
//   db.reset();                            // nothing more reaches the disk
//   ASSERT_OK(env.SimulatePowerLoss());    // lose what was not durable
//   env.SetFilesystemActive(true);
//   ... reopen and check what survived ...
//
// Thread safety: safe for concurrent use. File objects it returns follow the
// Env rules (one thread at a time, except RandomAccessFile).
#ifndef LSM_ENGINE_ENV_FAULT_INJECTION_ENV_H_
#define LSM_ENGINE_ENV_FAULT_INJECTION_ENV_H_

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "engine/util/mutex.h"
#include "lsm/env.h"

namespace lsm {

class FaultInjectionEnv : public EnvWrapper {
 public:
  // The operations that can be counted and failed. Each is matched against a
  // "subject": the path, or "<from> -> <to>" for kRename.
  enum class Op {
    kNewWritableFile,  // NewWritableFile, NewAppendableFile and LinkFile (of `to`)
    kNewReadableFile,  // NewSequentialFile and NewRandomAccessFile
    kAppend,
    kFlush,
    kSync,
    kClose,
    kRead,  // SequentialFile::Read/Skip and RandomAccessFile::Read
    kRename,
    kRemoveFile,
    kCreateDir,
    kRemoveDir,
    kSyncDir,
    kLockFile,
    // For the Fail* calls only: every operation that would change the file
    // system (all the above but kNewReadableFile and kRead), counted together.
    kAnyWrite,
  };
  static constexpr int kNumOps = static_cast<int>(Op::kLockFile) + 1;  // counted kinds
  static std::string_view OpName(Op op);

  // An error like the POSIX Env would return for errno err (ENOSPC ->
  // ResourceExhausted, EIO -> Unavailable, ...; see posix_error.h), marked as
  // injected. Use it as the `error` of the Fail* calls.
  static absl::Status ErrnoError(int err);

  // REQUIRES: target outlives this Env.
  explicit FaultInjectionEnv(Env* target);
  ~FaultInjectionEnv() override;

  // ---- Power loss ----------------------------------------------------------

  // Cuts the underlying file system back to what was durable (see above),
  // then forgets all tracking. Works on the target Env directly, so faults
  // and SetFilesystemActive do not affect it.
  // REQUIRES: every WritableFile from this Env was closed or destroyed
  // (FailedPrecondition otherwise).
  absl::Status SimulatePowerLoss() { return SimulatePowerLoss(PowerLoss()); }

  // What a power cut leaves of the bytes a file holds beyond its synced size.
  enum class UnsyncedTail {
    kDropped,     // none: the file ends at its synced size
    kCut,         // a prefix of them, cut at any byte
    kZeroFilled,  // a prefix, then zeros to the end of its 4 KiB page (the
                  // size reached the disk, the data did not)
    kGarbage,     // a prefix, then random bytes to the end of its page
  };
  struct PowerLoss {
    UnsyncedTail tail = UnsyncedTail::kDropped;
    // Each unsynced namespace change is kept or undone on its own (a file
    // system that makes metadata durable out of order), instead of all of
    // them being undone.
    bool keep_some_namespace_changes = false;
    uint64_t seed = 0;  // picks the prefixes, the garbage, the kept changes
  };
  // SimulatePowerLoss, leaving what `how` says of unsynced bytes and changes.
  absl::Status SimulatePowerLoss(const PowerLoss& how);

  // Forgets all durability tracking: everything written so far counts as
  // durable. Counters and faults are kept.
  void ResetState();

  // When on, RemoveFile not followed by SyncDir of the directory is undone by
  // SimulatePowerLoss; this keeps the durable contents of removed files in
  // memory until then. Off by default: removals are durable at once.
  void SetUndoUnsyncedRemovals(bool undo);

  // ---- Errors --------------------------------------------------------------

  // Only the nth (1-based, counted from this call) operation of kind op
  // whose subject contains path_filter fails, with error.
  void FailNth(Op op, int64_t n, absl::Status error, std::string_view path_filter = {});
  // The first n such operations (from this call) succeed, every later one
  // fails with error.
  void FailAfter(Op op, int64_t n, absl::Status error, std::string_view path_filter = {});
  // Every such operation fails with error. Same as FailAfter(op, 0, ...).
  void FailAlways(Op op, absl::Status error, std::string_view path_filter = {});
  // Removes every fault set by the Fail* calls (not SetFilesystemActive).
  void ClearFaults();

  // While inactive, every operation that would change the file system
  // (creating, writing, flushing, syncing, closing, renaming or removing
  // files, creating, removing or syncing directories, locking) fails with
  // Unavailable; reads still work.
  void SetFilesystemActive(bool active);
  bool IsFilesystemActive() const;

  // A crash at a chosen point: the first n operations that would change the
  // file system (from this call) succeed; the next one fails and the file
  // system becomes inactive, as SetFilesystemActive(false). n < 0 disarms.
  // OpCount(Op::kAnyWrite) counts the operations this sees.
  void CrashAfterWrites(int64_t n);

  // Operations of kind op seen since construction or ResetCounters (failed
  // ones included), restricted to subjects containing path_filter.
  int64_t OpCount(Op op, std::string_view path_filter = {}) const;
  // How many operations failed because of Fail* or an inactive file system.
  int64_t InjectedErrorCount() const;
  void ResetCounters();

  // ---- Env -----------------------------------------------------------------

  absl::StatusOr<std::unique_ptr<SequentialFile>> NewSequentialFile(
      const std::string& path) override;
  absl::StatusOr<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& path) override;
  absl::StatusOr<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& path, const RandomAccessFileOptions& options) override;
  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override;
  absl::StatusOr<std::unique_ptr<WritableFile>> NewAppendableFile(
      const std::string& path) override;
  absl::Status RemoveFile(const std::string& path) override;
  absl::Status CreateDir(const std::string& dir) override;
  absl::Status RemoveDir(const std::string& dir) override;
  absl::Status RenameFile(const std::string& from, const std::string& to) override;
  absl::Status SyncDir(const std::string& dir) override;
  absl::Status LinkFile(const std::string& from, const std::string& to) override;
  absl::StatusOr<std::unique_ptr<FileLock>> LockFile(const std::string& path) override;
  // UnlockFile is forwarded and never fails by injection, so tearing down a
  // "crashed" DB still releases its lock.

 private:
  friend class FaultWritableFile;
  friend class FaultSequentialFile;
  friend class FaultRandomAccessFile;

  // The durability state of one file written through this Env; shared with
  // its open WritableFile and moved along by renames.
  struct FileState {
    uint64_t size = 0;         // Bytes appended (buffered ones included).
    uint64_t synced_size = 0;  // Bytes made durable by Sync.
  };

  // A namespace change not yet made durable by SyncDir.
  struct PendingChange {
    enum Kind { kCreate, kRename, kRemove } kind;
    std::string path;  // Created / removed file, or the rename target.
    std::string from;  // kRename: the source.
    // kRename: the durable contents of the file `path` replaced, if any.
    // kRemove: the durable contents of the removed file.
    std::optional<std::string> old_contents;
  };

  struct Fault {
    Op op;
    std::string path_filter;
    bool only_nth;      // FailNth: fail the nth match only; else fail after n.
    int64_t n;
    int64_t seen = 0;   // Matching operations since the fault was set.
    absl::Status error;
  };

  // Counts the operation and returns the injected error, if any, for it.
  // `writes`: fails while the file system is inactive.
  absl::Status Check(Op op, const std::string& subject, bool writes);

  absl::StatusOr<std::unique_ptr<WritableFile>> OpenWritable(const std::string& path,
                                                             bool append);
  // What a power loss would leave of `path` now (REQUIRES: it exists).
  absl::StatusOr<std::string> DurableContents(const std::string& path)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ForgetStateLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void WritableFileClosed();

  mutable Mutex mu_;
  std::map<std::string, std::shared_ptr<FileState>> files_ ABSL_GUARDED_BY(mu_);
  std::vector<PendingChange> pending_ ABSL_GUARDED_BY(mu_);  // Oldest first.
  bool undo_removals_ ABSL_GUARDED_BY(mu_) = false;
  int open_writable_files_ ABSL_GUARDED_BY(mu_) = 0;

  std::vector<Fault> faults_ ABSL_GUARDED_BY(mu_);
  bool active_ ABSL_GUARDED_BY(mu_) = true;
  int64_t crash_countdown_ ABSL_GUARDED_BY(mu_) = -1;  // CrashAfterWrites
  // Operation counts by subject.
  std::map<std::string, std::array<int64_t, kNumOps>> counts_ ABSL_GUARDED_BY(mu_);
  int64_t injected_errors_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace lsm

#endif  // LSM_ENGINE_ENV_FAULT_INJECTION_ENV_H_
