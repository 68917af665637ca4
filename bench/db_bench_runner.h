// The workloads of bench/db_bench, named as LevelDB's db_bench names them, run
// against any registered Engine (bench/engines/engine.h).
//
//   fillseq        fresh DB; num puts in key order
//   fillrandom     fresh DB; num puts of uniformly random keys in [0, num)
//   overwrite      num puts of random keys into the existing DB
//   fillsync       fresh DB; sync_num puts with sync=true (fdatasync each);
//                  with threads > 1 the engines may group-commit
//   readrandom     reads gets of random keys in [0, num) (some are absent
//                  after fillrandom, as in db_bench; "found" says how many)
//   readmissing    reads gets of absent keys that sort between present ones
//   readseq        one forward scan per thread over up to reads/threads entries
//   readreverse    the same backwards
//   seekrandom     reads seeks to random keys
//   deleterandom   num deletes of random keys
//   readwhilewriting  threads readers doing readrandom while one more thread
//                  puts random keys without pause; the readers are measured
//   compact        flush and compact the whole key range (one op)
//
// The ops of a workload are split across its threads; ops/s is total ops over
// the wall time from the common start to the last thread's end. Latencies are
// per operation (per batch with batch_size > 1). A workload the engine does
// not support (an Unimplemented status, e.g. compact on LMDB) yields a result
// with `unsupported` set instead of numbers, and the run goes on.
//
// Thread safety: RunEngine is not reentrant for the same directory.
#ifndef LSM_BENCH_DB_BENCH_RUNNER_H_
#define LSM_BENCH_DB_BENCH_RUNNER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "bench/engines/engine.h"
#include "engine/util/histogram.h"

namespace lsm {
namespace bench {

// One entry of --benchmarks: "fillsync" or "fillsync:8" (8 threads).
struct WorkloadSpec {
  std::string name;
  int threads = 0;  // 0: BenchConfig::threads
};

// Parses a comma-separated list; InvalidArgument for an unknown name or a bad
// thread count.
absl::StatusOr<std::vector<WorkloadSpec>> ParseBenchmarks(std::string_view list);
// Every workload name, in the default order.
std::vector<std::string> KnownWorkloads();

struct BenchConfig {
  std::vector<WorkloadSpec> workloads;
  uint64_t num = 1000000;
  int64_t reads = -1;     // -1: num
  int64_t sync_num = -1;  // -1: max(1, num / 100)
  int key_size = 16;
  int value_size = 100;
  double compression_ratio = 0.5;
  int threads = 1;
  int batch_size = 1;  // puts per write batch in the fill workloads
  uint64_t seed = 301;
  bool use_existing_db = false;
  EngineOptions engine_options;
};

struct WorkloadResult {
  std::string engine;
  std::string workload;  // the name, e.g. "fillsync"
  std::string label;     // the name plus the thread count when > 1: "fillsync/8t"
  int threads = 1;
  uint64_t ops = 0;
  double seconds = 0;
  uint64_t bytes = 0;  // user bytes written or read (keys + values)
  Histogram latency_ns;
  // Workload-specific figures: found, found_pct, peak_rss_mb (this
  // workload's peak), rss_start_mb (RSS when it began), io_write_mb,
  // io_read_mb, io_write_amp, db_size_mb, writer_ops, writer_ops_per_sec; for
  // lsm write_amp and read_amp when "lsm.stats" reports them (write_amp is
  // cumulative since the DB was opened; fresh-DB workloads reopen it).
  std::map<std::string, double> extra;
  // Non-empty when the engine does not support the workload (its call
  // returned Unimplemented): why. Nothing else is measured then.
  std::string unsupported;

  double micros_per_op() const { return ops ? seconds * 1e6 / ops : 0; }
  double ops_per_sec() const { return seconds > 0 ? ops / seconds : 0; }
  double mb_per_sec() const { return seconds > 0 ? bytes / 1048576.0 / seconds : 0; }
};

struct EngineRun {
  std::string engine;
  std::string description;
  std::vector<WorkloadResult> results;
  std::string final_stats;  // Engine::Stats() after the last workload
  bool skipped_fresh = false;  // fresh-DB workloads skipped (use_existing_db)
};

// Runs config.workloads in order against engine `engine_name` in directory
// dir (wiped first unless use_existing_db). Calls on_result after each
// workload (for progress output). The first engine error aborts the run.
absl::StatusOr<EngineRun> RunEngine(std::string_view engine_name, const BenchConfig& config,
                                    const std::string& dir,
                                    const std::function<void(const WorkloadResult&)>& on_result);

// One console line in db_bench's style:
// "fillrandom   :    3.210 micros/op;   34.5 MB/s; 311526 ops/s; p50 ... us"
std::string FormatResultLine(const WorkloadResult& r);

}  // namespace bench
}  // namespace lsm

#endif  // LSM_BENCH_DB_BENCH_RUNNER_H_
