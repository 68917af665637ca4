// Env: every file, directory, lock, clock and background thread the engine
// uses goes through this interface, so tests can substitute an in-memory or a
// fault-injecting implementation (engine/env).
//
// Thread safety: an Env is safe for concurrent use. A file object is used by
// one thread at a time unless its comment says otherwise.
#ifndef LSM_ENV_H_
#define LSM_ENV_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace lsm {

// A file read from the start to the end.
class SequentialFile {
 public:
  virtual ~SequentialFile() = default;
  // Reads up to n bytes. *result points into scratch (or into the file's own
  // memory); fewer than n bytes means the end of the file was reached.
  // REQUIRES: scratch holds n bytes.
  virtual absl::Status Read(size_t n, std::string_view* result, char* scratch) = 0;
  virtual absl::Status Skip(uint64_t n) = 0;
};

// A file read at arbitrary offsets (pread). Safe for concurrent reads.
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Reads up to n bytes at offset; a short result means the end of the file.
  virtual absl::Status Read(uint64_t offset, size_t n, std::string_view* result,
                            char* scratch) const = 0;
  // A hint that [offset, offset + n) will be read soon: starts bringing it
  // into memory without waiting (a scan reads ahead of itself with it).
  // Ranges past the end of the file are ignored. The default does nothing.
  virtual void Readahead(uint64_t offset, size_t n) const {}
  // True when Read never writes scratch and hands out views of memory that
  // stays valid and unchanged for as long as this object lives (a memory
  // mapping): a reader may then use what Read returned in place, for as long
  // as it keeps the file. The default is false.
  virtual bool ReadsInPlace() const { return false; }
};

// A file written from the start, append only.
//
// Errors are sticky: after Append, Flush or Sync fails, the bytes that no
// earlier successful Flush or Sync handed to the OS are discarded (the file
// is cut back to its length at that point where the OS allows), every later
// call returns the same error, and Close only releases the file. So bytes a
// caller was told had failed never reach the disk afterwards.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // May buffer in user space.
  virtual absl::Status Append(std::string_view data) = 0;
  // Hands buffered bytes to the OS (write(2)): they survive a process crash.
  virtual absl::Status Flush() = 0;
  // Flush, then fdatasync: the bytes survive a power loss.
  virtual absl::Status Sync() = 0;
  virtual absl::Status Close() = 0;
  // A hint that Sync follows soon: starts writing the flushed bytes to
  // storage without waiting, so that work done until the Sync overlaps the
  // I/O. Makes nothing durable; the default does nothing.
  virtual void StartSync() {}
};

// A held lock on a file (flock). Destroying it does not release the lock:
// call Env::UnlockFile.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

// How a RandomAccessFile reads.
struct RandomAccessFileOptions {
  // An Env may memory-map the file (reads then cost no system call, and the
  // pages they touch count in the process's resident memory); false asks for
  // reads through a system call into the caller's buffer.
  bool allow_mmap = true;
};

// How a WritableFile writes.
struct WritableFileOptions {
  // An Env may write through a memory mapping of space reserved in advance:
  // Append costs no system call and still survives the death of the process
  // (not a power loss: that takes Sync, as always). Until Close the file's
  // size includes reserved space, which reads as zeros.
  bool mmap_preallocated = false;
  // With mmap_preallocated: once the file has been synced twice, an Env may
  // write zeros over the reserved space ahead of the appends, so that a later
  // Sync finds the blocks it writes already initialised and flushes data only
  // (no file system metadata). After a crash the file ends in zeros, as with
  // reserved space alone.
  bool zero_fill_after_sync = false;
};

class Env {
 public:
  Env() = default;
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;
  virtual ~Env() = default;

  // The POSIX Env; lives for the whole process.
  static Env* Default();

  virtual absl::StatusOr<std::unique_ptr<SequentialFile>> NewSequentialFile(
      const std::string& path) = 0;
  virtual absl::StatusOr<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& path) = 0;
  // As above, with options; an Env that has no choice to make ignores them
  // (the default calls NewRandomAccessFile(path)).
  virtual absl::StatusOr<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& path, const RandomAccessFileOptions& options) {
    (void)options;
    return NewRandomAccessFile(path);
  }
  // Creates or truncates.
  virtual absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(
      const std::string& path) = 0;
  // As above, with options; an Env without the choice ignores them (the
  // default calls NewWritableFile(path)).
  virtual absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(
      const std::string& path, const WritableFileOptions& options) {
    (void)options;
    return NewWritableFile(path);
  }
  // Creates, or opens for appending at the end.
  virtual absl::StatusOr<std::unique_ptr<WritableFile>> NewAppendableFile(
      const std::string& path) = 0;

  virtual bool FileExists(const std::string& path) = 0;
  // Names (not paths) of the entries of dir, without "." and "..".
  virtual absl::StatusOr<std::vector<std::string>> GetChildren(const std::string& dir) = 0;
  virtual absl::Status RemoveFile(const std::string& path) = 0;
  // OK if the directory already exists.
  virtual absl::Status CreateDir(const std::string& dir) = 0;
  virtual absl::Status RemoveDir(const std::string& dir) = 0;
  virtual absl::StatusOr<uint64_t> GetFileSize(const std::string& path) = 0;
  // Atomically replaces `to` if it exists.
  virtual absl::Status RenameFile(const std::string& from, const std::string& to) = 0;
  // fsync of a directory: makes creations, renames and removals in it durable.
  virtual absl::Status SyncDir(const std::string& dir) = 0;
  // Gives the existing file `from` a second name `to` (a hard link; `to` must
  // not exist). Unimplemented when this Env or the file system cannot (two
  // file systems, no hard links): the caller copies instead.
  virtual absl::Status LinkFile(const std::string& from, const std::string& to) {
    return absl::UnimplementedError(from + " -> " + to + ": hard links not supported");
  }

  // Takes an exclusive advisory lock (flock) on path, creating the file.
  // FailedPrecondition when another process (or this one) holds it.
  virtual absl::StatusOr<std::unique_ptr<FileLock>> LockFile(const std::string& path) = 0;
  virtual absl::Status UnlockFile(std::unique_ptr<FileLock> lock) = 0;

  // Runs fn on a background thread of a pool of max_background_jobs threads
  // shared by every DB using this Env (FIFO).
  virtual void Schedule(std::function<void()> fn) = 0;
  // Runs fn on a new thread of its own.
  virtual void StartThread(std::function<void()> fn) = 0;
  // Grows the background pool to at least n threads.
  virtual void SetBackgroundThreads(int n) = 0;

  virtual uint64_t NowMicros() = 0;
  virtual void SleepForMicroseconds(int64_t micros) = 0;
};

// Forwards every call to another Env; override what you need to change.
class EnvWrapper : public Env {
 public:
  explicit EnvWrapper(Env* target) : target_(target) {}
  Env* target() const { return target_; }

  absl::StatusOr<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& p) override {
    return target_->NewSequentialFile(p);
  }
  absl::StatusOr<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& p) override {
    return target_->NewRandomAccessFile(p);
  }
  // The variant with options is not forwarded here: it defaults to the
  // one-argument NewRandomAccessFile, which a subclass may override to serve
  // its own files.
  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& p) override {
    return target_->NewWritableFile(p);
  }
  absl::StatusOr<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& p) override {
    return target_->NewAppendableFile(p);
  }
  bool FileExists(const std::string& p) override { return target_->FileExists(p); }
  absl::StatusOr<std::vector<std::string>> GetChildren(const std::string& d) override {
    return target_->GetChildren(d);
  }
  absl::Status RemoveFile(const std::string& p) override { return target_->RemoveFile(p); }
  absl::Status CreateDir(const std::string& d) override { return target_->CreateDir(d); }
  absl::Status RemoveDir(const std::string& d) override { return target_->RemoveDir(d); }
  absl::StatusOr<uint64_t> GetFileSize(const std::string& p) override {
    return target_->GetFileSize(p);
  }
  absl::Status RenameFile(const std::string& f, const std::string& t) override {
    return target_->RenameFile(f, t);
  }
  absl::Status SyncDir(const std::string& d) override { return target_->SyncDir(d); }
  absl::Status LinkFile(const std::string& f, const std::string& t) override {
    return target_->LinkFile(f, t);
  }
  absl::StatusOr<std::unique_ptr<FileLock>> LockFile(const std::string& p) override {
    return target_->LockFile(p);
  }
  absl::Status UnlockFile(std::unique_ptr<FileLock> l) override {
    return target_->UnlockFile(std::move(l));
  }
  void Schedule(std::function<void()> fn) override { target_->Schedule(std::move(fn)); }
  void StartThread(std::function<void()> fn) override { target_->StartThread(std::move(fn)); }
  void SetBackgroundThreads(int n) override { target_->SetBackgroundThreads(n); }
  uint64_t NowMicros() override { return target_->NowMicros(); }
  void SleepForMicroseconds(int64_t m) override { target_->SleepForMicroseconds(m); }

 private:
  Env* const target_;
};

// Reads a whole file into *data.
absl::Status ReadFileToString(Env* env, const std::string& path, std::string* data);
// Writes data to path, optionally syncing the file before closing it.
absl::Status WriteStringToFile(Env* env, std::string_view data, const std::string& path,
                               bool sync);

}  // namespace lsm

#endif  // LSM_ENV_H_
