// In-memory Env specifics; the behaviour it shares with the POSIX Env is
// tested over both in env_test.cc.
#include "engine/env/mem_env.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "lsm/env.h"

namespace lsm {
namespace {

std::vector<std::string> Sorted(absl::StatusOr<std::vector<std::string>> names) {
  EXPECT_TRUE(names.ok()) << names.status();
  if (!names.ok()) return {};
  std::sort(names->begin(), names->end());
  return *names;
}

TEST(MemEnvTest, EnvsAreIndependent) {
  std::unique_ptr<Env> a = NewMemEnv(Env::Default());
  std::unique_ptr<Env> b = NewMemEnv(Env::Default());
  ASSERT_TRUE(WriteStringToFile(a.get(), "x", "/f", false).ok());
  EXPECT_TRUE(a->FileExists("/f"));
  EXPECT_FALSE(b->FileExists("/f"));
  // Locks too.
  auto lock = a->LockFile("/LOCK");
  ASSERT_TRUE(lock.ok());
  auto other = b->LockFile("/LOCK");
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(a->UnlockFile(*std::move(lock)).ok());
  EXPECT_TRUE(b->UnlockFile(*std::move(other)).ok());
}

TEST(MemEnvTest, RootAlwaysExists) {
  std::unique_ptr<Env> env = NewMemEnv(nullptr);
  EXPECT_TRUE(env->FileExists("/"));
  EXPECT_TRUE(Sorted(env->GetChildren("/")).empty());
  EXPECT_TRUE(env->SyncDir("/").ok());
  EXPECT_FALSE(env->RemoveDir("/").ok());
  ASSERT_TRUE(env->CreateDir("/d").ok());
  ASSERT_TRUE(WriteStringToFile(env.get(), "x", "/top", false).ok());
  EXPECT_EQ(Sorted(env->GetChildren("/")), (std::vector<std::string>{"d", "top"}));
}

TEST(MemEnvTest, RelativePathsLiveInTheCurrentDirectory) {
  std::unique_ptr<Env> env = NewMemEnv(nullptr);
  ASSERT_TRUE(env->CreateDir("db").ok());
  ASSERT_TRUE(WriteStringToFile(env.get(), "x", "db/f", false).ok());
  ASSERT_TRUE(WriteStringToFile(env.get(), "y", "g", false).ok());
  EXPECT_EQ(Sorted(env->GetChildren("db")), std::vector<std::string>{"f"});
  EXPECT_EQ(Sorted(env->GetChildren("")), (std::vector<std::string>{"db", "g"}));
  EXPECT_FALSE(env->FileExists("/db/f"));  // Relative and absolute differ.
}

TEST(MemEnvTest, PathsAreNormalized) {
  std::unique_ptr<Env> env = NewMemEnv(nullptr);
  ASSERT_TRUE(env->CreateDir("/d/").ok());
  ASSERT_TRUE(WriteStringToFile(env.get(), "abc", "/d//f", false).ok());
  EXPECT_TRUE(env->FileExists("/d/f"));
  auto size = env->GetFileSize("//d/f");
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, 3u);
  EXPECT_EQ(Sorted(env->GetChildren("/d/")), std::vector<std::string>{"f"});
}

TEST(MemEnvTest, RenameDirectoryMovesItsContents) {
  std::unique_ptr<Env> env = NewMemEnv(nullptr);
  ASSERT_TRUE(env->CreateDir("/a").ok());
  ASSERT_TRUE(env->CreateDir("/a/sub").ok());
  ASSERT_TRUE(WriteStringToFile(env.get(), "1", "/a/f", false).ok());
  ASSERT_TRUE(WriteStringToFile(env.get(), "2", "/a/sub/g", false).ok());
  ASSERT_TRUE(WriteStringToFile(env.get(), "3", "/ab", false).ok());  // Not under /a.
  ASSERT_TRUE(env->RenameFile("/a", "/b").ok());
  EXPECT_FALSE(env->FileExists("/a"));
  EXPECT_TRUE(env->FileExists("/ab"));
  EXPECT_EQ(Sorted(env->GetChildren("/b")), (std::vector<std::string>{"f", "sub"}));
  std::string data;
  ASSERT_TRUE(ReadFileToString(env.get(), "/b/sub/g", &data).ok());
  EXPECT_EQ(data, "2");
  // Into itself: refused.
  EXPECT_EQ(env->RenameFile("/b", "/b/sub/x").code(), absl::StatusCode::kInvalidArgument);
  // Onto a non-empty directory: refused.
  ASSERT_TRUE(env->CreateDir("/c").ok());
  ASSERT_TRUE(WriteStringToFile(env.get(), "4", "/c/h", false).ok());
  EXPECT_EQ(env->RenameFile("/b", "/c").code(), absl::StatusCode::kFailedPrecondition);
}

TEST(MemEnvTest, FileVersusDirectoryErrors) {
  std::unique_ptr<Env> env = NewMemEnv(nullptr);
  ASSERT_TRUE(env->CreateDir("/d").ok());
  ASSERT_TRUE(WriteStringToFile(env.get(), "x", "/f", false).ok());
  EXPECT_EQ(env->NewWritableFile("/d").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(env->NewSequentialFile("/d").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(env->RemoveFile("/d").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(env->CreateDir("/f").code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(env->RemoveDir("/f").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(env->GetChildren("/f").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(env->RenameFile("/f", "/d").code(), absl::StatusCode::kInvalidArgument);
}

TEST(MemEnvTest, WritesAreSharedWithOpenReaders) {
  std::unique_ptr<Env> env = NewMemEnv(nullptr);
  auto out = env->NewWritableFile("/f");
  ASSERT_TRUE(out.ok());
  ASSERT_TRUE((*out)->Append("abc").ok());
  auto in = env->NewRandomAccessFile("/f");
  ASSERT_TRUE(in.ok());
  ASSERT_TRUE((*out)->Append("def").ok());
  char scratch[8];
  std::string_view r;
  ASSERT_TRUE((*in)->Read(0, 8, &r, scratch).ok());
  EXPECT_EQ(r, "abcdef");
  // Truncation by NewWritableFile happens in place, as with O_TRUNC.
  ASSERT_TRUE(env->NewWritableFile("/f").ok());
  ASSERT_TRUE((*in)->Read(0, 8, &r, scratch).ok());
  EXPECT_TRUE(r.empty());
}

TEST(MemEnvTest, UnlockRejectsForeignLocks) {
  std::unique_ptr<Env> env = NewMemEnv(nullptr);
  class OtherLock : public FileLock {};
  EXPECT_EQ(env->UnlockFile(std::make_unique<OtherLock>()).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace lsm
