// DB-level micro-benchmarks on the real disk (see bench_path.h):
//   - BM_SyncPutThreads: Put with sync from 1, 2 and 8 threads, where group
//     commit shares one fdatasync among the writers queued together; counter
//     writes_per_sync from lsm.stats.
//   - BM_PointReads: 100 random keys of a 200k-key DB (flushed and compacted,
//     all in the block cache) read by 100 Gets, and by one MultiGet.
//   - BM_StatisticsPerCall: what the always-on statistics add to each Get or
//     write: two clock reads, a histogram record and three counter adds.
//   - BM_Compaction: throughput of compacting a fixed input shape (four
//     overlapping 4 MiB L0 files of 16-byte keys and 100-byte values, half
//     compressible) into L1, in MB/s of input table bytes.
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "bench/bench_path.h"
#include "benchmark/benchmark.h"
#include "engine/util/latency_histogram.h"
#include "engine/util/random.h"
#include "lsm/db.h"
#include "lsm/env.h"
#include "lsm/options.h"

namespace lsm {
namespace {

// The number after label in text (lsm.stats), or 0.
uint64_t NumberAfter(const std::string& text, const std::string& label) {
  const size_t at = text.find(label);
  return at == std::string::npos ? 0 : std::strtoull(text.c_str() + at + label.size(), nullptr, 10);
}

std::string Key(uint64_t n) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%016llu", static_cast<unsigned long long>(n));
  return buf;
}

// A value of 100 bytes whose first half is random and second half repeats it.
std::string Value(Random* rnd) {
  std::string v = rnd->Bytes(50);
  v += v;
  return v;
}

std::unique_ptr<DB> OpenFresh(const std::string& path, const Options& options) {
  (void)DestroyDB(path, options);
  auto db = DB::Open(options, path);
  if (!db.ok()) {
    std::fprintf(stderr, "open %s: %s\n", path.c_str(), std::string(db.status().message()).c_str());
    return nullptr;
  }
  return std::move(*db);
}

std::unique_ptr<DB> g_sync_db;
std::atomic<uint64_t> g_next_key{0};

void BM_SyncPutThreads(benchmark::State& state) {
  const std::string path = BenchPath("db_micro_bench_sync");
  if (state.thread_index() == 0) {
    Options o;
    o.create_if_missing = true;
    g_sync_db = OpenFresh(path, o);
    g_next_key = 0;
  }
  // The loop's start is a barrier: every thread sees the DB thread 0 opened.
  Random rnd(1000 + state.thread_index());
  WriteOptions wo;
  wo.sync = true;
  for (auto _ : state) {
    if (g_sync_db == nullptr) {
      state.SkipWithError("cannot open the DB");
      break;
    }
    if (!g_sync_db->Put(wo, Key(g_next_key.fetch_add(1)), Value(&rnd)).ok()) {
      state.SkipWithError("Put failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0 && g_sync_db != nullptr) {
    const std::string stats = g_sync_db->GetProperty("lsm.stats").value_or("");
    const uint64_t syncs = NumberAfter(stats, "WAL syncs: ");
    const uint64_t writes = NumberAfter(stats, "user writes: ");
    state.counters["writes_per_sync"] = syncs == 0 ? 0 : static_cast<double>(writes) / syncs;
    g_sync_db.reset();
    (void)DestroyDB(path, Options());
  }
}
BENCHMARK(BM_SyncPutThreads)->Threads(1)->Threads(2)->Threads(8)->UseRealTime();

// A DB of 200k keys in tables, opened once for the point-read benchmarks.
DB* PointReadDB() {
  static DB* db = [] {
    Options o;
    o.create_if_missing = true;
    std::unique_ptr<DB> d = OpenFresh(BenchPath("db_micro_bench_reads"), o);
    if (d == nullptr) return static_cast<DB*>(nullptr);
    Random rnd(11);
    for (uint64_t i = 0; i < 200000; ++i) {
      if (!d->Put(WriteOptions(), Key(i), Value(&rnd)).ok()) return static_cast<DB*>(nullptr);
    }
    if (!d->CompactRange(nullptr, nullptr).ok()) return static_cast<DB*>(nullptr);
    return d.release();  // lives for the process
  }();
  return db;
}

// Argument 0: 100 Gets; 1: one MultiGet of the same 100 keys.
void BM_PointReads(benchmark::State& state) {
  DB* db = PointReadDB();
  if (db == nullptr) {
    state.SkipWithError("cannot build the DB");
    return;
  }
  Random rnd(state.range(0) + 5);
  std::vector<std::string> keys(100);
  std::vector<std::string_view> views(keys.size());
  std::string value;
  uint64_t found = 0;
  for (auto _ : state) {
    for (size_t i = 0; i < keys.size(); ++i) {
      keys[i] = Key(rnd.Uniform(200000));
      views[i] = keys[i];
    }
    if (state.range(0) == 0) {
      for (std::string_view k : views) found += db->Get(ReadOptions(), k, &value).ok();
    } else {
      for (const auto& r : db->MultiGet(ReadOptions(), views)) found += r.ok();
    }
  }
  state.SetItemsProcessed(state.iterations() * 100);
  state.counters["found_pct"] =
      state.iterations() == 0 ? 0 : 100.0 * found / (state.iterations() * 100.0);
  state.SetLabel(state.range(0) == 0 ? "100 Gets" : "MultiGet of 100");
}
BENCHMARK(BM_PointReads)->Arg(0)->Arg(1);

void BM_StatisticsPerCall(benchmark::State& state) {
  LatencyHistogram h;
  std::atomic<uint64_t> a{0}, b{0}, c{0};
  for (auto _ : state) {
    const uint64_t start = LatencyHistogram::Now();
    a.fetch_add(1, std::memory_order_relaxed);
    b.fetch_add(1, std::memory_order_relaxed);
    c.fetch_add(5, std::memory_order_relaxed);
    h.Record(LatencyHistogram::Now() - start);
  }
  benchmark::DoNotOptimize(h.Summarize().count);
}
BENCHMARK(BM_StatisticsPerCall);

void BM_Compaction(benchmark::State& state) {
  const std::string path = BenchPath("db_micro_bench_compaction");
  Options o;
  o.create_if_missing = true;
  o.write_buffer_size = 4 << 20;
  // No compaction until the timed one.
  o.level0_compaction_trigger = 64;
  o.level0_slowdown_writes_trigger = 64;
  o.level0_stop_writes_trigger = 64;
  Env* env = Env::Default();
  uint64_t input_bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::unique_ptr<DB> db = OpenFresh(path, o);
    if (db == nullptr) {
      state.SkipWithError("cannot open the DB");
      break;
    }
    Random rnd(7);
    constexpr int kFiles = 4, kPerFile = 4 << 20 >> 7;  // about 4 MiB of entries each
    bool filled = true;
    for (int f = 0; f < kFiles && filled; ++f) {
      for (int i = 0; i < kPerFile && filled; ++i) {
        filled = db->Put(WriteOptions(), Key(rnd.Uniform(kFiles * kPerFile)), Value(&rnd)).ok();
      }
      filled = filled && db->Flush().ok();
    }
    if (!filled) {
      state.SkipWithError("filling the input failed");
      break;
    }
    uint64_t bytes = 0;
    for (const std::string& name : env->GetChildren(path).value_or(std::vector<std::string>())) {
      if (name.size() > 4 && name.compare(name.size() - 4, 4, ".sst") == 0) {
        bytes += env->GetFileSize(path + "/" + name).value_or(0);
      }
    }
    state.ResumeTiming();
    if (!db->CompactRange(nullptr, nullptr).ok()) {
      state.SkipWithError("CompactRange failed");
      break;
    }
    input_bytes += bytes;
  }
  state.SetBytesProcessed(static_cast<int64_t>(input_bytes));
  (void)DestroyDB(path, o);
}
BENCHMARK(BM_Compaction)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

}  // namespace
}  // namespace lsm
