#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine/db/db_test_util.h"
#include "engine/env/fault_injection_env.h"
#include "engine/env/mem_env.h"
#include "engine/env/test_util.h"
#include "engine/util/random.h"
#include "gtest/gtest.h"

namespace lsm {
namespace {

class DBTest : public ::testing::Test {
 protected:
  DBTest() : env_(NewMemEnv(Env::Default())) { Reopen(); }

  void Reopen(Options o) {
    db_.reset();
    auto db = DB::Open(o, "/db");
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
  }
  void Reopen() { Reopen(SmallOptions(env_.get())); }

  std::string Get(std::string_view key, const Snapshot* snap = nullptr) {
    ReadOptions ro;
    ro.snapshot = snap;
    std::string value;
    absl::Status s = db_->Get(ro, key, &value);
    if (absl::IsNotFound(s)) return "NOT_FOUND";
    if (!s.ok()) return "ERROR: " + s.ToString();
    return value;
  }

  std::unique_ptr<Env> env_;
  std::unique_ptr<DB> db_;
  WriteOptions wo_;
};

TEST_F(DBTest, EmptyDBFindsNothing) {
  EXPECT_EQ(Get("a"), "NOT_FOUND");
  EXPECT_TRUE(ReadAll(db_.get()).empty());
}

TEST_F(DBTest, PutGetDeleteOverwrite) {
  ASSERT_TRUE(db_->Put(wo_, "k1", "v1").ok());
  ASSERT_TRUE(db_->Put(wo_, "k2", "v2").ok());
  EXPECT_EQ(Get("k1"), "v1");
  ASSERT_TRUE(db_->Put(wo_, "k1", "v1b").ok());
  EXPECT_EQ(Get("k1"), "v1b");
  ASSERT_TRUE(db_->Delete(wo_, "k1").ok());
  EXPECT_EQ(Get("k1"), "NOT_FOUND");
  EXPECT_EQ(Get("k2"), "v2");
  // Deleting an absent key is not an error.
  EXPECT_TRUE(db_->Delete(wo_, "never").ok());
}

TEST_F(DBTest, BinaryKeysAndEmptyValues) {
  const std::string k1("a\0b", 3), k2("a\0c", 3), v("\0\xff\0", 3);
  ASSERT_TRUE(db_->Put(wo_, k1, v).ok());
  ASSERT_TRUE(db_->Put(wo_, k2, "").ok());
  ASSERT_TRUE(db_->Put(wo_, "", "empty key").ok());
  EXPECT_EQ(Get(k1), v);
  EXPECT_EQ(Get(k2), "");
  EXPECT_EQ(Get(""), "empty key");
  ASSERT_TRUE(db_->Flush().ok());
  EXPECT_EQ(Get(k1), v);
  EXPECT_EQ(Get(k2), "");
  EXPECT_EQ(Get(""), "empty key");
}

TEST_F(DBTest, ValuesSurviveFlushAndReopen) {
  for (int i = 0; i < 3000; ++i) {
    ASSERT_TRUE(db_->Put(wo_, "key" + std::to_string(i), std::string(100, 'a' + i % 26)).ok());
  }
  ASSERT_TRUE(db_->Delete(wo_, "key7").ok());
  Reopen();
  EXPECT_EQ(Get("key0"), std::string(100, 'a'));
  EXPECT_EQ(Get("key2999"), std::string(100, 'a' + 2999 % 26));
  EXPECT_EQ(Get("key7"), "NOT_FOUND");
  ASSERT_TRUE(db_->Flush().ok());
  Reopen();
  EXPECT_EQ(Get("key1234"), std::string(100, 'a' + 1234 % 26));
  EXPECT_EQ(ReadAll(db_.get()).size(), 2999u);
}

TEST_F(DBTest, LargeValuesRoundTrip) {
  Random rnd(7);
  const std::string big = rnd.Bytes(1 << 20);
  ASSERT_TRUE(db_->Put(wo_, "big", big).ok());
  EXPECT_EQ(Get("big"), big);
  ASSERT_TRUE(db_->Flush().ok());
  EXPECT_EQ(Get("big"), big);
  Reopen();
  EXPECT_EQ(Get("big"), big);
}

TEST_F(DBTest, OversizedKeyIsInvalidArgument) {
  const std::string key(kMaxKeySize + 1, 'k');
  EXPECT_TRUE(absl::IsInvalidArgument(db_->Put(wo_, key, "v")));
  EXPECT_TRUE(absl::IsInvalidArgument(db_->Delete(wo_, key)));
  std::string value;
  EXPECT_TRUE(absl::IsInvalidArgument(db_->Get(ReadOptions(), key, &value)));
  WriteBatch batch;
  batch.Put("ok", "v");
  batch.Put(key, "v");
  EXPECT_TRUE(absl::IsInvalidArgument(db_->Write(wo_, &batch)));
  EXPECT_EQ(Get("ok"), "NOT_FOUND");  // the batch is all or nothing
  EXPECT_TRUE(absl::IsInvalidArgument(db_->Write(wo_, nullptr)));
}

TEST_F(DBTest, WriteBatchIsAppliedInOrder) {
  WriteBatch batch;
  batch.Put("a", "1");
  batch.Put("b", "2");
  batch.Delete("a");
  batch.Put("c", "3");
  batch.Put("c", "4");
  ASSERT_TRUE(db_->Write(wo_, &batch).ok());
  EXPECT_EQ(Get("a"), "NOT_FOUND");
  EXPECT_EQ(Get("b"), "2");
  EXPECT_EQ(Get("c"), "4");
}

TEST_F(DBTest, SnapshotsSeeThePast) {
  ASSERT_TRUE(db_->Put(wo_, "k", "v1").ok());
  const Snapshot* s1 = db_->GetSnapshot();
  ASSERT_TRUE(db_->Put(wo_, "k", "v2").ok());
  ASSERT_TRUE(db_->Delete(wo_, "gone").ok());
  const Snapshot* s2 = db_->GetSnapshot();
  ASSERT_TRUE(db_->Delete(wo_, "k").ok());
  EXPECT_EQ(Get("k", s1), "v1");
  EXPECT_EQ(Get("k", s2), "v2");
  EXPECT_EQ(Get("k"), "NOT_FOUND");
  ASSERT_TRUE(db_->Flush().ok());
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  EXPECT_EQ(Get("k", s1), "v1");
  EXPECT_EQ(Get("k", s2), "v2");
  EXPECT_EQ(Get("k"), "NOT_FOUND");
  EXPECT_EQ(ReadAll(db_.get(), s1).at("k"), "v1");
  db_->ReleaseSnapshot(s1);
  db_->ReleaseSnapshot(s2);
  EXPECT_EQ(db_->GetProperty("lsm.num-snapshots"), "0");
}

TEST_F(DBTest, IteratorBothWaysWithSeeksAndBounds) {
  for (const char* k : {"a", "c", "e", "g"}) ASSERT_TRUE(db_->Put(wo_, k, k).ok());
  ASSERT_TRUE(db_->Flush().ok());
  ASSERT_TRUE(db_->Put(wo_, "b", "b").ok());
  ASSERT_TRUE(db_->Delete(wo_, "e").ok());
  auto it = db_->NewIterator(ReadOptions());
  std::string fwd, back;
  for (it->SeekToFirst(); it->Valid(); it->Next()) fwd += it->key();
  for (it->SeekToLast(); it->Valid(); it->Prev()) back += it->key();
  EXPECT_EQ(fwd, "abcg");
  EXPECT_EQ(back, "gcba");
  it->Seek("d");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "g");
  it->SeekForPrev("f");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "c");
  it->Next();  // direction change
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "g");
  it->Prev();
  it->Prev();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "b");

  ReadOptions bounded;
  bounded.lower_bound = "b";
  bounded.upper_bound = "g";
  auto bit = db_->NewIterator(bounded);
  std::string in;
  for (bit->SeekToFirst(); bit->Valid(); bit->Next()) in += bit->key();
  EXPECT_EQ(in, "bc");
  in.clear();
  for (bit->SeekToLast(); bit->Valid(); bit->Prev()) in += bit->key();
  EXPECT_EQ(in, "cb");
  bit->Seek("a");
  ASSERT_TRUE(bit->Valid());
  EXPECT_EQ(bit->key(), "b");
  bit->SeekForPrev("z");
  ASSERT_TRUE(bit->Valid());
  EXPECT_EQ(bit->key(), "c");
}

TEST_F(DBTest, IteratorKeepsItsViewAcrossFlushAndCompaction) {
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(db_->Put(wo_, std::to_string(1000 + i), "old").ok());
  auto it = db_->NewIterator(ReadOptions());
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(db_->Put(wo_, std::to_string(1000 + i), "new").ok());
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  int n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++n) EXPECT_EQ(it->value(), "old");
  EXPECT_EQ(n, 100);
  EXPECT_TRUE(it->status().ok());
}

// The table files of the DB, by path.
std::set<std::string> TableFiles(Env* env) {
  const std::vector<std::string> paths = FilesOfType(env, "/db", FileType::kTable);
  return std::set<std::string>(paths.begin(), paths.end());
}

bool SharesAny(const std::set<std::string>& a, const std::set<std::string>& b) {
  for (const std::string& x : a) {
    if (b.count(x) > 0) return true;
  }
  return false;
}

// A long-lived iterator with nothing written since it was made moves to the
// tree a compaction left at its next repositioning call: it reads the same
// entries, and the files it read before are released (deleted by the next
// collection of obsolete files).
TEST_F(DBTest, IdleIteratorMovesToTheCompactedTree) {
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 100; ++i) {
      ASSERT_TRUE(db_->Put(wo_, std::to_string(1000 + i), "v" + std::to_string(round)).ok());
    }
    ASSERT_TRUE(db_->Flush().ok());
  }
  ASSERT_TRUE(db_->Delete(wo_, "1050").ok());
  const std::set<std::string> before = TableFiles(env_.get());
  auto it = db_->NewIterator(ReadOptions());
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  EXPECT_TRUE(SharesAny(before, TableFiles(env_.get())));  // the iterator pins them
  int n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++n) EXPECT_EQ(it->value(), "v2");
  EXPECT_EQ(n, 99);
  EXPECT_TRUE(it->status().ok()) << it->status();
  // A write after the move: the iterator keeps its sequence (and its new tree).
  ASSERT_TRUE(db_->Put(wo_, "2000", "later").ok());
  ASSERT_TRUE(db_->Flush().ok());  // collects obsolete files
  EXPECT_FALSE(SharesAny(before, TableFiles(env_.get())));
  it->Seek("1999");
  EXPECT_FALSE(it->Valid());
  it->Seek("1050");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "1051");
}

// Seeks on an idle iterator while another thread compacts: each seek reads
// whichever tree is current, and always the same entries.
TEST_F(DBTest, IdleIteratorSeeksWhileTheTreeIsCompacted) {
  const uint64_t seed = TestSeed(11);
  std::cout << "seed " << seed << std::endl;
  Random rnd(seed);
  std::map<std::string, std::string> model;
  for (int round = 0; round < 6; ++round) {
    for (int i = 0; i < 300; ++i) {
      const std::string key = std::to_string(10000 + rnd.Uniform(2000));
      const std::string value = rnd.Bytes(50);
      ASSERT_TRUE(db_->Put(wo_, key, value).ok());
      model[key] = value;
    }
    ASSERT_TRUE(db_->Flush().ok());
  }
  auto it = db_->NewIterator(ReadOptions());
  std::atomic<bool> done{false};
  std::thread compactor([&] {
    EXPECT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
    done.store(true);
  });
  int seeks = 0;
  while (!done.load() || seeks < 200) {
    const std::string target = std::to_string(10000 + rnd.Uniform(2100));
    it->Seek(target);
    auto want = model.lower_bound(target);
    for (int step = 0; step < 3; ++step, ++want, it->Next()) {
      if (want == model.end()) {
        ASSERT_FALSE(it->Valid()) << target;
        break;
      }
      ASSERT_TRUE(it->Valid()) << target;
      ASSERT_EQ(it->key(), want->first);
      ASSERT_EQ(it->value(), want->second);
    }
    ++seeks;
  }
  compactor.join();
  EXPECT_TRUE(it->status().ok()) << it->status();
}

// Under a snapshot, the iterator moves to the compacted tree even with writes
// since, and still reads the snapshot's entries.
TEST_F(DBTest, SnapshotIteratorMovesToTheCompactedTreeAndKeepsTheSnapshot) {
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(db_->Put(wo_, std::to_string(1000 + i), "old").ok());
  ASSERT_TRUE(db_->Flush().ok());
  const Snapshot* snap = db_->GetSnapshot();
  ReadOptions ro;
  ro.snapshot = snap;
  auto it = db_->NewIterator(ro);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(db_->Put(wo_, std::to_string(1000 + i), "new").ok());
  ASSERT_TRUE(db_->Put(wo_, "0999", "new").ok());
  const std::set<std::string> before = TableFiles(env_.get());
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  int n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++n) EXPECT_EQ(it->value(), "old");
  EXPECT_EQ(n, 100);
  for (it->SeekToLast(); it->Valid(); it->Prev()) EXPECT_EQ(it->value(), "old");
  EXPECT_TRUE(it->status().ok()) << it->status();
  ASSERT_TRUE(db_->Put(wo_, "3000", "x").ok());
  ASSERT_TRUE(db_->Flush().ok());
  EXPECT_FALSE(SharesAny(before, TableFiles(env_.get())));
  it.reset();
  db_->ReleaseSnapshot(snap);
}

// An iterator pins the tables it reads: evicted from the table cache and
// deleted by a compaction, they still serve it.
TEST_F(DBTest, IteratorOutlivesTableCacheEvictionAndCompaction) {
  Options o = SmallOptions(env_.get());
  o.max_open_files = 20;  // the smallest allowed: a table cache of 10 tables
  Reopen(o);
  constexpr int kKeys = 5000;  // about 10 MiB with the values below: many tables
  Random rnd(7);
  auto put = [&](const char* version) {
    for (int i = 0; i < kKeys; ++i) {
      ASSERT_TRUE(db_->Put(wo_, std::to_string(100000 + i), version + rnd.Bytes(2000)).ok());
    }
    ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  };
  put("old");
  ASSERT_GT(FilesOfType(env_.get(), "/db", FileType::kTable).size(), 20u);
  auto it = db_->NewIterator(ReadOptions());
  it->SeekToFirst();
  for (int i = 0; i < 10; ++i, it->Next()) ASSERT_TRUE(it->Valid());
  put("new");
  int n = 10;
  for (; it->Valid(); it->Next(), ++n) ASSERT_EQ(it->value().substr(0, 3), "old") << it->key();
  EXPECT_TRUE(it->status().ok()) << it->status();
  EXPECT_EQ(n, kKeys);
}

TEST_F(DBTest, OpenOptionsBehaveAsNamed) {
  db_.reset();
  Options o = SmallOptions(env_.get());
  o.create_if_missing = false;
  EXPECT_TRUE(absl::IsInvalidArgument(DB::Open(o, "/missing").status()));
  o.create_if_missing = true;
  o.error_if_exists = true;
  EXPECT_TRUE(absl::IsFailedPrecondition(DB::Open(o, "/db").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(DB::Open(o, "").status()));
}

TEST_F(DBTest, SecondOpenInTheSameProcessFails) {
  auto second = DB::Open(SmallOptions(env_.get()), "/db");
  EXPECT_TRUE(absl::IsFailedPrecondition(second.status())) << second.status();
}

TEST(DBProcessTest, SecondProcessGetsFailedPrecondition) {
  const std::string dir = NewTestTempDir("db_lock");
  Options o;
  auto db = DB::Open(o, dir);
  ASSERT_TRUE(db.ok()) << db.status();
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto other = DB::Open(Options(), dir);
    _exit(absl::IsFailedPrecondition(other.status()) ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the child opened a DB this process holds";
  db->reset();
  auto reopened = DB::Open(o, dir);
  EXPECT_TRUE(reopened.ok()) << reopened.status();
  reopened->reset();
  EXPECT_TRUE(DestroyDB(dir, o).ok());
  EXPECT_FALSE(Env::Default()->FileExists(dir + "/CURRENT"));
}

// DestroyDB refuses a DB that is open, and removes everything, LOCK and the
// directory included, of one that is not (LOCK while it still holds it).
TEST(DBProcessTest, DestroyDBRefusesAnOpenDBAndLeavesNothing) {
  const std::string dir = NewTestTempDir("db_destroy");
  Options o;
  auto db = DB::Open(o, dir);
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_TRUE((*db)->Put(WriteOptions(), "k", "v").ok());
  absl::Status s = DestroyDB(dir, o);
  EXPECT_TRUE(absl::IsFailedPrecondition(s)) << s;
  EXPECT_TRUE(Env::Default()->FileExists(dir + "/CURRENT"));
  db->reset();
  EXPECT_TRUE(DestroyDB(dir, o).ok());
  EXPECT_FALSE(Env::Default()->FileExists(dir + "/LOCK"));
  EXPECT_FALSE(Env::Default()->FileExists(dir));
  // The path is free again.
  auto again = DB::Open(o, dir);
  EXPECT_TRUE(again.ok()) << again.status();
  again->reset();
  EXPECT_TRUE(DestroyDB(dir, o).ok());
}

// An Env whose background jobs wait until the test lets them run.
class HeldBackgroundEnv : public EnvWrapper {
 public:
  explicit HeldBackgroundEnv(Env* base) : EnvWrapper(base) {}
  ~HeldBackgroundEnv() override { Release(); }
  void Schedule(std::function<void()> fn) override {
    std::lock_guard<std::mutex> l(mu_);
    if (held_) {
      jobs_.push_back(std::move(fn));
    } else {
      target()->Schedule(std::move(fn));
    }
  }
  void Release() {
    std::lock_guard<std::mutex> l(mu_);
    held_ = false;
    for (auto& job : jobs_) target()->Schedule(std::move(job));
    jobs_.clear();
  }

 private:
  std::mutex mu_;
  bool held_ = true;
  std::vector<std::function<void()>> jobs_;
};

// Frozen memtables queue while their flush waits: reads see all of them,
// writers go on until max_write_buffer_number memtables are in memory, and
// one flush then writes them all into one L0 table.
TEST(DBMemTableQueueTest, FrozenMemTablesQueueAndFlushAsOneTable) {
  std::unique_ptr<Env> mem = NewMemEnv(Env::Default());
  HeldBackgroundEnv env(mem.get());
  Options o = SmallOptions(&env);
  o.max_write_buffer_number = 4;
  o.level0_compaction_trigger = 100;
  o.level0_slowdown_writes_trigger = o.level0_stop_writes_trigger = 200;
  auto opened = DB::Open(o, "/db");
  ASSERT_TRUE(opened.ok()) << opened.status();
  std::unique_ptr<DB> db = std::move(*opened);
  // Three memtables' worth (64 KiB each) plus some: the writer must not stall
  // while flushes are held back.
  const int kKeys = 3 * 64 * 1024 / 150;
  for (int i = 0; i < kKeys; ++i) {
    ASSERT_TRUE(db->Put(WriteOptions(), "key" + std::to_string(100000 + i), std::string(100, 'a' + i % 26)).ok());
  }
  EXPECT_EQ(*db->GetProperty("lsm.num-files-at-level0"), "0");
  const std::vector<std::string> logs = FilesOfType(mem.get(), "/db", FileType::kLog);
  EXPECT_GE(logs.size(), 3u) << "no memtable switches";
  // Reads see every memtable, frozen or not.
  for (int i = 0; i < kKeys; i += 97) {
    std::string v;
    ASSERT_TRUE(db->Get(ReadOptions(), "key" + std::to_string(100000 + i), &v).ok()) << i;
    EXPECT_EQ(v, std::string(100, 'a' + i % 26));
  }
  EXPECT_EQ(ReadAll(db.get()).size(), static_cast<size_t>(kKeys));
  env.Release();
  ASSERT_TRUE(Impl(db.get())->TEST_WaitForBackgroundWork().ok());
  EXPECT_EQ(*db->GetProperty("lsm.num-files-at-level0"), "1") << *db->GetProperty("lsm.sstables");
  EXPECT_EQ(ReadAll(db.get()).size(), static_cast<size_t>(kKeys));
  // A reopen replays what the logs still hold; nothing is lost or doubled.
  db.reset();
  opened = DB::Open(o, "/db");
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(ReadAll(opened->get()).size(), static_cast<size_t>(kKeys));
}

TEST_F(DBTest, MultiGetAnswersEachKeyAsOfOneSnapshot) {
  for (int i = 0; i < 3000; ++i) ASSERT_TRUE(db_->Put(wo_, "k" + std::to_string(i), "v" + std::to_string(i)).ok());
  ASSERT_TRUE(db_->Flush().ok());
  ASSERT_TRUE(db_->Delete(wo_, "k7").ok());
  const Snapshot* snap = db_->GetSnapshot();
  ASSERT_TRUE(db_->Put(wo_, "k8", "after").ok());
  const std::string big(kMaxKeySize + 1, 'x');
  const std::vector<std::string_view> keys = {"k9", "k7", "absent", "k8", big, "k9", "k2999"};
  ReadOptions at_snap;
  at_snap.snapshot = snap;
  for (const ReadOptions& ro : {ReadOptions(), at_snap}) {
    const auto got = db_->MultiGet(ro, keys);
    ASSERT_EQ(got.size(), keys.size());
    EXPECT_EQ(*got[0], "v9");
    EXPECT_TRUE(absl::IsNotFound(got[1].status())) << got[1].status();
    EXPECT_TRUE(absl::IsNotFound(got[2].status())) << got[2].status();
    EXPECT_EQ(*got[3], ro.snapshot ? "v8" : "after");
    EXPECT_TRUE(absl::IsInvalidArgument(got[4].status())) << got[4].status();
    EXPECT_EQ(*got[5], "v9");
    EXPECT_EQ(*got[6], "v2999");
  }
  EXPECT_TRUE(db_->MultiGet(ReadOptions(), {}).empty());
  db_->ReleaseSnapshot(snap);
}

TEST_F(DBTest, ApproximateSizeGrowsWithTheRangeAndCountsMemtables) {
  for (int i = 0; i < 4000; ++i) {
    char key[16];
    std::snprintf(key, sizeof(key), "k%06d", i);
    ASSERT_TRUE(db_->Put(wo_, key, std::string(200, 'v')).ok());
  }
  ASSERT_TRUE(db_->Flush().ok());
  ASSERT_TRUE(Impl(db_.get())->TEST_WaitForBackgroundWork().ok());
  auto all = db_->GetApproximateSize("k", "l");
  auto half = db_->GetApproximateSize("k", "k002000");
  auto none = db_->GetApproximateSize("a", "b");
  ASSERT_TRUE(all.ok() && half.ok() && none.ok());
  EXPECT_EQ(*none, 0u);
  // 4000 entries of ~210 bytes, compressible: somewhere between a tenth and twice.
  EXPECT_GT(*all, 4000u * 210 / 10);
  EXPECT_LT(*all, 4000u * 210 * 2);
  EXPECT_GT(*half, *all / 4);
  EXPECT_LT(*half, *all * 3 / 4);
  // Unflushed writes count too.
  ASSERT_TRUE(db_->Put(wo_, "m", std::string(5000, 'm')).ok());
  auto mem = db_->GetApproximateSize("m", "n");
  ASSERT_TRUE(mem.ok());
  EXPECT_GE(*mem, 5000u);
  auto reversed = db_->GetApproximateSize("b", "a");
  EXPECT_TRUE(absl::IsInvalidArgument(reversed.status())) << reversed.status();
}

TEST_F(DBTest, EstimateNumKeysCountsLiveKeys) {
  EXPECT_EQ(*db_->GetProperty("lsm.estimate-num-keys"), "0");
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(db_->Put(wo_, "k" + std::to_string(i), "v").ok());
  EXPECT_EQ(*db_->GetProperty("lsm.estimate-num-keys"), "1000");
  ASSERT_TRUE(db_->Flush().ok());
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(db_->Delete(wo_, "k" + std::to_string(i)).ok());
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  EXPECT_EQ(*db_->GetProperty("lsm.estimate-num-keys"), "900");
}

TEST_F(DBTest, StatisticsCountWhatTheDBDid) {
  const Statistics zero = db_->GetStatistics();
  EXPECT_EQ(zero.gets, 0u);
  EXPECT_EQ(zero.writes, 0u);
  EXPECT_EQ(zero.get_micros.count, 0u);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(db_->Put(wo_, "k" + std::to_string(i), "value").ok());
  ASSERT_TRUE(db_->Flush().ok());
  ASSERT_TRUE(Impl(db_.get())->TEST_WaitForBackgroundWork().ok());
  std::string v;
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(db_->Get(ReadOptions(), "k" + std::to_string(i), &v).ok());
  for (int i = 0; i < 200; ++i) {
    // Inside the tables' key range, so the filters are asked.
    ASSERT_TRUE(absl::IsNotFound(db_->Get(ReadOptions(), "k" + std::to_string(i) + "x", &v)));
  }
  const auto got = db_->MultiGet(ReadOptions(), {"k1", "k2", "nope"});
  {
    std::unique_ptr<Iterator> it = db_->NewIterator(ReadOptions());
    it->SeekToFirst();
    it->Seek("k5");
    it->SeekForPrev("k7");
    it->SeekToLast();
    for (int i = 0; i < 10 && it->Valid(); ++i) it->Prev();  // moves are not seeks
  }
  const Statistics st = db_->GetStatistics();
  EXPECT_EQ(st.gets, 503u);
  EXPECT_EQ(st.gets_found, 302u);
  EXPECT_EQ(st.bytes_read, 302u * 5);
  EXPECT_EQ(st.get_micros.count, 501u);  // 500 Gets, one MultiGet
  EXPECT_GT(st.get_micros.max, 0.0);
  EXPECT_LE(st.get_micros.p50, st.get_micros.p99);
  EXPECT_LE(st.get_micros.p99, st.get_micros.max);
  EXPECT_EQ(st.writes, 1000u);
  EXPECT_EQ(st.write_micros.count, 1000u);
  EXPECT_EQ(st.seek_micros.count, 4u);
  EXPECT_GT(st.bytes_written, 1000u * 10);
  EXPECT_GE(st.flushes, 1u);
  EXPECT_GT(st.flush_bytes_written, 0u);
  EXPECT_GT(st.bloom_checks, 0u);
  EXPECT_GT(st.bloom_useful, 0u);  // most absent keys stop at a filter
  EXPECT_LE(st.bloom_useful, st.bloom_checks);
  EXPECT_GT(st.block_cache_hits + st.block_cache_misses, 0u);
  const std::string text = *db_->GetProperty("lsm.statistics");
  EXPECT_NE(text.find("gets 503\n"), std::string::npos) << text;
  EXPECT_NE(text.find("writes 1000\n"), std::string::npos) << text;
  EXPECT_NE(text.find("get.micros.p99 "), std::string::npos) << text;
  EXPECT_NE(text.find("seek.micros.count 4\n"), std::string::npos) << text;
}

// Reads spread evenly over several times what the block cache holds: once
// it is full, most misses are not admitted (engine/db/README.md), and the
// statistics count them.
TEST_F(DBTest, BlockCacheCountsTheMissesItDidNotAdmit) {
  Options o = SmallOptions(env_.get());
  o.block_cache_capacity = 64 << 10;  // one shard, about 60 blocks of 1 KiB
  Reopen(o);
  const std::string value(100, 'v');
  auto key = [](uint64_t i) { return "key" + std::to_string(100000 + i); };
  for (uint64_t i = 0; i < 4000; ++i) ASSERT_TRUE(db_->Put(wo_, key(i), value).ok());
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  const Statistics before = db_->GetStatistics();
  Random rnd(301);
  for (int n = 0; n < 20000; ++n) ASSERT_EQ(value, Get(key(rnd.Uniform(4000))));
  const Statistics st = db_->GetStatistics();
  const uint64_t misses = st.block_cache_misses - before.block_cache_misses;
  const uint64_t refused = st.block_cache_not_admitted - before.block_cache_not_admitted;
  EXPECT_GT(misses, 20000u / 2);  // about 480 blocks of 1 KiB are read
  EXPECT_GT(refused, misses / 2);
  EXPECT_LE(st.block_cache_not_admitted, st.block_cache_misses);
  const std::string text = *db_->GetProperty("lsm.statistics");
  EXPECT_NE(text.find("block.cache.not.admitted " + std::to_string(st.block_cache_not_admitted)),
            std::string::npos)
      << text;
  const std::string stats = *db_->GetProperty("lsm.stats");
  EXPECT_NE(stats.find(" not admitted)"), std::string::npos) << stats;
}

TEST_F(DBTest, MemoryPropertyBreaksDownWhatIsHeld) {
  auto number = [&](const std::string& text, const std::string& name) {
    const size_t at = text.find(name + " ");
    EXPECT_NE(at, std::string::npos) << name << " in " << text;
    return at == std::string::npos ? 0 : std::stoull(text.substr(at + name.size() + 1));
  };
  for (int i = 0; i < 3000; ++i) ASSERT_TRUE(db_->Put(wo_, "k" + std::to_string(i), std::string(100, 'v')).ok());
  std::string text = *db_->GetProperty("lsm.memory");
  EXPECT_GT(number(text, "memtable.active"), 0u);
  ASSERT_TRUE(db_->Flush().ok());
  std::string v;
  for (int i = 0; i < 3000; i += 10) ASSERT_TRUE(db_->Get(ReadOptions(), "k" + std::to_string(i), &v).ok());
  text = *db_->GetProperty("lsm.memory");
  EXPECT_GT(number(text, "block.cache"), 0u) << text;
  EXPECT_LE(number(text, "block.cache"), number(text, "block.cache.capacity")) << text;
  EXPECT_GT(number(text, "table.readers"), 0u) << text;
  // Blocks held by iterators (a background compaction's included) count too.
  EXPECT_EQ(number(text, "total"), number(text, "memtable.active") + number(text, "memtable.frozen") +
                                       number(text, "block.cache") + number(text, "table.readers") +
                                       number(text, "iterator.pinned"));
}

TEST_F(DBTest, PropertiesDescribeTheTree) {
  for (int i = 0; i < 2000; ++i) ASSERT_TRUE(db_->Put(wo_, std::to_string(i), std::string(200, 'x')).ok());
  ASSERT_TRUE(db_->Flush().ok());
  auto stats = db_->GetProperty("lsm.stats");
  ASSERT_TRUE(stats.has_value());
  EXPECT_NE(stats->find("write amplification"), std::string::npos) << *stats;
  auto l0 = db_->GetProperty("lsm.num-files-at-level0");
  ASSERT_TRUE(l0.has_value());
  auto sst = db_->GetProperty("lsm.sstables");
  ASSERT_TRUE(sst.has_value());
  EXPECT_NE(sst->find("level"), std::string::npos);
  auto mem = db_->GetProperty("lsm.approximate-memory-usage");
  ASSERT_TRUE(mem.has_value());
  EXPECT_GT(std::stoull(*mem), 0u);
  EXPECT_FALSE(db_->GetProperty("lsm.no-such-property").has_value());
  EXPECT_FALSE(db_->GetProperty("lsm.num-files-at-level9").has_value());
}

TEST_F(DBTest, FlushWhileOtherThreadsWrite) {
  // Flush queues behind concurrent writers; a group commit must never take
  // it in (it has no batch).
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < 3000; ++i) {
        ASSERT_TRUE(db_->Put(wo_, "f" + std::to_string(w) + "_" + std::to_string(i), "v").ok());
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(db_->Flush().ok());
  });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ReadAll(db_.get()).size(), 12000u);
}

TEST_F(DBTest, ConcurrentWritersAndReaders) {
  constexpr int kWriters = 4, kPerWriter = 2000;
  std::atomic<bool> stop{false};
  std::atomic<int> read_errors{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      WriteOptions o;
      o.sync = (w == 0);
      for (int i = 0; i < kPerWriter; ++i) {
        const std::string k = "w" + std::to_string(w) + "_" + std::to_string(i);
        ASSERT_TRUE(db_->Put(o, k, k).ok());
      }
    });
  }
  for (int r = 0; r < 2; ++r) {
    threads.emplace_back([&, r] {
      Random rnd(r);
      while (!stop.load()) {
        const std::string k =
            "w" + std::to_string(rnd.Uniform(kWriters)) + "_" + std::to_string(rnd.Uniform(kPerWriter));
        std::string v;
        absl::Status s = db_->Get(ReadOptions(), k, &v);
        if ((s.ok() && v != k) || (!s.ok() && !absl::IsNotFound(s))) ++read_errors;
        auto it = db_->NewIterator(ReadOptions());
        int n = 0;
        for (it->Seek(k); it->Valid() && n < 10; it->Next(), ++n) {
          if (it->key() != it->value()) ++read_errors;
        }
      }
    });
  }
  for (int w = 0; w < kWriters; ++w) threads[w].join();
  stop = true;
  for (size_t t = kWriters; t < threads.size(); ++t) threads[t].join();
  EXPECT_EQ(read_errors.load(), 0);
  EXPECT_EQ(ReadAll(db_.get()).size(), static_cast<size_t>(kWriters * kPerWriter));
}

// Files whose Sync takes a fixed time, like a disk flush.
class SlowSyncEnv : public EnvWrapper {
 public:
  SlowSyncEnv(Env* base, int64_t sync_micros) : EnvWrapper(base), sync_micros_(sync_micros) {}
  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override {
    auto f = EnvWrapper::NewWritableFile(path);
    if (!f.ok()) return f.status();
    return std::unique_ptr<WritableFile>(new File(std::move(*f), this));
  }

 private:
  class File : public WritableFile {
   public:
    File(std::unique_ptr<WritableFile> f, SlowSyncEnv* env) : f_(std::move(f)), env_(env) {}
    absl::Status Append(std::string_view data) override { return f_->Append(data); }
    absl::Status Flush() override { return f_->Flush(); }
    absl::Status Sync() override {
      env_->SleepForMicroseconds(env_->sync_micros_);
      return f_->Sync();
    }
    absl::Status Close() override { return f_->Close(); }

   private:
    std::unique_ptr<WritableFile> f_;
    SlowSyncEnv* env_;
  };
  const int64_t sync_micros_;
};

// Runs `threads` writers at once; writer t makes per_thread sync Puts of the
// keys "t<t>_<i>" (each its own value) and hands each Put's outcome to
// on_put(t, key, status), from its own thread.
void RunSyncWriters(DB* db, int threads, int per_thread,
                    const std::function<void(int, const std::string&, const absl::Status&)>& on_put) {
  std::vector<std::thread> writers;
  for (int t = 0; t < threads; ++t) {
    writers.emplace_back([=, &on_put] {
      WriteOptions wo;
      wo.sync = true;
      for (int i = 0; i < per_thread; ++i) {
        const std::string k = "t" + std::to_string(t) + "_" + std::to_string(i);
        on_put(t, k, db->Put(wo, k, k));
      }
    });
  }
  for (auto& w : writers) w.join();
}

// Threads that each write with sync in a loop share syncs: the leader of a
// group waits (for at most half a sync) for the writers the last sync
// released, instead of the threads splitting into two cohorts that take
// turns with half of the writers each.
TEST(DBGroupCommitTest, SyncWritersFromManyThreadsShareSyncs) {
  std::unique_ptr<Env> mem = NewMemEnv(Env::Default());
  SlowSyncEnv env(mem.get(), 20000);
  Options o = SmallOptions(&env);
  auto db = DB::Open(o, "/db");
  ASSERT_TRUE(db.ok()) << db.status();
  constexpr int kThreads = 4, kPerThread = 25;
  RunSyncWriters(db->get(), kThreads, kPerThread,
                 [](int, const std::string& k, const absl::Status& s) { ASSERT_TRUE(s.ok()) << k; });
  const std::string stats = *(*db)->GetProperty("lsm.stats");
  const std::optional<uint64_t> syncs = StatAfter(db->get(), "WAL syncs: ");
  ASSERT_TRUE(syncs.has_value()) << stats;
  std::printf("%d threads x %d sync writes: %llu WAL syncs\n", kThreads, kPerThread,
              static_cast<unsigned long long>(*syncs));
  // Two cohorts would need 50 syncs; full groups need 25.
  EXPECT_LE(*syncs, kThreads * kPerThread / 3u) << stats;
  EXPECT_EQ(ReadAll(db->get()).size(), static_cast<size_t>(kThreads * kPerThread));
}

// Writers in groups (slow syncs make groups of up to 8, which two threads
// wake, half each) when a WAL sync starts failing: every writer returns, each
// with its own outcome, and what the DB shows is exactly the writes that
// returned OK: none of a failed group, none after it.
TEST(DBGroupCommitTest, AfterAFailedGroupSyncTheDBShowsExactlyTheAcknowledgedWrites) {
  std::unique_ptr<Env> mem = NewMemEnv(Env::Default());
  FaultInjectionEnv faulty(mem.get());
  SlowSyncEnv env(&faulty, 3000);
  Options o = SmallOptions(&env);
  auto db = DB::Open(o, "/db");
  ASSERT_TRUE(db.ok()) << db.status();
  faulty.FailAfter(FaultInjectionEnv::Op::kSync, 6, FaultInjectionEnv::ErrnoError(EIO), ".log");
  constexpr int kThreads = 8, kPerThread = 10;
  std::vector<std::vector<std::string>> acknowledged(kThreads);
  std::vector<int> failures(kThreads, 0);
  RunSyncWriters(db->get(), kThreads, kPerThread,
                 [&](int t, const std::string& k, const absl::Status& s) {
                   if (s.ok()) {
                     acknowledged[t].push_back(k);
                   } else {
                     ++failures[t];
                   }
                 });
  faulty.ClearFaults();
  std::map<std::string, std::string> expected;
  int failed = 0;
  for (int t = 0; t < kThreads; ++t) {
    for (const std::string& k : acknowledged[t]) expected[k] = k;
    failed += failures[t];
  }
  EXPECT_FALSE(expected.empty()) << "the first 6 syncs succeed";
  EXPECT_GT(failed, 0);
  EXPECT_EQ(static_cast<int>(expected.size()) + failed, kThreads * kPerThread);
  EXPECT_TRUE(ReadAll(db->get()) == expected);
}

}  // namespace
}  // namespace lsm
