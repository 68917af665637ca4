#include "engine/env/posix_env.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cassert>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "engine/env/posix_error.h"
#include "engine/util/mutex.h"

namespace lsm {

namespace {

constexpr int kOpenBaseFlags = O_CLOEXEC;
constexpr mode_t kFileMode = 0644;
constexpr mode_t kDirMode = 0755;

// Reads until n bytes or the end of the file; retries EINTR and short reads.
// offset < 0 means "at the current position" (read(2)), else pread(2).
absl::Status ReadFully(int fd, const std::string& path, int64_t offset, size_t n, char* scratch,
                       size_t* bytes_read) {
  size_t done = 0;
  while (done < n) {
    const ssize_t r = offset < 0 ? ::read(fd, scratch + done, n - done)
                                 : ::pread(fd, scratch + done, n - done,
                                           static_cast<off_t>(offset + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      *bytes_read = done;
      return PosixError(path, errno);
    }
    if (r == 0) break;  // End of file.
    done += static_cast<size_t>(r);
  }
  *bytes_read = done;
  return absl::OkStatus();
}

class PosixSequentialFile final : public SequentialFile {
 public:
  PosixSequentialFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixSequentialFile() override { ::close(fd_); }

  absl::Status Read(size_t n, std::string_view* result, char* scratch) override {
    size_t got = 0;
    absl::Status s = ReadFully(fd_, path_, -1, n, scratch, &got);
    *result = std::string_view(scratch, got);
    return s;
  }

  absl::Status Skip(uint64_t n) override {
    if (::lseek(fd_, static_cast<off_t>(n), SEEK_CUR) == static_cast<off_t>(-1)) {
      return PosixError(path_, errno);
    }
    return absl::OkStatus();
  }

 private:
  const std::string path_;
  const int fd_;
};

class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixRandomAccessFile() override { ::close(fd_); }

  absl::Status Read(uint64_t offset, size_t n, std::string_view* result,
                    char* scratch) const override {
    size_t got = 0;
    absl::Status s = ReadFully(fd_, path_, static_cast<int64_t>(offset), n, scratch, &got);
    *result = std::string_view(scratch, got);
    return s;
  }

  void Readahead(uint64_t offset, size_t n) const override {
#if defined(__linux__)
    ::posix_fadvise(fd_, static_cast<off_t>(offset), static_cast<off_t>(n), POSIX_FADV_WILLNEED);
#endif
  }

 private:
  const std::string path_;
  const int fd_;  // pread does not move a shared offset: safe for concurrent reads.
};

// How many files may be memory-mapped at once; beyond it, pread. Every live
// SST holds one mapping, so this bounds address space, not memory.
constexpr int kMaxMappedFiles = 4096;
std::atomic<int> mapped_files{0};

// A read-only memory mapping of a whole file: reads cost no system call and
// no kernel copy (how LevelDB reads its tables). For files that never change
// after they are opened (SSTs); bytes appended later are not visible.
class MmapRandomAccessFile final : public RandomAccessFile {
 public:
  MmapRandomAccessFile(std::string path, const char* base, size_t size)
      : path_(std::move(path)), base_(base), size_(size) {}
  ~MmapRandomAccessFile() override {
    ::munmap(const_cast<char*>(base_), size_);
    mapped_files.fetch_sub(1, std::memory_order_relaxed);
  }

  absl::Status Read(uint64_t offset, size_t n, std::string_view* result,
                    char* /*scratch*/) const override {
    if (offset >= size_) {
      *result = std::string_view();
      return absl::OkStatus();
    }
    *result = std::string_view(base_ + offset, std::min<uint64_t>(n, size_ - offset));
    return absl::OkStatus();
  }

  void Readahead(uint64_t offset, size_t n) const override {
    if (offset >= size_) return;
    // madvise wants a page-aligned start; the pages are read in the
    // background, so the faults of the reads that follow find them.
    static const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
    const uint64_t start = offset & ~(page - 1);
    const uint64_t end = std::min<uint64_t>(offset + n, size_);
    ::madvise(const_cast<char*>(base_) + start, end - start, MADV_WILLNEED);
  }

  bool ReadsInPlace() const override { return true; }

 private:
  const std::string path_;
  const char* const base_;
  const size_t size_;
};

// Makes the file's data (and the metadata needed to read it back) durable:
// fdatasync, retried on EINTR; F_FULLFSYNC on macOS, where fsync does not
// reach the platter.
absl::Status SyncData(const std::string& path, int fd) {
#if defined(__APPLE__)
  if (::fcntl(fd, F_FULLFSYNC) == 0) return absl::OkStatus();
#endif
  while (::fdatasync(fd) != 0) {
    if (errno != EINTR) return PosixError(path, errno);
  }
  return absl::OkStatus();
}

// Appends through a 64 KiB user-space buffer. A write that does not fit in
// what the buffer has left goes to the kernel together with the buffered
// bytes in one writev(2), so a record handed over by one Append and one Flush
// (log::Writer) costs one system call of any size; the kernel splits it only
// when it writes short (a full disk, a signal).
//
// Errors are sticky (the lsm/env.h contract): after a failed write the file
// is cut back to its length at the last successful Flush or Sync, the
// buffered bytes are dropped, and every later call returns the error.
class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd, uint64_t initial_size)
      : path_(std::move(path)), fd_(fd), written_(initial_size), flushed_(initial_size) {
    buffer_.reserve(kPosixWritableFileBufferSize);
  }
  ~PosixWritableFile() override {
    if (fd_ >= 0) Close().IgnoreError();
  }

  absl::Status Append(std::string_view data) override {
    if (fd_ < 0) return Closed();
    if (!status_.ok()) return status_;
    if (buffer_.size() + data.size() <= kPosixWritableFileBufferSize) {
      buffer_.append(data.data(), data.size());
      return absl::OkStatus();
    }
    absl::Status s = WriteOut(data);
    buffer_.clear();
    return s;
  }

  absl::Status Flush() override {
    if (fd_ < 0) return Closed();
    if (!status_.ok()) return status_;
    absl::Status s = WriteOut({});
    buffer_.clear();
    if (s.ok()) flushed_ = written_;
    return s;
  }

  absl::Status Sync() override {
    absl::Status s = Flush();
    if (!s.ok()) return s;
    // The kernel may have dropped the dirty pages it failed to write: what
    // the file holds is unknown, so it takes no more writes.
    status_ = SyncData(path_, fd_);
    return status_;
  }

  // Starts the write-back of the flushed bytes (errors show at Sync).
  void StartSync() override {
#if defined(__linux__)
    if (fd_ >= 0 && status_.ok()) ::sync_file_range(fd_, 0, 0, SYNC_FILE_RANGE_WRITE);
#endif
  }

  absl::Status Close() override {
    if (fd_ < 0) return Closed();
    absl::Status s = status_.ok() ? Flush() : status_;
    if (::close(fd_) != 0 && s.ok()) s = PosixError(path_, errno);
    fd_ = -1;
    buffer_.clear();
    return s;
  }

 private:
  absl::Status Closed() const {
    return absl::FailedPreconditionError(path_ + ": file is closed");
  }

  // Writes the buffer, then more, retrying short writes and EINTR. On
  // failure the file is cut back to flushed_ and the error becomes sticky.
  absl::Status WriteOut(std::string_view more) {
    struct iovec iov[2] = {{buffer_.data(), buffer_.size()},
                           {const_cast<char*>(more.data()), more.size()}};
    int first = buffer_.empty() ? 1 : 0;
    const int count = more.empty() ? 1 : 2;
    while (first < count) {
      const ssize_t r = ::writev(fd_, iov + first, count - first);
      if (r < 0) {
        if (errno == EINTR) continue;
        return Fail(errno);
      }
      written_ += static_cast<uint64_t>(r);
      size_t n = static_cast<size_t>(r);
      while (first < count && n >= iov[first].iov_len) n -= iov[first++].iov_len;
      if (first < count) {
        iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + n;
        iov[first].iov_len -= n;
      }
    }
    return absl::OkStatus();
  }

  absl::Status Fail(int err) {
    status_ = PosixError(path_, err);
    // A part of what failed may have reached the file: remove it, so that
    // bytes whose write was reported as failed never become durable later.
    if (written_ != flushed_ && ::ftruncate(fd_, static_cast<off_t>(flushed_)) == 0) {
      written_ = flushed_;
    }
    return status_;
  }

  const std::string path_;
  int fd_;            // -1 once closed.
  uint64_t written_;  // bytes handed to the kernel
  uint64_t flushed_;  // the length at the last successful Flush or Sync
  std::string buffer_;
  absl::Status status_;  // the first failure; sticky
};

// A file written through memory mappings of space reserved in advance
// (fallocate, kMmapWritableFileChunk bytes at a time): an Append is a memcpy
// into the page cache and no system call, yet, like a write(2), it survives
// the death of the process, since the pages belong to the kernel. Writes can
// never fault on a full disk: a chunk is mapped only once fallocate has
// reserved its blocks, and a failed reservation is an ordinary sticky error
// (nothing of the failed Append is written).
//
// Until Close cuts the file to what was written, the reserved end of the last
// chunk reads as zeros: a reader of a file left by a crash sees its data
// followed by zeros (log::Reader takes zeros to the end of the file for the
// end of a log). Sync is fdatasync, which also writes back pages dirtied
// through a shared mapping and makes the reserved size durable.
//
// Zero fill (WritableFileOptions::zero_fill_after_sync). Space fallocate
// reserves is "unwritten" (ext4, XFS): the first write-back of each block
// also has to record it as written, so on ext4 about one fdatasync in 30 of
// a log synced every ~130 bytes writes file system metadata as well as the
// data page. From the second Sync on (a file synced more than once, unlike a
// log synced only when it is retired, is likely to be synced again), the
// file writes zeros through the mapping over the rest of the current
// chunk (they go out with that Sync's fdatasync) and over each next chunk
// before the appends reach it (mapped one chunk ahead, its write-back started
// at once with sync_file_range); the appends then overwrite blocks that are
// already initialised, and their fdatasyncs flush data only. The zeros are
// written through the mapping, not with write(2): pages created by write
// faults are small, while a write(2) of 1 MiB can create large folios, and
// a later store into one of those dirties (and makes fdatasync write) the
// whole folio.
//
// The first Append after a Sync or StartSync goes through pwrite(2) instead
// of the mapping. Write-back write-protects the pages it cleans, so a store
// into the tail page after a sync takes a write fault (ext4_page_mkwrite),
// which costs more than the system call: about 2 us per synced append on the
// dev VM (a log synced per write pays it on every write). The pwrite lands in
// a page the mapping already made (or one of its own size), so it makes no
// large folio. Later Appends before the next sync are memcpys again: their
// page is dirty, or one write fault makes it writable for the ~30 appends
// that fit in it. A failed or short pwrite is finished with memcpy, as
// before, so it adds no failure of its own.
class MmapWritableFile final : public WritableFile {
 public:
  MmapWritableFile(std::string path, int fd, bool zero_fill_after_sync)
      : path_(std::move(path)), fd_(fd), zero_fill_after_sync_(zero_fill_after_sync) {}
  ~MmapWritableFile() override {
    if (fd_ >= 0) Close().IgnoreError();
  }

  // Reserves and maps the first chunk; an error means this file system
  // cannot reserve space (the caller falls back to write(2)).
  absl::Status Start() { return MapNextChunk(); }

  absl::Status Append(std::string_view data) override {
    if (fd_ < 0) return Closed();
    if (!status_.ok()) return status_;
    // Reserve first, so that a failure leaves nothing of this Append behind.
    while (reserved_ - size_ < data.size()) {
      absl::Status s = ReserveMore();
      if (!s.ok()) {
        status_ = s;
        return s;
      }
    }
    // Synced pages are write-protected: write this Append with the kernel.
    const bool write_through = pages_cleaned_;
    pages_cleaned_ = false;
    while (!data.empty()) {
      if (size_ == mapped_end_) {
        absl::Status s = MapNextChunk();
        if (!s.ok()) {
          status_ = s;
          return s;
        }
      }
      const size_t n = std::min<uint64_t>(data.size(), mapped_end_ - size_);
      const size_t done = write_through ? WriteAt(size_, data.data(), n) : 0;
      std::memcpy(base_ + (size_ - (mapped_end_ - kMmapWritableFileChunk)) + done,
                  data.data() + done, n - done);
      size_ += n;
      data.remove_prefix(n);
    }
    return absl::OkStatus();
  }

  absl::Status Flush() override {
    if (fd_ < 0) return Closed();
    return status_;  // every Append is already in the page cache
  }

  absl::Status Sync() override {
    if (fd_ < 0) return Closed();
    if (!status_.ok()) return status_;
    // The second Sync starts the zero fill: a log synced only when it is
    // retired never zero-fills.
    const bool start_zero_fill = zero_fill_after_sync_ && !zero_filling_ && ++syncs_ == 2;
    if (start_zero_fill) {
      // The rest of the current chunk: this fdatasync writes it out.
      zero_filling_ = true;
      const uint64_t chunk_start = mapped_end_ - kMmapWritableFileChunk;
      ZeroFill(base_ + (size_ - chunk_start), mapped_end_ - size_);
    }
    status_ = SyncData(path_, fd_);  // also writes back pages dirtied through the mapping
    pages_cleaned_ = true;
    if (status_.ok() && start_zero_fill) PrepareNextChunk();
    return status_;
  }

  // Starts the write-back of the current chunk's appends (earlier chunks
  // started theirs when they were left); errors show at Sync.
  void StartSync() override {
#if defined(__linux__)
    const uint64_t chunk_start = mapped_end_ - kMmapWritableFileChunk;
    if (fd_ >= 0 && status_.ok() && size_ > chunk_start) {
      ::sync_file_range(fd_, static_cast<off_t>(chunk_start),
                        static_cast<off_t>(size_ - chunk_start), SYNC_FILE_RANGE_WRITE);
      pages_cleaned_ = true;
    }
#endif
  }

  absl::Status Close() override {
    if (fd_ < 0) return Closed();
    absl::Status s = status_;
    Unmap();
    UnmapNext();
    // The reserved space past the data goes.
    if (::ftruncate(fd_, static_cast<off_t>(size_)) != 0 && s.ok()) s = PosixError(path_, errno);
    if (::close(fd_) != 0 && s.ok()) s = PosixError(path_, errno);
    fd_ = -1;
    return s;
  }

 private:
  absl::Status Closed() const {
    return absl::FailedPreconditionError(path_ + ": file is closed");
  }

  // Reserves the chunk after the reserved space.
  absl::Status ReserveMore() {
    int r;
    while ((r = ::posix_fallocate(fd_, static_cast<off_t>(reserved_),
                                  static_cast<off_t>(kMmapWritableFileChunk))) == EINTR) {
    }
    if (r != 0) return PosixError(path_, r);
    reserved_ += kMmapWritableFileChunk;
    return absl::OkStatus();
  }

  // Maps the chunk at mapped_end_ (reserving it first if needed) in place of
  // the current one.
  absl::Status MapNextChunk() {
    void* p = next_base_;
    next_base_ = nullptr;
    if (p == nullptr) {
      if (reserved_ < mapped_end_ + kMmapWritableFileChunk) {
        absl::Status s = ReserveMore();
        if (!s.ok()) return s;
      }
      p = ::mmap(nullptr, kMmapWritableFileChunk, PROT_READ | PROT_WRITE, MAP_SHARED, fd_,
                 static_cast<off_t>(mapped_end_));
      if (p == MAP_FAILED) return PosixError(path_, errno);
    }
    Unmap();  // the dirty pages stay in the page cache
    if (mapped_end_ > 0) {
      // Start writing the full chunk back now, without waiting for it: the
      // Sync that retires this log (at a memtable switch) then has about one
      // chunk left to write, not a whole memtable's worth.
#if defined(__linux__)
      ::sync_file_range(fd_, static_cast<off_t>(mapped_end_ - kMmapWritableFileChunk),
                        static_cast<off_t>(kMmapWritableFileChunk), SYNC_FILE_RANGE_WRITE);
#endif
    }
    base_ = static_cast<char*>(p);
    mapped_end_ += kMmapWritableFileChunk;
    if (zero_filling_) PrepareNextChunk();
    return absl::OkStatus();
  }

  // Reserves, maps and zero-fills the chunk after the current one, and
  // starts its write-back. Best effort: on failure nothing is prepared, and
  // MapNextChunk reserves and maps the chunk when the appends reach it
  // (reporting a full disk then).
  void PrepareNextChunk() {
    if (next_base_ != nullptr) return;
    const uint64_t start = mapped_end_;
    if (reserved_ < start + kMmapWritableFileChunk && !ReserveMore().ok()) return;
    void* p = ::mmap(nullptr, kMmapWritableFileChunk, PROT_READ | PROT_WRITE, MAP_SHARED, fd_,
                     static_cast<off_t>(start));
    if (p == MAP_FAILED) return;
    next_base_ = static_cast<char*>(p);
    ZeroFill(next_base_, kMmapWritableFileChunk);
#if defined(__linux__)
    ::sync_file_range(fd_, static_cast<off_t>(start), static_cast<off_t>(kMmapWritableFileChunk),
                      SYNC_FILE_RANGE_WRITE);
#endif
  }

  // Writes [p, p + n) at offset with pwrite(2), retrying EINTR and short
  // writes; returns how many leading bytes it wrote (fewer than n after an
  // error: the caller stores the rest through the mapping).
  size_t WriteAt(uint64_t offset, const char* p, size_t n) {
    size_t done = 0;
    while (done < n) {
      const ssize_t r = ::pwrite(fd_, p + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) break;
      done += static_cast<size_t>(r);
    }
    return done;
  }

  // Writes zeros through the mapping (the space is reserved, so this cannot
  // fault on a full disk): each page becomes dirty, and its write-back
  // initialises its blocks.
  static void ZeroFill(char* p, size_t n) {
    if (n == 0) return;
#if defined(MADV_POPULATE_WRITE)
    // One system call for the write faults of every page (Linux >= 5.14),
    // instead of one fault per page in memset.
    const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
    const uintptr_t a = reinterpret_cast<uintptr_t>(p) & ~(page - 1);
    ::madvise(reinterpret_cast<void*>(a), reinterpret_cast<uintptr_t>(p) + n - a,
              MADV_POPULATE_WRITE);
#endif
    std::memset(p, 0, n);
  }

  void Unmap() {
    if (base_ != nullptr) ::munmap(base_, kMmapWritableFileChunk);
    base_ = nullptr;
  }
  void UnmapNext() {
    if (next_base_ != nullptr) ::munmap(next_base_, kMmapWritableFileChunk);
    next_base_ = nullptr;
  }

  const std::string path_;
  int fd_;                   // -1 once closed
  const bool zero_fill_after_sync_;
  int syncs_ = 0;                 // Sync calls, counted until the zero fill starts
  bool zero_filling_ = false;     // a Sync started the zero fill
  bool pages_cleaned_ = false;    // a Sync or StartSync since the last Append
  char* base_ = nullptr;          // the mapping of [mapped_end_ - chunk, mapped_end_)
  char* next_base_ = nullptr;     // the zero-filled mapping of [mapped_end_, + chunk), or null
  uint64_t mapped_end_ = 0;       // end of the mapped chunk
  uint64_t reserved_ = 0;         // bytes fallocate reserved (the file's size)
  uint64_t size_ = 0;             // bytes written
  absl::Status status_;           // the first failure; sticky
};

class PosixFileLock final : public FileLock {
 public:
  PosixFileLock(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  const std::string& path() const { return path_; }
  int fd() const { return fd_; }

 private:
  const std::string path_;
  const int fd_;
};

// A FIFO queue of jobs run by threads that are started on demand and never
// stopped before the pool is destroyed.
class ThreadPool {
 public:
  ThreadPool() : work_cv_(&mu_) {}
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Runs the jobs already queued, then joins the threads.
  ~ThreadPool() {
    std::vector<std::thread> threads;
    {
      MutexLock l(&mu_);
      shutting_down_ = true;
      threads.swap(threads_);
      work_cv_.SignalAll();
    }
    for (std::thread& t : threads) t.join();
  }

  void Schedule(std::function<void()> fn) {
    MutexLock l(&mu_);
    assert(!shutting_down_);
    if (threads_.empty()) StartThreadsLocked(1);
    queue_.push_back(std::move(fn));
    work_cv_.Signal();
  }

  void SetThreads(int n) {
    MutexLock l(&mu_);
    StartThreadsLocked(n);
  }

 private:
  void StartThreadsLocked(int n) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    while (static_cast<int>(threads_.size()) < n) {
      threads_.emplace_back([this] { Work(); });
    }
  }

  void Work() {
    MutexLock l(&mu_);
    for (;;) {
      while (queue_.empty() && !shutting_down_) work_cv_.Wait();
      if (queue_.empty()) return;  // Shutting down with nothing left to run.
      std::function<void()> fn = std::move(queue_.front());
      queue_.pop_front();
      mu_.Unlock();
      fn();
      mu_.Lock();
    }
  }

  Mutex mu_;
  CondVar work_cv_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> threads_ ABSL_GUARDED_BY(mu_);
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
};

class PosixEnv final : public Env {
 public:
  PosixEnv() = default;

  absl::StatusOr<std::unique_ptr<SequentialFile>> NewSequentialFile(
      const std::string& path) override {
    const int fd = Open(path, O_RDONLY, 0);
    if (fd < 0) return PosixError(path, errno);
    return std::make_unique<PosixSequentialFile>(path, fd);
  }

  absl::StatusOr<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& path) override {
    return NewRandomAccessFile(path, RandomAccessFileOptions());
  }

  absl::StatusOr<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& path, const RandomAccessFileOptions& options) override {
    const int fd = Open(path, O_RDONLY, 0);
    if (fd < 0) return PosixError(path, errno);
    struct stat st;
    const bool mappable = options.allow_mmap && ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
                          st.st_size > 0;
    if (mappable && mapped_files.fetch_add(1, std::memory_order_relaxed) < kMaxMappedFiles) {
      void* base = ::mmap(nullptr, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
      if (base != MAP_FAILED) {
        ::close(fd);
        return std::make_unique<MmapRandomAccessFile>(path, static_cast<const char*>(base),
                                                      static_cast<size_t>(st.st_size));
      }
    }
    if (mappable) mapped_files.fetch_sub(1, std::memory_order_relaxed);  // pread instead
    return std::make_unique<PosixRandomAccessFile>(path, fd);
  }

  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override {
    const int fd = Open(path, O_WRONLY | O_CREAT | O_TRUNC, kFileMode);
    if (fd < 0) return PosixError(path, errno);
    return std::make_unique<PosixWritableFile>(path, fd, 0);
  }

  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(
      const std::string& path, const WritableFileOptions& options) override {
    if (!options.mmap_preallocated) return NewWritableFile(path);
    // A shared writable mapping needs the file open for reading too.
    const int fd = Open(path, O_RDWR | O_CREAT | O_TRUNC, kFileMode);
    if (fd < 0) return PosixError(path, errno);
    auto file = std::make_unique<MmapWritableFile>(path, fd, options.zero_fill_after_sync);
    if (file->Start().ok()) return file;
    // No reservation on this file system (or no space for one chunk): write
    // through the kernel instead, which reports a full disk on the write.
    file->Close().IgnoreError();
    return NewWritableFile(path);
  }

  absl::StatusOr<std::unique_ptr<WritableFile>> NewAppendableFile(
      const std::string& path) override {
    const int fd = Open(path, O_WRONLY | O_CREAT | O_APPEND, kFileMode);
    if (fd < 0) return PosixError(path, errno);
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      const int err = errno;
      ::close(fd);
      return PosixError(path, err);
    }
    return std::make_unique<PosixWritableFile>(path, fd, static_cast<uint64_t>(st.st_size));
  }

  bool FileExists(const std::string& path) override { return ::access(path.c_str(), F_OK) == 0; }

  absl::StatusOr<std::vector<std::string>> GetChildren(const std::string& dir) override {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return PosixError(dir, errno);
    std::vector<std::string> names;
    for (;;) {
      errno = 0;
      const struct dirent* entry = ::readdir(d);
      if (entry == nullptr) {
        const int err = errno;
        ::closedir(d);
        if (err != 0) return PosixError(dir, err);
        return names;
      }
      const std::string_view name(entry->d_name);
      if (name != "." && name != "..") names.emplace_back(name);
    }
  }

  absl::Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return PosixError(path, errno);
    return absl::OkStatus();
  }

  absl::Status CreateDir(const std::string& dir) override {
    if (::mkdir(dir.c_str(), kDirMode) == 0) return absl::OkStatus();
    const int err = errno;
    struct stat st;
    if (err == EEXIST && ::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      return absl::OkStatus();
    }
    return PosixError(dir, err);
  }

  absl::Status RemoveDir(const std::string& dir) override {
    if (::rmdir(dir.c_str()) != 0) return PosixError(dir, errno);
    return absl::OkStatus();
  }

  absl::StatusOr<uint64_t> GetFileSize(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return PosixError(path, errno);
    return static_cast<uint64_t>(st.st_size);
  }

  absl::Status LinkFile(const std::string& from, const std::string& to) override {
    if (::link(from.c_str(), to.c_str()) == 0) return absl::OkStatus();
    const int err = errno;
    if (err == EXDEV || err == EPERM || err == EOPNOTSUPP || err == EMLINK) {
      return absl::UnimplementedError(PosixError(from + " -> " + to, err).message());
    }
    return PosixError(from + " -> " + to, err);
  }

  absl::Status RenameFile(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return PosixError(from + " -> " + to, errno);
    return absl::OkStatus();
  }

  absl::Status SyncDir(const std::string& dir) override {
    const int fd = Open(dir, O_RDONLY | O_DIRECTORY, 0);
    if (fd < 0) return PosixError(dir, errno);
    absl::Status s;
    while (::fsync(fd) != 0) {
      if (errno != EINTR) {
        s = PosixError(dir, errno);
        break;
      }
    }
    ::close(fd);
    return s;
  }

  absl::StatusOr<std::unique_ptr<FileLock>> LockFile(const std::string& path) override {
    {
      MutexLock l(&locks_mu_);
      if (!locked_paths_.insert(path).second) {
        return absl::FailedPreconditionError("lock " + path + " is already held by this process");
      }
    }
    const int fd = Open(path, O_RDWR | O_CREAT, kFileMode);
    if (fd < 0) {
      const int err = errno;
      ForgetLock(path);
      return PosixError(path, err);
    }
    int rc;
    do {
      rc = ::flock(fd, LOCK_EX | LOCK_NB);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
      const int err = errno;
      ::close(fd);
      ForgetLock(path);
      if (err == EWOULDBLOCK) {
        return absl::FailedPreconditionError("lock " + path + " is held by another process");
      }
      return PosixError("lock " + path, err);
    }
    return std::make_unique<PosixFileLock>(path, fd);
  }

  absl::Status UnlockFile(std::unique_ptr<FileLock> lock) override {
    auto* posix_lock = dynamic_cast<PosixFileLock*>(lock.get());
    if (posix_lock == nullptr) {
      return absl::InvalidArgumentError("UnlockFile: not a lock taken by this Env");
    }
    absl::Status s;
    if (::flock(posix_lock->fd(), LOCK_UN) != 0) s = PosixError("unlock " + posix_lock->path(), errno);
    ::close(posix_lock->fd());
    ForgetLock(posix_lock->path());
    return s;
  }

  void Schedule(std::function<void()> fn) override { pool_.Schedule(std::move(fn)); }

  void StartThread(std::function<void()> fn) override { std::thread(std::move(fn)).detach(); }

  void SetBackgroundThreads(int n) override { pool_.SetThreads(n); }

  uint64_t NowMicros() override {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
  }

  void SleepForMicroseconds(int64_t micros) override {
    if (micros > 0) std::this_thread::sleep_for(std::chrono::microseconds(micros));
  }

 private:
  static int Open(const std::string& path, int flags, mode_t mode) {
    int fd;
    do {
      fd = ::open(path.c_str(), flags | kOpenBaseFlags, mode);
    } while (fd < 0 && errno == EINTR);
    return fd;
  }

  void ForgetLock(const std::string& path) {
    MutexLock l(&locks_mu_);
    locked_paths_.erase(path);
  }

  Mutex locks_mu_;
  // Paths locked through this Env: flock alone would also refuse a second
  // lock from this process (each open() is its own open file description),
  // but this gives the clearer message and does not touch the file.
  std::set<std::string> locked_paths_ ABSL_GUARDED_BY(locks_mu_);

  ThreadPool pool_;
};

}  // namespace

std::unique_ptr<Env> NewPosixEnv() { return std::make_unique<PosixEnv>(); }

Env* Env::Default() {
  // Never destroyed: background threads may still run during static destruction.
  static Env* const env = new PosixEnv;
  return env;
}

}  // namespace lsm
