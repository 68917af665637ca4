// POSIX-specific behaviour: errno mapping, write buffering, locks across
// processes, the background thread pool, the clock.
//
// No test here calls Env::Default()->Schedule: the fork() in the lock test
// then happens while this process has a single thread.
#include "engine/env/posix_env.h"

#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "engine/env/posix_error.h"
#include "engine/env/test_util.h"
#include "engine/util/mutex.h"
#include "engine/util/random.h"
#include "gtest/gtest.h"
#include "lsm/env.h"

namespace lsm {
namespace {

TEST(PosixErrorTest, MapsErrnoToCanonicalCodes) {
  struct Case {
    int err;
    absl::StatusCode code;
  };
  const Case cases[] = {
      {ENOENT, absl::StatusCode::kNotFound},
      {ENOTDIR, absl::StatusCode::kNotFound},
      {EEXIST, absl::StatusCode::kAlreadyExists},
      {ENOSPC, absl::StatusCode::kResourceExhausted},
      {EDQUOT, absl::StatusCode::kResourceExhausted},
      {EMFILE, absl::StatusCode::kResourceExhausted},
      {EACCES, absl::StatusCode::kPermissionDenied},
      {EROFS, absl::StatusCode::kPermissionDenied},
      {EWOULDBLOCK, absl::StatusCode::kFailedPrecondition},
      {ENOTEMPTY, absl::StatusCode::kFailedPrecondition},
      {EISDIR, absl::StatusCode::kInvalidArgument},
      {EINVAL, absl::StatusCode::kInvalidArgument},
      {EIO, absl::StatusCode::kUnavailable},
      {ENXIO, absl::StatusCode::kUnavailable},  // "everything else"
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("errno " + std::to_string(c.err));
    EXPECT_EQ(ErrnoToStatusCode(c.err), c.code);
    EXPECT_EQ(PosixError("ctx", c.err).code(), c.code);
  }
}

TEST(PosixErrorTest, MessageNamesContextAndError) {
  absl::Status s = PosixError("/db/000012.log", ENOSPC);
  EXPECT_EQ(std::string(s.message()), "/db/000012.log: No space left on device");
}

class PosixEnvTest : public testing::Test {
 protected:
  void SetUp() override { dir_ = NewTestTempDir("posix_env_test"); }
  void TearDown() override { RemoveDirRecursively(env_, dir_); }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  Env* const env_ = Env::Default();
  std::string dir_;
};

TEST_F(PosixEnvTest, DefaultIsOneInstance) { EXPECT_EQ(Env::Default(), Env::Default()); }

// Appends around the buffer size: filling it exactly, overflowing it by one,
// bypassing it; with and without bytes already buffered.
TEST_F(PosixEnvTest, AppendsAroundTheBufferSize) {
  constexpr size_t kBuf = kPosixWritableFileBufferSize;
  const size_t sizes[] = {1, kBuf - 1, 1, kBuf, 1, kBuf + 1, 3 * kBuf, 0, kBuf - 2, 7, 2 * kBuf};
  auto file = env_->NewWritableFile(Path("f"));
  ASSERT_TRUE(file.ok());
  std::string expected;
  char c = 'a';
  for (size_t n : sizes) {
    const std::string piece(n, c);
    c = static_cast<char>(c == 'z' ? 'a' : c + 1);
    ASSERT_TRUE((*file)->Append(piece).ok());
    expected += piece;
  }
  // Nothing is lost or reordered; what was appended is on disk after Flush.
  ASSERT_TRUE((*file)->Flush().ok());
  std::string got;
  ASSERT_TRUE(ReadFileToString(env_, Path("f"), &got).ok());
  EXPECT_TRUE(got == expected);
  ASSERT_TRUE((*file)->Close().ok());
}

TEST_F(PosixEnvTest, SmallAppendsStayBufferedUntilFlush) {
  auto file = env_->NewWritableFile(Path("f"));
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Append("abc").ok());
  auto size = env_->GetFileSize(Path("f"));
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, 0u);  // Still in user space.
  ASSERT_TRUE((*file)->Flush().ok());
  size = env_->GetFileSize(Path("f"));
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, 3u);
}

TEST_F(PosixEnvTest, DestructorFlushes) {
  {
    auto file = env_->NewWritableFile(Path("f"));
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE((*file)->Append("unclosed").ok());
  }
  std::string got;
  ASSERT_TRUE(ReadFileToString(env_, Path("f"), &got).ok());
  EXPECT_EQ(got, "unclosed");
}

// One Append of a record larger than the buffer's room and one Flush: one
// writev(2), the buffered bytes and the record in order.
TEST_F(PosixEnvTest, LargeAppendAfterBufferedBytesKeepsOrder) {
  auto file = env_->NewWritableFile(Path("f"));
  ASSERT_TRUE(file.ok());
  const std::string head(1000, 'h'), big(3 * kPosixWritableFileBufferSize + 5, 'b');
  ASSERT_TRUE((*file)->Append(head).ok());
  ASSERT_TRUE((*file)->Append(big).ok());
  ASSERT_TRUE((*file)->Append("tail").ok());
  ASSERT_TRUE((*file)->Close().ok());
  std::string got;
  ASSERT_TRUE(ReadFileToString(env_, Path("f"), &got).ok());
  EXPECT_TRUE(got == head + big + "tail");
}

// A write that fails after a short write (a full disk; here the file-size
// limit): the file is cut back to its length at the last Flush, the error
// sticks, and Close writes nothing of what failed.
TEST_F(PosixEnvTest, FailedWriteIsCutBackAndSticky) {
  for (const size_t record : {size_t{30} << 10, size_t{200} << 10}) {
    SCOPED_TRACE("record of " + std::to_string(record) + " bytes");
    auto file = env_->NewWritableFile(Path("f"));
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE((*file)->Append(std::string(1000, 'a')).ok());
    ASSERT_TRUE((*file)->Flush().ok());
    absl::Status failed;
    {
      ScopedFileSizeLimit full(1000 + (10 << 10));
      absl::Status s = (*file)->Append(std::string(record, 'b'));
      if (s.ok()) s = (*file)->Flush();
      failed = s;
    }
    ASSERT_FALSE(failed.ok());
    EXPECT_NE(std::string(failed.message()).find(Path("f")), std::string::npos) << failed;
    auto size = env_->GetFileSize(Path("f"));
    ASSERT_TRUE(size.ok());
    EXPECT_EQ(*size, 1000u);
    EXPECT_EQ((*file)->Append("c").code(), failed.code());
    EXPECT_EQ((*file)->Sync().code(), failed.code());
    EXPECT_EQ((*file)->Close().code(), failed.code());
    size = env_->GetFileSize(Path("f"));
    ASSERT_TRUE(size.ok());
    EXPECT_EQ(*size, 1000u);
  }
}

// ---- Memory-mapped writes (WritableFileOptions::mmap_preallocated) ----

WritableFileOptions Mmap() {
  WritableFileOptions o;
  o.mmap_preallocated = true;
  return o;
}

// Appends of every size, across the reserved chunks: the data is in the
// file, in order, and Close cuts the reserved space off.
TEST_F(PosixEnvTest, MmapAppendsAcrossChunksAndCloseCutsTheReservation) {
  auto file = env_->NewWritableFile(Path("m"), Mmap());
  ASSERT_TRUE(file.ok()) << file.status();
  std::string expected;
  Random rnd(9);
  while (expected.size() < 3 * kMmapWritableFileChunk + 12345) {
    const std::string piece = rnd.Bytes(rnd.OneIn(10) ? rnd.Uniform(kMmapWritableFileChunk * 2)
                                                      : rnd.Uniform(300));
    ASSERT_TRUE((*file)->Append(piece).ok());
    expected += piece;
  }
  ASSERT_TRUE((*file)->Flush().ok());
  ASSERT_TRUE((*file)->Sync().ok());
  // Before Close the file is as large as what was reserved.
  auto size = env_->GetFileSize(Path("m"));
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size % kMmapWritableFileChunk, 0u);
  EXPECT_GE(*size, expected.size());
  ASSERT_TRUE((*file)->Close().ok());
  std::string got;
  ASSERT_TRUE(ReadFileToString(env_, Path("m"), &got).ok());
  EXPECT_EQ(got.size(), expected.size());
  EXPECT_TRUE(got == expected);
  EXPECT_FALSE((*file)->Append("x").ok()) << "closed";
}

// Runs body in a forked child that SIGKILLs itself right after, as a crash
// would: no destructor runs, so what body keeps outside itself (an open file)
// is never closed. A child whose body fails exits instead, and the test fails.
void RunInAChildKilledAfterwards(const std::function<bool()>& body) {
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (!body()) _exit(1);
    raise(SIGKILL);
    _exit(2);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
}

// A process killed without closing leaves its appends in the file (they
// were in the page cache), followed by zeros up to the reservation's end.
TEST_F(PosixEnvTest, MmapAppendsSurviveTheDeathOfTheProcess) {
  const std::string data = Random(4).Bytes(kMmapWritableFileChunk + 5000);
  std::unique_ptr<WritableFile> file;  // the child's, left open
  RunInAChildKilledAfterwards([&] {
    auto opened = Env::Default()->NewWritableFile(Path("m"), Mmap());
    if (!opened.ok()) return false;
    file = *std::move(opened);
    return file->Append(data).ok();
  });
  std::string got;
  ASSERT_TRUE(ReadFileToString(env_, Path("m"), &got).ok());
  ASSERT_EQ(got.size(), 2 * kMmapWritableFileChunk);
  EXPECT_TRUE(got.substr(0, data.size()) == data);
  EXPECT_EQ(got.find_first_not_of('\0', data.size()), std::string::npos);
}

// A reservation that fails (here the file-size limit plays the full disk)
// fails the Append that needed it, writes none of it, and sticks.
TEST_F(PosixEnvTest, MmapFailedReservationIsStickyAndWritesNothing) {
  auto file = env_->NewWritableFile(Path("m"), Mmap());
  ASSERT_TRUE(file.ok());
  const std::string first(kMmapWritableFileChunk - 10, 'a');
  ASSERT_TRUE((*file)->Append(first).ok());
  absl::Status failed;
  {
    ScopedFileSizeLimit full(kMmapWritableFileChunk + 100);
    failed = (*file)->Append(std::string(1000, 'b'));
  }
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(std::string(failed.message()).find(Path("m")), std::string::npos) << failed;
  EXPECT_EQ((*file)->Append("c").code(), failed.code());
  EXPECT_EQ((*file)->Sync().code(), failed.code());
  EXPECT_EQ((*file)->Close().code(), failed.code());
  std::string got;
  ASSERT_TRUE(ReadFileToString(env_, Path("m"), &got).ok());
  EXPECT_TRUE(got == first) << got.size();
}

WritableFileOptions MmapZeroFill() {
  WritableFileOptions o = Mmap();
  o.zero_fill_after_sync = true;
  return o;
}

// Whether any part of [begin, end) of the file is an unwritten (reserved,
// never initialised) extent, from FIEMAP; nullopt where the file system does
// not report extents.
std::optional<bool> HasUnwrittenExtent(const std::string& path, uint64_t begin, uint64_t end) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  constexpr int kExtents = 64;
  std::vector<char> buf(sizeof(fiemap) + kExtents * sizeof(fiemap_extent), 0);
  auto* map = reinterpret_cast<fiemap*>(buf.data());
  map->fm_start = begin;
  map->fm_length = end - begin;
  map->fm_flags = FIEMAP_FLAG_SYNC;
  map->fm_extent_count = kExtents;
  const int r = ::ioctl(fd, FS_IOC_FIEMAP, map);
  ::close(fd);
  if (r != 0 || map->fm_mapped_extents == 0) return std::nullopt;
  for (uint32_t i = 0; i < map->fm_mapped_extents; ++i) {
    if (map->fm_extents[i].fe_flags & FIEMAP_EXTENT_UNWRITTEN) return true;
  }
  return false;
}

// The size of the file at path (its reserved space, before Close).
uint64_t SizeOf(Env* env, const std::string& path) {
  auto size = env->GetFileSize(path);
  EXPECT_TRUE(size.ok()) << size.status();
  return size.ok() ? *size : 0;
}

// Zero fill starts at the second Sync, not the first (a log synced only when
// it is retired never zero-fills): the rest of the chunk and the next chunk
// are then written with zeros, so the appends that follow land on
// initialised blocks. Close still cuts the file to its data.
TEST_F(PosixEnvTest, MmapZeroFillStartsAtTheSecondSync) {
  auto file = env_->NewWritableFile(Path("z"), MmapZeroFill());
  ASSERT_TRUE(file.ok()) << file.status();
  std::string expected(1000, 'a');
  ASSERT_TRUE((*file)->Append(expected).ok());
  ASSERT_TRUE((*file)->Sync().ok());
  EXPECT_EQ(SizeOf(env_, Path("z")), kMmapWritableFileChunk) << "one Sync: nothing ahead";
  const std::optional<bool> reserved_only =
      HasUnwrittenExtent(Path("z"), 4096, kMmapWritableFileChunk);

  ASSERT_TRUE((*file)->Append(std::string(1000, 'b')).ok());
  expected += std::string(1000, 'b');
  ASSERT_TRUE((*file)->Sync().ok());
  // The next chunk is reserved and zero-filled ahead of the appends.
  EXPECT_EQ(SizeOf(env_, Path("z")), 2 * kMmapWritableFileChunk);
  ASSERT_TRUE((*file)->Append("c").ok());
  expected += "c";
  ASSERT_TRUE((*file)->Sync().ok());  // waits for the zeros' write-back too
  if (reserved_only.has_value()) {
    // Where the file system reports unwritten extents (ext4, XFS), the
    // reserved space was one before the zero fill, and none is left after.
    EXPECT_TRUE(*reserved_only);
    const std::optional<bool> after =
        HasUnwrittenExtent(Path("z"), 0, 2 * kMmapWritableFileChunk);
    ASSERT_TRUE(after.has_value());
    EXPECT_FALSE(*after);
  }
  std::string got;
  ASSERT_TRUE(ReadFileToString(env_, Path("z"), &got).ok());
  ASSERT_EQ(got.size(), 2 * kMmapWritableFileChunk);
  EXPECT_TRUE(got.substr(0, expected.size()) == expected);
  EXPECT_EQ(got.find_first_not_of('\0', expected.size()), std::string::npos);
  ASSERT_TRUE((*file)->Close().ok());
  ASSERT_TRUE(ReadFileToString(env_, Path("z"), &got).ok());
  EXPECT_TRUE(got == expected) << got.size();
}

// Without the option the reservation is never zero-filled, however often the
// file is synced.
TEST_F(PosixEnvTest, MmapWithoutZeroFillReservesOnlyWhatItWrites) {
  auto file = env_->NewWritableFile(Path("m"), Mmap());
  ASSERT_TRUE(file.ok()) << file.status();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE((*file)->Append(std::string(1000, 'a')).ok());
    ASSERT_TRUE((*file)->Sync().ok());
  }
  EXPECT_EQ(SizeOf(env_, Path("m")), kMmapWritableFileChunk);
  const std::optional<bool> unwritten =
      HasUnwrittenExtent(Path("m"), 4096, kMmapWritableFileChunk);
  if (unwritten.has_value()) {
    EXPECT_TRUE(*unwritten);
  }
  ASSERT_TRUE((*file)->Close().ok());
  EXPECT_EQ(SizeOf(env_, Path("m")), 3000u);
}

// Zero-filled chunks are crossed like reserved ones: appends of every size
// over several chunks, synced now and then, come back in order, and a
// process killed without closing leaves its appends followed only by zeros.
TEST_F(PosixEnvTest, MmapZeroFillAcrossChunksSurvivesTheDeathOfTheProcess) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  std::string data;
  Random rnd(seed);
  std::vector<std::string> pieces;
  while (data.size() < 3 * kMmapWritableFileChunk + 777) {
    pieces.push_back(rnd.Bytes(rnd.OneIn(20) ? rnd.Uniform(kMmapWritableFileChunk * 2)
                                             : 1 + rnd.Uniform(300)));
    data += pieces.back();
  }
  std::unique_ptr<WritableFile> file;  // the child's, left open
  RunInAChildKilledAfterwards([&] {
    auto opened = Env::Default()->NewWritableFile(Path("z"), MmapZeroFill());
    if (!opened.ok()) return false;
    file = *std::move(opened);
    for (size_t i = 0; i < pieces.size(); ++i) {
      if (!file->Append(pieces[i]).ok()) return false;
      if (i % 7 == 0 && !file->Sync().ok()) return false;
    }
    return true;
  });
  std::string got;
  ASSERT_TRUE(ReadFileToString(env_, Path("z"), &got).ok());
  ASSERT_GE(got.size(), data.size());
  EXPECT_EQ(got.size() % kMmapWritableFileChunk, 0u);
  EXPECT_TRUE(got.substr(0, data.size()) == data);
  EXPECT_EQ(got.find_first_not_of('\0', data.size()), std::string::npos);
}

// Minor page faults of the calling thread so far.
long MinorFaults() {
  struct rusage usage;
  EXPECT_EQ(::getrusage(RUSAGE_THREAD, &usage), 0);
  return usage.ru_minflt;
}

// Whether a store into a shared file mapping takes a write fault after
// fdatasync wrote its page back (the file system write-protects the pages it
// cleans: ext4, XFS; tmpfs has no write-back and does not).
bool SyncedPageFaultsOnStore(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  bool faults = false;
  if (::posix_fallocate(fd, 0, 4096) == 0) {
    void* p = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p != MAP_FAILED) {
      volatile char* c = static_cast<char*>(p);
      c[0] = 'a';
      ::fdatasync(fd);
      const long before = MinorFaults();
      c[1] = 'b';
      faults = MinorFaults() > before;
      ::munmap(p, 4096);
    }
  }
  ::close(fd);
  return faults;
}

// The first Append after a Sync (or StartSync) goes through pwrite(2), not a
// store into the mapping: write-back write-protected the tail page, and the
// store would take a write fault on every synced append. The appends without
// a sync between them still go through the mapping; all come back in order,
// a record crossing into the next chunk included.
TEST_F(PosixEnvTest, MmapAppendAfterSyncTakesNoWriteFault) {
  if (!SyncedPageFaultsOnStore(Path("probe"))) {
    GTEST_SKIP() << "stores into synced pages do not fault on this file system";
  }
  auto file = env_->NewWritableFile(Path("w"), MmapZeroFill());
  ASSERT_TRUE(file.ok()) << file.status();
  const std::string record = Random(7).Bytes(144);
  std::string expected = record;
  ASSERT_TRUE((*file)->Append(record).ok());  // faults the first page in
  ASSERT_TRUE((*file)->Sync().ok());
  long faults = 0;
  for (int i = 0; i < 200; ++i) {
    const long before = MinorFaults();
    ASSERT_TRUE((*file)->Append(record).ok());
    faults += MinorFaults() - before;
    expected += record;
    if (i % 2 == 0) (*file)->StartSync();
    ASSERT_TRUE((*file)->Sync().ok());
  }
  EXPECT_EQ(faults, 0) << "synced appends stored through the mapping";

  // Without syncs: the mapping; then a synced append across the chunk end.
  while (expected.size() + record.size() < kMmapWritableFileChunk) {
    ASSERT_TRUE((*file)->Append(record).ok());
    expected += record;
  }
  ASSERT_TRUE((*file)->Sync().ok());
  const std::string across = Random(8).Bytes(5000);
  ASSERT_TRUE((*file)->Append(across).ok());
  expected += across;
  ASSERT_TRUE((*file)->Append("tail").ok());
  expected += "tail";
  ASSERT_TRUE((*file)->Close().ok());
  std::string got;
  ASSERT_TRUE(ReadFileToString(env_, Path("w"), &got).ok());
  EXPECT_TRUE(got == expected) << got.size() << " vs " << expected.size();
}

// StartSync is only a hint: it writes nothing still buffered in user space,
// and the file goes on as before; Sync still makes everything durable.
TEST_F(PosixEnvTest, StartSyncWritesNothingBufferedAndTheFileGoesOn) {
  for (const bool mmap : {false, true}) {
    SCOPED_TRACE(mmap ? "mapped" : "write(2)");
    const std::string path = Path(mmap ? "sm" : "sw");
    auto file = mmap ? env_->NewWritableFile(path, Mmap()) : env_->NewWritableFile(path);
    ASSERT_TRUE(file.ok()) << file.status();
    ASSERT_TRUE((*file)->Append("abc").ok());
    (*file)->StartSync();
    if (!mmap) {
      EXPECT_EQ(SizeOf(env_, path), 0u) << "the buffer was written";
    }
    ASSERT_TRUE((*file)->Flush().ok());
    (*file)->StartSync();
    ASSERT_TRUE((*file)->Sync().ok());
    ASSERT_TRUE((*file)->Append("def").ok());
    ASSERT_TRUE((*file)->Flush().ok());
    (*file)->StartSync();
    ASSERT_TRUE((*file)->Sync().ok());
    ASSERT_TRUE((*file)->Close().ok());
    (*file)->StartSync();  // closed: nothing to do
    std::string got;
    ASSERT_TRUE(ReadFileToString(env_, path, &got).ok());
    EXPECT_EQ(got, "abcdef");
  }
}

TEST_F(PosixEnvTest, ConcurrentRandomReads) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  Random rnd(seed);
  const std::string contents = rnd.Bytes(1 << 20);
  ASSERT_TRUE(WriteStringToFile(env_, contents, Path("f"), false).ok());
  auto file = env_->NewRandomAccessFile(Path("f"));
  ASSERT_TRUE(file.ok());
  const RandomAccessFile* shared = file->get();

  constexpr int kThreads = 4;
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Random r(seed + t + 1);
      std::vector<char> scratch(9000);
      for (int i = 0; i < 2000; ++i) {
        const uint64_t offset = r.Uniform(contents.size() + 100);
        const size_t n = r.Uniform(scratch.size());
        std::string_view result;
        absl::Status s = shared->Read(offset, n, &result, scratch.data());
        const std::string_view want =
            offset >= contents.size() ? std::string_view()
                                      : std::string_view(contents).substr(offset, n);
        if (!s.ok() || result != want) ++mismatches[t];
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
}

// Readahead is a hint: whatever range it names (unaligned, past the end,
// longer than the file), reads before and after it return the file's bytes,
// mapped or not.
TEST_F(PosixEnvTest, ReadaheadNeverChangesWhatReadsReturn) {
  Random rnd(4242);
  const std::string contents = rnd.Bytes((3 << 20) + 123);
  ASSERT_TRUE(WriteStringToFile(env_, contents, Path("f"), false).ok());
  for (bool mmap : {true, false}) {
    SCOPED_TRACE(mmap ? "mapped" : "pread");
    RandomAccessFileOptions options;
    options.allow_mmap = mmap;
    auto file = env_->NewRandomAccessFile(Path("f"), options);
    ASSERT_TRUE(file.ok()) << file.status();
    std::vector<char> scratch(contents.size());
    std::string_view got;
    for (const auto& [offset, n] : std::vector<std::pair<uint64_t, uint64_t>>{
             {0, 1 << 20}, {4097, 1 << 20}, {contents.size() - 10, 1 << 20},
             {contents.size() + 5000, 1 << 20}, {123, uint64_t{1} << 40}, {0, 0}}) {
      (*file)->Readahead(offset, n);
      ASSERT_TRUE((*file)->Read(0, contents.size(), &got, scratch.data()).ok());
      ASSERT_EQ(got, contents) << "after Readahead(" << offset << ", " << n << ")";
    }
  }
}

TEST_F(PosixEnvTest, ErrorsNameThePath) {
  auto file = env_->NewSequentialFile(Path("missing"));
  ASSERT_EQ(file.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(std::string(file.status().message()), Path("missing") + ": No such file or directory");
  // Opening a directory for writing.
  EXPECT_EQ(env_->NewWritableFile(dir_).status().code(), absl::StatusCode::kInvalidArgument);
}

// Runs fn in a child process and returns its exit code.
int RunInChild(const std::function<int()>& fn) {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(fn());
  EXPECT_GT(pid, 0) << "fork: " << std::strerror(errno);
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  EXPECT_TRUE(WIFEXITED(wstatus)) << "child did not exit normally";
  return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
}

// 0: the lock was refused with FailedPrecondition; 1: it was granted;
// 2: some other error. The child uses a fresh Env, so only flock can refuse.
int TryLockInChild(const std::string& path) {
  std::unique_ptr<Env> env = NewPosixEnv();
  auto lock = env->LockFile(path);
  if (lock.ok()) return env->UnlockFile(*std::move(lock)).ok() ? 1 : 2;
  return lock.status().code() == absl::StatusCode::kFailedPrecondition ? 0 : 2;
}

TEST_F(PosixEnvTest, LockIsHeldAcrossProcesses) {
  const std::string path = Path("LOCK");
  auto lock = env_->LockFile(path);
  ASSERT_TRUE(lock.ok()) << lock.status();

  EXPECT_EQ(RunInChild([&] { return TryLockInChild(path); }), 0);
  // The message tells what happened.
  EXPECT_EQ(RunInChild([&] {
              std::unique_ptr<Env> env = NewPosixEnv();
              auto l = env->LockFile(path);
              return !l.ok() && std::string(l.status().message()) ==
                                    "lock " + path + " is held by another process"
                         ? 0
                         : 1;
            }),
            0);

  ASSERT_TRUE(env_->UnlockFile(*std::move(lock)).ok());
  EXPECT_EQ(RunInChild([&] { return TryLockInChild(path); }), 1);
}

TEST_F(PosixEnvTest, SecondLockInSameProcessFails) {
  const std::string path = Path("LOCK");
  auto lock = env_->LockFile(path);
  ASSERT_TRUE(lock.ok());
  // Through the same Env: refused by the in-process table.
  EXPECT_EQ(env_->LockFile(path).status().code(), absl::StatusCode::kFailedPrecondition);
  // Through another Env of this process: refused by flock itself.
  std::unique_ptr<Env> other = NewPosixEnv();
  EXPECT_EQ(other->LockFile(path).status().code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(env_->UnlockFile(*std::move(lock)).ok());
  auto relock = other->LockFile(path);
  ASSERT_TRUE(relock.ok()) << relock.status();
  ASSERT_TRUE(other->UnlockFile(*std::move(relock)).ok());
}

TEST(PosixEnvPoolTest, ScheduleIsFifoOnOneThread) {
  std::unique_ptr<Env> env = NewPosixEnv();
  Mutex mu;
  CondVar cv(&mu);
  std::vector<int> order;
  constexpr int kJobs = 200;
  for (int i = 0; i < kJobs; ++i) {
    env->Schedule([&, i] {
      MutexLock l(&mu);
      order.push_back(i);
      cv.SignalAll();
    });
  }
  {
    MutexLock l(&mu);
    while (static_cast<int>(order.size()) < kJobs) cv.Wait();
  }
  for (int i = 0; i < kJobs; ++i) ASSERT_EQ(order[i], i);
}

// With two threads, two jobs that each wait for the other both finish; with
// one thread they would deadlock (and the test would time out).
TEST(PosixEnvPoolTest, TwoThreadsRunTwoJobsAtOnce) {
  std::unique_ptr<Env> env = NewPosixEnv();
  env->SetBackgroundThreads(2);
  Mutex mu;
  CondVar cv(&mu);
  int arrived = 0;
  int finished = 0;
  auto job = [&] {
    MutexLock l(&mu);
    ++arrived;
    cv.SignalAll();
    while (arrived < 2) cv.Wait();
    ++finished;
    cv.SignalAll();
  };
  env->Schedule(job);
  env->Schedule(job);
  MutexLock l(&mu);
  while (finished < 2) cv.Wait();
  EXPECT_EQ(arrived, 2);
}

TEST(PosixEnvPoolTest, DestructionRunsQueuedJobs) {
  std::atomic<int> ran{0};
  {
    std::unique_ptr<Env> env = NewPosixEnv();
    for (int i = 0; i < 50; ++i) env->Schedule([&] { ran.fetch_add(1); });
  }
  EXPECT_EQ(ran.load(), 50);
}

TEST(PosixEnvPoolTest, StartThreadRunsFunction) {
  Mutex mu;
  CondVar cv(&mu);
  bool ran = false;
  Env::Default()->StartThread([&] {
    MutexLock l(&mu);
    ran = true;
    cv.SignalAll();
  });
  MutexLock l(&mu);
  while (!ran) cv.Wait();
  EXPECT_TRUE(ran);
}

TEST(PosixEnvClockTest, SleepAdvancesMonotonicClock) {
  Env* env = Env::Default();
  const uint64_t before = env->NowMicros();
  env->SleepForMicroseconds(2000);
  const uint64_t after = env->NowMicros();
  EXPECT_GE(after - before, 2000u);  // sleep_for never returns early.
  env->SleepForMicroseconds(0);
  env->SleepForMicroseconds(-5);  // Nothing to do; must not hang.
  EXPECT_GE(env->NowMicros(), after);
}

}  // namespace
}  // namespace lsm
