// DB::DeleteRange end to end: reads of every kind (Get, MultiGet, iterators
// both ways, snapshots) through every place a tombstone can live (memtable,
// WAL replay, L0, deeper levels split across files), and compaction
// reclaiming the space.
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "engine/db/db_test_util.h"
#include "engine/env/mem_env.h"
#include "gtest/gtest.h"

namespace lsm {
namespace {

std::string Key(int i) { return absl::StrFormat("key%06d", i); }

class RangeDeletionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = NewMemEnv(Env::Default());
    options_ = SmallOptions(env_.get());
    options_.compression = Compression::kNone;  // file sizes follow the data
    Reopen();
  }
  void Reopen() {
    db_.reset();
    auto opened = DB::Open(options_, "/rd");
    ASSERT_TRUE(opened.ok()) << opened.status();
    db_ = std::move(*opened);
  }
  std::string Get(const std::string& k, const Snapshot* snap = nullptr) {
    ReadOptions ro;
    ro.snapshot = snap;
    std::string v;
    absl::Status s = db_->Get(ro, k, &v);
    if (absl::IsNotFound(s)) return "NOT_FOUND";
    if (!s.ok()) return "ERROR: " + std::string(s.message());
    return v;
  }
  // Keys of a full scan, backward, reversed back: must equal ReadAll's.
  std::vector<std::string> KeysBackward(const Snapshot* snap = nullptr) {
    ReadOptions ro;
    ro.snapshot = snap;
    auto it = db_->NewIterator(ro);
    std::vector<std::string> keys;
    for (it->SeekToLast(); it->Valid(); it->Prev()) keys.insert(keys.begin(), std::string(it->key()));
    EXPECT_TRUE(it->status().ok()) << it->status();
    return keys;
  }
  void ExpectState(const std::map<std::string, std::string>& want,
                   const Snapshot* snap = nullptr) {
    EXPECT_EQ(ReadAll(db_.get(), snap), want);
    std::vector<std::string> keys;
    for (const auto& [k, v] : want) keys.push_back(k);
    EXPECT_EQ(KeysBackward(snap), keys);
  }
  uint64_t TableBytes() {
    uint64_t total = 0;
    for (const std::string& f : FilesOfType(env_.get(), "/rd", FileType::kTable)) {
      total += *env_->GetFileSize(f);
    }
    return total;
  }
  int FilesAtLevel(int level) {
    return std::stoi(*db_->GetProperty("lsm.num-files-at-level" + std::to_string(level)));
  }

  std::unique_ptr<Env> env_;
  Options options_;
  std::unique_ptr<DB> db_;
  WriteOptions wo_;
};

TEST_F(RangeDeletionTest, DeletesTheHalfOpenRangeForEveryKindOfRead) {
  std::map<std::string, std::string> model;
  for (char c = 'a'; c <= 'h'; ++c) {
    ASSERT_TRUE(db_->Put(wo_, std::string(1, c), std::string(3, c)).ok());
    model[std::string(1, c)] = std::string(3, c);
  }
  ASSERT_TRUE(db_->DeleteRange(wo_, "c", "f").ok());
  for (const char* k : {"c", "d", "e"}) model.erase(k);
  EXPECT_EQ(Get("b"), "bbb");
  EXPECT_EQ(Get("c"), "NOT_FOUND");
  EXPECT_EQ(Get("e"), "NOT_FOUND");
  EXPECT_EQ(Get("f"), "fff");  // the end is exclusive
  ExpectState(model);
  const std::vector<std::string_view> keys = {"f", "c", "a", "d", "zz"};
  const auto got = db_->MultiGet(ReadOptions(), keys);
  EXPECT_EQ(*got[0], "fff");
  EXPECT_TRUE(absl::IsNotFound(got[1].status()));
  EXPECT_EQ(*got[2], "aaa");
  EXPECT_TRUE(absl::IsNotFound(got[3].status()));
  EXPECT_TRUE(absl::IsNotFound(got[4].status()));
  // Seeks into the deleted range land after it, SeekForPrev before it.
  auto it = db_->NewIterator(ReadOptions());
  it->Seek("c");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "f");
  it->SeekForPrev("e");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "b");
  it->Next();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "f");
}

TEST_F(RangeDeletionTest, LaterWritesAndOlderSnapshotsAreNotAffected) {
  ASSERT_TRUE(db_->Put(wo_, "k1", "old1").ok());
  ASSERT_TRUE(db_->Put(wo_, "k2", "old2").ok());
  const Snapshot* before = db_->GetSnapshot();
  ASSERT_TRUE(db_->DeleteRange(wo_, "k", "l").ok());
  const Snapshot* between = db_->GetSnapshot();
  ASSERT_TRUE(db_->Put(wo_, "k2", "new2").ok());
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE(round == 0 ? "memtable" : round == 1 ? "after flush" : "after compaction");
    EXPECT_EQ(Get("k1"), "NOT_FOUND");
    EXPECT_EQ(Get("k2"), "new2");
    EXPECT_EQ(Get("k1", before), "old1");
    EXPECT_EQ(Get("k2", before), "old2");
    EXPECT_EQ(Get("k2", between), "NOT_FOUND");
    ExpectState({{"k1", "old1"}, {"k2", "old2"}}, before);
    ExpectState({}, between);
    ExpectState({{"k2", "new2"}});
    if (round == 0) {
      ASSERT_TRUE(db_->Flush().ok());
    } else if (round == 1) {
      ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
    }
  }
  db_->ReleaseSnapshot(before);
  db_->ReleaseSnapshot(between);
}

TEST_F(RangeDeletionTest, BadRangesAreRefused) {
  absl::Status s = db_->DeleteRange(wo_, "b", "a");
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_NE(s.message().find("sorts after"), std::string_view::npos) << s;
  EXPECT_TRUE(absl::IsInvalidArgument(db_->DeleteRange(wo_, std::string(kMaxKeySize + 1, 'a'),
                                                       std::string(kMaxKeySize + 2, 'a'))));
  WriteBatch batch;
  batch.Put("x", "1");
  batch.DeleteRange("z", "y");
  s = db_->Write(wo_, &batch);
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_EQ(Get("x"), "NOT_FOUND") << "a refused batch writes nothing";
  // An empty range is valid and deletes nothing.
  ASSERT_TRUE(db_->Put(wo_, "m", "v").ok());
  ASSERT_TRUE(db_->DeleteRange(wo_, "m", "m").ok());
  EXPECT_EQ(Get("m"), "v");
}

TEST_F(RangeDeletionTest, SurvivesWalReplayFlushAndCompaction) {
  std::map<std::string, std::string> model;
  for (int i = 0; i < 400; ++i) {
    ASSERT_TRUE(db_->Put(wo_, Key(i), "v" + std::to_string(i)).ok());
    model[Key(i)] = "v" + std::to_string(i);
  }
  ASSERT_TRUE(db_->Flush().ok());
  WriteBatch batch;  // a range deletion and a put inside it, in one batch
  batch.DeleteRange(Key(100), Key(300));
  batch.Put(Key(150), "reborn");
  ASSERT_TRUE(db_->Write(wo_, &batch).ok());
  for (int i = 100; i < 300; ++i) model.erase(Key(i));
  model[Key(150)] = "reborn";
  ExpectState(model);
  Reopen();  // from the WAL
  ExpectState(model);
  EXPECT_EQ(Get(Key(150)), "reborn");
  ASSERT_TRUE(db_->Flush().ok());
  ExpectState(model);
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  ExpectState(model);
  Reopen();  // from the MANIFEST and the tables
  ExpectState(model);
}

// A tombstone that spans many files of a deeper level, compacted a piece at
// a time: each output keeps the part of the tombstone inside its own range,
// so the level's files never overlap (the MANIFEST would refuse them) and
// every read stays right.
TEST_F(RangeDeletionTest, WideTombstoneIsSplitAcrossOutputFiles) {
  std::map<std::string, std::string> model;
  const std::string value(200, 'x');
  for (int i = 0; i < 3000; ++i) {
    ASSERT_TRUE(db_->Put(wo_, Key(i), value).ok());
    model[Key(i)] = value;
  }
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  int files = 0;
  for (int level = 1; level < kNumLevels; ++level) files = std::max(files, FilesAtLevel(level));
  ASSERT_GE(files, 5) << "the range must span several files of one level";
  ASSERT_TRUE(db_->DeleteRange(wo_, Key(500), Key(2500)).ok());
  for (int i = 500; i < 2500; ++i) model.erase(Key(i));
  for (int i = 1000; i < 1010; ++i) {  // newer writes inside the range
    ASSERT_TRUE(db_->Put(wo_, Key(i), "new").ok());
    model[Key(i)] = "new";
  }
  ASSERT_TRUE(db_->Flush().ok());
  ExpectState(model);
  for (int from = 0; from < 3000; from += 400) {
    const std::string lo = Key(from), hi = Key(from + 399);
    const std::string_view l(lo), h(hi);
    ASSERT_TRUE(db_->CompactRange(&l, &h).ok());
    ExpectState(model);
  }
  Reopen();
  ExpectState(model);
  EXPECT_EQ(Get(Key(1005)), "new");
  EXPECT_EQ(Get(Key(2000)), "NOT_FOUND");
  EXPECT_EQ(Get(Key(2500)), value);
}

TEST_F(RangeDeletionTest, CompactionReclaimsTheSpaceOnceNoSnapshotNeedsIt) {
  const std::string value(1000, 'v');
  for (int i = 0; i < 2000; ++i) ASSERT_TRUE(db_->Put(wo_, Key(i), value).ok());
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  const uint64_t full = TableBytes();
  const Snapshot* snap = db_->GetSnapshot();
  ASSERT_TRUE(db_->DeleteRange(wo_, Key(0), Key(2000)).ok());
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  // The snapshot still reads everything, so nothing may go yet.
  EXPECT_EQ(Get(Key(1234), snap), value);
  EXPECT_GE(TableBytes(), full);
  db_->ReleaseSnapshot(snap);
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  const uint64_t after = TableBytes();
  std::printf("tables: %llu bytes full, %llu bytes after deleting every key\n",
              static_cast<unsigned long long>(full), static_cast<unsigned long long>(after));
  EXPECT_EQ(after, 0u) << "the entries and the tombstone itself are gone";
  for (int level = 0; level < kNumLevels; ++level) EXPECT_EQ(FilesAtLevel(level), 0);
  ExpectState({});
}

// Tombstones deep in the tree and point entries above them: compaction keeps
// whatever a reader can still see.
TEST_F(RangeDeletionTest, TombstoneInATableWithNoPointEntries) {
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(db_->Put(wo_, Key(i), "a").ok());
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  ASSERT_TRUE(db_->DeleteRange(wo_, Key(10), Key(20)).ok());
  ASSERT_TRUE(db_->Flush().ok());  // an L0 table holding only the tombstone
  EXPECT_EQ(FilesAtLevel(0), 1);
  EXPECT_EQ(Get(Key(15)), "NOT_FOUND");
  EXPECT_EQ(Get(Key(20)), "a");
  Reopen();
  EXPECT_EQ(Get(Key(15)), "NOT_FOUND");
  EXPECT_EQ(ReadAll(db_.get()).size(), 90u);
}

}  // namespace
}  // namespace lsm
