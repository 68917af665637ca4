// Injected I/O errors (EIO, ENOSPC) at every step of a workload with WAL
// writes, flushes, compactions and MANIFEST writes. A clean run of the
// workload counts the operations of each kind (Append, Sync, NewWritableFile,
// Rename, SyncDir, Read); then, for N = 1..count (all of the first ones, then
// a stride), the workload runs again with the Nth operation of that kind
// failing. Each time:
//
//   - no read returns wrong data (an error, or the model's value);
//   - once a write (Write, Flush, CompactRange) failed, every later write
//     fails too until the DB is reopened: it keeps its background error
//     instead of going on with a log or MANIFEST that may end in a partial
//     record (the workload reopens once, in the middle, and checks there too);
//   - with the fault cleared, the DB reopens, and holds every acknowledged
//     batch and nothing refused (except the failed batch itself, whose record
//     may have reached the log before the error), i.e. StateAt(acked) or
//     StateAt(acked + 1);
//   - the reopened DB accepts writes.
//
// A second test fails each step of Open's recovery (replaying a WAL into a
// table, writing a new MANIFEST and CURRENT) and checks that a later Open
// without the fault loses nothing.
// $LSM_TEST_SEED picks the seed; $LSM_FAULT_POINTS caps the N per kind.
#include <cstdio>
#include <cstdlib>
#include <memory>
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

using Op = FaultInjectionEnv::Op;
using testing::Batch;
using testing::History;
using testing::State;
using testing::Update;

constexpr char kDbName[] = "/db";

// The engine's minimum sizes (64 KiB memtables and files); the workload
// flushes explicitly so that tables, compactions and MANIFEST edits happen.
Options SmallOptions(Env* env) {
  Options o;
  o.env = env;
  o.write_buffer_size = 64 << 10;
  o.target_file_size = 64 << 10;
  o.block_size = 1024;
  o.level0_compaction_trigger = 2;
  o.level0_slowdown_writes_trigger = 6;
  o.level0_stop_writes_trigger = 10;
  o.block_cache_capacity = 0;  // every read goes to the file
  return o;
}

// What one run of the workload did.
struct RunResult {
  History history;       // acknowledged batches, then the first failed one
  size_t acked = 0;      // acknowledged batches
  bool write_failed = false;
  absl::Status first_error;
  int read_errors = 0;
  int refused_after_failure = 0;
  int recovered_midway = 0;  // failures settled by the reopen in the middle
};

// The workload: deterministic in its operations (not in the timing of
// background work). 300 steps: batches, reads, a flush every 30 steps (so
// L0 compactions follow), a CompactRange, and a close and reopen in the
// middle (a new MANIFEST and CURRENT).
void RunWorkload(std::unique_ptr<DB>* dbp, const Options& options, uint64_t seed, RunResult* r) {
  Random rnd(seed);
  State model;
  int version = 0;
  for (int i = 0; i < 300; ++i) {
    DB* db = dbp->get();
    const uint64_t op = rnd.Uniform(100);
    absl::Status s;
    if (i == 150) {
      dbp->reset();
      auto reopened = DB::Open(options, kDbName);
      if (!reopened.ok()) {
        // Counts as a failed write; nothing more can be tried.
        ASSERT_FALSE(absl::IsDataLoss(reopened.status())) << reopened.status();
        if (!r->write_failed) {
          r->write_failed = true;
          r->first_error = reopened.status();
        }
        return;
      }
      *dbp = std::move(*reopened);
      if (r->write_failed) {
        // Reopening clears the error: settle the failed batch's fate now.
        State state;
        std::unique_ptr<Iterator> it = (*dbp)->NewIterator(ReadOptions());
        for (it->SeekToFirst(); it->Valid(); it->Next()) state.emplace(it->key(), it->value());
        ASSERT_TRUE(it->status().ok()) << it->status();
        const std::optional<size_t> k = r->history.MatchPrefix(state, r->acked, r->history.size());
        ASSERT_TRUE(k.has_value()) << "reopen after " << r->first_error << ": lost acknowledged "
                                   << "writes:\n"
                                   << testing::DescribeDiff(state, r->history.StateAt(r->acked));
        r->history.Truncate(*k);
        r->acked = *k;
        model = state;
        r->write_failed = false;
        ++r->recovered_midway;
      }
      continue;
    } else if (i % 30 == 29) {
      s = db->Flush();
    } else if (i == 200) {
      s = db->CompactRange(nullptr, nullptr);
    } else if (op < 25) {
      // A read: an error, or exactly the model's answer.
      const std::string key = "key" + std::to_string(1000 + rnd.Uniform(150));
      std::string v;
      absl::Status g = db->Get(ReadOptions(), key, &v);
      auto want = model.find(key);
      if (g.ok()) {
        ASSERT_TRUE(want != model.end() && want->second == v)
            << "Get(" << key << ") returned " << v.substr(0, 40);
      } else if (absl::IsNotFound(g)) {
        ASSERT_TRUE(want == model.end()) << "Get(" << key << "): NotFound for a live key";
      } else {
        ++r->read_errors;
      }
      continue;
    } else {
      Batch b;
      const int n = op < 40 ? 2 + static_cast<int>(rnd.Uniform(5)) : 1;
      for (int j = 0; j < n; ++j) {
        Update u{"key" + std::to_string(1000 + rnd.Uniform(150)), std::nullopt};
        if (!rnd.OneIn(6)) {
          u.value = "v" + std::to_string(++version) + std::string(rnd.Uniform(120), 'x');
        }
        b.push_back(std::move(u));
      }
      WriteOptions wo;
      wo.sync = rnd.OneIn(8);
      WriteBatch wb = testing::ToWriteBatch(b);
      s = db->Write(wo, &wb);
      if (s.ok()) {
        ASSERT_FALSE(r->write_failed)
            << "a write succeeded after an earlier write failed with " << r->first_error;
        testing::Apply(b, &model);
        r->history.Add(std::move(b));
        r->acked = r->history.size();
      } else if (!r->write_failed) {
        // Its record may have reached the log before the error.
        r->history.Add(std::move(b));
      }
    }
    if (!s.ok()) {
      ASSERT_FALSE(absl::IsDataLoss(s)) << "an I/O error reported as corruption: " << s;
      if (r->write_failed) {
        ++r->refused_after_failure;
      } else {
        r->write_failed = true;
        r->first_error = s;
      }
    }
  }
}

class IoFaultTest : public ::testing::Test {
 protected:
  IoFaultTest() : base_(NewMemEnv(Env::Default())) {}

  // Runs the workload on a fresh DB with one fault armed after Open, then
  // checks the reopened DB. clean_counts (if not null) receives the count of
  // each kind of operation the run made.
  void RunWithFault(uint64_t seed, Op op, int64_t nth, const absl::Status& error,
                    std::vector<int64_t>* clean_counts, RunResult* result) {
    FaultInjectionEnv env(base_.get());
    Options o = SmallOptions(&env);
    ASSERT_TRUE(DestroyDB(kDbName, o).ok());
    auto db = DB::Open(o, kDbName);
    ASSERT_TRUE(db.ok()) << db.status();
    env.ResetCounters();
    if (nth > 0) env.FailNth(op, nth, error);
    std::unique_ptr<DB> dbp = std::move(*db);
    RunWorkload(&dbp, o, seed, result);
    if (HasFatalFailure()) return;
    // Let background work hit the fault too, then take the counts.
    if (dbp != nullptr) static_cast<DBImpl*>(dbp.get())->TEST_WaitForBackgroundWork().IgnoreError();
    if (clean_counts != nullptr) {
      for (int k = 0; k < FaultInjectionEnv::kNumOps; ++k) {
        clean_counts->push_back(env.OpCount(static_cast<Op>(k)));
      }
    }
    if (result->write_failed && dbp != nullptr) {
      // Still refused at the end.
      WriteBatch wb;
      wb.Put("after-failure", "x");
      ASSERT_FALSE(dbp->Write(WriteOptions(), &wb).ok()) << "writes resumed after a failure";
    }
    env.ClearFaults();
    dbp.reset();

    auto reopened = DB::Open(o, kDbName);
    ASSERT_TRUE(reopened.ok()) << "reopen with the fault cleared: " << reopened.status();
    State state;
    std::unique_ptr<Iterator> it = (*reopened)->NewIterator(ReadOptions());
    for (it->SeekToFirst(); it->Valid(); it->Next()) state.emplace(it->key(), it->value());
    ASSERT_TRUE(it->status().ok()) << it->status();
    it.reset();
    const std::optional<size_t> k =
        result->history.MatchPrefix(state, result->acked, result->history.size());
    ASSERT_TRUE(k.has_value()) << "acknowledged " << result->acked << " batches; diff:\n"
                               << testing::DescribeDiff(state, result->history.StateAt(result->acked));
    ASSERT_TRUE((*reopened)->Put(WriteOptions(), "after-reopen", "x").ok());
  }

  // Failure messages recorded so far in this test.
  static int FailureParts() {
    const ::testing::TestResult* r = ::testing::UnitTest::GetInstance()->current_test_info()->result();
    int n = 0;
    for (int i = 0; i < r->total_part_count(); ++i) n += r->GetTestPartResult(i).failed();
    return n;
  }

  std::unique_ptr<Env> base_;
};

TEST_F(IoFaultTest, EveryNthOperationFails) {
  const uint64_t seed = testing::EnvNumber("LSM_TEST_SEED", 5151);
  const int64_t cap = static_cast<int64_t>(testing::EnvNumber("LSM_FAULT_POINTS", 40));
  std::printf("io faults: seed=%llu cap=%lld per op kind\n", static_cast<unsigned long long>(seed),
              static_cast<long long>(cap));
  std::vector<int64_t> counts;
  {
    RunResult clean;
    RunWithFault(seed, Op::kAppend, 0, absl::OkStatus(), &counts, &clean);
    ASSERT_FALSE(HasFatalFailure());
    ASSERT_FALSE(clean.write_failed) << clean.first_error;
    ASSERT_EQ(clean.read_errors, 0);
  }
  int total_points = 0, failed_points = 0;
  for (Op op : {Op::kAppend, Op::kSync, Op::kNewWritableFile, Op::kRename, Op::kSyncDir, Op::kRead}) {
    const int64_t count = counts[static_cast<int>(op)];
    ASSERT_GT(count, 0) << FaultInjectionEnv::OpName(op) << " never happens in the workload";
    // All of the first N, then evenly spread, up to cap points.
    std::vector<int64_t> points;
    const int64_t head = std::min<int64_t>(count, cap / 2);
    for (int64_t n = 1; n <= head; ++n) points.push_back(n);
    const int64_t rest = cap - head;
    if (count > head && rest > 0) {
      const int64_t stride = std::max<int64_t>(1, (count - head) / rest);
      for (int64_t n = head + stride; n <= count && static_cast<int64_t>(points.size()) < cap;
           n += stride) {
        points.push_back(n);
      }
    }
    int failed_writes = 0, read_errors = 0, untouched = 0, with_failed_batch = 0;
    for (size_t i = 0; i < points.size(); ++i) {
      const absl::Status error = FaultInjectionEnv::ErrnoError(i % 2 == 0 ? EIO : ENOSPC);
      SCOPED_TRACE(std::string(FaultInjectionEnv::OpName(op)) + " #" + std::to_string(points[i]) +
                   " (" + error.ToString() + ") seed " + std::to_string(seed));
      RunResult r;
      const int parts_before = FailureParts();
      RunWithFault(seed, op, points[i], error, nullptr, &r);
      ++total_points;
      if (FailureParts() != parts_before) {
        // Reported; go on with the other points (up to a limit).
        if (++failed_points >= 5) FAIL() << "stopping after 5 failed fault points";
        continue;
      }
      failed_writes += r.write_failed || r.recovered_midway > 0;
      read_errors += r.read_errors > 0;
      untouched += !r.write_failed && r.recovered_midway == 0 && r.read_errors == 0;
      with_failed_batch += r.history.size() > r.acked;
    }
    std::printf("  %-16s ops in a clean run: %6lld, points tried: %3zu; a write failed: %3d, "
                "a read failed: %3d, no visible error: %3d\n",
                std::string(FaultInjectionEnv::OpName(op)).c_str(), static_cast<long long>(count),
                points.size(), failed_writes, read_errors, untouched);
    if (op != Op::kRead) {
      // A fault on a write path shows as a failed write at least sometimes.
      EXPECT_GT(failed_writes, 0) << FaultInjectionEnv::OpName(op);
    }
  }
  std::printf("  fault points tried: %d, failed: %d\n", total_points, failed_points);
  std::fflush(stdout);
}

TEST_F(IoFaultTest, FaultDuringRecoveryLosesNothing) {
  const uint64_t seed = testing::EnvNumber("LSM_TEST_SEED", 5151);
  int points = 0, open_failed = 0;
  for (Op op : {Op::kNewWritableFile, Op::kAppend, Op::kSync, Op::kRename, Op::kSyncDir, Op::kRead,
                Op::kNewReadableFile, Op::kRemoveFile}) {
    for (int64_t nth = 1; nth <= 12; ++nth) {
      SCOPED_TRACE(std::string(FaultInjectionEnv::OpName(op)) + " #" + std::to_string(nth));
      FaultInjectionEnv env(base_.get());
      Options o = SmallOptions(&env);
      o.write_buffer_size = 1 << 20;  // everything stays in the WAL
      ASSERT_TRUE(DestroyDB(kDbName, o).ok());
      History history;
      {
        auto db = DB::Open(o, kDbName);
        ASSERT_TRUE(db.ok()) << db.status();
        Random rnd(seed + nth);
        for (int i = 0; i < 200; ++i) {
          Batch b{{"key" + std::to_string(rnd.Uniform(100)), "v" + std::to_string(i)}};
          if (rnd.OneIn(5)) b[0].value.reset();
          WriteBatch wb = testing::ToWriteBatch(b);
          ASSERT_TRUE((*db)->Write(WriteOptions(), &wb).ok());
          history.Add(std::move(b));
        }
      }
      env.FailNth(op, nth, FaultInjectionEnv::ErrnoError(nth % 2 ? EIO : ENOSPC));
      auto failed = DB::Open(o, kDbName);
      if (!failed.ok()) {
        ++open_failed;
        EXPECT_FALSE(absl::IsDataLoss(failed.status())) << failed.status();
      }
      failed = absl::UnknownError("closed");
      env.ClearFaults();
      auto db = DB::Open(o, kDbName);
      EXPECT_TRUE(db.ok()) << "open after a failed recovery: " << db.status();
      ++points;
      if (!db.ok()) continue;
      State state;
      std::unique_ptr<Iterator> it = (*db)->NewIterator(ReadOptions());
      for (it->SeekToFirst(); it->Valid(); it->Next()) state.emplace(it->key(), it->value());
      ASSERT_TRUE(it->status().ok()) << it->status();
      ASSERT_EQ(state, history.final_state()) << testing::DescribeDiff(state, history.final_state());
    }
  }
  std::printf("recovery faults: %d points tried, Open failed at %d\n", points, open_failed);
  EXPECT_GT(open_failed, 0);
}

}  // namespace
}  // namespace lsm
