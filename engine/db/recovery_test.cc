// Recovery after crashes and I/O failures, through the fault-injecting Env:
// power loss drops every byte not synced (and files whose directory was not
// synced); the recovered DB must hold every synced write and be a prefix of
// the acknowledged history.
#include <cstdio>
#include <vector>

#include "engine/db/db_test_util.h"
#include "engine/db/filename.h"
#include "engine/env/fault_injection_env.h"
#include "engine/env/mem_env.h"
#include "engine/util/random.h"
#include "gtest/gtest.h"

namespace lsm {
namespace {

using Op = FaultInjectionEnv::Op;

class RecoveryTest : public ::testing::Test {
 protected:
  RecoveryTest() : base_(NewMemEnv(Env::Default())), env_(base_.get()) {}

  absl::Status Open(Options o) {
    db_.reset();
    auto db = DB::Open(o, "/db");
    if (!db.ok()) return db.status();
    db_ = std::move(*db);
    return absl::OkStatus();
  }
  Options Opts() { return SmallOptions(&env_); }

  // Cuts the last 3 bytes off the newest WAL: its last record torn mid-write.
  void TearNewestLog() {
    const std::vector<std::string> logs = FilesOfType(&env_, "/db", FileType::kLog);
    ASSERT_FALSE(logs.empty());
    std::string contents;
    ASSERT_TRUE(ReadFileToString(&env_, logs.back(), &contents).ok());
    ASSERT_GT(contents.size(), 3u);
    contents.resize(contents.size() - 3);
    ASSERT_TRUE(WriteStringToFile(&env_, contents, logs.back(), true).ok());
  }

  // Simulates a power cut: the process dies (the DB object is abandoned
  // without any more I/O), then unsynced data vanishes.
  void PowerLoss() {
    env_.SetFilesystemActive(false);
    db_.reset();  // the destructor's I/O fails; nothing more reaches "disk"
    ASSERT_TRUE(env_.SimulatePowerLoss().ok());
    env_.SetFilesystemActive(true);
    env_.ClearFaults();
  }

  std::unique_ptr<Env> base_;
  FaultInjectionEnv env_;
  std::unique_ptr<DB> db_;
};

// Key i holds value "v<i>"; history is the order of i.
std::string Key(int i) { return "key" + std::to_string(100000 + i); }

// After a crash, the DB must hold keys 0..n-1 for some n >= min_expected with
// nothing after n: a prefix of history.
void ExpectPrefix(DB* db, int written, int min_expected) {
  auto all = ReadAll(db);
  int n = 0;
  while (n < written && all.count(Key(n))) {
    EXPECT_EQ(all[Key(n)], "v" + std::to_string(n));
    ++n;
  }
  EXPECT_GE(n, min_expected) << "a synced write was lost";
  EXPECT_EQ(all.size(), static_cast<size_t>(n)) << "the recovered DB has a hole";
}

TEST_F(RecoveryTest, SyncedWritesSurvivePowerLoss) {
  const uint64_t seed = TestSeed(42);
  std::printf("seed=%llu\n", static_cast<unsigned long long>(seed));
  Random rnd(seed);
  for (int round = 0; round < 8; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    db_.reset();
    ASSERT_TRUE(DestroyDB("/db", Opts()).ok());
    ASSERT_TRUE(Open(Opts()).ok());
    const int n = 200 + rnd.Uniform(3000);
    int last_synced = -1;
    for (int i = 0; i < n; ++i) {
      WriteOptions wo;
      wo.sync = rnd.OneIn(20);
      ASSERT_TRUE(db_->Put(wo, Key(i), "v" + std::to_string(i)).ok());
      if (wo.sync) last_synced = i;
    }
    PowerLoss();
    ASSERT_TRUE(Open(Opts()).ok());
    ExpectPrefix(db_.get(), n, last_synced + 1);
  }
}

TEST_F(RecoveryTest, ProcessCrashLosesNothingAcknowledged) {
  // kill -9 loses no write(2): model it by dropping nothing at all but
  // skipping the destructor's orderly shutdown.
  ASSERT_TRUE(Open(Opts()).ok());
  for (int i = 0; i < 5000; ++i) ASSERT_TRUE(db_->Put(WriteOptions(), Key(i), "v" + std::to_string(i)).ok());
  env_.SetFilesystemActive(false);
  db_.reset();
  env_.SetFilesystemActive(true);
  ASSERT_TRUE(Open(Opts()).ok());
  ExpectPrefix(db_.get(), 5000, 5000);
}

TEST_F(RecoveryTest, DeletesAreNotResurrected) {
  ASSERT_TRUE(Open(Opts()).ok());
  WriteOptions sync;
  sync.sync = true;
  for (int i = 0; i < 500; ++i) ASSERT_TRUE(db_->Put(WriteOptions(), Key(i), "v").ok());
  ASSERT_TRUE(db_->Flush().ok());
  for (int i = 0; i < 500; i += 2) ASSERT_TRUE(db_->Delete(WriteOptions(), Key(i)).ok());
  ASSERT_TRUE(db_->Put(sync, "last", "x").ok());
  PowerLoss();
  ASSERT_TRUE(Open(Opts()).ok());
  auto all = ReadAll(db_.get());
  for (int i = 0; i < 500; i += 2) EXPECT_EQ(all.count(Key(i)), 0u) << Key(i);
  EXPECT_EQ(all.count("last"), 1u);
}

TEST_F(RecoveryTest, WalWriteFailureMakesTheDBReadOnlyAndLosesNothing) {
  ASSERT_TRUE(Open(Opts()).ok());
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(db_->Put(WriteOptions(), Key(i), "v" + std::to_string(i)).ok());
  env_.FailAlways(Op::kAppend, FaultInjectionEnv::ErrnoError(ENOSPC), ".log");
  absl::Status s = db_->Put(WriteOptions(), Key(100), "v100");
  EXPECT_TRUE(absl::IsResourceExhausted(s)) << s;
  env_.ClearFaults();
  // Sticky: the WAL may hold a partial record, so no more writes.
  EXPECT_FALSE(db_->Put(WriteOptions(), Key(101), "v101").ok());
  std::string v;
  EXPECT_TRUE(db_->Get(ReadOptions(), Key(5), &v).ok());
  ASSERT_TRUE(Open(Opts()).ok());
  ExpectPrefix(db_.get(), 102, 100);
  EXPECT_TRUE(db_->Put(WriteOptions(), "after", "reopen").ok());
}

TEST_F(RecoveryTest, FlushFailureAtEveryStepLosesNothing) {
  // Fail the Nth operation of each kind during a flush, for several N.
  for (Op op : {Op::kNewWritableFile, Op::kAppend, Op::kSync, Op::kSyncDir, Op::kRename}) {
    for (int nth = 1; nth <= 3; ++nth) {
      SCOPED_TRACE(std::string(FaultInjectionEnv::OpName(op)) + " #" + std::to_string(nth));
      db_.reset();
      ASSERT_TRUE(DestroyDB("/db", Opts()).ok());
      ASSERT_TRUE(Open(Opts()).ok());
      for (int i = 0; i < 300; ++i) ASSERT_TRUE(db_->Put(WriteOptions(), Key(i), "v" + std::to_string(i)).ok());
      env_.FailNth(op, nth, FaultInjectionEnv::ErrnoError(EIO));
      absl::Status s = db_->Flush();
      env_.ClearFaults();
      ASSERT_TRUE(Open(Opts()).ok()) << "after " << s;
      ExpectPrefix(db_.get(), 300, 300);
    }
  }
}

TEST_F(RecoveryTest, TornWalTailIsDroppedByDefault) {
  ASSERT_TRUE(Open(Opts()).ok());
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(db_->Put(WriteOptions(), Key(i), "v" + std::to_string(i)).ok());
  db_.reset();
  ASSERT_NO_FATAL_FAILURE(TearNewestLog());
  ASSERT_TRUE(Open(Opts()).ok());
  ExpectPrefix(db_.get(), 50, 49);
  db_.reset();
  Options strict = Opts();
  strict.wal_recovery = WalRecoveryMode::kAbsoluteConsistency;
  // The torn record was dropped and the log rewritten into a table at the
  // previous open, so a strict open now succeeds too.
  EXPECT_TRUE(Open(strict).ok());
}

TEST_F(RecoveryTest, AbsoluteConsistencyRefusesATornTailEvenWhenParanoid) {
  ASSERT_TRUE(Open(Opts()).ok());
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(db_->Put(WriteOptions(), Key(i), "v" + std::to_string(i)).ok());
  db_.reset();
  ASSERT_NO_FATAL_FAILURE(TearNewestLog());
  for (bool paranoid : {false, true}) {
    SCOPED_TRACE(paranoid ? "paranoid" : "not paranoid");
    Options strict = Opts();
    strict.wal_recovery = WalRecoveryMode::kAbsoluteConsistency;
    strict.paranoid_checks = paranoid;
    absl::Status s = Open(strict);
    EXPECT_TRUE(absl::IsDataLoss(s)) << s;
  }
}

TEST_F(RecoveryTest, DamagedCurrentIsDataLoss) {
  ASSERT_TRUE(Open(Opts()).ok());
  ASSERT_TRUE(db_->Put(WriteOptions(), "k", "v").ok());
  db_.reset();
  // A CURRENT without its newline (LevelDB's users have seen this after power loss).
  std::string current;
  ASSERT_TRUE(ReadFileToString(&env_, "/db/CURRENT", &current).ok());
  ASSERT_TRUE(WriteStringToFile(&env_, current.substr(0, current.size() - 1), "/db/CURRENT", true).ok());
  absl::Status s = Open(Opts());
  EXPECT_TRUE(absl::IsDataLoss(s)) << s;
  ASSERT_TRUE(WriteStringToFile(&env_, "", "/db/CURRENT", true).ok());
  s = Open(Opts());
  EXPECT_TRUE(absl::IsDataLoss(s)) << s;
  ASSERT_TRUE(WriteStringToFile(&env_, "MANIFEST-999999\n", "/db/CURRENT", true).ok());
  s = Open(Opts());
  EXPECT_TRUE(absl::IsDataLoss(s)) << s;
}

TEST_F(RecoveryTest, ParanoidChecksRefuseADamagedTable) {
  // No compactions: every table on disk is live (a compaction cut short by
  // closing the DB leaves an uninstalled output behind until the next Open
  // removes it, and damaging that one would prove nothing).
  Options o = Opts();
  o.level0_compaction_trigger = o.level0_slowdown_writes_trigger = o.level0_stop_writes_trigger =
      1000;
  ASSERT_TRUE(Open(o).ok());
  for (int i = 0; i < 2000; ++i) ASSERT_TRUE(db_->Put(WriteOptions(), Key(i), std::string(100, 'p')).ok());
  ASSERT_TRUE(db_->Flush().ok());
  db_.reset();
  const std::vector<std::string> tables = FilesOfType(&env_, "/db", FileType::kTable);
  ASSERT_FALSE(tables.empty());
  const std::string& table_path = tables.back();
  std::string contents;
  ASSERT_TRUE(ReadFileToString(&env_, table_path, &contents).ok());
  contents[100] ^= 0x40;  // inside the first data block
  ASSERT_TRUE(WriteStringToFile(&env_, contents, table_path, true).ok());
  // Without paranoid checks the damage shows only when that block is read.
  ASSERT_TRUE(Open(o).ok());
  db_.reset();
  Options paranoid = o;
  paranoid.paranoid_checks = true;
  absl::Status s = Open(paranoid);
  EXPECT_TRUE(absl::IsDataLoss(s)) << s;
  EXPECT_NE(std::string(s.message()).find(".sst"), std::string::npos) << s;
}

TEST_F(RecoveryTest, MissingTableIsDataLoss) {
  ASSERT_TRUE(Open(Opts()).ok());
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(db_->Put(WriteOptions(), Key(i), "v").ok());
  ASSERT_TRUE(db_->Flush().ok());
  db_.reset();
  const std::vector<std::string> tables = FilesOfType(&env_, "/db", FileType::kTable);
  ASSERT_FALSE(tables.empty());
  for (const std::string& path : tables) ASSERT_TRUE(env_.RemoveFile(path).ok());
  absl::Status s = Open(Opts());
  EXPECT_TRUE(absl::IsDataLoss(s)) << s;
  EXPECT_NE(std::string(s.message()).find("missing"), std::string::npos) << s;
}

}  // namespace
}  // namespace lsm
