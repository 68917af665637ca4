#include "bench/db_bench_runner.h"

#include <filesystem>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace lsm {
namespace bench {
namespace {

TEST(ParseBenchmarksTest, NamesAndThreadCounts) {
  absl::StatusOr<std::vector<WorkloadSpec>> specs = ParseBenchmarks("fillseq, fillsync:8,compact");
  ASSERT_TRUE(specs.ok()) << specs.status();
  ASSERT_EQ(specs->size(), 3u);
  EXPECT_EQ((*specs)[0].name, "fillseq");
  EXPECT_EQ((*specs)[0].threads, 0);
  EXPECT_EQ((*specs)[1].name, "fillsync");
  EXPECT_EQ((*specs)[1].threads, 8);
  EXPECT_EQ((*specs)[2].name, "compact");
}

TEST(ParseBenchmarksTest, RejectsBadInput) {
  for (const char* bad : {"", "fillseq,bogus", "fillsync:0", "fillsync:x", "fillsync:2:3"}) {
    SCOPED_TRACE(bad);
    absl::StatusOr<std::vector<WorkloadSpec>> specs = ParseBenchmarks(bad);
    ASSERT_FALSE(specs.ok());
    EXPECT_EQ(specs.status().code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST(ParseBenchmarksTest, EveryKnownWorkloadParses) {
  for (const std::string& name : KnownWorkloads()) {
    EXPECT_TRUE(ParseBenchmarks(name).ok()) << name;
  }
}

TEST(RunEngineTest, UnknownEngine) {
  BenchConfig config;
  config.workloads = {{"fillseq", 0}};
  absl::StatusOr<EngineRun> run = RunEngine("nosuchdb", config, testing::TempDir(), nullptr);
  EXPECT_EQ(run.status().code(), absl::StatusCode::kNotFound);
}

class RunEngineTest : public testing::TestWithParam<std::string> {
 protected:
  std::string Dir(const char* test) {
    const std::string dir = testing::TempDir() + "/db_bench_runner_test_" + GetParam() + "_" + test;
    std::filesystem::remove_all(dir);
    return dir;
  }

  static const WorkloadResult& Find(const EngineRun& run, const std::string& label) {
    for (const WorkloadResult& r : run.results) {
      if (r.label == label) return r;
    }
    ADD_FAILURE() << "no result " << label;
    static const WorkloadResult kEmpty;
    return kEmpty;
  }

  static double Extra(const WorkloadResult& r, const std::string& name) {
    auto it = r.extra.find(name);
    EXPECT_NE(it, r.extra.end()) << r.label << " has no " << name;
    return it == r.extra.end() ? -1 : it->second;
  }
};

// After fillseq every key in [0, num) is present, so every read finds its key
// and a scan sees exactly num entries; after deleterandom some are gone.
TEST_P(RunEngineTest, FillSeqThenReads) {
  BenchConfig config;
  config.num = 3000;
  config.workloads = *ParseBenchmarks(
      "fillseq,readrandom,readmissing,readseq,readreverse,seekrandom,readrandom:2,deleterandom,"
      "readseq,compact");
  int callbacks = 0;
  absl::StatusOr<EngineRun> run =
      RunEngine(GetParam(), config, Dir("fillseq"), [&](const WorkloadResult&) { ++callbacks; });
  ASSERT_TRUE(run.ok()) << run.status();
  ASSERT_EQ(run->results.size(), config.workloads.size());
  EXPECT_EQ(callbacks, static_cast<int>(config.workloads.size()));
  EXPECT_FALSE(run->description.empty());

  const WorkloadResult& fill = run->results[0];
  EXPECT_EQ(fill.engine, GetParam());
  EXPECT_EQ(fill.ops, 3000u);
  EXPECT_EQ(fill.bytes, 3000u * (16 + 100));
  EXPECT_EQ(fill.latency_ns.Count(), 3000u);
  EXPECT_GT(fill.seconds, 0);
  EXPECT_GT(Extra(fill, "peak_rss_mb"), 0);
  if (GetParam() == "lsm") {
    // Parsed from "lsm.stats": the WAL alone makes it at least 1.
    EXPECT_GE(Extra(fill, "write_amp"), 1.0);
    EXPECT_GE(Extra(fill, "read_amp"), 1.0);
  }

  const WorkloadResult& readrandom = run->results[1];
  EXPECT_EQ(readrandom.ops, 3000u);
  EXPECT_EQ(Extra(readrandom, "found"), 3000);
  EXPECT_EQ(Extra(run->results[2], "found"), 0);  // readmissing
  EXPECT_EQ(run->results[3].ops, 3000u);           // readseq
  EXPECT_EQ(run->results[4].ops, 3000u);           // readreverse
  EXPECT_EQ(Extra(run->results[5], "found"), 3000);  // seekrandom

  const WorkloadResult& two_threads = Find(*run, "readrandom/2t");
  EXPECT_EQ(two_threads.threads, 2);
  EXPECT_EQ(two_threads.ops, 3000u);
  EXPECT_EQ(Extra(two_threads, "found"), 3000);

  // Random deletes hit about 1 - 1/e of the keys; the scan sees the rest.
  const uint64_t remaining = run->results[8].ops;
  EXPECT_LT(remaining, 3000u * 0.5);
  EXPECT_GT(remaining, 3000u * 0.25);
  const WorkloadResult& compact = run->results[9];
  if (GetParam() == "lmdb") {
    // A B+tree has nothing to compact: reported as not supported, with why.
    EXPECT_NE(compact.unsupported.find("B+tree"), std::string::npos) << compact.unsupported;
    EXPECT_EQ(compact.ops, 0u);
    EXPECT_TRUE(compact.extra.empty());
    EXPECT_NE(FormatResultLine(compact).find("not supported by lmdb"), std::string::npos);
  } else {
    EXPECT_TRUE(compact.unsupported.empty()) << compact.unsupported;
    EXPECT_EQ(compact.ops, 1u);
  }
  for (size_t i = 0; i < 9; ++i) EXPECT_TRUE(run->results[i].unsupported.empty());

  // Reopening the same directory finds what is left and skips the fills.
  BenchConfig again = config;
  again.use_existing_db = true;
  again.workloads = *ParseBenchmarks("fillseq,readseq");
  absl::StatusOr<EngineRun> reopened = RunEngine(GetParam(), again, Dir("fillseq_unused"), nullptr);
  EXPECT_FALSE(reopened.ok());  // must_exist: that directory holds no DB
}

TEST_P(RunEngineTest, UseExistingDbKeepsTheData) {
  const std::string dir = Dir("existing");
  BenchConfig config;
  config.num = 1000;
  config.workloads = *ParseBenchmarks("fillseq");
  ASSERT_TRUE(RunEngine(GetParam(), config, dir, nullptr).ok());

  config.use_existing_db = true;
  config.workloads = *ParseBenchmarks("fillrandom,readseq");
  absl::StatusOr<EngineRun> run = RunEngine(GetParam(), config, dir, nullptr);
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_TRUE(run->skipped_fresh);
  ASSERT_EQ(run->results.size(), 1u);
  EXPECT_EQ(run->results[0].workload, "readseq");
  EXPECT_EQ(run->results[0].ops, 1000u);
}

TEST_P(RunEngineTest, WritesSyncAndConcurrently) {
  BenchConfig config;
  config.num = 2000;
  config.sync_num = 40;
  config.batch_size = 7;
  config.workloads = *ParseBenchmarks("fillsync:4,fillrandom,overwrite:2,readwhilewriting:2");
  absl::StatusOr<EngineRun> run = RunEngine(GetParam(), config, Dir("writes"), nullptr);
  ASSERT_TRUE(run.ok()) << run.status();
  ASSERT_EQ(run->results.size(), 4u);

  const WorkloadResult& sync = run->results[0];
  EXPECT_EQ(sync.label, "fillsync/4t");
  EXPECT_EQ(sync.ops, 40u);
  // Batches of up to 7 puts per thread's share of 10: 2 batches per thread.
  EXPECT_EQ(sync.latency_ns.Count(), 8u);
  EXPECT_GT(Extra(sync, "io_write_amp"), 0);

  EXPECT_EQ(run->results[1].ops, 2000u);
  EXPECT_EQ(run->results[2].ops, 2000u);
  EXPECT_EQ(run->results[2].threads, 2);

  const WorkloadResult& rww = run->results[3];
  EXPECT_EQ(rww.ops, 2000u);
  EXPECT_GT(Extra(rww, "found"), 0);
  EXPECT_GE(Extra(rww, "writer_ops"), 0);
}

// Debian's LevelDB, RocksDB, LMDB and WiredTiger are not built for ThreadSanitizer: their
// atomics are invisible to it, so it would report false races inside them.
#if defined(__SANITIZE_THREAD__)
#define LSM_BENCH_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LSM_BENCH_UNDER_TSAN 1
#endif
#endif

#ifdef LSM_BENCH_UNDER_TSAN
#define LSM_BENCH_ENGINES testing::Values("lsm")
#else
#define LSM_BENCH_ENGINES testing::Values("lsm", "leveldb", "rocksdb", "lmdb", "wiredtiger")
#endif

INSTANTIATE_TEST_SUITE_P(Engines, RunEngineTest, LSM_BENCH_ENGINES,
                         [](const testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
}  // namespace bench
}  // namespace lsm
