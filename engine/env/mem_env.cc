#include "engine/env/mem_env.h"

#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "engine/env/path_util.h"
#include "engine/env/posix_error.h"
#include "engine/util/mutex.h"

namespace lsm {

namespace {

// The bytes of one file, shared by the namespace entry and every open handle.
class FileData {
 public:
  FileData() = default;
  FileData(const FileData&) = delete;
  FileData& operator=(const FileData&) = delete;

  uint64_t Size() const {
    MutexLock l(&mu_);
    return data_.size();
  }

  // Copies up to n bytes at offset into scratch; returns how many.
  size_t Read(uint64_t offset, size_t n, char* scratch) const {
    MutexLock l(&mu_);
    if (offset >= data_.size()) return 0;
    const size_t available = static_cast<size_t>(data_.size() - offset);
    const size_t count = std::min(n, available);
    std::memcpy(scratch, data_.data() + offset, count);
    return count;
  }

  void Append(std::string_view data) {
    MutexLock l(&mu_);
    data_.append(data.data(), data.size());
  }

  void Truncate() {
    MutexLock l(&mu_);
    data_.clear();
  }

 private:
  mutable Mutex mu_;
  std::string data_ ABSL_GUARDED_BY(mu_);
};

class MemSequentialFile final : public SequentialFile {
 public:
  explicit MemSequentialFile(std::shared_ptr<FileData> file) : file_(std::move(file)) {}

  absl::Status Read(size_t n, std::string_view* result, char* scratch) override {
    const size_t got = file_->Read(pos_, n, scratch);
    pos_ += got;
    *result = std::string_view(scratch, got);
    return absl::OkStatus();
  }

  absl::Status Skip(uint64_t n) override {
    // Like lseek: moving past the end is allowed; reads there return nothing.
    pos_ += n;
    return absl::OkStatus();
  }

 private:
  const std::shared_ptr<FileData> file_;
  uint64_t pos_ = 0;
};

class MemRandomAccessFile final : public RandomAccessFile {
 public:
  explicit MemRandomAccessFile(std::shared_ptr<FileData> file) : file_(std::move(file)) {}

  absl::Status Read(uint64_t offset, size_t n, std::string_view* result,
                    char* scratch) const override {
    *result = std::string_view(scratch, file_->Read(offset, n, scratch));
    return absl::OkStatus();
  }

 private:
  const std::shared_ptr<FileData> file_;
};

class MemWritableFile final : public WritableFile {
 public:
  MemWritableFile(std::string path, std::shared_ptr<FileData> file)
      : path_(std::move(path)), file_(std::move(file)) {}

  absl::Status Append(std::string_view data) override {
    if (closed_) return Closed();
    file_->Append(data);
    return absl::OkStatus();
  }
  absl::Status Flush() override { return closed_ ? Closed() : absl::OkStatus(); }
  absl::Status Sync() override { return closed_ ? Closed() : absl::OkStatus(); }
  absl::Status Close() override {
    if (closed_) return Closed();
    closed_ = true;
    return absl::OkStatus();
  }

 private:
  absl::Status Closed() const {
    return absl::FailedPreconditionError(path_ + ": file is closed");
  }

  const std::string path_;
  const std::shared_ptr<FileData> file_;
  bool closed_ = false;
};

class MemFileLock final : public FileLock {
 public:
  explicit MemFileLock(std::string path) : path_(std::move(path)) {}
  const std::string& path() const { return path_; }

 private:
  const std::string path_;
};

class MemEnv final : public EnvWrapper {
 public:
  explicit MemEnv(Env* base_env) : EnvWrapper(base_env) {}

  absl::StatusOr<std::unique_ptr<SequentialFile>> NewSequentialFile(
      const std::string& path) override {
    absl::StatusOr<std::shared_ptr<FileData>> file = Find(path);
    if (!file.ok()) return file.status();
    return std::make_unique<MemSequentialFile>(*std::move(file));
  }

  absl::StatusOr<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& path) override {
    absl::StatusOr<std::shared_ptr<FileData>> file = Find(path);
    if (!file.ok()) return file.status();
    return std::make_unique<MemRandomAccessFile>(*std::move(file));
  }

  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override {
    absl::StatusOr<std::shared_ptr<FileData>> file = OpenForWrite(path, /*truncate=*/true);
    if (!file.ok()) return file.status();
    return std::make_unique<MemWritableFile>(path, *std::move(file));
  }

  absl::StatusOr<std::unique_ptr<WritableFile>> NewAppendableFile(
      const std::string& path) override {
    absl::StatusOr<std::shared_ptr<FileData>> file = OpenForWrite(path, /*truncate=*/false);
    if (!file.ok()) return file.status();
    return std::make_unique<MemWritableFile>(path, *std::move(file));
  }

  bool FileExists(const std::string& path) override {
    const std::string p = NormalizePath(path);
    MutexLock l(&mu_);
    return files_.count(p) > 0 || DirExistsLocked(p);
  }

  absl::StatusOr<std::vector<std::string>> GetChildren(const std::string& dir) override {
    const std::string d = NormalizePath(dir);
    MutexLock l(&mu_);
    if (!DirExistsLocked(d)) return NoDirError(dir, d);
    std::vector<std::string> names;
    auto add_if_child = [&](const std::string& path) {
      if (!path.empty() && ParentDir(path) == d && path != d) {
        const size_t slash = path.rfind('/');
        names.push_back(slash == std::string::npos ? path : path.substr(slash + 1));
      }
    };
    for (const auto& [path, file] : files_) add_if_child(path);
    for (const std::string& path : dirs_) add_if_child(path);
    return names;
  }

  absl::Status RemoveFile(const std::string& path) override {
    const std::string p = NormalizePath(path);
    MutexLock l(&mu_);
    if (files_.erase(p) > 0) return absl::OkStatus();
    return PosixError(path, DirExistsLocked(p) ? EISDIR : ENOENT);
  }

  absl::Status CreateDir(const std::string& dir) override {
    const std::string d = NormalizePath(dir);
    MutexLock l(&mu_);
    if (DirExistsLocked(d)) return absl::OkStatus();
    if (files_.count(d) > 0) return PosixError(dir, EEXIST);
    if (!DirExistsLocked(ParentDir(d))) return NoDirError(dir, ParentDir(d));
    dirs_.insert(d);
    return absl::OkStatus();
  }

  absl::Status RemoveDir(const std::string& dir) override {
    const std::string d = NormalizePath(dir);
    MutexLock l(&mu_);
    if (dirs_.count(d) == 0) {
      return PosixError(dir, files_.count(d) > 0 ? ENOTDIR : (IsRoot(d) ? EBUSY : ENOENT));
    }
    for (const auto& [path, file] : files_) {
      if (IsUnderDir(path, d)) return PosixError(dir, ENOTEMPTY);
    }
    for (const std::string& path : dirs_) {
      if (IsUnderDir(path, d)) return PosixError(dir, ENOTEMPTY);
    }
    dirs_.erase(d);
    return absl::OkStatus();
  }

  absl::StatusOr<uint64_t> GetFileSize(const std::string& path) override {
    absl::StatusOr<std::shared_ptr<FileData>> file = Find(path);
    if (!file.ok()) return file.status();
    return (*file)->Size();
  }

  absl::Status LinkFile(const std::string& from, const std::string& to) override {
    const std::string f = NormalizePath(from);
    const std::string t = NormalizePath(to);
    const std::string context = from + " -> " + to;
    MutexLock l(&mu_);
    if (!DirExistsLocked(ParentDir(t))) return PosixError(context, ENOENT);
    auto it = files_.find(f);
    if (it == files_.end()) return PosixError(context, ENOENT);
    if (files_.count(t) > 0 || DirExistsLocked(t)) return PosixError(context, EEXIST);
    files_[t] = it->second;  // one file, two names
    return absl::OkStatus();
  }

  absl::Status RenameFile(const std::string& from, const std::string& to) override {
    const std::string f = NormalizePath(from);
    const std::string t = NormalizePath(to);
    const std::string context = from + " -> " + to;
    MutexLock l(&mu_);
    if (!DirExistsLocked(ParentDir(t))) return PosixError(context, ENOENT);
    auto it = files_.find(f);
    if (it != files_.end()) {
      if (DirExistsLocked(t)) return PosixError(context, EISDIR);
      if (f == t) return absl::OkStatus();
      std::shared_ptr<FileData> file = std::move(it->second);
      files_.erase(it);
      files_[t] = std::move(file);
      return absl::OkStatus();
    }
    if (dirs_.count(f) == 0) return PosixError(context, ENOENT);
    // Renaming a directory moves everything under it.
    if (f == t) return absl::OkStatus();
    if (IsUnderDir(t, f)) return PosixError(context, EINVAL);
    if (files_.count(t) > 0) return PosixError(context, ENOTDIR);
    if (dirs_.count(t) > 0) {
      for (const auto& [path, file] : files_) {
        if (IsUnderDir(path, t)) return PosixError(context, ENOTEMPTY);
      }
      for (const std::string& path : dirs_) {
        if (IsUnderDir(path, t)) return PosixError(context, ENOTEMPTY);
      }
    }
    std::map<std::string, std::shared_ptr<FileData>> files;
    for (auto& [path, file] : files_) {
      files[IsUnderDir(path, f) ? t + path.substr(f.size()) : path] = std::move(file);
    }
    std::set<std::string> dirs;
    for (const std::string& path : dirs_) {
      if (path == f) {
        dirs.insert(t);
      } else {
        dirs.insert(IsUnderDir(path, f) ? t + path.substr(f.size()) : path);
      }
    }
    files_.swap(files);
    dirs_.swap(dirs);
    return absl::OkStatus();
  }

  absl::Status SyncDir(const std::string& dir) override {
    const std::string d = NormalizePath(dir);
    MutexLock l(&mu_);
    if (!DirExistsLocked(d)) {
      return PosixError(dir, files_.count(d) > 0 ? ENOTDIR : ENOENT);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::unique_ptr<FileLock>> LockFile(const std::string& path) override {
    const std::string p = NormalizePath(path);
    MutexLock l(&mu_);
    if (locks_.count(p) > 0) {
      return absl::FailedPreconditionError("lock " + path + " is already held by this process");
    }
    if (files_.count(p) == 0) {
      if (DirExistsLocked(p)) return PosixError(path, EISDIR);
      if (!DirExistsLocked(ParentDir(p))) return NoDirError(path, ParentDir(p));
      files_[p] = std::make_shared<FileData>();
    }
    locks_.insert(p);
    return std::make_unique<MemFileLock>(p);
  }

  absl::Status UnlockFile(std::unique_ptr<FileLock> lock) override {
    auto* mem_lock = dynamic_cast<MemFileLock*>(lock.get());
    if (mem_lock == nullptr) {
      return absl::InvalidArgumentError("UnlockFile: not a lock taken by this Env");
    }
    MutexLock l(&mu_);
    locks_.erase(mem_lock->path());
    return absl::OkStatus();
  }

 private:
  static bool IsRoot(const std::string& d) { return d.empty() || d == "/"; }

  bool DirExistsLocked(const std::string& d) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return IsRoot(d) || dirs_.count(d) > 0;
  }

  // ENOENT or ENOTDIR for a missing directory, as POSIX reports it.
  absl::Status NoDirError(const std::string& context, const std::string& d) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return PosixError(context, files_.count(d) > 0 ? ENOTDIR : ENOENT);
  }

  absl::StatusOr<std::shared_ptr<FileData>> Find(const std::string& path) {
    const std::string p = NormalizePath(path);
    MutexLock l(&mu_);
    auto it = files_.find(p);
    if (it != files_.end()) return it->second;
    return PosixError(path, DirExistsLocked(p) ? EISDIR : ENOENT);
  }

  absl::StatusOr<std::shared_ptr<FileData>> OpenForWrite(const std::string& path, bool truncate) {
    const std::string p = NormalizePath(path);
    MutexLock l(&mu_);
    auto it = files_.find(p);
    if (it != files_.end()) {
      if (truncate) it->second->Truncate();
      return it->second;
    }
    if (DirExistsLocked(p)) return PosixError(path, EISDIR);
    if (!DirExistsLocked(ParentDir(p))) return NoDirError(path, ParentDir(p));
    std::shared_ptr<FileData> file = std::make_shared<FileData>();
    files_[p] = file;
    return file;
  }

  Mutex mu_;
  std::map<std::string, std::shared_ptr<FileData>> files_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> dirs_ ABSL_GUARDED_BY(mu_);  // Besides "" and "/".
  std::set<std::string> locks_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

std::unique_ptr<Env> NewMemEnv(Env* base_env) {
  return std::make_unique<MemEnv>(base_env != nullptr ? base_env : Env::Default());
}

}  // namespace lsm
