// table_bench: SST read-path micro-benchmarks on a 1M-entry table (16-byte
// user keys, 100-byte values, snappy, 10 bits/key bloom filter, 4 KiB
// blocks) held in memory (StringSource), so "uncached" measures read +
// checksum + decompress + parse of a block, not the disk. The uncached table
// is read as from pread(2) (copies, every block verified on every read); the
// cached one as from a mapping (each block verified on its first read).
//
//   ./bazelw run -c opt //bench:table_bench -- --benchmark_min_time=0.2
#include <benchmark/benchmark.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "engine/memtable/dbformat.h"
#include "engine/table/cache.h"
#include "engine/table/string_file.h"
#include "engine/table/table.h"
#include "engine/table/table_builder.h"
#include "engine/util/crc32c.h"
#include "engine/util/random.h"

namespace lsm {
namespace {

constexpr int kNumEntries = 1000000;
constexpr int kValueSize = 100;

// Even numbers are present, odd ones absent. 16 bytes.
std::string UserKey(uint64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "key%013llu", static_cast<unsigned long long>(i));
  return std::string(buf, 16);
}

struct Fixture {
  std::string contents;
  std::unique_ptr<Table> uncached;  // no block cache
  std::unique_ptr<Table> cached;    // a cache that holds every block
  std::unique_ptr<BlockCache> cache;

  Fixture() {
    TableOptions o;
    o.compression = Compression::kSnappy;
    o.bloom_bits_per_key = 10;
    StringSink sink(&contents);
    TableBuilder b(o, &sink);
    Random rnd(301);
    // Values half random, half repeated (compress to about 60%, like
    // db_bench's default compression ratio of 0.5).
    std::string value;
    for (int i = 0; i < kNumEntries; ++i) {
      value = rnd.Bytes(kValueSize / 2);
      value.append(kValueSize / 2, 'v');
      b.Add(MakeInternalKey(UserKey(2 * i), i + 1, ValueType::kValue), value);
    }
    if (!b.Finish().ok()) std::abort();
    uncached = Open(nullptr, 1, /*copies=*/true);
    cache = std::make_unique<BlockCache>(size_t{1} << 30);
    cached = Open(cache.get(), 2, /*copies=*/false);
    std::unique_ptr<Iterator> it = cached->NewIterator(ReadOptions());
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
    }
    const TableProperties& p = uncached->properties();
    std::fprintf(stderr,
                 "table: %zu bytes, %llu data blocks, data %llu bytes (raw %llu), index %llu, "
                 "filter %llu bytes; cache holds %zu bytes\n",
                 contents.size(), static_cast<unsigned long long>(p.num_data_blocks),
                 static_cast<unsigned long long>(p.data_size),
                 static_cast<unsigned long long>(p.raw_data_size),
                 static_cast<unsigned long long>(p.index_size),
                 static_cast<unsigned long long>(p.filter_size), cache->TotalCharge());
  }

  std::unique_ptr<Table> Open(BlockCache* c, uint64_t number, bool copies) {
    auto t = Table::Open(TableOptions(), std::make_unique<StringSource>(contents, copies),
                         contents.size(), number, c);
    if (!t.ok()) std::abort();
    return *std::move(t);
  }
};

Fixture& F() {
  static Fixture* f = new Fixture();
  return *f;
}

// Lookup keys, precomputed so the loop measures only the table.
std::vector<std::string> LookupKeys(bool present, size_t n) {
  Random rnd(present ? 7 : 8);
  std::vector<std::string> keys;
  keys.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const uint64_t k = 2 * rnd.Uniform(kNumEntries) + (present ? 0 : 1);
    keys.push_back(MakeLookupKey(UserKey(k), kMaxSequenceNumber));
  }
  return keys;
}

void RunGets(benchmark::State& state, const Table& t, bool present, const ReadOptions& ro) {
  const std::vector<std::string> keys = LookupKeys(present, 1 << 16);
  size_t i = 0;
  uint64_t found = 0;
  for (auto _ : state) {
    const std::string& k = keys[i++ & (keys.size() - 1)];
    absl::Status s = t.Get(ro, k, [&](std::string_view ikey, std::string_view) {
      found += ExtractUserKey(ikey) == ExtractUserKey(k);
    });
    benchmark::DoNotOptimize(s);
  }
  if (present && found != state.iterations()) state.SkipWithError("a present key was not found");
  if (!present && found != 0) state.SkipWithError("an absent key was found");
  state.SetItemsProcessed(state.iterations());
}

void BM_GetHitCached(benchmark::State& state) {
  RunGets(state, *F().cached, true, ReadOptions());
}
BENCHMARK(BM_GetHitCached);

void BM_GetHitUncached(benchmark::State& state) {
  RunGets(state, *F().uncached, true, ReadOptions());
}
BENCHMARK(BM_GetHitUncached);

// The cached table read with fill_cache = false still hits the warm cache;
// here the uncached table with checksums off isolates decompress + parse.
void BM_GetHitUncachedNoVerify(benchmark::State& state) {
  ReadOptions ro;
  ro.verify_checksums = false;
  RunGets(state, *F().uncached, true, ro);
}
BENCHMARK(BM_GetHitUncachedNoVerify);

void BM_GetMissCached(benchmark::State& state) {
  RunGets(state, *F().cached, false, ReadOptions());
}
BENCHMARK(BM_GetMissCached);

void BM_GetMissUncached(benchmark::State& state) {
  RunGets(state, *F().uncached, false, ReadOptions());
}
BENCHMARK(BM_GetMissUncached);

void BM_BloomProbe(benchmark::State& state) {
  const BloomFilter* filter = F().cached->filter();
  std::vector<std::string> keys;
  for (int i = 0; i < (1 << 16); ++i) keys.push_back(UserKey(2 * static_cast<uint64_t>(i) * 7919 + (i & 1)));
  size_t i = 0;
  uint64_t matches = 0;
  for (auto _ : state) matches += filter->MayMatch(keys[i++ & 0xffff]);
  benchmark::DoNotOptimize(matches);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BloomProbe);

// Seek inside one decoded 4 KiB data block: binary search over restarts,
// then a linear scan of at most 16 prefix-compressed entries.
void BM_BlockSeek(benchmark::State& state) {
  const Table& t = *F().cached;
  auto index = t.NewIndexIterator();
  index->Seek(MakeLookupKey(UserKey(kNumEntries), kMaxSequenceNumber));
  absl::StatusOr<std::shared_ptr<const Block>> block =
      t.ReadDataBlock(ReadOptions(), index->position());
  if (!block.ok()) std::abort();
  std::vector<std::string> keys;
  std::unique_ptr<Iterator> it = (*block)->NewIterator(KeyOrder::kInternal);
  for (it->SeekToFirst(); it->Valid(); it->Next()) keys.emplace_back(it->key());
  Random rnd(9);
  std::vector<std::string> targets;
  for (int i = 0; i < 4096; ++i) targets.push_back(keys[rnd.Uniform(keys.size())]);
  size_t i = 0;
  for (auto _ : state) {
    it->Seek(targets[i++ & 4095]);
    benchmark::DoNotOptimize(it->value().data());
  }
  state.counters["entries_per_block"] = static_cast<double>(keys.size());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BlockSeek);

// Read + verify + decompress + parse of one data block (the cost of a miss
// in the block cache, minus the I/O).
void BM_BlockDecode(benchmark::State& state) {
  const Table& t = *F().uncached;
  const size_t blocks = t.NumDataBlocks();
  size_t i = 0;
  uint64_t bytes = 0;
  for (auto _ : state) {
    auto block = t.ReadDataBlock(ReadOptions(), (i++ * 7919) % blocks);
    if (!block.ok()) std::abort();
    bytes += (*block)->size();
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BlockDecode);

// CRC32C of one 4 KiB block: the checksum part of BM_BlockDecode.
void BM_BlockChecksum(benchmark::State& state) {
  const std::string block = Random(5).Bytes(4096);
  uint32_t crc = 0;
  for (auto _ : state) {
    crc = crc32c::Extend(crc, block.data(), block.size());
    benchmark::DoNotOptimize(crc);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(block.size()));
}
BENCHMARK(BM_BlockChecksum);

void BM_ScanCached(benchmark::State& state) {
  const Table& t = *F().cached;
  std::unique_ptr<Iterator> it = t.NewIterator(ReadOptions());
  it->SeekToFirst();
  for (auto _ : state) {
    if (!it->Valid()) it->SeekToFirst();
    benchmark::DoNotOptimize(it->value().data());
    it->Next();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ScanCached);

}  // namespace
}  // namespace lsm

BENCHMARK_MAIN();
