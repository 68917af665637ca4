// CreateCheckpoint: a consistent, independent copy of a live DB.
#include <sys/stat.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include "engine/db/db_test_util.h"
#include "engine/db/filename.h"
#include "engine/env/fault_injection_env.h"
#include "engine/env/mem_env.h"
#include "engine/env/test_util.h"
#include "gtest/gtest.h"

namespace lsm {
namespace {

std::string Key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "k%07d", i);
  return buf;
}

// The checkpoint holds keys 0..n-1 with their values and nothing else, for
// some n >= at_least: a prefix of what one writer wrote in order.
int ExpectPrefixOfKeys(DB* db, int at_least) {
  const auto all = ReadAll(db);
  int n = 0;
  while (all.count(Key(n))) {
    EXPECT_EQ(all.at(Key(n)), "v" + std::to_string(n));
    ++n;
  }
  EXPECT_GE(n, at_least) << "an acknowledged write is missing";
  EXPECT_EQ(all.size(), static_cast<size_t>(n)) << "a hole: not one sequence number";
  return n;
}

TEST(CheckpointTest, HoldsEveryAcknowledgedWriteWhileWritesGoOn) {
  std::unique_ptr<Env> env = NewMemEnv(Env::Default());
  Options o = SmallOptions(env.get());
  auto opened = DB::Open(o, "/db");
  ASSERT_TRUE(opened.ok()) << opened.status();
  std::unique_ptr<DB> db = std::move(*opened);
  std::atomic<int> acked{0};
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; !stop.load(); ++i) {
      if (!db->Put(WriteOptions(), Key(i), "v" + std::to_string(i)).ok()) return;
      acked.store(i + 1);
    }
  });
  while (acked.load() < 3000) std::this_thread::yield();
  for (int c = 0; c < 3; ++c) {
    const int before = acked.load();
    const std::string dir = "/checkpoint" + std::to_string(c);
    ASSERT_TRUE(db->CreateCheckpoint(dir).ok());
    auto cp = DB::Open(o, dir);
    ASSERT_TRUE(cp.ok()) << cp.status();
    const int n = ExpectPrefixOfKeys(cp->get(), before);
    std::printf("checkpoint %d: %d writes acknowledged before the call, %d in it\n", c, before, n);
    // Independent of the source: writing to it changes nothing there.
    ASSERT_TRUE((*cp)->Put(WriteOptions(), "only-in-checkpoint", "x").ok());
    std::string v;
    EXPECT_TRUE(absl::IsNotFound(db->Get(ReadOptions(), "only-in-checkpoint", &v)));
  }
  stop.store(true);
  writer.join();
  ExpectPrefixOfKeys(db.get(), acked.load());
}

TEST(CheckpointTest, RefusesAnExistingDirectoryAndBadInput) {
  std::unique_ptr<Env> env = NewMemEnv(Env::Default());
  Options o = SmallOptions(env.get());
  auto db = DB::Open(o, "/db");
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_TRUE(env->CreateDir("/taken").ok());
  absl::Status s = (*db)->CreateCheckpoint("/taken");
  EXPECT_TRUE(absl::IsAlreadyExists(s)) << s;
  EXPECT_NE(std::string(s.message()).find("/taken"), std::string::npos) << s;
  s = (*db)->CreateCheckpoint("/db");
  EXPECT_TRUE(absl::IsAlreadyExists(s)) << s;
  EXPECT_TRUE(absl::IsInvalidArgument((*db)->CreateCheckpoint("")));
  // An empty DB checkpoints to an empty DB.
  ASSERT_TRUE((*db)->CreateCheckpoint("/empty").ok());
  auto cp = DB::Open(o, "/empty");
  ASSERT_TRUE(cp.ok()) << cp.status();
  EXPECT_TRUE(ReadAll(cp->get()).empty());
}

// A failure at any step leaves no directory behind and the source intact.
TEST(CheckpointTest, AFailureAtAnyStepLeavesNothingBehind) {
  std::unique_ptr<Env> base = NewMemEnv(Env::Default());
  FaultInjectionEnv env(base.get());
  Options o = SmallOptions(&env);
  o.level0_compaction_trigger = 100;  // no background work to count
  o.level0_slowdown_writes_trigger = o.level0_stop_writes_trigger = 200;
  auto db = DB::Open(o, "/db");
  ASSERT_TRUE(db.ok()) << db.status();
  for (int i = 0; i < 2000; ++i) ASSERT_TRUE((*db)->Put(WriteOptions(), Key(i), "v" + std::to_string(i)).ok());
  ASSERT_TRUE((*db)->Flush().ok());
  env.ResetCounters();
  ASSERT_TRUE((*db)->CreateCheckpoint("/count").ok());
  const int64_t ops = env.OpCount(FaultInjectionEnv::Op::kAnyWrite, "/count");
  ASSERT_GT(ops, 3);
  for (int64_t n = 1; n <= ops; ++n) {
    SCOPED_TRACE("operation " + std::to_string(n));
    env.FailNth(FaultInjectionEnv::Op::kAnyWrite, n, FaultInjectionEnv::ErrnoError(ENOSPC),
                "/cp");
    absl::Status s = (*db)->CreateCheckpoint("/cp");
    env.ClearFaults();
    EXPECT_TRUE(absl::IsResourceExhausted(s)) << s;
    EXPECT_FALSE(env.FileExists("/cp"));
  }
  ASSERT_TRUE((*db)->CreateCheckpoint("/cp").ok());
  auto cp = DB::Open(o, "/cp");
  ASSERT_TRUE(cp.ok()) << cp.status();
  ExpectPrefixOfKeys(cp->get(), 2000);
  ExpectPrefixOfKeys(db->get(), 2000);
}

// On one file system the tables are hard links, not copies.
TEST(CheckpointTest, TablesAreHardLinkedOnTheSameFileSystem) {
  const std::string dir = NewTestTempDir("checkpoint");
  Options o;
  o.write_buffer_size = 64 << 10;
  o.level0_compaction_trigger = 100;  // every table stays in the source
  o.level0_slowdown_writes_trigger = o.level0_stop_writes_trigger = 200;
  auto db = DB::Open(o, dir + "/db");
  ASSERT_TRUE(db.ok()) << db.status();
  for (int i = 0; i < 3000; ++i) ASSERT_TRUE((*db)->Put(WriteOptions(), Key(i), "v" + std::to_string(i)).ok());
  ASSERT_TRUE((*db)->CreateCheckpoint(dir + "/cp").ok());
  const std::vector<std::string> tables = FilesOfType(Env::Default(), dir + "/cp", FileType::kTable);
  ASSERT_GE(tables.size(), 2u);
  for (const std::string& t : tables) {
    struct stat st;
    ASSERT_EQ(::stat(t.c_str(), &st), 0) << t;
    EXPECT_EQ(st.st_nlink, 2u) << t << " was copied, not linked";
  }
  db->reset();
  auto cp = DB::Open(o, dir + "/cp");
  ASSERT_TRUE(cp.ok()) << cp.status();
  ExpectPrefixOfKeys(cp->get(), 3000);
  cp->reset();
  RemoveDirRecursively(Env::Default(), dir);
}

}  // namespace
}  // namespace lsm
