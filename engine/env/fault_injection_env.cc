#include "engine/env/fault_injection_env.h"

#include <algorithm>
#include <utility>

#include "engine/env/path_util.h"
#include "engine/env/posix_error.h"
#include "engine/util/random.h"
#include "lsm/status.h"

namespace lsm {

using Op = FaultInjectionEnv::Op;

// Buffers appends until Flush/Sync/Close (see the header), and tells the Env
// how many bytes were appended and synced.
class FaultWritableFile final : public WritableFile {
 public:
  FaultWritableFile(FaultInjectionEnv* env, std::string path,
                    std::shared_ptr<FaultInjectionEnv::FileState> state,
                    std::unique_ptr<WritableFile> target)
      : env_(env), path_(std::move(path)), state_(std::move(state)), target_(std::move(target)) {}

  ~FaultWritableFile() override {
    if (closed_) return;
    if (env_->IsFilesystemActive() && failed_.ok()) PushBuffer().IgnoreError();
    target_.reset();  // Closes the target file (flushing only what we pushed).
    env_->WritableFileClosed();
  }

  absl::Status Append(std::string_view data) override {
    if (closed_) return Closed();
    if (!failed_.ok()) return failed_;
    absl::Status s = env_->Check(Op::kAppend, path_, /*writes=*/true);
    if (!s.ok()) return Fail(s);
    buffer_.append(data.data(), data.size());
    MutexLock l(&env_->mu_);
    state_->size += data.size();
    return absl::OkStatus();
  }

  absl::Status Flush() override {
    if (closed_) return Closed();
    if (!failed_.ok()) return failed_;
    absl::Status s = env_->Check(Op::kFlush, path_, /*writes=*/true);
    if (s.ok()) s = PushBuffer();
    if (s.ok()) s = target_->Flush();
    return s.ok() ? s : Fail(s);
  }

  absl::Status Sync() override {
    if (closed_) return Closed();
    if (!failed_.ok()) return failed_;
    absl::Status s = env_->Check(Op::kSync, path_, /*writes=*/true);
    if (s.ok()) s = PushBuffer();
    if (s.ok()) s = target_->Sync();
    if (!s.ok()) return Fail(s);
    MutexLock l(&env_->mu_);
    state_->synced_size = state_->size;
    return s;
  }

  absl::Status Close() override {
    if (closed_) return Closed();
    absl::Status s = env_->Check(Op::kClose, path_, /*writes=*/true);
    if (!s.ok()) return s;
    // A failed file is released without writing what it still buffers.
    if (failed_.ok()) s = PushBuffer();
    if (s.ok()) s = target_->Close();
    target_.reset();
    closed_ = true;
    env_->WritableFileClosed();
    return failed_.ok() ? s : failed_;
  }

 private:
  absl::Status Closed() const {
    return absl::FailedPreconditionError(path_ + ": file is closed");
  }

  absl::Status PushBuffer() {
    if (buffer_.empty()) return absl::OkStatus();
    absl::Status s = target_->Append(buffer_);
    if (s.ok()) buffer_.clear();
    return s;
  }

  // The sticky error of the lsm/env.h contract: the buffered bytes, which no
  // successful Flush handed over, are dropped.
  absl::Status Fail(const absl::Status& s) {
    failed_ = s;
    MutexLock l(&env_->mu_);
    state_->size -= std::min<uint64_t>(state_->size, buffer_.size());
    buffer_.clear();
    return s;
  }

  FaultInjectionEnv* const env_;
  const std::string path_;
  const std::shared_ptr<FaultInjectionEnv::FileState> state_;
  std::unique_ptr<WritableFile> target_;
  std::string buffer_;
  bool closed_ = false;
  absl::Status failed_;  // the first failure; sticky
};

class FaultSequentialFile final : public SequentialFile {
 public:
  FaultSequentialFile(FaultInjectionEnv* env, std::string path,
                      std::unique_ptr<SequentialFile> target)
      : env_(env), path_(std::move(path)), target_(std::move(target)) {}

  absl::Status Read(size_t n, std::string_view* result, char* scratch) override {
    absl::Status s = env_->Check(Op::kRead, path_, /*writes=*/false);
    if (!s.ok()) {
      *result = std::string_view();
      return s;
    }
    return target_->Read(n, result, scratch);
  }

  absl::Status Skip(uint64_t n) override {
    absl::Status s = env_->Check(Op::kRead, path_, /*writes=*/false);
    if (!s.ok()) return s;
    return target_->Skip(n);
  }

 private:
  FaultInjectionEnv* const env_;
  const std::string path_;
  const std::unique_ptr<SequentialFile> target_;
};

class FaultRandomAccessFile final : public RandomAccessFile {
 public:
  FaultRandomAccessFile(FaultInjectionEnv* env, std::string path,
                        std::unique_ptr<RandomAccessFile> target)
      : env_(env), path_(std::move(path)), target_(std::move(target)) {}

  absl::Status Read(uint64_t offset, size_t n, std::string_view* result,
                    char* scratch) const override {
    absl::Status s = env_->Check(Op::kRead, path_, /*writes=*/false);
    if (!s.ok()) {
      *result = std::string_view();
      return s;
    }
    return target_->Read(offset, n, result, scratch);
  }

 private:
  FaultInjectionEnv* const env_;
  const std::string path_;
  const std::unique_ptr<RandomAccessFile> target_;
};

// ---------------------------------------------------------------------------

std::string_view FaultInjectionEnv::OpName(Op op) {
  switch (op) {
    case Op::kNewWritableFile: return "NewWritableFile";
    case Op::kNewReadableFile: return "NewReadableFile";
    case Op::kAppend: return "Append";
    case Op::kFlush: return "Flush";
    case Op::kSync: return "Sync";
    case Op::kClose: return "Close";
    case Op::kRead: return "Read";
    case Op::kRename: return "RenameFile";
    case Op::kRemoveFile: return "RemoveFile";
    case Op::kCreateDir: return "CreateDir";
    case Op::kRemoveDir: return "RemoveDir";
    case Op::kSyncDir: return "SyncDir";
    case Op::kLockFile: return "LockFile";
    case Op::kAnyWrite: return "any write";
  }
  return "?";
}

absl::Status FaultInjectionEnv::ErrnoError(int err) {
  return absl::Status(ErrnoToStatusCode(err), ErrnoMessage(err) + " (injected)");
}

FaultInjectionEnv::FaultInjectionEnv(Env* target) : EnvWrapper(target) {}

FaultInjectionEnv::~FaultInjectionEnv() = default;

absl::Status FaultInjectionEnv::Check(Op op, const std::string& subject, bool writes) {
  MutexLock l(&mu_);
  auto [it, inserted] = counts_.try_emplace(subject);
  if (inserted) it->second.fill(0);
  ++it->second[static_cast<int>(op)];

  if (writes) {
    if (crash_countdown_ == 0) {
      active_ = false;
      crash_countdown_ = -1;
    } else if (crash_countdown_ > 0) {
      --crash_countdown_;
    }
  }
  if (writes && !active_) {
    ++injected_errors_;
    return absl::UnavailableError(subject + ": " + std::string(OpName(op)) +
                                  ": file system inactive (simulated crash)");
  }
  // Every matching fault sees the operation; the first that fires wins.
  const absl::Status* error = nullptr;
  for (Fault& f : faults_) {
    const bool matches = f.op == op || (f.op == Op::kAnyWrite && writes);
    if (!matches || subject.find(f.path_filter) == std::string::npos) continue;
    ++f.seen;
    const bool fire = f.only_nth ? f.seen == f.n : f.seen > f.n;
    if (fire && error == nullptr) error = &f.error;
  }
  if (error == nullptr) return absl::OkStatus();
  ++injected_errors_;
  return absl::Status(error->code(), subject + ": " + std::string(error->message()));
}

void FaultInjectionEnv::CrashAfterWrites(int64_t n) {
  MutexLock l(&mu_);
  crash_countdown_ = n < 0 ? -1 : n;
}

void FaultInjectionEnv::FailNth(Op op, int64_t n, absl::Status error,
                                std::string_view path_filter) {
  MutexLock l(&mu_);
  faults_.push_back(Fault{op, std::string(path_filter), /*only_nth=*/true, n, 0, std::move(error)});
}

void FaultInjectionEnv::FailAfter(Op op, int64_t n, absl::Status error,
                                  std::string_view path_filter) {
  MutexLock l(&mu_);
  faults_.push_back(
      Fault{op, std::string(path_filter), /*only_nth=*/false, n, 0, std::move(error)});
}

void FaultInjectionEnv::FailAlways(Op op, absl::Status error, std::string_view path_filter) {
  FailAfter(op, 0, std::move(error), path_filter);
}

void FaultInjectionEnv::ClearFaults() {
  MutexLock l(&mu_);
  faults_.clear();
}

void FaultInjectionEnv::SetFilesystemActive(bool active) {
  MutexLock l(&mu_);
  active_ = active;
}

bool FaultInjectionEnv::IsFilesystemActive() const {
  MutexLock l(&mu_);
  return active_;
}

int64_t FaultInjectionEnv::OpCount(Op op, std::string_view path_filter) const {
  MutexLock l(&mu_);
  int64_t total = 0;
  for (const auto& [subject, counts] : counts_) {
    if (subject.find(path_filter) == std::string::npos) continue;
    if (op != Op::kAnyWrite) {
      total += counts[static_cast<int>(op)];
      continue;
    }
    for (int k = 0; k < kNumOps; ++k) {
      const Op o = static_cast<Op>(k);
      if (o != Op::kNewReadableFile && o != Op::kRead) total += counts[k];
    }
  }
  return total;
}

int64_t FaultInjectionEnv::InjectedErrorCount() const {
  MutexLock l(&mu_);
  return injected_errors_;
}

void FaultInjectionEnv::ResetCounters() {
  MutexLock l(&mu_);
  counts_.clear();
  injected_errors_ = 0;
}

void FaultInjectionEnv::SetUndoUnsyncedRemovals(bool undo) {
  MutexLock l(&mu_);
  undo_removals_ = undo;
}

void FaultInjectionEnv::ResetState() {
  MutexLock l(&mu_);
  ForgetStateLocked();
}

void FaultInjectionEnv::ForgetStateLocked() {
  files_.clear();
  pending_.clear();
}

void FaultInjectionEnv::WritableFileClosed() {
  MutexLock l(&mu_);
  --open_writable_files_;
}

absl::StatusOr<std::string> FaultInjectionEnv::DurableContents(const std::string& path) {
  std::string data;
  absl::Status s = ReadFileToString(target(), path, &data);
  if (!s.ok()) return s;
  auto it = files_.find(NormalizePath(path));
  if (it != files_.end() && data.size() > it->second->synced_size) {
    data.resize(it->second->synced_size);
  }
  return data;
}

// ---- Env -------------------------------------------------------------------

absl::StatusOr<std::unique_ptr<SequentialFile>> FaultInjectionEnv::NewSequentialFile(
    const std::string& path) {
  absl::Status s = Check(Op::kNewReadableFile, path, /*writes=*/false);
  if (!s.ok()) return s;
  absl::StatusOr<std::unique_ptr<SequentialFile>> file = target()->NewSequentialFile(path);
  if (!file.ok()) return file.status();
  return std::make_unique<FaultSequentialFile>(this, path, *std::move(file));
}

absl::StatusOr<std::unique_ptr<RandomAccessFile>> FaultInjectionEnv::NewRandomAccessFile(
    const std::string& path) {
  return NewRandomAccessFile(path, RandomAccessFileOptions());
}

absl::StatusOr<std::unique_ptr<RandomAccessFile>> FaultInjectionEnv::NewRandomAccessFile(
    const std::string& path, const RandomAccessFileOptions& options) {
  absl::Status s = Check(Op::kNewReadableFile, path, /*writes=*/false);
  if (!s.ok()) return s;
  absl::StatusOr<std::unique_ptr<RandomAccessFile>> file =
      target()->NewRandomAccessFile(path, options);
  if (!file.ok()) return file.status();
  return std::make_unique<FaultRandomAccessFile>(this, path, *std::move(file));
}

absl::StatusOr<std::unique_ptr<WritableFile>> FaultInjectionEnv::NewWritableFile(
    const std::string& path) {
  return OpenWritable(path, /*append=*/false);
}

absl::StatusOr<std::unique_ptr<WritableFile>> FaultInjectionEnv::NewAppendableFile(
    const std::string& path) {
  return OpenWritable(path, /*append=*/true);
}

absl::StatusOr<std::unique_ptr<WritableFile>> FaultInjectionEnv::OpenWritable(
    const std::string& path, bool append) {
  absl::Status s = Check(Op::kNewWritableFile, path, /*writes=*/true);
  if (!s.ok()) return s;
  MutexLock l(&mu_);
  const bool existed = target()->FileExists(path);
  uint64_t initial_size = 0;
  if (append && existed) {
    absl::StatusOr<uint64_t> size = target()->GetFileSize(path);
    if (!size.ok()) return size.status();
    initial_size = *size;
  }
  absl::StatusOr<std::unique_ptr<WritableFile>> file =
      append ? target()->NewAppendableFile(path) : target()->NewWritableFile(path);
  if (!file.ok()) return file.status();
  auto state = std::make_shared<FileState>();
  state->size = state->synced_size = initial_size;
  files_[NormalizePath(path)] = state;
  if (!existed) pending_.push_back(PendingChange{PendingChange::kCreate, path, "", std::nullopt});
  ++open_writable_files_;
  return std::make_unique<FaultWritableFile>(this, path, std::move(state), *std::move(file));
}

absl::Status FaultInjectionEnv::RemoveFile(const std::string& path) {
  absl::Status s = Check(Op::kRemoveFile, path, /*writes=*/true);
  if (!s.ok()) return s;
  MutexLock l(&mu_);
  std::optional<std::string> contents;
  if (undo_removals_) {
    absl::StatusOr<std::string> durable = DurableContents(path);
    // A file that cannot be read cannot be removed either; let the target say why.
    if (durable.ok()) contents = *std::move(durable);
  }
  s = target()->RemoveFile(path);
  if (!s.ok()) return s;
  files_.erase(NormalizePath(path));
  if (contents.has_value()) {
    pending_.push_back(PendingChange{PendingChange::kRemove, path, "", std::move(contents)});
  }
  return absl::OkStatus();
}

absl::Status FaultInjectionEnv::CreateDir(const std::string& dir) {
  absl::Status s = Check(Op::kCreateDir, dir, /*writes=*/true);
  if (!s.ok()) return s;
  return target()->CreateDir(dir);
}

absl::Status FaultInjectionEnv::RemoveDir(const std::string& dir) {
  absl::Status s = Check(Op::kRemoveDir, dir, /*writes=*/true);
  if (!s.ok()) return s;
  return target()->RemoveDir(dir);
}

absl::Status FaultInjectionEnv::RenameFile(const std::string& from, const std::string& to) {
  absl::Status s = Check(Op::kRename, from + " -> " + to, /*writes=*/true);
  if (!s.ok()) return s;
  MutexLock l(&mu_);
  std::optional<std::string> replaced;
  if (target()->FileExists(to)) {
    absl::StatusOr<std::string> durable = DurableContents(to);
    if (durable.ok()) replaced = *std::move(durable);
  }
  s = target()->RenameFile(from, to);
  if (!s.ok()) return s;
  const std::string f = NormalizePath(from);
  const std::string t = NormalizePath(to);
  if (f != t) {
    files_.erase(t);
    auto it = files_.find(f);
    if (it != files_.end()) {
      std::shared_ptr<FileState> state = std::move(it->second);
      files_.erase(it);
      files_[t] = std::move(state);
    }
    pending_.push_back(PendingChange{PendingChange::kRename, to, from, std::move(replaced)});
  }
  return absl::OkStatus();
}

absl::Status FaultInjectionEnv::LinkFile(const std::string& from, const std::string& to) {
  absl::Status s = Check(Op::kNewWritableFile, to, /*writes=*/true);
  if (!s.ok()) return s;
  s = target()->LinkFile(from, to);
  if (!s.ok()) return s;
  // A new name: gone after a power cut unless its directory is synced. The
  // contents are the linked file's, durable as far as that file's are.
  MutexLock l(&mu_);
  pending_.push_back(PendingChange{PendingChange::kCreate, to, "", std::nullopt});
  return absl::OkStatus();
}

absl::Status FaultInjectionEnv::SyncDir(const std::string& dir) {
  absl::Status s = Check(Op::kSyncDir, dir, /*writes=*/true);
  if (!s.ok()) return s;
  s = target()->SyncDir(dir);
  if (!s.ok()) return s;
  const std::string d = NormalizePath(dir);
  MutexLock l(&mu_);
  pending_.erase(std::remove_if(pending_.begin(), pending_.end(),
                                [&](const PendingChange& c) {
                                  return ParentDir(NormalizePath(c.path)) == d;
                                }),
                 pending_.end());
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<FileLock>> FaultInjectionEnv::LockFile(const std::string& path) {
  absl::Status s = Check(Op::kLockFile, path, /*writes=*/true);
  if (!s.ok()) return s;
  return target()->LockFile(path);
}

// ---- Power loss ------------------------------------------------------------

namespace {

constexpr uint64_t kPageSize = 4096;

// What a power cut leaves of data, whose first `synced` bytes are durable.
std::string UnsyncedTailLeft(std::string data, uint64_t synced,
                             FaultInjectionEnv::UnsyncedTail tail, Random* rnd) {
  using UnsyncedTail = FaultInjectionEnv::UnsyncedTail;
  if (tail == UnsyncedTail::kDropped || data.size() <= synced) {
    data.resize(std::min<uint64_t>(data.size(), synced));
    return data;
  }
  const uint64_t kept = synced + rnd->Uniform(data.size() - synced + 1);
  data.resize(kept);
  if (tail == UnsyncedTail::kCut) return data;
  const uint64_t page_end = (kept / kPageSize + 1) * kPageSize;
  while (data.size() < page_end) {
    data.push_back(tail == UnsyncedTail::kZeroFilled ? '\0' : static_cast<char>(rnd->Next()));
  }
  return data;
}

}  // namespace

absl::Status FaultInjectionEnv::SimulatePowerLoss(const PowerLoss& how) {
  MutexLock l(&mu_);
  if (open_writable_files_ > 0) {
    return absl::FailedPreconditionError(
        "SimulatePowerLoss: " + std::to_string(open_writable_files_) +
        " writable files are still open; destroy them first");
  }
  Env* const env = target();
  Random rnd(how.seed);
  absl::Status result;
  auto keep_first_error = [&result](const absl::Status& s) {
    if (result.ok() && !s.ok()) result = s;
  };

  // 1. Unsynced bytes vanish, or a part of them stays with a torn page.
  for (const auto& [path, state] : files_) {
    absl::StatusOr<uint64_t> size = env->GetFileSize(path);
    if (!size.ok()) {
      if (!absl::IsNotFound(size.status())) keep_first_error(size.status());
      continue;
    }
    if (*size <= state->synced_size) continue;
    std::string data;
    absl::Status s = ReadFileToString(env, path, &data);
    if (s.ok()) {
      data = UnsyncedTailLeft(std::move(data), state->synced_size, how.tail, &rnd);
      s = WriteStringToFile(env, data, path, /*sync=*/true);
    }
    keep_first_error(s);
  }

  // 2. Namespace changes no SyncDir made durable are undone, newest first.
  for (auto it = pending_.rbegin(); it != pending_.rend(); ++it) {
    const PendingChange& c = *it;
    if (how.keep_some_namespace_changes && rnd.OneIn(2)) continue;
    switch (c.kind) {
      case PendingChange::kCreate: {
        absl::Status s = env->RemoveFile(c.path);
        if (!absl::IsNotFound(s)) keep_first_error(s);
        break;
      }
      case PendingChange::kRename: {
        if (env->FileExists(c.path)) keep_first_error(env->RenameFile(c.path, c.from));
        if (c.old_contents.has_value()) {
          keep_first_error(WriteStringToFile(env, *c.old_contents, c.path, /*sync=*/true));
        }
        break;
      }
      case PendingChange::kRemove:
        keep_first_error(WriteStringToFile(env, *c.old_contents, c.path, /*sync=*/true));
        break;
    }
  }

  ForgetStateLocked();
  return result;
}

}  // namespace lsm
