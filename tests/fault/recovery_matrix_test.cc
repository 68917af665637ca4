// The recovery fault matrix: a crash at every step, and at every step of the
// Open that follows it.
//
// A deterministic workload (one writer; background work finishes between
// writes, so every run performs the same file operations in the same order)
// creates a DB, fills several memtables, flushes, compacts, rolls the
// MANIFEST over several times and closes. A reference run counts its
// file-system-changing operations (creations, appends, flushes, syncs,
// closes, renames, removals, directory syncs). Then, for each crash point i:
//
//   1. the workload runs again and the "machine" crashes at operation i:
//      a process crash (nothing written after i reaches the disk), or a power
//      cut (unsynced bytes dropped, or partly kept with a torn page that is
//      cut, zero-filled or garbage; unsynced namespace changes undone, or
//      some of them kept out of order);
//   2. every reopen with default recovery options must succeed and hold a
//      prefix of the acknowledged history that contains every synced write
//      (every acknowledged write after a process crash);
//   3. the Open that follows is itself crashed, or failed with ENOSPC, at
//      each of its own operations j, and then the reopen of step 2 is checked.
//
// What runs: crash points i with i % stride == offset, and the nested Open
// crashes for every open_stride-th of those. The default is a slice for CI;
// LSM_RECOVERY_MATRIX=full runs every point (see tests/README.md).
// LSM_RECOVERY_MATRIX_STRIDE / _OPEN_STRIDE / LSM_TEST_SEED override.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/db/db_impl.h"
#include "engine/env/fault_injection_env.h"
#include "engine/env/mem_env.h"
#include "engine/util/random.h"
#include "gtest/gtest.h"
#include "lsm/db.h"
#include "tests/util/history.h"

namespace lsm {
namespace {

using testing::Batch;
using testing::History;
using testing::State;
using testing::Update;
using Op = FaultInjectionEnv::Op;
using Tail = FaultInjectionEnv::UnsyncedTail;

constexpr char kDB[] = "/db";

// Sanitizers slow this test down ~20x: their CI slice is a fifth as large.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr uint64_t kSliceStride = 15;
#else
constexpr uint64_t kSliceStride = 3;
#endif

bool FullMatrix() {
  const char* s = std::getenv("LSM_RECOVERY_MATRIX");
  return s != nullptr && std::string(s) == "full";
}

Options MatrixOptions(Env* env) {
  Options o;
  o.env = env;
  o.write_buffer_size = 64 << 10;  // the smallest the DB accepts
  o.target_file_size = 64 << 10;
  o.max_bytes_for_level_base = 256 << 10;
  o.level0_compaction_trigger = 2;
  o.block_size = 1024;
  o.max_background_jobs = 1;  // one background thread: a deterministic order
  o.max_manifest_file_size = 256;  // a new MANIFEST every few edits
  return o;
}

// The files of a MemEnv DB, to restore a crashed state for each nested run.
using Disk = std::map<std::string, std::string>;

Disk ReadDisk(Env* env) {
  Disk disk;
  auto children = env->GetChildren(kDB);
  if (!children.ok()) return disk;
  for (const std::string& name : *children) {
    std::string data;
    if (ReadFileToString(env, std::string(kDB) + "/" + name, &data).ok()) disk[name] = data;
  }
  return disk;
}

std::unique_ptr<Env> MakeDisk(const Disk& disk) {
  std::unique_ptr<Env> mem = NewMemEnv(Env::Default());
  EXPECT_TRUE(mem->CreateDir(kDB).ok());
  for (const auto& [name, data] : disk) {
    EXPECT_TRUE(WriteStringToFile(mem.get(), data, std::string(kDB) + "/" + name, true).ok());
  }
  return mem;
}

// What the workload got acknowledged before the crash.
struct Outcome {
  History history;     // acknowledged batches, then the one in flight (if any)
  size_t synced = 0;   // batches [0, synced) were made durable
  size_t acked = 0;    // batches [0, acked) were acknowledged
  bool completed = false;
};

// The workload: about 300 batches of 1 KiB values over 400 keys, with
// deletes, range deletes, multi-key batches, sync writes, Flush and
// CompactRange, waiting
// for background work after each step; then a clean close.
Outcome RunWorkload(Env* env) {
  Outcome out;
  Random rnd(20261130);
  auto opened = DB::Open(MatrixOptions(env), kDB);
  if (!opened.ok()) return out;
  std::unique_ptr<DB> db = std::move(*opened);
  for (int step = 0; step < 300; ++step) {
    if (step % 60 == 59) {
      if (!db->Flush().ok()) return out;
      out.synced = out.acked;
      continue;
    }
    if (step % 140 == 139) {
      if (!db->CompactRange(nullptr, nullptr).ok()) return out;
      out.synced = out.acked;
      continue;
    }
    Batch b;
    const int n = step % 7 == 0 ? 3 : 1;
    for (int j = 0; j < n; ++j) {
      Update u{"key" + std::to_string(1000 + rnd.Uniform(400)), std::nullopt, std::nullopt};
      if (step % 17 == 8 && j == 0) {
        // A range deletion of five keys: key1NN0 .. key1NN4.
        u.range_end = u.key.substr(0, 6) + "5";
        u.key = u.key.substr(0, 6) + "0";
      } else if (step % 10 != 3) {
        u.value = "v" + std::to_string(step) + "." + std::to_string(j) + "-" +
                  std::string(1000, static_cast<char>('a' + step % 26));
      }
      b.push_back(std::move(u));
    }
    WriteOptions wo;
    wo.sync = step % 13 == 0;
    WriteBatch wb = testing::ToWriteBatch(b);
    const absl::Status s = db->Write(wo, &wb);
    out.history.Add(std::move(b));  // in flight when it failed: fate unknown
    if (!s.ok()) return out;
    out.acked = out.history.size();
    if (wo.sync) out.synced = out.acked;
    if (!static_cast<DBImpl*>(db.get())->TEST_WaitForBackgroundWork().ok()) return out;
  }
  db.reset();
  out.completed = true;
  return out;
}

// Reopens with the default recovery options; the DB must open, hold a prefix
// of out.history of at least `lo` batches, and take writes again.
void CheckRecovered(Env* env, const Outcome& out, size_t lo) {
  auto opened = DB::Open(MatrixOptions(env), kDB);
  ASSERT_TRUE(opened.ok()) << "reopen failed: " << opened.status();
  std::unique_ptr<DB> db = std::move(*opened);
  absl::Status s;
  const State state = testing::ReadState(db.get(), &s);
  ASSERT_TRUE(s.ok()) << s;
  const std::optional<size_t> k = out.history.MatchPrefix(state, lo, out.history.size());
  ASSERT_TRUE(k.has_value()) << "not a prefix of the history with >= " << lo << " of "
                             << out.history.size() << " batches:\n"
                             << testing::DescribeDiff(state, out.history.StateAt(lo));
  const absl::Status put = db->Put(WriteOptions(), "after-recovery", "x");
  ASSERT_TRUE(put.ok()) << "the recovered DB refuses writes: " << put;
}

// How the machine goes down at a crash point.
struct Crash {
  bool power_loss = false;
  FaultInjectionEnv::PowerLoss how;
  bool undo_removals = false;
  std::string Describe() const {
    if (!power_loss) return "process crash";
    const char* tails[] = {"unsynced dropped", "torn: cut", "torn: zero-filled", "torn: garbage"};
    return std::string("power loss (") + tails[static_cast<int>(how.tail)] +
           (how.keep_some_namespace_changes ? ", metadata out of order" : "") +
           (undo_removals ? ", removals undone" : "") + ")";
  }
};

// The power cuts tried, in turn, one per crash point.
Crash PowerLossFor(uint64_t point, uint64_t seed) {
  Crash c;
  c.power_loss = true;
  const Tail tails[] = {Tail::kDropped, Tail::kCut, Tail::kZeroFilled, Tail::kGarbage};
  c.how.tail = tails[point % 4];
  c.how.keep_some_namespace_changes = (point / 4) % 2 == 1;
  c.how.seed = seed ^ (point * 0x9e3779b97f4a7c15ull);
  c.undo_removals = (point / 8) % 2 == 1;
  return c;
}

// Brings env's file system down as `crash` says; REQUIRES: the DB is closed.
void GoDown(FaultInjectionEnv* env, const Crash& crash) {
  env->CrashAfterWrites(-1);  // a crash point the run did not reach
  env->SetFilesystemActive(false);
  if (crash.power_loss) {
    ASSERT_TRUE(env->SimulatePowerLoss(crash.how).ok());
  }
  env->SetFilesystemActive(true);
  env->ClearFaults();
}

struct Tally {
  int crash_points = 0;        // (operation, crash kind) pairs of the workload
  int open_crash_points = 0;   // (operation of the following Open, fault kind) pairs
  int reopens = 0;             // reopens checked
};

// Step 3 for one crashed disk: crash or fail the next Open at each of its
// operations, then check the reopen.
void CrashTheOpenThatFollows(const Disk& disk, const Outcome& out, size_t lo, uint64_t seed,
                             Tally* tally) {
  int64_t open_ops = 0;
  {
    std::unique_ptr<Env> mem = MakeDisk(disk);
    FaultInjectionEnv env(mem.get());
    auto db = DB::Open(MatrixOptions(&env), kDB);
    ASSERT_TRUE(db.ok()) << db.status();
    db->reset();
    open_ops = env.OpCount(Op::kAnyWrite);
  }
  for (int64_t j = 0; j < open_ops; ++j) {
    for (int kind = 0; kind < 3; ++kind) {
      SCOPED_TRACE("the Open that follows: operation " + std::to_string(j) + " of " +
                   std::to_string(open_ops) + ", " +
                   (kind == 0 ? "process crash" : kind == 1 ? "power loss" : "ENOSPC"));
      std::unique_ptr<Env> mem = MakeDisk(disk);
      FaultInjectionEnv env(mem.get());
      if (kind == 2) {
        env.FailNth(Op::kAnyWrite, j + 1, FaultInjectionEnv::ErrnoError(ENOSPC));
      } else {
        env.CrashAfterWrites(j);
      }
      {
        auto db = DB::Open(MatrixOptions(&env), kDB);  // may fail, or succeed past a failure
      }
      Crash crash;
      if (kind == 1) crash = PowerLossFor(static_cast<uint64_t>(j), seed);
      ASSERT_NO_FATAL_FAILURE(GoDown(&env, crash));
      ASSERT_NO_FATAL_FAILURE(CheckRecovered(&env, out, lo));
      ++tally->open_crash_points;
      ++tally->reopens;
    }
  }
}

TEST(RecoveryMatrixTest, EveryCrashPointReopensAsADurablePrefix) {
  const bool full = FullMatrix();
  const uint64_t seed = testing::EnvNumber("LSM_TEST_SEED", 1);
  const uint64_t stride = std::max<uint64_t>(
      1, testing::EnvNumber("LSM_RECOVERY_MATRIX_STRIDE", full ? 1 : kSliceStride));
  const uint64_t open_stride =
      std::max<uint64_t>(1, testing::EnvNumber("LSM_RECOVERY_MATRIX_OPEN_STRIDE", full ? 1 : 10));
  const uint64_t offset = seed % stride;

  // The reference run: how many operations the workload performs.
  int64_t total_ops = 0;
  {
    std::unique_ptr<Env> mem = NewMemEnv(Env::Default());
    FaultInjectionEnv env(mem.get());
    const Outcome out = RunWorkload(&env);
    ASSERT_TRUE(out.completed);
    total_ops = env.OpCount(Op::kAnyWrite);
    std::printf("recovery matrix: seed=%llu %s; the workload performs %lld operations "
                "(%lld syncs, %lld directory syncs, %lld renames, %lld creations), "
                "%zu batches\n",
                static_cast<unsigned long long>(seed), full ? "full" : "CI slice",
                static_cast<long long>(total_ops), static_cast<long long>(env.OpCount(Op::kSync)),
                static_cast<long long>(env.OpCount(Op::kSyncDir)),
                static_cast<long long>(env.OpCount(Op::kRename)),
                static_cast<long long>(env.OpCount(Op::kNewWritableFile)), out.history.size());
    std::printf("  crash points: every %llu-th operation from %llu; the Open that follows "
                "crashed at each of its operations for every %llu-th of those\n",
                static_cast<unsigned long long>(stride), static_cast<unsigned long long>(offset),
                static_cast<unsigned long long>(open_stride));
    std::fflush(stdout);
  }

  Tally tally;
  uint64_t selected = 0;
  for (int64_t i = static_cast<int64_t>(offset); i < total_ops; i += static_cast<int64_t>(stride)) {
    const bool nested = selected++ % open_stride == 0;
    const Crash crashes[] = {Crash(), PowerLossFor(static_cast<uint64_t>(i), seed)};
    for (const Crash& crash : crashes) {
      SCOPED_TRACE("seed " + std::to_string(seed) + ", crash at operation " + std::to_string(i) +
                   " of " + std::to_string(total_ops) + ": " + crash.Describe());
      std::unique_ptr<Env> mem = NewMemEnv(Env::Default());
      FaultInjectionEnv env(mem.get());
      env.SetUndoUnsyncedRemovals(crash.undo_removals);
      env.CrashAfterWrites(i);
      const Outcome out = RunWorkload(&env);
      ASSERT_FALSE(env.IsFilesystemActive()) << "the crash did not happen";
      ASSERT_NO_FATAL_FAILURE(GoDown(&env, crash));
      const size_t lo = crash.power_loss ? out.synced : out.acked;
      const Disk disk = ReadDisk(mem.get());
      {
        std::unique_ptr<Env> copy = MakeDisk(disk);
        ASSERT_NO_FATAL_FAILURE(CheckRecovered(copy.get(), out, lo));
      }
      ++tally.crash_points;
      ++tally.reopens;
      if (nested) {
        ASSERT_NO_FATAL_FAILURE(CrashTheOpenThatFollows(disk, out, lo, seed, &tally));
      }
    }
  }
  std::printf("  covered: %d crash points in the workload, %d crash and fault points in the "
              "Opens that follow them; %d reopens checked, all a durable prefix\n",
              tally.crash_points, tally.open_crash_points, tally.reopens);
  std::fflush(stdout);
  EXPECT_GT(tally.crash_points, 0);
}

}  // namespace
}  // namespace lsm
