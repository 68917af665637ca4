// File-level behaviour every Env must share: one test body, run over the
// POSIX Env (in a temporary directory) and the in-memory Env.
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "engine/env/mem_env.h"
#include "engine/env/posix_env.h"
#include "engine/env/test_util.h"
#include "engine/util/mutex.h"
#include "engine/util/random.h"
#include "gtest/gtest.h"
#include "lsm/env.h"
#include "lsm/status.h"

namespace lsm {
namespace {

enum class EnvKind { kPosix, kMem };

class EnvTest : public testing::TestWithParam<EnvKind> {
 protected:
  void SetUp() override {
    if (GetParam() == EnvKind::kPosix) {
      env_ = Env::Default();
      dir_ = NewTestTempDir("env_test");
    } else {
      mem_env_ = NewMemEnv(Env::Default());
      env_ = mem_env_.get();
      dir_ = "/env_test";
      ASSERT_TRUE(env_->CreateDir(dir_).ok());
    }
  }

  void TearDown() override {
    if (GetParam() == EnvKind::kPosix) RemoveDirRecursively(env_, dir_);
  }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  std::string Contents(const std::string& path) {
    std::string data;
    absl::Status s = ReadFileToString(env_, path, &data);
    EXPECT_TRUE(s.ok()) << s;
    return data;
  }

  std::unique_ptr<Env> mem_env_;
  Env* env_ = nullptr;
  std::string dir_;
};

TEST_P(EnvTest, WriteCloseReadBack) {
  auto file = env_->NewWritableFile(Path("f"));
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_TRUE((*file)->Append("hello ").ok());
  ASSERT_TRUE((*file)->Append(std::string_view("wor\0ld", 6)).ok());
  ASSERT_TRUE((*file)->Close().ok());
  EXPECT_EQ(Contents(Path("f")), std::string("hello wor\0ld", 12));
  auto size = env_->GetFileSize(Path("f"));
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, 12u);
  EXPECT_TRUE(env_->FileExists(Path("f")));
}

TEST_P(EnvTest, RandomizedAppendsRoundTrip) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  Random rnd(seed);
  auto file = env_->NewWritableFile(Path("big"));
  ASSERT_TRUE(file.ok());
  std::string expected;
  while (expected.size() < (1u << 20)) {
    const std::string piece = rnd.Bytes(rnd.Skewed(18));  // up to 256 KiB
    ASSERT_TRUE((*file)->Append(piece).ok());
    expected += piece;
    if (rnd.OneIn(8)) {
      ASSERT_TRUE((*file)->Flush().ok());
    }
    if (rnd.OneIn(32)) {
      ASSERT_TRUE((*file)->Sync().ok());
    }
  }
  ASSERT_TRUE((*file)->Close().ok());

  // Read back with a sequential file in odd-sized pieces.
  auto in = env_->NewSequentialFile(Path("big"));
  ASSERT_TRUE(in.ok());
  std::string got;
  std::vector<char> scratch(70001);
  for (;;) {
    const size_t n = 1 + rnd.Uniform(scratch.size());
    std::string_view piece;
    ASSERT_TRUE((*in)->Read(n, &piece, scratch.data()).ok());
    got.append(piece.data(), piece.size());
    if (piece.size() < n) break;  // End of file.
  }
  EXPECT_TRUE(got == expected) << "sizes " << got.size() << " vs " << expected.size();
}

TEST_P(EnvTest, FlushMakesBytesVisibleBeforeClose) {
  auto file = env_->NewWritableFile(Path("f"));
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Append("abc").ok());
  ASSERT_TRUE((*file)->Flush().ok());
  EXPECT_EQ(Contents(Path("f")), "abc");
  ASSERT_TRUE((*file)->Append("def").ok());
  ASSERT_TRUE((*file)->Sync().ok());
  EXPECT_EQ(Contents(Path("f")), "abcdef");
  ASSERT_TRUE((*file)->Close().ok());
}

TEST_P(EnvTest, ClosedFileRejectsWrites) {
  auto file = env_->NewWritableFile(Path("f"));
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Close().ok());
  EXPECT_EQ((*file)->Append("x").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ((*file)->Close().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_P(EnvTest, NewWritableFileTruncates) {
  ASSERT_TRUE(WriteStringToFile(env_, "old contents", Path("f"), false).ok());
  auto file = env_->NewWritableFile(Path("f"));
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Append("new").ok());
  ASSERT_TRUE((*file)->Close().ok());
  EXPECT_EQ(Contents(Path("f")), "new");
}

TEST_P(EnvTest, AppendableFileAppendsOrCreates) {
  ASSERT_TRUE(WriteStringToFile(env_, "abc", Path("f"), true).ok());
  auto file = env_->NewAppendableFile(Path("f"));
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Append("def").ok());
  ASSERT_TRUE((*file)->Close().ok());
  EXPECT_EQ(Contents(Path("f")), "abcdef");

  auto fresh = env_->NewAppendableFile(Path("g"));
  ASSERT_TRUE(fresh.ok());
  ASSERT_TRUE((*fresh)->Append("xyz").ok());
  ASSERT_TRUE((*fresh)->Close().ok());
  EXPECT_EQ(Contents(Path("g")), "xyz");
}

TEST_P(EnvTest, SequentialReadAndSkip) {
  ASSERT_TRUE(WriteStringToFile(env_, "0123456789", Path("f"), false).ok());
  auto file = env_->NewSequentialFile(Path("f"));
  ASSERT_TRUE(file.ok());
  char scratch[16];
  std::string_view r;
  ASSERT_TRUE((*file)->Read(2, &r, scratch).ok());
  EXPECT_EQ(r, "01");
  ASSERT_TRUE((*file)->Skip(3).ok());
  ASSERT_TRUE((*file)->Read(3, &r, scratch).ok());
  EXPECT_EQ(r, "567");
  ASSERT_TRUE((*file)->Read(10, &r, scratch).ok());
  EXPECT_EQ(r, "89");  // Short: the end.
  ASSERT_TRUE((*file)->Read(10, &r, scratch).ok());
  EXPECT_TRUE(r.empty());
  ASSERT_TRUE((*file)->Skip(100).ok());  // Past the end, like lseek.
  ASSERT_TRUE((*file)->Read(10, &r, scratch).ok());
  EXPECT_TRUE(r.empty());
}

TEST_P(EnvTest, RandomAccessReads) {
  ASSERT_TRUE(WriteStringToFile(env_, "0123456789", Path("f"), false).ok());
  auto file = env_->NewRandomAccessFile(Path("f"));
  ASSERT_TRUE(file.ok());
  char scratch[16];
  std::string_view r;
  ASSERT_TRUE((*file)->Read(3, 4, &r, scratch).ok());
  EXPECT_EQ(r, "3456");
  ASSERT_TRUE((*file)->Read(0, 1, &r, scratch).ok());
  EXPECT_EQ(r, "0");
  ASSERT_TRUE((*file)->Read(8, 5, &r, scratch).ok());
  EXPECT_EQ(r, "89");
  ASSERT_TRUE((*file)->Read(10, 5, &r, scratch).ok());
  EXPECT_TRUE(r.empty());
  ASSERT_TRUE((*file)->Read(1000, 5, &r, scratch).ok());
  EXPECT_TRUE(r.empty());
}

TEST_P(EnvTest, OpenReaderOutlivesRemoval) {
  ASSERT_TRUE(WriteStringToFile(env_, "still here", Path("f"), false).ok());
  auto file = env_->NewRandomAccessFile(Path("f"));
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(env_->RemoveFile(Path("f")).ok());
  EXPECT_FALSE(env_->FileExists(Path("f")));
  char scratch[16];
  std::string_view r;
  ASSERT_TRUE((*file)->Read(0, 16, &r, scratch).ok());
  EXPECT_EQ(r, "still here");
}

TEST_P(EnvTest, GetChildren) {
  ASSERT_TRUE(WriteStringToFile(env_, "", Path("a"), false).ok());
  ASSERT_TRUE(WriteStringToFile(env_, "x", Path("b"), false).ok());
  ASSERT_TRUE(env_->CreateDir(Path("sub")).ok());
  ASSERT_TRUE(WriteStringToFile(env_, "x", Path("sub/nested"), false).ok());
  auto children = env_->GetChildren(dir_);
  ASSERT_TRUE(children.ok()) << children.status();
  std::sort(children->begin(), children->end());
  EXPECT_EQ(*children, (std::vector<std::string>{"a", "b", "sub"}));

  auto nested = env_->GetChildren(Path("sub"));
  ASSERT_TRUE(nested.ok());
  EXPECT_EQ(*nested, std::vector<std::string>{"nested"});

  auto missing = env_->GetChildren(Path("missing"));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
}

TEST_P(EnvTest, RemoveFile) {
  ASSERT_TRUE(WriteStringToFile(env_, "x", Path("f"), false).ok());
  ASSERT_TRUE(env_->RemoveFile(Path("f")).ok());
  EXPECT_FALSE(env_->FileExists(Path("f")));
  absl::Status s = env_->RemoveFile(Path("f"));
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(std::string(s.message()), Path("f") + ": No such file or directory");
}

TEST_P(EnvTest, MissingFileIsNotFound) {
  EXPECT_FALSE(env_->FileExists(Path("nope")));
  EXPECT_EQ(env_->NewSequentialFile(Path("nope")).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(env_->NewRandomAccessFile(Path("nope")).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(env_->GetFileSize(Path("nope")).status().code(), absl::StatusCode::kNotFound);
  std::string data = "junk";
  EXPECT_EQ(ReadFileToString(env_, Path("nope"), &data).code(), absl::StatusCode::kNotFound);
  // A file in a directory that does not exist cannot be created.
  EXPECT_EQ(env_->NewWritableFile(Path("nodir/f")).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(WriteStringToFile(env_, "x", Path("nodir/f"), false).code(),
            absl::StatusCode::kNotFound);
}

TEST_P(EnvTest, RenameReplacesTarget) {
  ASSERT_TRUE(WriteStringToFile(env_, "one", Path("a"), false).ok());
  ASSERT_TRUE(WriteStringToFile(env_, "two", Path("b"), false).ok());
  ASSERT_TRUE(env_->RenameFile(Path("a"), Path("b")).ok());
  EXPECT_FALSE(env_->FileExists(Path("a")));
  EXPECT_EQ(Contents(Path("b")), "one");
  // To a new name.
  ASSERT_TRUE(env_->RenameFile(Path("b"), Path("c")).ok());
  EXPECT_FALSE(env_->FileExists(Path("b")));
  EXPECT_EQ(Contents(Path("c")), "one");
  EXPECT_EQ(env_->RenameFile(Path("missing"), Path("d")).code(), absl::StatusCode::kNotFound);
}

TEST_P(EnvTest, Directories) {
  ASSERT_TRUE(env_->CreateDir(Path("d")).ok());
  EXPECT_TRUE(env_->CreateDir(Path("d")).ok());  // Already there: fine.
  EXPECT_TRUE(env_->FileExists(Path("d")));
  EXPECT_TRUE(env_->SyncDir(Path("d")).ok());
  EXPECT_EQ(env_->CreateDir(Path("x/y")).code(), absl::StatusCode::kNotFound);

  ASSERT_TRUE(WriteStringToFile(env_, "x", Path("d/f"), false).ok());
  EXPECT_EQ(env_->RemoveDir(Path("d")).code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(env_->RemoveFile(Path("d/f")).ok());
  EXPECT_TRUE(env_->RemoveDir(Path("d")).ok());
  EXPECT_FALSE(env_->FileExists(Path("d")));
  EXPECT_EQ(env_->RemoveDir(Path("d")).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(env_->SyncDir(Path("d")).code(), absl::StatusCode::kNotFound);

  // A file where a directory is expected.
  ASSERT_TRUE(WriteStringToFile(env_, "x", Path("file"), false).ok());
  EXPECT_FALSE(env_->CreateDir(Path("file")).ok());
  EXPECT_EQ(env_->NewWritableFile(Path("file/f")).status().code(),
            absl::StatusCode::kNotFound);  // ENOTDIR
}

TEST_P(EnvTest, LockIsExclusiveUntilUnlocked) {
  const std::string lock_path = Path("LOCK");
  auto lock = env_->LockFile(lock_path);
  ASSERT_TRUE(lock.ok()) << lock.status();
  EXPECT_TRUE(env_->FileExists(lock_path));

  auto second = env_->LockFile(lock_path);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(std::string(second.status().message()).find(lock_path), std::string::npos);

  ASSERT_TRUE(env_->UnlockFile(*std::move(lock)).ok());
  auto again = env_->LockFile(lock_path);
  ASSERT_TRUE(again.ok()) << again.status();
  ASSERT_TRUE(env_->UnlockFile(*std::move(again)).ok());

  EXPECT_EQ(env_->LockFile(Path("nodir/LOCK")).status().code(), absl::StatusCode::kNotFound);
}

TEST_P(EnvTest, ReadAndWriteStringHelpers) {
  std::string big(300000, 'z');
  big[12345] = '\0';
  ASSERT_TRUE(WriteStringToFile(env_, big, Path("f"), /*sync=*/true).ok());
  EXPECT_EQ(Contents(Path("f")), big);
  ASSERT_TRUE(WriteStringToFile(env_, "", Path("f"), /*sync=*/false).ok());
  EXPECT_EQ(Contents(Path("f")), "");
}

TEST_P(EnvTest, ScheduleRunsJobs) {
  Mutex mu;
  CondVar cv(&mu);
  int done = 0;
  constexpr int kJobs = 10;
  for (int i = 0; i < kJobs; ++i) {
    env_->Schedule([&] {
      MutexLock l(&mu);
      ++done;
      cv.SignalAll();
    });
  }
  MutexLock l(&mu);
  while (done < kJobs) cv.Wait();
  EXPECT_EQ(done, kJobs);
}

INSTANTIATE_TEST_SUITE_P(Envs, EnvTest, testing::Values(EnvKind::kPosix, EnvKind::kMem),
                         [](const testing::TestParamInfo<EnvKind>& info) {
                           return info.param == EnvKind::kPosix ? std::string("Posix")
                                                                : std::string("Mem");
                         });

}  // namespace
}  // namespace lsm
