// The C++ side of the JNI cost comparison (issue 18): the calls java/jmh's
// PointBench.getBytes and putBytes time through the Java API, made directly on
// lsm::DB on the same data, so java/jmh/run_jmh.sh can set the two side by
// side in one run.
//   - The store: keys 0..99 999 as 16-byte zero-padded decimals, 100-byte
//     random values, written in key order in 1 000-entry batches, then flushed
//     (java/jmh/Data.fill); the JMH benchmarks' shared shape (SharedShape(),
//     as java/jmh's LsmEngine.SHARED).
//   - BM_Get: Get of a random existing key into a reused std::string.
//   - BM_Put: Put of a random existing key, 100-byte value, not synced.
// Keys are written digit by digit into a reused buffer, as Data.fillKey does.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "bench/bench_path.h"
#include "benchmark/benchmark.h"
#include "engine/util/random.h"
#include "lsm/db.h"
#include "lsm/options.h"
#include "lsm/write_batch.h"

namespace lsm {
namespace {

constexpr int kEntries = 100000;
constexpr int kKeySize = 16;
constexpr int kValueSize = 100;

void FillKey(char* key, uint64_t i) {
  for (int p = kKeySize - 1; p >= 0; p--) {
    key[p] = static_cast<char>('0' + i % 10);
    i /= 10;
  }
}

// java/jmh's shared shape (LsmEngine.SHARED), field for field, so that the
// C++ and the Java call run on the same store.
Options SharedShape() {
  Options o;
  o.bloom_bits_per_key = 10;
  o.block_cache_capacity = 64 << 20;
  o.write_buffer_size = 64 << 20;
  o.block_size = 4096;
  o.compression = Compression::kSnappy;
  o.target_file_size = 64 << 20;
  o.max_bytes_for_level_base = 256ull << 20;
  o.level_size_multiplier = 10;
  o.level0_compaction_trigger = 4;
  o.level0_slowdown_writes_trigger = 20;
  o.level0_stop_writes_trigger = 36;
  o.max_background_jobs = 2;
  o.max_open_files = 1000;
  return o;
}

// The store every benchmark reads, filled once per process.
DB* Store() {
  static DB* db = [] {
    const std::string path = BenchPath("jni_cost_bench_db");
    Options options = SharedShape();
    (void)DestroyDB(path, options);
    auto opened = DB::Open(options, path);
    if (!opened.ok()) {
      std::fprintf(stderr, "open %s: %s\n", path.c_str(),
                   std::string(opened.status().message()).c_str());
      std::abort();
    }
    Random rnd(42);
    char key[kKeySize];
    for (int start = 0; start < kEntries; start += 1000) {
      WriteBatch batch;
      for (int i = start; i < start + 1000 && i < kEntries; i++) {
        FillKey(key, i);
        batch.Put(std::string_view(key, kKeySize), rnd.Bytes(kValueSize));
      }
      if (!(*opened)->Write(WriteOptions(), &batch).ok()) std::abort();
    }
    if (!(*opened)->Flush().ok()) std::abort();
    return opened->release();
  }();
  return db;
}

void BM_Get(benchmark::State& state) {
  DB* db = Store();
  Random rnd(7);
  char key[kKeySize];
  std::string value;
  for (auto _ : state) {
    FillKey(key, rnd.Uniform(kEntries));
    absl::Status s = db->Get(ReadOptions(), std::string_view(key, kKeySize), &value);
    benchmark::DoNotOptimize(s);
    benchmark::DoNotOptimize(value.data());
  }
}
BENCHMARK(BM_Get);

void BM_Put(benchmark::State& state) {
  DB* db = Store();
  Random rnd(9);
  char key[kKeySize];
  const std::string value = Random(11).Bytes(kValueSize);
  for (auto _ : state) {
    FillKey(key, rnd.Uniform(kEntries));
    absl::Status s = db->Put(WriteOptions(), std::string_view(key, kKeySize), value);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_Put);

}  // namespace
}  // namespace lsm
