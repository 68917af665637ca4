// Recovery after crashes and I/O failures, through the fault-injecting Env:
// power loss drops every byte not synced (and files whose directory was not
// synced); the recovered DB must hold every synced write and be a prefix of
// the acknowledged history.
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/db/db_test_util.h"
#include "engine/db/filename.h"
#include "engine/env/fault_injection_env.h"
#include "engine/env/mem_env.h"
#include "engine/env/posix_env.h"
#include "engine/env/test_util.h"
#include "engine/util/random.h"
#include "gtest/gtest.h"

namespace lsm {
namespace {

using Op = FaultInjectionEnv::Op;

// Key i holds value "v<i>"; history is the order of i.
std::string Key(int i) { return "key" + std::to_string(100000 + i); }

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

  // Opens a new DB, writes keys 0..n-1 (Key(i) = "v<i>"), flushes, closes.
  void FillFlushAndClose(int n) {
    ASSERT_TRUE(Open(Opts()).ok());
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(db_->Put(WriteOptions(), Key(i), "v" + std::to_string(i)).ok());
    }
    ASSERT_TRUE(db_->Flush().ok());
    db_.reset();
  }

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

// SyncWAL makes the unsynced writes before it durable, across memtable
// switches (several logs) too; writes after it may be lost, never reordered.
TEST_F(RecoveryTest, SyncWALMakesEarlierWritesSurvivePowerLoss) {
  ASSERT_TRUE(Open(Opts()).ok());
  const int synced = 3000;  // several 64 KiB memtables' worth: several logs
  for (int i = 0; i < synced; ++i) {
    ASSERT_TRUE(db_->Put(WriteOptions(), Key(i), "v" + std::to_string(i)).ok());
  }
  ASSERT_TRUE(db_->SyncWAL().ok());
  for (int i = synced; i < synced + 500; ++i) {
    ASSERT_TRUE(db_->Put(WriteOptions(), Key(i), "v" + std::to_string(i)).ok());
  }
  PowerLoss();
  ASSERT_TRUE(Open(Opts()).ok());
  ExpectPrefix(db_.get(), synced + 500, synced);
  // Without the SyncWAL the same unsynced writes are lost (the check above
  // can fail).
  db_.reset();
  ASSERT_TRUE(DestroyDB("/db", Opts()).ok());
  ASSERT_TRUE(Open(Opts()).ok());
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(db_->Put(WriteOptions(), Key(i), "v" + std::to_string(i)).ok());
  }
  PowerLoss();
  ASSERT_TRUE(Open(Opts()).ok());
  EXPECT_LT(ReadAll(db_.get()).size(), 100u);
}

TEST_F(RecoveryTest, SyncWALFailureIsReportedAndStopsWrites) {
  ASSERT_TRUE(Open(Opts()).ok());
  ASSERT_TRUE(db_->Put(WriteOptions(), "k", "v").ok());
  env_.FailAlways(Op::kSync, FaultInjectionEnv::ErrnoError(EIO), ".log");
  absl::Status s = db_->SyncWAL();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("injected"), std::string_view::npos) << s;
  env_.ClearFaults();
  EXPECT_FALSE(db_->Put(WriteOptions(), "k2", "v").ok()) << "the outcome of the sync is unknown";
}

// A sync write whose WAL sync fails is never visible, although its memtable
// insert ran while the sync was under way: the group's sequence numbers are
// not published, and the DB takes no more writes (nor flushes) that could
// publish them.
TEST_F(RecoveryTest, WriteWhoseSyncFailedIsNeverVisible) {
  ASSERT_TRUE(Open(Opts()).ok());
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(db_->Put(WriteOptions(), Key(i), "v").ok());
  WriteOptions sync;
  sync.sync = true;
  ASSERT_TRUE(db_->Put(sync, "synced", "x").ok());
  env_.FailNth(Op::kSync, 1, FaultInjectionEnv::ErrnoError(EIO), ".log");
  absl::Status s = db_->Put(sync, "unsynced", "y");
  EXPECT_FALSE(s.ok());
  env_.ClearFaults();
  std::string v;
  EXPECT_TRUE(absl::IsNotFound(db_->Get(ReadOptions(), "unsynced", &v))) << v;
  EXPECT_TRUE(db_->Get(ReadOptions(), "synced", &v).ok());
  auto all = ReadAll(db_.get());
  EXPECT_EQ(all.count("unsynced"), 0u);
  EXPECT_EQ(all.size(), 101u);
  EXPECT_FALSE(db_->Put(WriteOptions(), "later", "z").ok()) << "read-only after a failed sync";
  EXPECT_FALSE(db_->Flush().ok());
  EXPECT_TRUE(absl::IsNotFound(db_->Get(ReadOptions(), "unsynced", &v))) << v;
  EXPECT_TRUE(absl::IsNotFound(db_->Get(ReadOptions(), "later", &v))) << v;
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

// An Open that replayed a torn log, then failed before its MANIFEST edit
// retired that log (a full disk), leaves the torn log behind an empty newer
// one. That is still a crash, not damage: the next Open succeeds.
TEST_F(RecoveryTest, TornLogBehindAnEmptyLogFromAFailedOpenIsStillATornTail) {
  ASSERT_TRUE(Open(Opts()).ok());
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(db_->Put(WriteOptions(), Key(i), "v" + std::to_string(i)).ok());
  db_.reset();
  ASSERT_NO_FATAL_FAILURE(TearNewestLog());
  for (Op op : {Op::kNewWritableFile, Op::kAppend, Op::kSync, Op::kRename}) {
    SCOPED_TRACE(FaultInjectionEnv::OpName(op));
    env_.FailNth(op, 1, FaultInjectionEnv::ErrnoError(ENOSPC), "MANIFEST");
    if (op == Op::kRename) env_.FailNth(op, 1, FaultInjectionEnv::ErrnoError(ENOSPC), "CURRENT");
    absl::Status s = Open(Opts());
    env_.ClearFaults();
    EXPECT_TRUE(absl::IsResourceExhausted(s)) << s;
  }
  EXPECT_GE(FilesOfType(&env_, "/db", FileType::kLog).size(), 2u);
  ASSERT_TRUE(Open(Opts()).ok());
  ExpectPrefix(db_.get(), 50, 49);
}

// A torn tail followed by a log that holds writes is damage: DataLoss that
// names the file, the offset and the option that salvages it.
TEST_F(RecoveryTest, TornLogFollowedByWritesIsDataLossWithASalvageHint) {
  ASSERT_TRUE(Open(Opts()).ok());
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(db_->Put(WriteOptions(), Key(i), "v" + std::to_string(i)).ok());
  db_.reset();
  // The only log, torn, and a later log holding writes (an intact copy).
  const std::vector<std::string> logs = FilesOfType(&env_, "/db", FileType::kLog);
  ASSERT_EQ(logs.size(), 1u);
  std::string contents;
  ASSERT_TRUE(ReadFileToString(&env_, logs.back(), &contents).ok());
  ASSERT_TRUE(WriteStringToFile(&env_, contents, LogFileName("/db", 900), true).ok());
  ASSERT_TRUE(
      WriteStringToFile(&env_, contents.substr(0, contents.size() - 3), logs.back(), true).ok());
  absl::Status s = Open(Opts());
  ASSERT_TRUE(absl::IsDataLoss(s)) << s;
  const std::string message(s.message());
  EXPECT_NE(message.find(logs.back()), std::string::npos) << message;
  EXPECT_NE(message.find("offset"), std::string::npos) << message;
  EXPECT_NE(message.find("kPointInTime"), std::string::npos) << message;
  Options salvage = Opts();
  salvage.wal_recovery = WalRecoveryMode::kPointInTime;
  ASSERT_TRUE(Open(salvage).ok());
  ExpectPrefix(db_.get(), 50, 49);
}

// A DB whose CURRENT is gone is reported, never recreated empty over its
// tables; following the message's advice restores it.
TEST_F(RecoveryTest, MissingCurrentIsDataLossNotANewDB) {
  ASSERT_NO_FATAL_FAILURE(FillFlushAndClose(300));
  const size_t tables = FilesOfType(&env_, "/db", FileType::kTable).size();
  ASSERT_GT(tables, 0u);
  const std::vector<std::string> manifests = FilesOfType(&env_, "/db", FileType::kDescriptor);
  ASSERT_EQ(manifests.size(), 1u);
  ASSERT_TRUE(env_.RemoveFile("/db/CURRENT").ok());
  for (bool create : {true, false}) {
    Options o = Opts();
    o.create_if_missing = create;
    absl::Status s = Open(o);
    ASSERT_TRUE(absl::IsDataLoss(s)) << s;
    const std::string message(s.message());
    EXPECT_NE(message.find("CURRENT is missing"), std::string::npos) << message;
    const std::string manifest = manifests[0].substr(manifests[0].rfind('/') + 1);
    EXPECT_NE(message.find(manifest), std::string::npos) << message;
  }
  EXPECT_EQ(FilesOfType(&env_, "/db", FileType::kTable).size(), tables);
  const std::string manifest = manifests[0].substr(manifests[0].rfind('/') + 1);
  ASSERT_TRUE(WriteStringToFile(&env_, manifest + "\n", "/db/CURRENT", true).ok());
  ASSERT_TRUE(Open(Opts()).ok());
  ExpectPrefix(db_.get(), 300, 300);
}

// A torn MANIFEST tail as a power cut leaves it (cut, zero-filled or garbage
// after the last synced edit) is dropped.
TEST_F(RecoveryTest, TornManifestTailIsDropped) {
  ASSERT_NO_FATAL_FAILURE(FillFlushAndClose(300));
  const std::string manifest = FilesOfType(&env_, "/db", FileType::kDescriptor).back();
  std::string contents;
  ASSERT_TRUE(ReadFileToString(&env_, manifest, &contents).ok());
  Random rnd(7);
  std::string garbage(4096 - contents.size() % 4096, '\0');
  for (char& c : garbage) c = static_cast<char>(rnd.Next());
  const std::string tails[] = {
      std::string(4096 - contents.size() % 4096, '\0'),  // zero-filled page
      garbage,                                           // garbage to the page end
      contents.substr(contents.size() - 20, 11),         // a cut-off record
  };
  for (const std::string& tail : tails) {
    ASSERT_TRUE(WriteStringToFile(&env_, contents + tail, manifest, true).ok());
    ASSERT_TRUE(Open(Opts()).ok());
    ExpectPrefix(db_.get(), 300, 300);
    db_.reset();
    ASSERT_TRUE(ReadFileToString(&env_, FilesOfType(&env_, "/db", FileType::kDescriptor).back(),
                                 &contents)
                    .ok());
  }
}

// Dropping a damaged last edit is safe only if it was not acted on. Here it
// was: the compaction it recorded deleted its inputs. DataLoss, naming the
// dropped tail.
TEST_F(RecoveryTest, DroppedManifestEditThatWasActedOnIsDataLoss) {
  Options o = Opts();
  o.level0_compaction_trigger = 100;
  o.level0_slowdown_writes_trigger = o.level0_stop_writes_trigger = 200;
  ASSERT_TRUE(Open(o).ok());
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 300; ++i) ASSERT_TRUE(db_->Put(WriteOptions(), Key(i), "v" + std::to_string(i)).ok());
    ASSERT_TRUE(db_->Flush().ok());
  }
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  db_.reset();
  const std::string manifest = FilesOfType(&env_, "/db", FileType::kDescriptor).back();
  std::string contents;
  ASSERT_TRUE(ReadFileToString(&env_, manifest, &contents).ok());
  contents[contents.size() - 2] ^= 0x20;  // inside the compaction's edit
  ASSERT_TRUE(WriteStringToFile(&env_, contents, manifest, true).ok());
  absl::Status s = Open(o);
  ASSERT_TRUE(absl::IsDataLoss(s)) << s;
  EXPECT_NE(std::string(s.message()).find("torn tail dropped"), std::string::npos) << s;
}

// Damage before an intact MANIFEST record is never a torn tail.
TEST_F(RecoveryTest, DamagedManifestRecordBeforeAnIntactOneIsDataLoss) {
  ASSERT_NO_FATAL_FAILURE(FillFlushAndClose(300));
  const std::string manifest = FilesOfType(&env_, "/db", FileType::kDescriptor).back();
  std::string contents;
  ASSERT_TRUE(ReadFileToString(&env_, manifest, &contents).ok());
  contents[10] ^= 0x01;  // inside the first record (the snapshot)
  ASSERT_TRUE(WriteStringToFile(&env_, contents, manifest, true).ok());
  absl::Status s = Open(Opts());
  ASSERT_TRUE(absl::IsDataLoss(s)) << s;
  EXPECT_NE(std::string(s.message()).find(manifest), std::string::npos) << s;
}

// A WAL append that fails on a full disk after a short write (on the real
// file system; the file-size limit plays the full disk) is never replayed:
// its writer was told it failed. Closing the DB must not write it either.
TEST(RecoveryPosixTest, FailedWalAppendIsNeverReplayed) {
  // write(2): a short write into a 30 KB record; memory-mapped: the
  // reservation a 1.5 MiB record needs.
  for (const bool mmap : {false, true}) {
    SCOPED_TRACE(mmap ? "mmap WAL" : "write(2) WAL");
    const std::string dir = NewTestTempDir("recovery_posix");
    Options o;
    o.wal_mmap_writes = mmap;
    {
      auto db = DB::Open(o, dir);
      ASSERT_TRUE(db.ok()) << db.status();
      for (int i = 0; i < 20; ++i) ASSERT_TRUE((*db)->Put(WriteOptions(), Key(i), "v" + std::to_string(i)).ok());
      const std::vector<std::string> logs = FilesOfType(Env::Default(), dir, FileType::kLog);
      ASSERT_EQ(logs.size(), 1u);
      auto size = Env::Default()->GetFileSize(logs[0]);
      ASSERT_TRUE(size.ok());
      absl::Status s;
      {
        ScopedFileSizeLimit full(*size + 1000);
        s = (*db)->Put(WriteOptions(), "failed", std::string(mmap ? 1536 << 10 : 30000, 'f'));
      }
      ASSERT_FALSE(s.ok());
      EXPECT_FALSE((*db)->Put(WriteOptions(), "after", "x").ok());  // read-only until reopened
    }
    auto db = DB::Open(o, dir);
    ASSERT_TRUE(db.ok()) << db.status();
    std::string v;
    EXPECT_TRUE(absl::IsNotFound((*db)->Get(ReadOptions(), "failed", &v)));
    ExpectPrefix(db->get(), 20, 20);
    db->reset();
    RemoveDirRecursively(Env::Default(), dir);
  }
}

// What a process killed after sync writes that filled several zero-filled
// WAL chunks (WritableFileOptions::zero_fill_after_sync, the mapped WAL's
// default) leaves: a log that ends in zeros, a whole chunk of them reserved
// ahead of the appends. The test copies the files of the open DB (what a
// kill -9 leaves is what the files hold; a fork would not do under
// ThreadSanitizer). Reopening the copy takes the zeros for the end of the log
// even in the strictest recovery mode, and finds every acknowledged write.
TEST(RecoveryPosixTest, ZeroFilledWalTailLeftByAKilledProcessIsACleanEnd) {
  Env* const env = Env::Default();
  const std::string dir = NewTestTempDir("recovery_zero_fill");
  const std::string crashed = NewTestTempDir("recovery_zero_fill_crashed");
  constexpr int kWrites = 2500;  // ~2.6 MB of WAL: three chunks, and one zero-filled ahead
  auto value = [](int i) {
    return std::string(1000, static_cast<char>('a' + i % 26)) + std::to_string(i);
  };
  {
    auto db = DB::Open(Options(), dir);
    ASSERT_TRUE(db.ok()) << db.status();
    WriteOptions sync;
    sync.sync = true;
    for (int i = 0; i < kWrites; ++i) ASSERT_TRUE((*db)->Put(sync, Key(i), value(i)).ok());
    auto children = env->GetChildren(dir);
    ASSERT_TRUE(children.ok());
    for (const std::string& name : *children) {
      if (name == "LOCK") continue;
      std::string contents;
      ASSERT_TRUE(ReadFileToString(env, dir + "/" + name, &contents).ok()) << name;
      ASSERT_TRUE(WriteStringToFile(env, contents, crashed + "/" + name, false).ok()) << name;
    }
  }

  const std::vector<std::string> logs = FilesOfType(env, crashed, FileType::kLog);
  ASSERT_EQ(logs.size(), 1u);
  std::string log;
  ASSERT_TRUE(ReadFileToString(env, logs[0], &log).ok());
  EXPECT_EQ(log.size() % kMmapWritableFileChunk, 0u);
  const size_t data_end = log.find_last_not_of('\0') + 1;
  EXPECT_GT(data_end, static_cast<size_t>(kWrites) * 1000);
  EXPECT_GE(log.size() - data_end, kMmapWritableFileChunk) << "no chunk zero-filled ahead";

  Options o;
  o.wal_recovery = WalRecoveryMode::kAbsoluteConsistency;  // any damage would be DataLoss
  o.paranoid_checks = true;
  auto db = DB::Open(o, crashed);
  ASSERT_TRUE(db.ok()) << db.status();
  for (int i = 0; i < kWrites; ++i) {
    std::string v;
    ASSERT_TRUE((*db)->Get(ReadOptions(), Key(i), &v).ok()) << i;
    ASSERT_TRUE(v == value(i)) << i;
  }
  db->reset();
  RemoveDirRecursively(env, dir);
  RemoveDirRecursively(env, crashed);
}

// An Env whose log syncs wait, once armed, until the test lets them go.
class BlockingLogSyncEnv : public EnvWrapper {
 public:
  explicit BlockingLogSyncEnv(Env* base) : EnvWrapper(base) {}

  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override {
    auto file = target()->NewWritableFile(path);
    if (!file.ok() || path.find(".log") == std::string::npos) return file;
    return std::unique_ptr<WritableFile>(new LogFile(this, *std::move(file)));
  }

  void Arm() {
    std::lock_guard<std::mutex> l(mu_);
    armed_ = true;
  }
  // Waits until a log sync is blocked; false after 60 s without one.
  bool WaitUntilBlocked() {
    std::unique_lock<std::mutex> l(mu_);
    return cv_.wait_for(l, std::chrono::seconds(60), [this] { return blocked_; });
  }
  void Release() {
    std::lock_guard<std::mutex> l(mu_);
    released_ = true;
    cv_.notify_all();
  }
  // True if a blocked sync had to give up waiting for Release (60 s).
  bool TimedOut() {
    std::lock_guard<std::mutex> l(mu_);
    return timed_out_;
  }

 private:
  class LogFile final : public WritableFile {
   public:
    LogFile(BlockingLogSyncEnv* env, std::unique_ptr<WritableFile> f)
        : env_(env), f_(std::move(f)) {}
    absl::Status Append(std::string_view data) override { return f_->Append(data); }
    absl::Status Flush() override { return f_->Flush(); }
    absl::Status Close() override { return f_->Close(); }
    absl::Status Sync() override {
      env_->MaybeBlock();
      return f_->Sync();
    }

   private:
    BlockingLogSyncEnv* const env_;
    std::unique_ptr<WritableFile> f_;
  };

  void MaybeBlock() {
    std::unique_lock<std::mutex> l(mu_);
    if (!armed_) return;
    armed_ = false;
    blocked_ = true;
    cv_.notify_all();
    if (!cv_.wait_for(l, std::chrono::seconds(60), [this] { return released_; })) {
      timed_out_ = true;
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  bool armed_ = false, blocked_ = false, released_ = false, timed_out_ = false;
};

// The old log's sync at a memtable switch runs without the DB mutex: reads,
// snapshots and properties go on while it is under way.
TEST(RecoveryConcurrencyTest, LogSyncAtAMemtableSwitchDoesNotBlockReaders) {
  std::unique_ptr<Env> mem = NewMemEnv(Env::Default());
  BlockingLogSyncEnv env(mem.get());
  Options o = SmallOptions(&env);
  auto opened = DB::Open(o, "/db");
  ASSERT_TRUE(opened.ok()) << opened.status();
  std::unique_ptr<DB> db = std::move(*opened);
  ASSERT_TRUE(db->Put(WriteOptions(), "k", "v").ok());
  env.Arm();
  std::thread writer([&] {
    // Enough to fill the memtable and switch to a new log.
    for (int i = 0; i < 4000; ++i) {
      if (!db->Put(WriteOptions(), Key(i), std::string(100, 'w')).ok()) return;
    }
  });
  ASSERT_TRUE(env.WaitUntilBlocked()) << "no memtable switch synced the old log";
  std::string v;
  EXPECT_TRUE(db->Get(ReadOptions(), "k", &v).ok());
  const Snapshot* snap = db->GetSnapshot();
  db->ReleaseSnapshot(snap);
  EXPECT_TRUE(db->GetProperty("lsm.stats").has_value());
  env.Release();
  writer.join();
  EXPECT_FALSE(env.TimedOut()) << "readers waited for the log sync";
  db.reset();
}

}  // namespace
}  // namespace lsm
