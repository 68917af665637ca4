#include "engine/env/fault_injection_env.h"

#include <cerrno>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "engine/env/mem_env.h"
#include "engine/env/test_util.h"
#include "gtest/gtest.h"
#include "lsm/env.h"

namespace lsm {
namespace {

using Op = FaultInjectionEnv::Op;

enum class BaseKind { kPosix, kMem };

// Every test runs over the POSIX Env (in a temporary directory) and over the
// in-memory Env.
class FaultInjectionEnvTest : public testing::TestWithParam<BaseKind> {
 protected:
  void SetUp() override {
    if (GetParam() == BaseKind::kPosix) {
      base_ = Env::Default();
      dir_ = NewTestTempDir("fault_env_test");
    } else {
      mem_env_ = NewMemEnv(Env::Default());
      base_ = mem_env_.get();
      dir_ = "/fault_env_test";
      ASSERT_TRUE(base_->CreateDir(dir_).ok());
    }
    env_ = std::make_unique<FaultInjectionEnv>(base_);
  }

  void TearDown() override {
    env_.reset();
    if (GetParam() == BaseKind::kPosix) RemoveDirRecursively(base_, dir_);
  }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  // The contents as the base Env sees them, or "<missing>".
  std::string BaseContents(const std::string& path) {
    std::string data;
    absl::Status s = ReadFileToString(base_, path, &data);
    if (absl::IsNotFound(s)) return "<missing>";
    EXPECT_TRUE(s.ok()) << s;
    return data;
  }

  std::unique_ptr<WritableFile> Create(const std::string& path) {
    auto file = env_->NewWritableFile(path);
    EXPECT_TRUE(file.ok()) << file.status();
    return file.ok() ? *std::move(file) : nullptr;
  }

  std::unique_ptr<Env> mem_env_;
  Env* base_ = nullptr;
  std::unique_ptr<FaultInjectionEnv> env_;
  std::string dir_;
};

TEST_P(FaultInjectionEnvTest, PowerLossKeepsOnlySyncedBytes) {
  ASSERT_TRUE(env_->SyncDir(dir_).ok());
  {
    auto file = Create(Path("log"));
    ASSERT_TRUE(env_->SyncDir(dir_).ok());  // The name is durable.
    ASSERT_TRUE(file->Append("chunk1.").ok());
    ASSERT_TRUE(file->Append("chunk2.").ok());
    ASSERT_TRUE(file->Sync().ok());
    ASSERT_TRUE(file->Append("chunk3.").ok());
    ASSERT_TRUE(file->Flush().ok());
    ASSERT_TRUE(file->Close().ok());
  }
  EXPECT_EQ(BaseContents(Path("log")), "chunk1.chunk2.chunk3.");
  ASSERT_TRUE(env_->SimulatePowerLoss().ok());
  EXPECT_EQ(BaseContents(Path("log")), "chunk1.chunk2.");
  // Tracking starts afresh: a second power loss changes nothing.
  ASSERT_TRUE(env_->SimulatePowerLoss().ok());
  EXPECT_EQ(BaseContents(Path("log")), "chunk1.chunk2.");
}

TEST_P(FaultInjectionEnvTest, FileNotMadeDurableInItsDirectoryDisappears) {
  {
    auto file = Create(Path("new"));
    ASSERT_TRUE(file->Append("data").ok());
    ASSERT_TRUE(file->Sync().ok());  // Synced data, but the name is not.
  }
  EXPECT_TRUE(base_->FileExists(Path("new")));
  ASSERT_TRUE(env_->SimulatePowerLoss().ok());
  EXPECT_FALSE(base_->FileExists(Path("new")));
}

TEST_P(FaultInjectionEnvTest, DirSyncedButNeverSyncedFileSurvivesEmpty) {
  {
    auto file = Create(Path("f"));
    ASSERT_TRUE(file->Append("lost").ok());
    ASSERT_TRUE(file->Close().ok());
  }
  ASSERT_TRUE(env_->SyncDir(dir_ + "/").ok());  // Trailing slash: same directory.
  ASSERT_TRUE(env_->SimulatePowerLoss().ok());
  EXPECT_EQ(BaseContents(Path("f")), "");
}

TEST_P(FaultInjectionEnvTest, SyncDirOfAnotherDirectoryDoesNotHelp) {
  ASSERT_TRUE(base_->CreateDir(Path("sub")).ok());
  {
    auto file = Create(Path("f"));
    ASSERT_TRUE(file->Sync().ok());
  }
  ASSERT_TRUE(env_->SyncDir(Path("sub")).ok());
  ASSERT_TRUE(env_->SimulatePowerLoss().ok());
  EXPECT_FALSE(base_->FileExists(Path("f")));
}

TEST_P(FaultInjectionEnvTest, AppendableFileKeepsItsEarlierBytes) {
  ASSERT_TRUE(WriteStringToFile(base_, "old.", Path("f"), true).ok());  // Untracked: durable.
  {
    auto file = env_->NewAppendableFile(Path("f"));
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE((*file)->Append("synced.").ok());
    ASSERT_TRUE((*file)->Sync().ok());
    ASSERT_TRUE((*file)->Append("unsynced.").ok());
    ASSERT_TRUE((*file)->Close().ok());
  }
  ASSERT_TRUE(env_->SimulatePowerLoss().ok());
  EXPECT_EQ(BaseContents(Path("f")), "old.synced.");
}

TEST_P(FaultInjectionEnvTest, UnsyncedRenameIsUndone) {
  // CURRENT-style replacement: write temp, sync, rename over the old file.
  ASSERT_TRUE(WriteStringToFile(env_.get(), "v1", Path("CURRENT"), true).ok());
  ASSERT_TRUE(env_->SyncDir(dir_).ok());
  ASSERT_TRUE(WriteStringToFile(env_.get(), "v2", Path("CURRENT.tmp"), true).ok());
  ASSERT_TRUE(env_->RenameFile(Path("CURRENT.tmp"), Path("CURRENT")).ok());
  EXPECT_EQ(BaseContents(Path("CURRENT")), "v2");
  // No SyncDir: the power cut takes the rename (and the temp file) away.
  ASSERT_TRUE(env_->SimulatePowerLoss().ok());
  EXPECT_EQ(BaseContents(Path("CURRENT")), "v1");
  EXPECT_FALSE(base_->FileExists(Path("CURRENT.tmp")));
}

TEST_P(FaultInjectionEnvTest, DirSyncedRenameSticks) {
  ASSERT_TRUE(WriteStringToFile(env_.get(), "v1", Path("CURRENT"), true).ok());
  ASSERT_TRUE(env_->SyncDir(dir_).ok());
  ASSERT_TRUE(WriteStringToFile(env_.get(), "v2", Path("CURRENT.tmp"), true).ok());
  ASSERT_TRUE(env_->RenameFile(Path("CURRENT.tmp"), Path("CURRENT")).ok());
  ASSERT_TRUE(env_->SyncDir(dir_).ok());
  ASSERT_TRUE(env_->SimulatePowerLoss().ok());
  EXPECT_EQ(BaseContents(Path("CURRENT")), "v2");
  EXPECT_FALSE(base_->FileExists(Path("CURRENT.tmp")));
}

TEST_P(FaultInjectionEnvTest, RepeatedUnsyncedRenamesUndoToTheDurableFile) {
  ASSERT_TRUE(WriteStringToFile(env_.get(), "v1", Path("CURRENT"), true).ok());
  ASSERT_TRUE(env_->SyncDir(dir_).ok());
  for (const char* v : {"v2", "v3", "v4"}) {
    ASSERT_TRUE(WriteStringToFile(env_.get(), v, Path("CURRENT.tmp"), true).ok());
    ASSERT_TRUE(env_->RenameFile(Path("CURRENT.tmp"), Path("CURRENT")).ok());
  }
  ASSERT_TRUE(env_->SimulatePowerLoss().ok());
  EXPECT_EQ(BaseContents(Path("CURRENT")), "v1");
  EXPECT_FALSE(base_->FileExists(Path("CURRENT.tmp")));
}

TEST_P(FaultInjectionEnvTest, RenamedFileKeepsItsSyncedSize) {
  ASSERT_TRUE(env_->SyncDir(dir_).ok());
  {
    auto file = Create(Path("a"));
    ASSERT_TRUE(file->Append("durable").ok());
    ASSERT_TRUE(file->Sync().ok());
    ASSERT_TRUE(file->Append("+volatile").ok());
    ASSERT_TRUE(file->Close().ok());
  }
  ASSERT_TRUE(env_->RenameFile(Path("a"), Path("b")).ok());
  ASSERT_TRUE(env_->SyncDir(dir_).ok());
  ASSERT_TRUE(env_->SimulatePowerLoss().ok());
  EXPECT_FALSE(base_->FileExists(Path("a")));
  EXPECT_EQ(BaseContents(Path("b")), "durable");
}

TEST_P(FaultInjectionEnvTest, RemovalsAreDurableByDefault) {
  ASSERT_TRUE(WriteStringToFile(base_, "x", Path("f"), true).ok());
  ASSERT_TRUE(env_->RemoveFile(Path("f")).ok());
  ASSERT_TRUE(env_->SimulatePowerLoss().ok());
  EXPECT_FALSE(base_->FileExists(Path("f")));
}

TEST_P(FaultInjectionEnvTest, UnsyncedRemovalIsUndoneWhenAsked) {
  env_->SetUndoUnsyncedRemovals(true);
  ASSERT_TRUE(WriteStringToFile(base_, "old", Path("untracked"), true).ok());
  {
    auto file = Create(Path("tracked"));
    ASSERT_TRUE(file->Append("synced").ok());
    ASSERT_TRUE(file->Sync().ok());
    ASSERT_TRUE(file->Append("+not").ok());
    ASSERT_TRUE(file->Close().ok());
  }
  ASSERT_TRUE(env_->SyncDir(dir_).ok());
  ASSERT_TRUE(env_->RemoveFile(Path("untracked")).ok());
  ASSERT_TRUE(env_->RemoveFile(Path("tracked")).ok());
  ASSERT_TRUE(WriteStringToFile(base_, "gone", Path("synced-removal"), true).ok());
  ASSERT_TRUE(env_->SimulatePowerLoss().ok());
  // Both come back, each with what was durable.
  EXPECT_EQ(BaseContents(Path("untracked")), "old");
  EXPECT_EQ(BaseContents(Path("tracked")), "synced");

  // A removal followed by SyncDir stays.
  env_->SetUndoUnsyncedRemovals(true);
  ASSERT_TRUE(env_->RemoveFile(Path("synced-removal")).ok());
  ASSERT_TRUE(env_->SyncDir(dir_).ok());
  ASSERT_TRUE(env_->SimulatePowerLoss().ok());
  EXPECT_FALSE(base_->FileExists(Path("synced-removal")));
}

TEST_P(FaultInjectionEnvTest, PowerLossRequiresClosedWriters) {
  auto file = Create(Path("f"));
  absl::Status s = env_->SimulatePowerLoss();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  file.reset();
  EXPECT_TRUE(env_->SimulatePowerLoss().ok());
}

TEST_P(FaultInjectionEnvTest, ResetStateMakesEverythingDurable) {
  {
    auto file = Create(Path("f"));
    ASSERT_TRUE(file->Append("abc").ok());
    ASSERT_TRUE(file->Close().ok());
  }
  env_->ResetState();
  ASSERT_TRUE(env_->SimulatePowerLoss().ok());
  EXPECT_EQ(BaseContents(Path("f")), "abc");
}

TEST_P(FaultInjectionEnvTest, InactiveFilesystemRefusesWritesAndDropsBuffers) {
  ASSERT_TRUE(env_->SyncDir(dir_).ok());
  auto file = Create(Path("f"));
  ASSERT_TRUE(env_->SyncDir(dir_).ok());
  ASSERT_TRUE(file->Append("flushed.").ok());
  ASSERT_TRUE(file->Flush().ok());
  ASSERT_TRUE(file->Append("buffered.").ok());

  env_->SetFilesystemActive(false);  // The crash.
  EXPECT_FALSE(env_->IsFilesystemActive());
  absl::Status s = file->Append("x");
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(std::string(s.message()).find(Path("f")), std::string::npos) << s;
  EXPECT_EQ(file->Sync().code(), absl::StatusCode::kUnavailable);  // sticky: not counted
  EXPECT_EQ(env_->NewWritableFile(Path("g")).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(env_->RenameFile(Path("f"), Path("h")).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(env_->RemoveFile(Path("f")).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(env_->SyncDir(dir_).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(env_->LockFile(Path("LOCK")).status().code(), absl::StatusCode::kUnavailable);
  // Reads still work.
  std::string data;
  EXPECT_TRUE(ReadFileToString(env_.get(), Path("f"), &data).ok());
  file.reset();  // Teardown after the crash: the buffered bytes never arrive.
  EXPECT_EQ(BaseContents(Path("f")), "flushed.");  // What a kill -9 leaves.
  EXPECT_EQ(env_->InjectedErrorCount(), 6);

  ASSERT_TRUE(env_->SimulatePowerLoss().ok());
  EXPECT_EQ(BaseContents(Path("f")), "");  // Nothing was synced.
  env_->SetFilesystemActive(true);
  EXPECT_TRUE(env_->RemoveFile(Path("f")).ok());
}

TEST_P(FaultInjectionEnvTest, FailNthFailsExactlyThatOperation) {
  const absl::Status no_space = FaultInjectionEnv::ErrnoError(ENOSPC);
  EXPECT_EQ(no_space.code(), absl::StatusCode::kResourceExhausted);
  env_->FailNth(Op::kSync, 2, no_space);
  auto file = Create(Path("f"));
  auto other = Create(Path("g"));
  ASSERT_TRUE(file->Append("a").ok());
  EXPECT_TRUE(file->Sync().ok());
  ASSERT_TRUE(file->Append("b").ok());
  absl::Status s = file->Sync();
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(std::string(s.message()), Path("f") + ": No space left on device (injected)");
  // The third sync, of another file, succeeds.
  ASSERT_TRUE(other->Append("c").ok());
  EXPECT_TRUE(other->Sync().ok());
  EXPECT_TRUE(other->Sync().ok());
  EXPECT_EQ(env_->OpCount(Op::kSync), 4);
  EXPECT_EQ(env_->OpCount(Op::kAppend), 3);
  EXPECT_EQ(env_->InjectedErrorCount(), 1);
}

// The lsm/env.h contract: after a failure the file refuses every write with
// that error, and what it buffered is dropped, never written by Close.
TEST_P(FaultInjectionEnvTest, FailedWritesAreStickyAndDropTheBuffer) {
  const absl::Status eio = FaultInjectionEnv::ErrnoError(EIO);
  EXPECT_EQ(eio.code(), absl::StatusCode::kUnavailable);
  env_->FailAfter(Op::kAppend, 3, eio);
  auto file = Create(Path("f"));
  EXPECT_TRUE(file->Append("1").ok());
  EXPECT_TRUE(file->Append("2").ok());
  EXPECT_TRUE(file->Flush().ok());
  EXPECT_TRUE(file->Append("3").ok());
  EXPECT_EQ(file->Append("4").code(), absl::StatusCode::kUnavailable);
  env_->ClearFaults();
  const absl::Status sticky = file->Append("5");
  EXPECT_EQ(sticky.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(std::string(sticky.message()).find("injected"), std::string::npos) << sticky;
  EXPECT_EQ(file->Flush().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(file->Close().code(), absl::StatusCode::kUnavailable);
  // "3" was buffered when the failure came: it never reaches the file.
  EXPECT_EQ(BaseContents(Path("f")), "12");
  EXPECT_EQ(env_->OpCount(Op::kAppend), 4);
}

TEST_P(FaultInjectionEnvTest, PathFilterSelectsFiles) {
  env_->FailAlways(Op::kNewWritableFile, FaultInjectionEnv::ErrnoError(EIO), ".log");
  auto log = env_->NewWritableFile(Path("000001.log"));
  EXPECT_EQ(log.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(base_->FileExists(Path("000001.log")));  // A failed call has no effect.
  auto manifest = env_->NewWritableFile(Path("MANIFEST-000002"));
  EXPECT_TRUE(manifest.ok());
  EXPECT_EQ(env_->OpCount(Op::kNewWritableFile), 2);
  EXPECT_EQ(env_->OpCount(Op::kNewWritableFile, ".log"), 1);
  EXPECT_EQ(env_->OpCount(Op::kNewWritableFile, "MANIFEST"), 1);

  // Renames match on either name.
  env_->FailAlways(Op::kRename, FaultInjectionEnv::ErrnoError(EIO), "CURRENT");
  manifest->reset();
  EXPECT_TRUE(env_->RenameFile(Path("MANIFEST-000002"), Path("MANIFEST-000003")).ok());
  ASSERT_TRUE(WriteStringToFile(env_.get(), "x", Path("CURRENT.tmp"), false).ok());
  EXPECT_FALSE(env_->RenameFile(Path("CURRENT.tmp"), Path("x")).ok());
  EXPECT_FALSE(env_->RenameFile(Path("MANIFEST-000003"), Path("CURRENT")).ok());
  EXPECT_EQ(env_->OpCount(Op::kRename, "CURRENT"), 2);
}

TEST_P(FaultInjectionEnvTest, FailedSyncDoesNotMakeDataDurable) {
  ASSERT_TRUE(env_->SyncDir(dir_).ok());
  auto file = Create(Path("f"));
  ASSERT_TRUE(env_->SyncDir(dir_).ok());
  ASSERT_TRUE(file->Append("one.").ok());
  ASSERT_TRUE(file->Sync().ok());
  ASSERT_TRUE(file->Append("two.").ok());
  env_->FailNth(Op::kSync, 1, FaultInjectionEnv::ErrnoError(EIO));
  EXPECT_FALSE(file->Sync().ok());
  EXPECT_FALSE(file->Close().ok());  // the sticky error; the file is released
  EXPECT_EQ(BaseContents(Path("f")), "one.");
  ASSERT_TRUE(env_->SimulatePowerLoss().ok());
  EXPECT_EQ(BaseContents(Path("f")), "one.");
}

// A torn page: a prefix of the unsynced bytes stays, then nothing, zeros or
// garbage up to the end of its 4 KiB page; synced bytes are never touched.
TEST_P(FaultInjectionEnvTest, PowerLossLeavesTornTails) {
  using Tail = FaultInjectionEnv::UnsyncedTail;
  const std::string synced(5000, 's');
  const std::string unsynced(3000, 'u');
  for (Tail tail : {Tail::kCut, Tail::kZeroFilled, Tail::kGarbage}) {
    for (uint64_t seed = 1; seed <= 20; ++seed) {
      SCOPED_TRACE("tail " + std::to_string(static_cast<int>(tail)) + " seed " +
                   std::to_string(seed));
      ASSERT_TRUE(env_->SyncDir(dir_).ok());
      auto file = Create(Path("f"));
      ASSERT_TRUE(env_->SyncDir(dir_).ok());
      ASSERT_TRUE(file->Append(synced).ok());
      ASSERT_TRUE(file->Sync().ok());
      ASSERT_TRUE(file->Append(unsynced).ok());
      ASSERT_TRUE(file->Flush().ok());
      file.reset();
      FaultInjectionEnv::PowerLoss how;
      how.tail = tail;
      how.seed = seed;
      ASSERT_TRUE(env_->SimulatePowerLoss(how).ok());
      const std::string left = BaseContents(Path("f"));
      ASSERT_GE(left.size(), synced.size());
      EXPECT_EQ(left.substr(0, synced.size()), synced);
      // What follows the synced bytes: a prefix of the unsynced ones...
      size_t kept = 0;
      while (synced.size() + kept < left.size() && kept < unsynced.size() &&
             left[synced.size() + kept] == 'u') {
        ++kept;
      }
      const std::string rest = left.substr(synced.size() + kept);
      if (tail == Tail::kCut) {
        EXPECT_TRUE(rest.empty());
      } else {
        // ...then filler up to a page boundary.
        EXPECT_EQ(left.size() % 4096, 0u) << left.size();
        if (tail == Tail::kZeroFilled) {
          EXPECT_EQ(rest, std::string(rest.size(), '\0'));
        }
      }
      ASSERT_TRUE(env_->RemoveFile(Path("f")).ok());
    }
  }
}

// Out-of-order metadata: some unsynced creations and renames survive, others
// not, in one power cut; over many seeds both outcomes occur for each.
TEST_P(FaultInjectionEnvTest, PowerLossCanKeepSomeNamespaceChanges) {
  int kept_a = 0, kept_rename = 0;
  const int kSeeds = 40;
  for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
    ASSERT_TRUE(WriteStringToFile(env_.get(), "old", Path("target"), true).ok());
    ASSERT_TRUE(env_->SyncDir(dir_).ok());
    ASSERT_TRUE(WriteStringToFile(env_.get(), "a", Path("a"), true).ok());
    ASSERT_TRUE(WriteStringToFile(env_.get(), "new", Path("tmp"), true).ok());
    ASSERT_TRUE(env_->RenameFile(Path("tmp"), Path("target")).ok());
    FaultInjectionEnv::PowerLoss how;
    how.keep_some_namespace_changes = true;
    how.seed = seed;
    ASSERT_TRUE(env_->SimulatePowerLoss(how).ok());
    kept_a += base_->FileExists(Path("a"));
    const std::string target = BaseContents(Path("target"));
    ASSERT_TRUE(target == "old" || target == "new") << target;
    kept_rename += target == "new";
    env_->RemoveFile(Path("a")).IgnoreError();
    env_->RemoveFile(Path("tmp")).IgnoreError();
    ASSERT_TRUE(env_->RemoveFile(Path("target")).ok());
    ASSERT_TRUE(env_->SyncDir(dir_).ok());
  }
  EXPECT_GT(kept_a, 0);
  EXPECT_LT(kept_a, kSeeds);
  EXPECT_GT(kept_rename, 0);
  EXPECT_LT(kept_rename, kSeeds);
}

TEST_P(FaultInjectionEnvTest, CrashAfterWritesStopsTheFileSystemThere) {
  env_->ResetCounters();
  env_->CrashAfterWrites(3);
  auto file = Create(Path("f"));         // 1
  ASSERT_TRUE(file->Append("a").ok());   // 2
  ASSERT_TRUE(file->Flush().ok());       // 3
  EXPECT_TRUE(env_->IsFilesystemActive());
  EXPECT_EQ(file->Append("b").code(), absl::StatusCode::kUnavailable);  // 4: the crash
  EXPECT_FALSE(env_->IsFilesystemActive());
  EXPECT_EQ(env_->SyncDir(dir_).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(env_->OpCount(Op::kAnyWrite), 5);
  file.reset();
  EXPECT_EQ(BaseContents(Path("f")), "a");
  env_->SetFilesystemActive(true);
}

TEST_P(FaultInjectionEnvTest, ReadFaults) {
  ASSERT_TRUE(WriteStringToFile(base_, "0123456789", Path("f"), false).ok());
  env_->FailNth(Op::kRead, 2, FaultInjectionEnv::ErrnoError(EIO), "/f");
  auto file = env_->NewRandomAccessFile(Path("f"));
  ASSERT_TRUE(file.ok());
  char scratch[4];
  std::string_view r;
  EXPECT_TRUE((*file)->Read(0, 4, &r, scratch).ok());
  EXPECT_EQ(r, "0123");
  EXPECT_EQ((*file)->Read(4, 4, &r, scratch).code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(r.empty());
  EXPECT_TRUE((*file)->Read(4, 4, &r, scratch).ok());
  EXPECT_EQ(r, "4567");

  env_->FailAlways(Op::kNewReadableFile, FaultInjectionEnv::ErrnoError(EACCES));
  EXPECT_EQ(env_->NewSequentialFile(Path("f")).status().code(),
            absl::StatusCode::kPermissionDenied);
}

// A workload, run once to count its syncs, then once per sync with exactly
// that sync failing: the error surfaces at the right step every time.
TEST_P(FaultInjectionEnvTest, EnumerateSyncFaultPoints) {
  auto workload = [&](int* failed_step) -> absl::Status {
    *failed_step = -1;
    auto file = env_->NewWritableFile(Path("wal"));
    if (!file.ok()) return file.status();
    for (int step = 0; step < 5; ++step) {
      absl::Status s = (*file)->Append("record" + std::to_string(step));
      if (s.ok()) s = (*file)->Sync();
      if (!s.ok()) {
        *failed_step = step;
        return s;
      }
    }
    return (*file)->Close();
  };
  int failed_step;
  env_->ResetCounters();
  ASSERT_TRUE(workload(&failed_step).ok());
  const int64_t syncs = env_->OpCount(Op::kSync);
  ASSERT_EQ(syncs, 5);
  for (int64_t n = 1; n <= syncs; ++n) {
    SCOPED_TRACE("failing sync " + std::to_string(n));
    env_->ClearFaults();
    env_->FailNth(Op::kSync, n, FaultInjectionEnv::ErrnoError(ENOSPC));
    absl::Status s = workload(&failed_step);
    EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
    EXPECT_EQ(failed_step, n - 1);
  }
}

TEST_P(FaultInjectionEnvTest, ConcurrentWritersAreCounted) {
  constexpr int kThreads = 4;
  constexpr int kAppends = 200;
  std::vector<std::thread> threads;
  std::vector<int> errors(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto file = env_->NewWritableFile(Path("t" + std::to_string(t)));
      if (!file.ok()) {
        ++errors[t];
        return;
      }
      for (int i = 0; i < kAppends; ++i) {
        if (!(*file)->Append("x").ok()) ++errors[t];
        if (i % 50 == 0 && !(*file)->Sync().ok()) ++errors[t];
      }
      if (!(*file)->Close().ok()) ++errors[t];
    });
  }
  for (std::thread& t : threads) t.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(errors[t], 0);
  EXPECT_EQ(env_->OpCount(Op::kAppend), kThreads * kAppends);
  EXPECT_EQ(env_->OpCount(Op::kAppend, "/t2"), kAppends);
  ASSERT_TRUE(env_->SyncDir(dir_).ok());
  ASSERT_TRUE(env_->SimulatePowerLoss().ok());
  // Last sync at i = 150, after 151 appends.
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(BaseContents(Path("t" + std::to_string(t))), std::string(151, 'x'));
  }
}

INSTANTIATE_TEST_SUITE_P(Bases, FaultInjectionEnvTest,
                         testing::Values(BaseKind::kPosix, BaseKind::kMem),
                         [](const testing::TestParamInfo<BaseKind>& info) {
                           return info.param == BaseKind::kPosix ? std::string("Posix")
                                                                 : std::string("Mem");
                         });

}  // namespace
}  // namespace lsm
