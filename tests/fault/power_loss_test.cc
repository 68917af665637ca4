// Power loss at random points of a randomized workload. Each round runs a mix
// of synced and unsynced puts, deletes and batches, explicit flushes and
// compactions, with memtables and files so small that background flushes and
// compactions run all the time. At random moments the power is cut
// (FaultInjectionEnv drops every byte not synced and, in half the rounds,
// every unsynced file removal too), the DB is reopened, and:
//
//   the recovered state == the state after some prefix k of the acknowledged
//   history, with k >= the last durability point (a sync write, a Flush or a
//   CompactRange that returned OK).
//
// The workload then continues on the recovered DB (its history cut to k), so
// later crashes also test DBs that were themselves recovered.
// $LSM_TEST_SEED picks the seed; $LSM_POWER_LOSS_ROUNDS the number of rounds.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "engine/db/db_impl.h"
#include "engine/env/fault_injection_env.h"
#include "engine/env/mem_env.h"
#include "engine/env/test_util.h"
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

class PowerLossTest : public ::testing::TestWithParam<bool> {
 protected:
  // Options of one round: tiny, randomized.
  static Options RandomOptions(Random* rnd, Env* env) {
    Options o;
    o.env = env;
    o.write_buffer_size = (4 + rnd->Uniform(28)) << 10;
    o.target_file_size = (2 + rnd->Uniform(14)) << 10;
    o.max_bytes_for_level_base = (16 + rnd->Uniform(48)) << 10;
    o.level_size_multiplier = 2 + static_cast<int>(rnd->Uniform(4));
    o.block_size = 256 + rnd->Uniform(2048);
    o.level0_compaction_trigger = 2 + static_cast<int>(rnd->Uniform(3));
    o.level0_slowdown_writes_trigger = 8;
    o.level0_stop_writes_trigger = 12;
    o.block_cache_capacity = rnd->OneIn(3) ? 0 : 256 << 10;
    const Compression c[] = {Compression::kNone, Compression::kSnappy, Compression::kZstd};
    o.compression = c[rnd->Uniform(3)];
    o.bloom_bits_per_key = rnd->OneIn(4) ? 0 : 10;
    return o;
  }

  static std::string Key(Random* rnd) {
    // A hot set and a wide set, so there are overwrites and new keys.
    return rnd->OneIn(3) ? "hot" + std::to_string(rnd->Uniform(20))
                         : "key" + std::to_string(100000 + rnd->Uniform(3000));
  }

  void RunRounds(Env* base, const std::string& dbname, int rounds, int crashes_per_round) {
    const uint64_t seed = testing::EnvNumber("LSM_TEST_SEED", 7301);
    std::printf("power loss (%s env): seed=%llu rounds=%d\n", GetParam() ? "posix" : "mem",
                static_cast<unsigned long long>(seed), rounds);
    Random rnd(seed);
    int points = 0, recovered_exact = 0, recovered_prefix = 0;
    uint64_t batches_lost = 0;
    int version = 0;
    for (int round = 0; round < rounds; ++round) {
      FaultInjectionEnv env(base);
      env.SetUndoUnsyncedRemovals(round % 2 == 1);
      Options o = RandomOptions(&rnd, &env);
      ASSERT_TRUE(DestroyDB(dbname, o).ok());
      History history;
      size_t durable = 0;  // batches [0, durable) must survive
      auto opened = DB::Open(o, dbname);
      ASSERT_TRUE(opened.ok()) << opened.status();
      std::unique_ptr<DB> db = std::move(*opened);
      for (int crash = 0; crash < crashes_per_round; ++crash) {
        SCOPED_TRACE("seed " + std::to_string(seed) + " round " + std::to_string(round) +
                     " crash " + std::to_string(crash));
        const int ops = 1 + static_cast<int>(rnd.Skewed(10));
        for (int i = 0; i < ops; ++i) {
          const uint64_t r = rnd.Uniform(100);
          if (r < 2) {
            ASSERT_TRUE(db->Flush().ok());
            durable = history.size();
          } else if (r < 3) {
            ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
            durable = history.size();
          } else {
            Batch b;
            const int n = r < 20 ? 2 + static_cast<int>(rnd.Uniform(8)) : 1;
            for (int j = 0; j < n; ++j) {
              Update u{Key(&rnd), std::nullopt};
              if (!rnd.OneIn(5)) {
                ++version;
                u.value = "v" + std::to_string(version) + "-" +
                          std::string(rnd.Uniform(200), static_cast<char>('a' + version % 26));
              }
              b.push_back(std::move(u));
            }
            WriteOptions wo;
            wo.sync = rnd.OneIn(10);
            WriteBatch wb = testing::ToWriteBatch(b);
            ASSERT_TRUE(db->Write(wo, &wb).ok());
            history.Add(std::move(b));
            if (wo.sync) durable = history.size();
          }
        }
        // The crash: sometimes at once, while background work may run;
        // sometimes after it finished.
        if (rnd.OneIn(3)) {
          ASSERT_TRUE(static_cast<DBImpl*>(db.get())->TEST_WaitForBackgroundWork().ok());
        }
        env.SetFilesystemActive(false);
        db.reset();
        ASSERT_TRUE(env.SimulatePowerLoss().ok());
        env.SetFilesystemActive(true);
        ++points;

        opened = DB::Open(o, dbname);
        ASSERT_TRUE(opened.ok()) << "reopen after power loss: " << opened.status();
        db = std::move(*opened);
        absl::Status s;
        const State state = testing::ReadState(db.get(), &s);
        ASSERT_TRUE(s.ok()) << s;
        const std::optional<size_t> k = history.MatchPrefix(state, durable, history.size());
        ASSERT_TRUE(k.has_value())
            << "not a prefix of the history with >= " << durable << " of " << history.size()
            << " batches; diff against the durable prefix:\n"
            << testing::DescribeDiff(state, history.StateAt(durable))
            << "diff against everything:\n"
            << testing::DescribeDiff(state, history.final_state());
        // Point reads agree with the scan.
        for (int j = 0; j < 20 && !history.keys().empty(); ++j) {
          auto it = history.keys().begin();
          std::advance(it, rnd.Uniform(history.keys().size()));
          std::string v;
          absl::Status g = db->Get(ReadOptions(), *it, &v);
          auto want = state.find(*it);
          if (want == state.end()) {
            ASSERT_TRUE(absl::IsNotFound(g)) << *it << ": " << g;
          } else {
            ASSERT_TRUE(g.ok()) << *it << ": " << g;
            ASSERT_EQ(v, want->second) << *it;
          }
        }
        if (*k == history.size()) {
          ++recovered_exact;
        } else {
          ++recovered_prefix;
        }
        batches_lost += history.size() - *k;
        history.Truncate(*k);
        // Open wrote what it replayed to synced tables and a synced MANIFEST:
        // the recovered state is durable.
        durable = *k;
      }
      db.reset();
    }
    std::printf("  power-loss points: %d (all unsynced kept: %d, a prefix: %d; "
                "unsynced batches lost: %llu)\n",
                points, recovered_exact, recovered_prefix,
                static_cast<unsigned long long>(batches_lost));
    std::fflush(stdout);
    EXPECT_EQ(points, rounds * crashes_per_round);
  }
};

TEST_P(PowerLossTest, RecoveredStateIsADurablePrefix) {
  if (GetParam()) {
    // The POSIX Env: real files, real renames, fewer rounds.
    const std::string dir = NewTestTempDir("power_loss");
    RunRounds(Env::Default(), dir + "/db",
              static_cast<int>(testing::EnvNumber("LSM_POWER_LOSS_ROUNDS", 24) / 4), 5);
    RemoveDirRecursively(Env::Default(), dir);
  } else {
    std::unique_ptr<Env> mem = NewMemEnv(Env::Default());
    RunRounds(mem.get(), "/db", static_cast<int>(testing::EnvNumber("LSM_POWER_LOSS_ROUNDS", 24)), 8);
  }
}

INSTANTIATE_TEST_SUITE_P(Envs, PowerLossTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? std::string("Posix") : std::string("Mem");
                         });

}  // namespace
}  // namespace lsm
