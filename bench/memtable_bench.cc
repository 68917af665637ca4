// Memtable micro-benchmarks: insert rate of 16-byte keys with 100-byte
// values, in sequential and random key order, by one writer and by two
// threads sharing the single-writer role through a mutex; lookup rate; and
// scans forward and backward. Inserts, lookups and scans run on each of the
// memtable's structures (.../btree, .../skiplist); inserts also report the
// memtable's bytes per entry.
//
// A memtable is filled up to kEntriesPerMemTable entries (about the 64 MiB
// default write buffer) and then replaced, as the DB does, so the tree
// depth and cache misses are those of a full-size memtable.
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "benchmark/benchmark.h"
#include "engine/memtable/memtable.h"
#include "engine/util/mutex.h"
#include "engine/util/random.h"

namespace lsm {
namespace {

constexpr size_t kKeySize = 16;
constexpr size_t kValueSize = 100;
constexpr size_t kEntriesPerMemTable = 400000;

std::vector<std::string> MakeKeys(size_t n, bool sequential, uint64_t seed) {
  std::vector<std::string> keys;
  keys.reserve(n);
  Random rnd(seed);
  char buf[32];
  for (size_t i = 0; i < n; ++i) {
    if (sequential) {
      std::snprintf(buf, sizeof(buf), "%016llu", static_cast<unsigned long long>(seed + i));
      keys.emplace_back(buf, kKeySize);
    } else {
      keys.push_back(rnd.Bytes(kKeySize));
    }
  }
  return keys;
}

const std::string& Value() {
  static const std::string* v = new std::string(Random(1).Bytes(kValueSize));
  return *v;
}

// Argument: entries per memtable before it is replaced. With 16-byte keys and
// 100-byte values an entry takes about 165 bytes of arena, so 25k, 100k, 400k
// and 1.6M entries are memtables of about 4, 16, 64 and 256 MiB: the cost of
// depth and cache misses.
void BM_Insert(benchmark::State& state, bool sequential, MemTableStructure structure) {
  const std::vector<std::string> keys =
      MakeKeys(static_cast<size_t>(state.range(0)), sequential, 1000);
  const std::string& value = Value();
  auto mem = std::make_unique<MemTable>(0, structure);
  size_t i = 0;
  SequenceNumber seq = 1;
  double bytes_per_entry = 0;
  for (auto _ : state) {
    if (i == keys.size()) {
      state.PauseTiming();
      bytes_per_entry = static_cast<double>(mem->ApproximateMemoryUsage()) / i;
      mem = std::make_unique<MemTable>(0, structure);
      i = 0;
      state.ResumeTiming();
    }
    mem->Add(seq++, ValueType::kValue, keys[i++], value);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * (kKeySize + kValueSize));
  // Of the last memtable filled, or of the one being filled if none was.
  if (bytes_per_entry == 0 && i > 0) {
    bytes_per_entry = static_cast<double>(mem->ApproximateMemoryUsage()) / i;
  }
  state.counters["bytes_per_entry"] = bytes_per_entry;
}
BENCHMARK_CAPTURE(BM_Insert, sequential/btree, true, MemTableStructure::kBTree)
    ->Arg(kEntriesPerMemTable);
BENCHMARK_CAPTURE(BM_Insert, sequential/skiplist, true, MemTableStructure::kSkipList)
    ->Arg(kEntriesPerMemTable);
BENCHMARK_CAPTURE(BM_Insert, random/btree, false, MemTableStructure::kBTree)
    ->Arg(25000)
    ->Arg(100000)
    ->Arg(kEntriesPerMemTable)
    ->Arg(4 * kEntriesPerMemTable);
BENCHMARK_CAPTURE(BM_Insert, random/skiplist, false, MemTableStructure::kSkipList)
    ->Arg(25000)
    ->Arg(100000)
    ->Arg(kEntriesPerMemTable)
    ->Arg(4 * kEntriesPerMemTable);

// Several threads, one writer at a time: each Add under a shared mutex, as
// a DB without group commit would do. The thread that fills the memtable
// replaces it (inside the timed region).
struct Shared {
  Mutex mu;
  std::unique_ptr<MemTable> mem ABSL_GUARDED_BY(mu) = std::make_unique<MemTable>();
  size_t entries ABSL_GUARDED_BY(mu) = 0;
  SequenceNumber seq ABSL_GUARDED_BY(mu) = 1;
};

void BM_InsertThreads(benchmark::State& state) {
  static Shared* shared = new Shared;
  const std::vector<std::string> keys =
      MakeKeys(kEntriesPerMemTable, false, 7000 + state.thread_index());
  const std::string& value = Value();
  size_t i = 0;
  for (auto _ : state) {
    MutexLock lock(&shared->mu);
    if (shared->entries == kEntriesPerMemTable) {
      shared->mem = std::make_unique<MemTable>();
      shared->entries = 0;
    }
    shared->mem->Add(shared->seq++, ValueType::kValue, keys[i], value);
    ++shared->entries;
    if (++i == keys.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_InsertThreads)->Threads(1)->Threads(2)->UseRealTime();

// Point lookups of present keys in a full memtable.
void BM_Get(benchmark::State& state, bool present, MemTableStructure structure) {
  const std::vector<std::string> keys = MakeKeys(kEntriesPerMemTable, false, 1000);
  const std::vector<std::string> absent = MakeKeys(kEntriesPerMemTable, false, 2000);
  MemTable mem(0, structure);
  SequenceNumber seq = 1;
  for (const std::string& k : keys) mem.Add(seq++, ValueType::kValue, k, Value());
  Random rnd(3);
  std::string v;
  int64_t found = 0;
  for (auto _ : state) {
    const std::string& k = (present ? keys : absent)[rnd.Uniform(keys.size())];
    found += mem.Get(k, kMaxSequenceNumber, &v) == MemTable::GetResult::kFound;
  }
  if (found != (present ? state.iterations() : 0)) state.SkipWithError("wrong lookup result");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_Get, present/btree, true, MemTableStructure::kBTree);
BENCHMARK_CAPTURE(BM_Get, present/skiplist, true, MemTableStructure::kSkipList);
BENCHMARK_CAPTURE(BM_Get, absent/btree, false, MemTableStructure::kBTree);
BENCHMARK_CAPTURE(BM_Get, absent/skiplist, false, MemTableStructure::kSkipList);

// Full scans of a full memtable with its iterator, forward (Next) and
// backward (Prev, as a reverse iterator or SeekForPrev walks).
void BM_Scan(benchmark::State& state, bool forward, MemTableStructure structure) {
  const std::vector<std::string> keys = MakeKeys(kEntriesPerMemTable, false, 1000);
  MemTable mem(0, structure);
  SequenceNumber seq = 1;
  for (const std::string& k : keys) mem.Add(seq++, ValueType::kValue, k, Value());
  auto iter = mem.NewIterator();
  auto restart = [&] { forward ? iter->SeekToFirst() : iter->SeekToLast(); };
  restart();
  size_t bytes = 0;
  for (auto _ : state) {
    if (!iter->Valid()) restart();
    bytes += iter->key().size() + iter->value().size();
    forward ? iter->Next() : iter->Prev();
  }
  benchmark::DoNotOptimize(bytes);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_Scan, forward/btree, true, MemTableStructure::kBTree);
BENCHMARK_CAPTURE(BM_Scan, forward/skiplist, true, MemTableStructure::kSkipList);
BENCHMARK_CAPTURE(BM_Scan, backward/btree, false, MemTableStructure::kBTree);
BENCHMARK_CAPTURE(BM_Scan, backward/skiplist, false, MemTableStructure::kSkipList);

// The floor under random inserts into a memtable larger than the CPU caches:
// one dependent load at a random cache line of a region of the given size
// (a pointer chase through a random cycle). A search of a linked structure is a
// chain of such loads, each needing the node found by the one before.
void BM_DependentLoadFloor(benchmark::State& state) {
  const size_t lines = static_cast<size_t>(state.range(0)) / 64;
  struct alignas(64) Line {
    size_t next;
  };
  std::unique_ptr<Line[]> mem(new Line[lines]);
  std::vector<size_t> order(lines);
  for (size_t i = 0; i < lines; ++i) order[i] = i;
  Random rnd(42);
  for (size_t i = lines - 1; i > 0; --i) std::swap(order[i], order[rnd.Uniform(i + 1)]);
  for (size_t i = 0; i < lines; ++i) mem[order[i]].next = order[(i + 1) % lines];
  size_t p = order[0];
  for (auto _ : state) {
    p = mem[p].next;
    benchmark::DoNotOptimize(p);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DependentLoadFloor)->Arg(1 << 20)->Arg(16 << 20)->Arg(64 << 20);

}  // namespace
}  // namespace lsm
