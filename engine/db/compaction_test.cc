#include <cstdio>
#include <optional>

#include "engine/db/db_test_util.h"
#include "engine/env/fault_injection_env.h"
#include "engine/env/mem_env.h"
#include "engine/util/random.h"
#include "gtest/gtest.h"

namespace lsm {
namespace {

class CompactionTest : public ::testing::Test {
 protected:
  CompactionTest() : env_(NewMemEnv(Env::Default())) {
    auto db = DB::Open(SmallOptions(env_.get()), "/db");
    EXPECT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
  }

  uint64_t LiveTableBytes() {
    uint64_t total = 0;
    for (const std::string& path : FilesOfType(env_.get(), "/db", FileType::kTable)) {
      total += *env_->GetFileSize(path);
    }
    return total;
  }
  int FilesAtLevel(int level) {
    return std::stoi(*db_->GetProperty("lsm.num-files-at-level" + std::to_string(level)));
  }

  std::optional<uint64_t> CompactionsForReads() {
    return StatAfter(db_.get(), "compactions for reads: ");
  }

  std::unique_ptr<Env> env_;
  std::unique_ptr<DB> db_;
};

std::string Key(int i) { return "key" + std::to_string(100000 + i); }

TEST_F(CompactionTest, BackgroundCompactionBuildsDeeperLevels) {
  Random rnd(1);
  for (int i = 0; i < 20000; ++i) {
    ASSERT_TRUE(db_->Put(WriteOptions(), Key(rnd.Uniform(20000)), rnd.Bytes(100)).ok());
  }
  ASSERT_TRUE(Impl(db_.get())->TEST_WaitForBackgroundWork().ok());
  int deeper = 0;
  for (int level = 1; level < kNumLevels; ++level) deeper += FilesAtLevel(level);
  EXPECT_GT(deeper, 0) << *db_->GetProperty("lsm.stats");
  // L0 stays near its trigger instead of growing without bound.
  EXPECT_LT(FilesAtLevel(0), 12) << *db_->GetProperty("lsm.stats");
  const std::string stats = *db_->GetProperty("lsm.stats");
  EXPECT_NE(stats.find("write amplification"), std::string::npos);
  std::printf("%s", stats.c_str());
}

TEST_F(CompactionTest, DeletingEverythingThenCompactingFreesTheSpace) {
  Random rnd(3);
  for (int i = 0; i < 5000; ++i) ASSERT_TRUE(db_->Put(WriteOptions(), Key(i), rnd.Bytes(200)).ok());
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  const uint64_t full = LiveTableBytes();
  EXPECT_GT(full, 500000u);
  for (int i = 0; i < 5000; ++i) ASSERT_TRUE(db_->Delete(WriteOptions(), Key(i)).ok());
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  EXPECT_LT(LiveTableBytes(), full / 100) << *db_->GetProperty("lsm.sstables");
  EXPECT_TRUE(ReadAll(db_.get()).empty());
}

TEST_F(CompactionTest, SnapshotKeepsOldVersionsThroughCompaction) {
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(db_->Put(WriteOptions(), Key(i), "old").ok());
  const Snapshot* snap = db_->GetSnapshot();
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(db_->Put(WriteOptions(), Key(i), "new").ok());
  for (int i = 0; i < 1000; i += 3) ASSERT_TRUE(db_->Delete(WriteOptions(), Key(i)).ok());
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  ReadOptions at_snap;
  at_snap.snapshot = snap;
  for (int i = 0; i < 1000; ++i) {
    std::string v;
    ASSERT_TRUE(db_->Get(at_snap, Key(i), &v).ok()) << i;
    EXPECT_EQ(v, "old");
    absl::Status s = db_->Get(ReadOptions(), Key(i), &v);
    if (i % 3 == 0) {
      EXPECT_TRUE(absl::IsNotFound(s));
    } else {
      EXPECT_EQ(v, "new");
    }
  }
  db_->ReleaseSnapshot(snap);
  // Without the snapshot, the old versions go at the next compaction.
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  EXPECT_EQ(ReadAll(db_.get()).size(), 666u);
}

TEST_F(CompactionTest, CompactRangeOfAPartialRange) {
  for (int i = 0; i < 3000; ++i) ASSERT_TRUE(db_->Put(WriteOptions(), Key(i), std::string(100, 'v')).ok());
  const std::string lo = Key(1000), hi = Key(2000);
  std::string_view lov(lo), hiv(hi);
  ASSERT_TRUE(db_->CompactRange(&lov, &hiv).ok());
  EXPECT_EQ(ReadAll(db_.get()).size(), 3000u);
}

// A file that point reads keep looking past (searched, then the key found
// in an older file) is compacted into the next level once it has used up its
// seek budget, so those reads then probe one file instead of two.
TEST_F(CompactionTest, ReadsThatLookPastAFileGetItCompacted) {
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(db_->Put(WriteOptions(), Key(i), "old").ok());
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  ASSERT_EQ(FilesAtLevel(0), 0);
  // One small L0 file spanning the whole key range, holding two keys: every
  // other key is searched there first, then found below.
  ASSERT_TRUE(db_->Put(WriteOptions(), Key(0), "new").ok());
  ASSERT_TRUE(db_->Put(WriteOptions(), Key(999), "new").ok());
  ASSERT_TRUE(db_->Flush().ok());
  ASSERT_TRUE(Impl(db_.get())->TEST_WaitForBackgroundWork().ok());
  ASSERT_EQ(FilesAtLevel(0), 1);

  auto read = [&](int n) {
    std::string v;
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(db_->Get(ReadOptions(), Key(1 + i % 998), &v).ok());
      ASSERT_EQ(v, "old");
    }
    ASSERT_TRUE(Impl(db_.get())->TEST_WaitForBackgroundWork().ok());
  };
  // A file's budget is at least 100 seeks (SeekBudget::ForFileSize).
  read(50);
  EXPECT_EQ(FilesAtLevel(0), 1) << "compacted before its seek budget ran out";
  read(100);
  EXPECT_EQ(FilesAtLevel(0), 0) << *db_->GetProperty("lsm.stats");
  EXPECT_EQ(CompactionsForReads(), std::optional<uint64_t>(1)) << *db_->GetProperty("lsm.stats");

  // Nothing was lost or resurrected on the way down.
  const auto all = ReadAll(db_.get());
  ASSERT_EQ(all.size(), 1000u);
  EXPECT_EQ(all.at(Key(0)), "new");
  EXPECT_EQ(all.at(Key(999)), "new");
  EXPECT_EQ(all.at(Key(500)), "old");
}

// Scans charge files too: about once per MiB read, the iterator samples the
// key it is on, and a file that a point read of that key would search before
// another one is charged (LevelDB's read sampling).
TEST_F(CompactionTest, ScansThatReadPastAFileGetItCompacted) {
  constexpr int kKeys = 400;
  const std::string big(10 << 10, 'v');  // 400 x 10 KiB: 4 MiB per scan
  for (int i = 0; i < kKeys; ++i) ASSERT_TRUE(db_->Put(WriteOptions(), Key(i), big).ok());
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  ASSERT_TRUE(db_->Put(WriteOptions(), Key(0), "new").ok());
  ASSERT_TRUE(db_->Put(WriteOptions(), Key(kKeys - 1), "new").ok());
  ASSERT_TRUE(db_->Flush().ok());
  ASSERT_TRUE(Impl(db_.get())->TEST_WaitForBackgroundWork().ok());
  ASSERT_EQ(FilesAtLevel(0), 1);

  auto scan = [&](int times) {
    for (int t = 0; t < times; ++t) {
      std::unique_ptr<Iterator> it = db_->NewIterator(ReadOptions());
      int n = 0;
      for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
      ASSERT_TRUE(it->status().ok()) << it->status();
      ASSERT_EQ(n, kKeys);
    }
    ASSERT_TRUE(Impl(db_.get())->TEST_WaitForBackgroundWork().ok());
  };
  // 40 MiB read: about 40 samples, far from the L0 file's budget of 100.
  scan(10);
  EXPECT_EQ(FilesAtLevel(0), 1) << "compacted before its seek budget ran out";
  // 160 MiB more: about 160 samples.
  scan(40);
  EXPECT_EQ(FilesAtLevel(0), 0) << *db_->GetProperty("lsm.stats");
  // The L0 file's, and then possibly its output's at L1, which the scans
  // keep reading past on its way to the level that holds the rest.
  ASSERT_TRUE(CompactionsForReads().has_value()) << *db_->GetProperty("lsm.stats");
  EXPECT_GE(*CompactionsForReads(), 1u) << *db_->GetProperty("lsm.stats");
  const auto all = ReadAll(db_.get());
  ASSERT_EQ(all.size(), static_cast<size_t>(kKeys));
  EXPECT_EQ(all.at(Key(0)), "new");
  EXPECT_EQ(all.at(Key(1)), big);
}

TEST(CompactionFaultTest, FailedCompactionWriteLosesNothing) {
  std::unique_ptr<Env> base = NewMemEnv(Env::Default());
  FaultInjectionEnv env(base.get());
  Options o = SmallOptions(&env);
  // No automatic compaction and no compression: everything waits in L0, and
  // the CompactRange below writes about eight 64 KiB tables (well past the
  // two that succeed) whatever the timing of the background threads.
  o.compression = Compression::kNone;
  o.level0_compaction_trigger = 1000;
  o.level0_slowdown_writes_trigger = 1000;
  o.level0_stop_writes_trigger = 1001;
  for (auto op : {FaultInjectionEnv::Op::kAppend, FaultInjectionEnv::Op::kSync,
                  FaultInjectionEnv::Op::kNewWritableFile}) {
    SCOPED_TRACE(std::string(FaultInjectionEnv::OpName(op)));
    ASSERT_TRUE(DestroyDB("/db", o).ok());
    auto db = DB::Open(o, "/db");
    ASSERT_TRUE(db.ok()) << db.status();
    for (int i = 0; i < 4000; ++i) {
      ASSERT_TRUE((*db)->Put(WriteOptions(), Key(i), std::string(100, 'a' + i % 26)).ok());
    }
    ASSERT_TRUE((*db)->Flush().ok());
    env.FailAfter(op, 2, FaultInjectionEnv::ErrnoError(EIO), ".sst");
    absl::Status s = (*db)->CompactRange(nullptr, nullptr);
    EXPECT_FALSE(s.ok()) << *(*db)->GetProperty("lsm.sstables");
    // The background error stops writes.
    EXPECT_FALSE((*db)->Put(WriteOptions(), "x", "y").ok());
    env.ClearFaults();
    db->reset();
    auto reopened = DB::Open(o, "/db");
    ASSERT_TRUE(reopened.ok()) << reopened.status();
    auto all = ReadAll(reopened->get());
    ASSERT_EQ(all.size(), 4000u);
    for (int i = 0; i < 4000; ++i) EXPECT_EQ(all[Key(i)], std::string(100, 'a' + i % 26));
    ASSERT_TRUE((*reopened)->CompactRange(nullptr, nullptr).ok());
    EXPECT_EQ(ReadAll(reopened->get()).size(), 4000u);
  }
}

}  // namespace
}  // namespace lsm
