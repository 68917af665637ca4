#include "engine/table/table.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "engine/memtable/dbformat.h"
#include "engine/table/cache.h"
#include "engine/table/string_file.h"
#include "engine/table/table_builder.h"
#include "engine/util/random.h"
#include "gtest/gtest.h"

namespace lsm {
namespace {

using Entries = std::vector<std::pair<std::string, std::string>>;

void SortEntries(Entries* e) {
  std::sort(e->begin(), e->end(),
            [](const auto& a, const auto& b) { return CompareInternalKeys(a.first, b.first) < 0; });
}

std::string BuildTable(const TableOptions& options, const Entries& entries,
                       TableProperties* props = nullptr) {
  std::string contents;
  StringSink sink(&contents);
  TableBuilder b(options, &sink);
  for (const auto& [k, v] : entries) b.Add(k, v);
  EXPECT_TRUE(b.Finish().ok());
  EXPECT_EQ(b.FileSize(), contents.size());
  EXPECT_EQ(b.NumEntries(), entries.size());
  if (props != nullptr) *props = b.properties();
  return contents;
}

// How the table's file hands out its bytes: copied into the reader's
// buffer (pread), or in place (a memory mapping).
enum class FileKind { kCopies, kInPlace };

std::string FileKindName(FileKind kind) {
  return kind == FileKind::kCopies ? "copies" : "in_place";
}

absl::StatusOr<std::unique_ptr<Table>> OpenTable(const std::string& contents,
                                                 BlockCache* cache = nullptr,
                                                 uint64_t file_number = 7,
                                                 TableReadCounters* counters = nullptr,
                                                 FileKind kind = FileKind::kCopies) {
  TableOptions options;
  options.read_counters = counters;
  return Table::Open(options,
                     std::make_unique<StringSource>(contents, kind == FileKind::kCopies),
                     contents.size(), file_number, cache);
}

// Keys with long shared prefixes, several versions of some, deletions, and
// empty values.
Entries PrefixEntries(int n, uint64_t seed) {
  Random rnd(seed);
  Entries e;
  for (int i = 0; i < n; ++i) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "common/prefix/user%08d", i * 3);
    const int versions = rnd.OneIn(4) ? 1 + static_cast<int>(rnd.Uniform(3)) : 1;
    for (int v = 0; v < versions; ++v) {
      const ValueType t = rnd.OneIn(10) ? ValueType::kDeletion : ValueType::kValue;
      const std::string value =
          t == ValueType::kDeletion || rnd.OneIn(20) ? "" : "value-" + std::to_string(rnd.Next());
      e.emplace_back(MakeInternalKey(buf, 1000 + rnd.Uniform(1 << 20), t), value);
    }
  }
  SortEntries(&e);
  e.erase(std::unique(e.begin(), e.end(),
                      [](const auto& a, const auto& b) { return a.first == b.first; }),
          e.end());
  return e;
}

Entries BinaryEntries(int n, uint64_t seed) {
  Random rnd(seed);
  Entries e;
  for (int i = 0; i < n; ++i) {
    e.emplace_back(MakeInternalKey(rnd.Bytes(rnd.Uniform(20)), rnd.Uniform(1000),
                                   rnd.OneIn(3) ? ValueType::kDeletion : ValueType::kValue),
                   rnd.Bytes(rnd.Uniform(50)));
  }
  SortEntries(&e);
  e.erase(std::unique(e.begin(), e.end(),
                      [](const auto& a, const auto& b) { return a.first == b.first; }),
          e.end());
  return e;
}

size_t LowerBound(const Entries& e, std::string_view target) {
  return std::lower_bound(e.begin(), e.end(), target,
                          [](const auto& a, std::string_view b) {
                            return CompareInternalKeys(a.first, b) < 0;
                          }) -
         e.begin();
}

void ExpectAt(const Iterator& it, const Entries& e, size_t i) {
  ASSERT_LT(i, e.size());
  ASSERT_TRUE(it.Valid()) << "expected entry " << i << " status " << it.status();
  ASSERT_EQ(it.key(), e[i].first) << i;
  ASSERT_EQ(it.value(), e[i].second) << i;
}

// Seek/SeekForPrev/Get at target against the sorted vector.
void CheckTarget(const Table& t, Iterator* it, const Entries& e, const std::string& target) {
  const size_t lb = LowerBound(e, target);
  it->Seek(target);
  if (lb == e.size()) {
    ASSERT_FALSE(it->Valid());
  } else {
    ExpectAt(*it, e, lb);
  }
  it->SeekForPrev(target);
  const size_t le = (lb < e.size() && e[lb].first == target) ? lb + 1 : lb;  // entries <= target
  if (le == 0) {
    ASSERT_FALSE(it->Valid());
  } else {
    ExpectAt(*it, e, le - 1);
  }
  ASSERT_TRUE(it->status().ok()) << it->status();

  bool called = false;
  ASSERT_TRUE(t.Get(ReadOptions(), target, [&](std::string_view k, std::string_view v) {
                 called = true;
                 ASSERT_LT(lb, e.size());
                 EXPECT_EQ(k, e[lb].first);
                 EXPECT_EQ(v, e[lb].second);
               }).ok());
  if (!called && lb < e.size()) {
    // Only the filter may skip the lookup, and only for an absent user key.
    ASSERT_NE(ExtractUserKey(e[lb].first), ExtractUserKey(target)) << "false negative";
  }
}

void CheckTable(const Table& t, const Entries& e, uint64_t seed, size_t stride = 1) {
  ReadOptions ro;
  std::unique_ptr<Iterator> it = t.NewIterator(ro);
  size_t i = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++i) ExpectAt(*it, e, i);
  ASSERT_TRUE(it->status().ok()) << it->status();
  ASSERT_EQ(i, e.size());
  for (it->SeekToLast(); it->Valid(); it->Prev()) ExpectAt(*it, e, --i);
  ASSERT_TRUE(it->status().ok()) << it->status();
  ASSERT_EQ(i, 0u);

  for (size_t j = 0; j < e.size(); j += stride) {
    const std::string user(ExtractUserKey(e[j].first));
    ParsedInternalKey p;
    ASSERT_TRUE(ParseInternalKey(e[j].first, &p));
    CheckTarget(t, it.get(), e, e[j].first);                                   // at a key
    CheckTarget(t, it.get(), e, MakeLookupKey(user, kMaxSequenceNumber));      // newest version
    CheckTarget(t, it.get(), e, MakeLookupKey(user, p.sequence + 1));         // just newer
    CheckTarget(t, it.get(), e, MakeLookupKey(user + '\0', kMaxSequenceNumber));  // between
    if (j > 0) {
      // Mid-way, then backward a step: Prev across block boundaries.
      it->Seek(e[j].first);
      it->Prev();
      ExpectAt(*it, e, j - 1);
      it->Next();
      ExpectAt(*it, e, j);
    }
  }
  Random rnd(seed);
  for (int r = 0; r < 200; ++r) {
    CheckTarget(t, it.get(), e, MakeLookupKey(rnd.Bytes(rnd.Uniform(8)), rnd.Uniform(2000)));
  }
  CheckTarget(t, it.get(), e, MakeLookupKey("", kMaxSequenceNumber));
  CheckTarget(t, it.get(), e, MakeLookupKey(std::string(30, '\xff'), 0));
}

struct Config {
  Compression compression;
  int bloom_bits;
  FileKind file = FileKind::kCopies;
};

class TableRoundTripTest : public testing::TestWithParam<Config> {
 protected:
  TableOptions Options() const {
    TableOptions o;
    o.compression = GetParam().compression;
    o.bloom_bits_per_key = GetParam().bloom_bits;
    return o;
  }
  // The table in contents, from a file of the parameter's kind.
  static absl::StatusOr<std::unique_ptr<Table>> Open(const std::string& contents,
                                                     BlockCache* cache = nullptr) {
    return OpenTable(contents, cache, 7, nullptr, GetParam().file);
  }
};

TEST_P(TableRoundTripTest, EmptyTable) {
  TableProperties props;
  const std::string contents = BuildTable(Options(), {}, &props);
  absl::StatusOr<std::unique_ptr<Table>> t = Open(contents);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ((*t)->properties().num_entries, 0u);
  EXPECT_EQ((*t)->properties().num_data_blocks, 0u);
  CheckTable(**t, {}, 1);
}

TEST_P(TableRoundTripTest, OneEntry) {
  const Entries e = {{MakeInternalKey("only", 5, ValueType::kValue), "value"}};
  absl::StatusOr<std::unique_ptr<Table>> t = Open(BuildTable(Options(), e));
  ASSERT_TRUE(t.ok()) << t.status();
  CheckTable(**t, e, 2);
  const TableProperties& p = (*t)->properties();
  EXPECT_EQ(p.num_entries, 1u);
  EXPECT_EQ(p.smallest_key, e[0].first);
  EXPECT_EQ(p.largest_key, e[0].first);
  EXPECT_EQ(p.smallest_seqno, 5u);
  EXPECT_EQ(p.largest_seqno, 5u);
}

TEST_P(TableRoundTripTest, SharedPrefixKeysAcrossManyBlocks) {
  const uint64_t seed = 42;
  SCOPED_TRACE(seed);
  const Entries e = PrefixEntries(2000, seed);
  TableOptions o = Options();
  o.block_size = 512;
  TableProperties built;
  absl::StatusOr<std::unique_ptr<Table>> t = Open(BuildTable(o, e, &built));
  ASSERT_TRUE(t.ok()) << t.status();
  CheckTable(**t, e, seed, 3);
  const TableProperties& p = (*t)->properties();
  EXPECT_EQ(p.num_entries, e.size());
  EXPECT_GT(p.num_data_blocks, 20u);
  EXPECT_EQ(p.smallest_key, e.front().first);
  EXPECT_EQ(p.largest_key, e.back().first);
  EXPECT_EQ(p.compression, o.compression);
  EXPECT_EQ(p.num_entries, built.num_entries);
  EXPECT_EQ(p.data_size, built.data_size);
  EXPECT_EQ(p.index_size, built.index_size);
  uint64_t deletions = 0;
  for (const auto& [k, v] : e) {
    ParsedInternalKey pk;
    ASSERT_TRUE(ParseInternalKey(k, &pk));
    deletions += pk.type == ValueType::kDeletion;
  }
  EXPECT_EQ(p.num_deletions, deletions);
  if (o.compression != Compression::kNone) {
    EXPECT_GT(p.num_compressed_blocks, 0u);
    EXPECT_LT(p.data_size, p.raw_data_size);
  } else {
    EXPECT_EQ(p.num_compressed_blocks, 0u);
  }
  if (o.bloom_bits_per_key > 0) {
    ASSERT_NE((*t)->filter(), nullptr);
    EXPECT_GT(p.filter_size, 0u);
  } else {
    EXPECT_EQ((*t)->filter(), nullptr);
    EXPECT_EQ(p.filter_size, 0u);
  }
}

TEST_P(TableRoundTripTest, BinaryKeys) {
  const uint64_t seed = 7;
  SCOPED_TRACE(seed);
  const Entries e = BinaryEntries(1500, seed);
  TableOptions o = Options();
  o.block_size = 256;
  o.block_restart_interval = 1;
  absl::StatusOr<std::unique_ptr<Table>> t = Open(BuildTable(o, e));
  ASSERT_TRUE(t.ok()) << t.status();
  CheckTable(**t, e, seed, 2);
}

TEST_P(TableRoundTripTest, EmptyAndHugeValues) {
  Random rnd(9);
  const std::string huge = rnd.Bytes(1 << 20);
  std::string compressible_huge(1 << 20, 'z');
  const Entries e = {{MakeInternalKey("a", 3, ValueType::kValue), ""},
                     {MakeInternalKey("b", 3, ValueType::kValue), huge},
                     {MakeInternalKey("c", 2, ValueType::kValue), ""},
                     {MakeInternalKey("d", 2, ValueType::kValue), compressible_huge},
                     {MakeInternalKey("e", 1, ValueType::kDeletion), ""}};
  // A cache, so that the many probes do not re-read the 1 MiB blocks.
  BlockCache cache(64 << 20);
  absl::StatusOr<std::unique_ptr<Table>> t = Open(BuildTable(Options(), e), &cache);
  ASSERT_TRUE(t.ok()) << t.status();
  CheckTable(**t, e, 9);
  EXPECT_EQ((*t)->properties().raw_value_size, 2u << 20);
}

INSTANTIATE_TEST_SUITE_P(
    AllConfigs, TableRoundTripTest,
    testing::Values(Config{Compression::kNone, 0}, Config{Compression::kNone, 10},
                    Config{Compression::kSnappy, 0}, Config{Compression::kSnappy, 10},
                    Config{Compression::kZstd, 0}, Config{Compression::kZstd, 10},
                    Config{Compression::kNone, 10, FileKind::kInPlace},
                    Config{Compression::kSnappy, 10, FileKind::kInPlace}),
    [](const testing::TestParamInfo<Config>& info) {
      return CompressionName(info.param.compression) + "_bloom" +
             std::to_string(info.param.bloom_bits) + "_" + FileKindName(info.param.file);
    });

TEST(TableTest, HundredThousandEntries) {
  Entries e;
  e.reserve(100000);
  for (int i = 0; i < 100000; ++i) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "key%09d", i * 2);
    e.emplace_back(MakeInternalKey(buf, i + 1, ValueType::kValue), "value" + std::to_string(i));
  }
  TableOptions o;
  o.compression = Compression::kSnappy;
  o.bloom_bits_per_key = 10;
  const std::string contents = BuildTable(o, e);
  BlockCache cache(8 << 20);
  TableReadCounters counters;
  absl::StatusOr<std::unique_ptr<Table>> t = OpenTable(contents, &cache, 7, &counters);
  ASSERT_TRUE(t.ok()) << t.status();
  CheckTable(**t, e, 100, 997);
  // Every key is found; odd keys (absent) are mostly ruled out by the filter.
  int found = 0;
  for (int i = 0; i < 100000; i += 10) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "key%09d", i * 2);
    ASSERT_TRUE((*t)->Get(ReadOptions(), MakeLookupKey(buf, kMaxSequenceNumber),
                          [&](std::string_view k, std::string_view) {
                            found += ExtractUserKey(k) == buf;
                          }).ok());
  }
  EXPECT_EQ(found, 10000);
  const uint64_t negatives_before = counters.filter_negatives.load();
  for (int i = 0; i < 10000; ++i) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "key%09d", i * 2 + 1);
    ASSERT_TRUE((*t)->Get(ReadOptions(), MakeLookupKey(buf, kMaxSequenceNumber),
                          [&](std::string_view k, std::string_view) {
                            EXPECT_NE(ExtractUserKey(k), buf);
                          }).ok());
  }
  const uint64_t negatives = counters.filter_negatives.load() - negatives_before;
  std::printf("100k table: %zu bytes, %llu data blocks, filter ruled out %llu of 10000 misses\n",
              contents.size(), static_cast<unsigned long long>((*t)->properties().num_data_blocks),
              static_cast<unsigned long long>(negatives));
  EXPECT_GT(negatives, 9700u);
  EXPECT_GT(cache.hits(), 0u);
}

TEST(TableTest, BlockCacheFillAndBypass) {
  const Entries e = PrefixEntries(500, 3);
  TableOptions o;
  o.block_size = 256;
  const std::string contents = BuildTable(o, e);
  BlockCache cache(1 << 20);
  absl::StatusOr<std::unique_ptr<Table>> t = OpenTable(contents, &cache, 11);
  ASSERT_TRUE(t.ok());

  ReadOptions no_fill;
  no_fill.fill_cache = false;
  std::unique_ptr<Iterator> it = (*t)->NewIterator(no_fill);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
  }
  EXPECT_EQ(cache.TotalCharge(), 0u);

  it = (*t)->NewIterator(ReadOptions());
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
  }
  const size_t charge = cache.TotalCharge();
  EXPECT_GT(charge, 0u);
  const uint64_t hits = cache.hits();
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
  }
  EXPECT_GE(cache.hits() - hits, (*t)->properties().num_data_blocks);
  EXPECT_EQ(cache.TotalCharge(), charge);
  it.reset();
  cache.EraseFile(11);
  EXPECT_EQ(cache.TotalCharge(), 0u);
}

// A scan through more blocks than the cache holds stops evicting: blocks that
// point reads cached before the scan are still cached after it, whichever
// way it ran.
TEST(TableTest, ScansLargerThanTheCacheLeaveOtherReadersBlocksCached) {
  const Entries e = PrefixEntries(4000, 5);
  TableOptions o;
  o.block_size = 256;
  const std::string contents = BuildTable(o, e);
  for (bool forward : {true, false}) {
    SCOPED_TRACE(forward ? "forward" : "backward");
    // Room for about 60 blocks, in one shard so eviction is global.
    BlockCache probe_cache(1 << 20, 0);
    absl::StatusOr<std::unique_ptr<Table>> probe = OpenTable(contents, &probe_cache, 3);
    ASSERT_TRUE(probe.ok());
    const uint64_t blocks = (*probe)->properties().num_data_blocks;
    ASSERT_GT(blocks, 300u);
    absl::StatusOr<std::shared_ptr<const Block>> one = (*probe)->ReadDataBlock(ReadOptions(), 0);
    ASSERT_TRUE(one.ok());
    BlockCache cache(60 * (*one)->charge(), 0);
    absl::StatusOr<std::unique_ptr<Table>> t = OpenTable(contents, &cache, 4);
    ASSERT_TRUE(t.ok());

    // Point reads cache five blocks at the far end of the scan's path...
    std::vector<size_t> hot;
    for (int k = 0; k < 5; ++k) hot.push_back(forward ? e.size() - 1 - 40 * k : 40 * k);
    auto read_hot = [&] {
      for (size_t i : hot) {
        bool found = false;
        ASSERT_TRUE((*t)->Get(ReadOptions(), e[i].first, [&](std::string_view k, std::string_view) {
                          found = k == e[i].first;
                        }).ok());
        ASSERT_TRUE(found);
      }
    };
    read_hot();
    // ...then a scan reads 80% of the table, stopping short of them.
    std::unique_ptr<Iterator> it = (*t)->NewIterator(ReadOptions());
    size_t seen = 0;
    if (forward) {
      for (it->SeekToFirst(); it->Valid() && seen < e.size() * 8 / 10; it->Next()) ++seen;
    } else {
      for (it->SeekToLast(); it->Valid() && seen < e.size() * 8 / 10; it->Prev()) ++seen;
    }
    ASSERT_TRUE(it->status().ok());
    EXPECT_LE(cache.TotalCharge(), cache.Capacity());
    const uint64_t misses = cache.misses();
    read_hot();
    EXPECT_EQ(cache.misses(), misses) << "the scan evicted blocks point reads had cached";
  }
}

// A scan streaming through a table asks the file to read ahead of it, in
// contiguous ranges that cover the rest of the data; point reads and seeks
// never do.
TEST(TableTest, StreamingScansReadTheFileAheadOfThemselves) {
  Entries e;
  for (int i = 0; i < 40000; ++i) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "key%09d", i);
    e.emplace_back(MakeInternalKey(buf, i + 1, ValueType::kValue), std::string(100, 'a' + i % 26));
  }
  TableOptions o;
  o.compression = Compression::kNone;
  const std::string contents = BuildTable(o, e);
  for (bool forward : {true, false}) {
    SCOPED_TRACE(forward ? "forward" : "backward");
    auto source = std::make_unique<StringSource>(contents);
    const StringSource* file = source.get();
    BlockCache cache(64 << 10);
    absl::StatusOr<std::unique_ptr<Table>> t =
        Table::Open(TableOptions(), std::move(source), contents.size(), 9, &cache);
    ASSERT_TRUE(t.ok()) << t.status();
    const uint64_t data_size = (*t)->properties().data_size;
    ASSERT_GT(data_size, 3 * Table::kScanReadaheadBytes);

    // Point reads and seeks at random keys: no readahead.
    Random rnd(77);
    std::unique_ptr<Iterator> it = (*t)->NewIterator(ReadOptions());
    for (int i = 0; i < 200; ++i) {
      const size_t j = rnd.Uniform(e.size());
      it->Seek(e[j].first);
      ASSERT_TRUE(it->Valid());
      ASSERT_TRUE((*t)->Get(ReadOptions(), e[j].first, [](std::string_view, std::string_view) {}).ok());
    }
    EXPECT_TRUE(file->readaheads().empty());

    size_t n = 0;
    if (forward) {
      for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
    } else {
      for (it->SeekToLast(); it->Valid(); it->Prev()) ++n;
    }
    ASSERT_EQ(n, e.size());
    const std::vector<std::pair<uint64_t, uint64_t>> ranges = file->readaheads();
    ASSERT_GE(ranges.size(), 3u);
    for (size_t i = 1; i < ranges.size(); ++i) {
      if (forward) {
        EXPECT_EQ(ranges[i].first, ranges[i - 1].first + ranges[i - 1].second) << i;
      } else {
        EXPECT_EQ(ranges[i].first + ranges[i].second, ranges[i - 1].first) << i;
      }
    }
    if (forward) {
      EXPECT_LT(ranges.front().first, Table::kScanReadaheadBytes);
      EXPECT_GE(ranges.back().first + ranges.back().second, data_size);
    } else {
      EXPECT_GT(ranges.front().first + ranges.front().second, data_size - Table::kScanReadaheadBytes);
      EXPECT_EQ(ranges.back().first, 0u);
    }
  }
}

// Many threads read one table through one small cache (evictions included);
// TSan checks the sharing.
class TableConcurrencyTest : public testing::TestWithParam<Config> {};

// Readers race for the same blocks: on a file that reads in place, for the
// first verified read of each (which keeps its Block for the others).
TEST_P(TableConcurrencyTest, ConcurrentReaders) {
  const Entries e = PrefixEntries(3000, 23);
  TableOptions o;
  o.block_size = 512;
  o.compression = GetParam().compression;
  const std::string contents = BuildTable(o, e);
  BlockCache cache(16 << 10);
  TableReadCounters counters;
  absl::StatusOr<std::unique_ptr<Table>> t =
      OpenTable(contents, &cache, 7, &counters, GetParam().file);
  ASSERT_TRUE(t.ok());
  const Table& table = **t;
  std::vector<std::thread> threads;
  std::vector<int> errors(4, 0);
  for (int th = 0; th < 4; ++th) {
    threads.emplace_back([&, th] {
      Random rnd(100 + th);
      for (int i = 0; i < 2000; ++i) {
        const size_t j = rnd.Uniform(e.size());
        bool ok = false;
        absl::Status s = table.Get(ReadOptions(), e[j].first,
                                   [&](std::string_view k, std::string_view v) {
                                     ok = k == e[j].first && v == e[j].second;
                                   });
        if (!s.ok() || !ok) ++errors[th];
      }
      std::unique_ptr<Iterator> it = table.NewIterator(ReadOptions());
      size_t n = 0;
      for (it->SeekToFirst(); it->Valid(); it->Next()) n += it->key() == e[n].first;
      if (n != e.size() || !it->status().ok()) ++errors[th];
    });
  }
  for (std::thread& th : threads) th.join();
  for (int th = 0; th < 4; ++th) EXPECT_EQ(errors[th], 0) << "thread " << th;
  EXPECT_EQ(counters.filter_checks.load(), 4u * 2000u);
}

INSTANTIATE_TEST_SUITE_P(
    FilesAndCompressions, TableConcurrencyTest,
    testing::Values(Config{Compression::kSnappy, 10, FileKind::kCopies},
                    Config{Compression::kNone, 10, FileKind::kInPlace},
                    Config{Compression::kSnappy, 10, FileKind::kInPlace}),
    [](const testing::TestParamInfo<Config>& info) {
      return CompressionName(info.param.compression) + "_" + FileKindName(info.param.file);
    });

// From a file that reads in place, blocks stored uncompressed are used where
// they lie: the values a read sees point into the file's memory, and the
// block cache is neither filled nor consulted. From a file that copies, the
// same table fills the cache.
TEST(TableInPlaceTest, UncompressedBlocksAreReadWhereTheyLie) {
  const Entries e = PrefixEntries(400, 29);
  TableOptions o;
  o.block_size = 256;
  o.compression = Compression::kNone;
  const std::string contents = BuildTable(o, e);
  for (FileKind kind : {FileKind::kInPlace, FileKind::kCopies}) {
    SCOPED_TRACE(FileKindName(kind));
    BlockCache cache(1 << 20);
    auto source = std::make_unique<StringSource>(contents, kind == FileKind::kCopies);
    const std::string& file_bytes = source->contents();
    absl::StatusOr<std::unique_ptr<Table>> t =
        Table::Open(TableOptions(), std::move(source), contents.size(), 5, &cache);
    ASSERT_TRUE(t.ok()) << t.status();
    auto in_file = [&](std::string_view v) {
      return v.data() >= file_bytes.data() &&
             v.data() + v.size() <= file_bytes.data() + file_bytes.size();
    };
    size_t values_in_file = 0, found = 0;
    for (int round = 0; round < 2; ++round) {
      for (const auto& [k, v] : e) {
        auto check = [&](std::string_view got_k, std::string_view got_v) {
          EXPECT_EQ(got_k, k);
          EXPECT_EQ(got_v, v);
          ++found;
          values_in_file += !got_v.empty() && in_file(got_v);
        };
        ASSERT_TRUE((*t)->Get(ReadOptions(), k, check).ok());
      }
      std::unique_ptr<Iterator> it = (*t)->NewIterator(ReadOptions());
      size_t i = 0;
      for (it->SeekToFirst(); it->Valid(); it->Next(), ++i) {
        ExpectAt(*it, e, i);
        values_in_file += !it->value().empty() && in_file(it->value());
      }
      ASSERT_TRUE(it->status().ok());
      ASSERT_EQ(i, e.size());
    }
    EXPECT_EQ(found, 2 * e.size());
    if (kind == FileKind::kInPlace) {
      EXPECT_GT(values_in_file, e.size());
      EXPECT_EQ(cache.TotalCharge(), 0u);
      EXPECT_EQ(cache.hits() + cache.misses(), 0u);
    } else {
      EXPECT_EQ(values_in_file, 0u);
      EXPECT_GT(cache.TotalCharge(), 0u);
      EXPECT_GT(cache.hits(), 0u);
    }
  }
}

// A damaged block is reported by every verified read of it: a failed check
// is not remembered as a pass, and neither is a read that skipped the check.
TEST(TableInPlaceTest, OnlyVerifiedReadsMarkABlockVerified) {
  const Entries e = PrefixEntries(200, 31);
  for (Compression c : {Compression::kNone, Compression::kSnappy}) {
    SCOPED_TRACE(CompressionName(c));
    TableOptions o;
    o.block_size = 256;
    o.compression = c;
    std::string bad = BuildTable(o, e);
    bad[10] ^= 0x40;  // inside the first data block
    absl::StatusOr<std::unique_ptr<Table>> t =
        OpenTable(bad, /*cache=*/nullptr, 7, nullptr, FileKind::kInPlace);
    ASSERT_TRUE(t.ok()) << t.status();
    ReadOptions unverified;
    unverified.verify_checksums = false;
    auto ignore = [](std::string_view, std::string_view) {};
    for (int round = 0; round < 3; ++round) {
      (*t)->Get(unverified, e[0].first, ignore).IgnoreError();
      absl::Status s = (*t)->Get(ReadOptions(), e[0].first, ignore);
      EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << "round " << round << ": " << s;
      std::unique_ptr<Iterator> it = (*t)->NewIterator(ReadOptions());
      it->SeekToFirst();
      EXPECT_FALSE(it->Valid());
      EXPECT_EQ(it->status().code(), absl::StatusCode::kDataLoss) << "round " << round;
    }
    // The blocks after it read as written.
    std::unique_ptr<Iterator> it = (*t)->NewIterator(ReadOptions());
    it->Seek(e.back().first);
    ASSERT_TRUE(it->Valid()) << it->status();
    EXPECT_EQ(it->value(), e.back().second);
  }
}

TEST(TableTest, ApproximateOffsetOfIncreases) {
  Entries e;
  Random rnd(5);
  for (int i = 0; i < 200; ++i) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "k%05d", i);
    e.emplace_back(MakeInternalKey(buf, 1, ValueType::kValue), rnd.Bytes(1000));
  }
  TableOptions o;
  o.compression = Compression::kNone;
  const std::string contents = BuildTable(o, e);
  absl::StatusOr<std::unique_ptr<Table>> t = OpenTable(contents);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)->ApproximateOffsetOf(MakeLookupKey("a", 1)), 0u);
  const uint64_t mid = (*t)->ApproximateOffsetOf(MakeLookupKey("k00100", kMaxSequenceNumber));
  EXPECT_GT(mid, 90000u);
  EXPECT_LT(mid, 110000u);
  const uint64_t end = (*t)->ApproximateOffsetOf(MakeLookupKey("z", 1));
  EXPECT_GE(end, 200000u);
  EXPECT_LE(end, contents.size());
}

TEST(TableTest, SeparatorsAreShortAndOrdered) {
  const std::string a = MakeInternalKey("abcdefgh", 5, ValueType::kValue);
  const std::string b = MakeInternalKey("abzzz", 9, ValueType::kValue);
  const std::string s = IndexSeparator(a, b);
  EXPECT_EQ(ExtractUserKey(s), "abd");
  EXPECT_LE(CompareInternalKeys(a, s), 0);
  EXPECT_LT(CompareInternalKeys(s, b), 0);
  // A prefix, or adjacent bytes: no shorter key fits, the last key is kept.
  const std::string p = MakeInternalKey("abc", 5, ValueType::kValue);
  const std::string q = MakeInternalKey("abcd", 5, ValueType::kValue);
  EXPECT_EQ(IndexSeparator(p, q), p);
  const std::string same1 = MakeInternalKey("k", 9, ValueType::kValue);
  const std::string same2 = MakeInternalKey("k", 3, ValueType::kValue);
  EXPECT_EQ(IndexSeparator(same1, same2), same1);
  EXPECT_EQ(ExtractUserKey(IndexSuccessor(MakeInternalKey("hello", 1, ValueType::kValue))), "i");
  const std::string ff = MakeInternalKey(std::string(3, '\xff'), 1, ValueType::kValue);
  EXPECT_EQ(IndexSuccessor(ff), ff);
}

TEST(TableTest, BuilderRejectsOutOfOrderAndMalformedKeys) {
  std::string contents;
  StringSink sink(&contents);
  TableBuilder b(TableOptions(), &sink);
  b.Add(MakeInternalKey("b", 1, ValueType::kValue), "x");
  b.Add(MakeInternalKey("a", 1, ValueType::kValue), "y");
  EXPECT_EQ(b.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(b.Finish().code(), absl::StatusCode::kInvalidArgument);

  TableBuilder b2(TableOptions(), &sink);
  b2.Add("short", "x");
  EXPECT_EQ(b2.status().code(), absl::StatusCode::kInvalidArgument);
  b2.Abandon();
}

TEST(TableTest, NotAnSst) {
  for (const std::string& junk : {std::string(), std::string("hello"), std::string(4096, 'x')}) {
    absl::StatusOr<std::unique_ptr<Table>> t = OpenTable(junk);
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.status().code(), absl::StatusCode::kDataLoss) << t.status();
  }
}

// Flips one byte at every offset of a small table (several data blocks,
// filter, index, properties, meta-index, footer). Each flip must be caught:
// Open fails with DataLoss, or reading the damaged block reports DataLoss.
// Nothing read may differ from what was written.
void SweepCorruption(Compression compression, uint8_t mask, FileKind kind) {
  const Entries e = PrefixEntries(80, 17);
  TableOptions o;
  o.compression = compression;
  o.block_size = 300;
  const std::string good = BuildTable(o, e);
  int open_failures = 0, read_failures = 0;
  for (size_t off = 0; off < good.size(); ++off) {
    SCOPED_TRACE("offset " + std::to_string(off));
    std::string bad = good;
    bad[off] ^= mask;
    absl::StatusOr<std::unique_ptr<Table>> t = OpenTable(bad, nullptr, 7, nullptr, kind);
    if (!t.ok()) {
      ASSERT_EQ(t.status().code(), absl::StatusCode::kDataLoss) << t.status();
      ++open_failures;
      continue;
    }
    bool detected = false;
    // Forward: every entry read is the right one, until the damage.
    std::unique_ptr<Iterator> it = (*t)->NewIterator(ReadOptions());
    size_t i = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next(), ++i) ExpectAt(*it, e, i);
    if (!it->status().ok()) {
      ASSERT_EQ(it->status().code(), absl::StatusCode::kDataLoss);
      detected = true;
    } else {
      ASSERT_EQ(i, e.size());
    }
    // Backward likewise.
    i = e.size();
    for (it->SeekToLast(); it->Valid(); it->Prev()) ExpectAt(*it, e, --i);
    if (!it->status().ok()) {
      ASSERT_EQ(it->status().code(), absl::StatusCode::kDataLoss);
      detected = true;
    }
    // Point reads: right answer or DataLoss.
    for (size_t j = 0; j < e.size(); j += 7) {
      absl::Status s = (*t)->Get(ReadOptions(), e[j].first,
                                 [&](std::string_view k, std::string_view v) {
                                   EXPECT_EQ(k, e[j].first);
                                   EXPECT_EQ(v, e[j].second);
                                 });
      if (!s.ok()) {
        ASSERT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
        detected = true;
      }
    }
    ASSERT_TRUE(detected) << "undetected damage";
    ++read_failures;
  }
  std::printf("%s, mask %02x, file %s: %zu bytes swept; %d caught at Open, %d caught on read\n",
              CompressionName(compression).c_str(), mask, FileKindName(kind).c_str(), good.size(),
              open_failures, read_failures);
}

TEST(TableCorruptionTest, EveryFlippedByteIsCaughtUncompressed) {
  SweepCorruption(Compression::kNone, 0x81, FileKind::kCopies);
}

TEST(TableCorruptionTest, EveryFlippedByteIsCaughtUncompressedInPlace) {
  SweepCorruption(Compression::kNone, 0x81, FileKind::kInPlace);
}

TEST(TableCorruptionTest, EveryFlippedByteIsCaughtSnappy) {
  SweepCorruption(Compression::kSnappy, 0x10, FileKind::kCopies);
}

TEST(TableCorruptionTest, EveryFlippedByteIsCaughtSnappyInPlace) {
  SweepCorruption(Compression::kSnappy, 0x10, FileKind::kInPlace);
}

TEST(TableCorruptionTest, EveryFlippedByteIsCaughtZstd) {
  SweepCorruption(Compression::kZstd, 0x04, FileKind::kCopies);
}

// With checksums off, damaged data blocks must still never crash (ASan).
TEST(TableCorruptionTest, UnverifiedReadsOfDamagedBlocksNeverCrash) {
  const Entries e = PrefixEntries(80, 19);
  for (auto [c, kind] : {std::pair{Compression::kNone, FileKind::kCopies},
                         std::pair{Compression::kSnappy, FileKind::kCopies},
                         std::pair{Compression::kZstd, FileKind::kCopies},
                         std::pair{Compression::kNone, FileKind::kInPlace},
                         std::pair{Compression::kSnappy, FileKind::kInPlace}}) {
    SCOPED_TRACE(CompressionName(c) + ", file " + FileKindName(kind));
    TableOptions o;
    o.compression = c;
    o.block_size = 300;
    const std::string good = BuildTable(o, e);
    absl::StatusOr<std::unique_ptr<Table>> probe = OpenTable(good);
    ASSERT_TRUE(probe.ok());
    const uint64_t data_end = (*probe)->properties().data_size;
    ReadOptions unverified;
    unverified.verify_checksums = false;
    // Every byte uncompressed; every third compressed (the decompressors are
    // also swept in format_test).
    const size_t step = c == Compression::kNone ? 1 : 3;
    for (size_t off = 0; off < data_end; off += step) {
      std::string bad = good;
      bad[off] ^= 0x20;
      absl::StatusOr<std::unique_ptr<Table>> t = OpenTable(bad, nullptr, 7, nullptr, kind);
      ASSERT_TRUE(t.ok());  // only data blocks were damaged
      std::unique_ptr<Iterator> it = (*t)->NewIterator(unverified);
      int n = 0;
      for (it->SeekToFirst(); it->Valid() && n < 10000; it->Next()) ++n;
      for (it->SeekToLast(); it->Valid() && n < 20000; it->Prev()) ++n;
      for (size_t j = 0; j < e.size(); j += 10) {
        (*t)->Get(unverified, e[j].first, [](std::string_view, std::string_view) {}).IgnoreError();
      }
    }
  }
}

}  // namespace
}  // namespace lsm

namespace lsm {
namespace {

TEST(TableRangeDeletionsTest, TombstonesRoundTripBesideThePointEntries) {
  std::string contents;
  StringSink sink(&contents);
  TableBuilder b(TableOptions(), &sink);
  b.AddRangeTombstone(RangeTombstone{"m", "q", 9});
  b.Add(MakeInternalKey("a", 5, ValueType::kValue), "va");
  b.AddRangeTombstone(RangeTombstone{"c", std::string("d\0", 2), 7});
  b.Add(MakeInternalKey("z", 6, ValueType::kValue), "vz");
  ASSERT_TRUE(b.Finish().ok());
  EXPECT_EQ(b.properties().num_range_deletions, 2u);
  auto t = OpenTable(contents);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ((*t)->properties().num_range_deletions, 2u);
  const auto& list = (*t)->range_tombstones();
  ASSERT_EQ(list.size(), 2u);  // in internal-key order
  EXPECT_EQ(list[0].begin, "c");
  EXPECT_EQ(list[0].end, std::string("d\0", 2));
  EXPECT_EQ(list[0].sequence, 7u);
  EXPECT_EQ(list[1].begin, "m");
  ASSERT_NE((*t)->fragmented_range_tombstones(), nullptr);
  EXPECT_EQ((*t)->fragmented_range_tombstones()->MaxCoveringSequence("p", 100), 9u);
  // The point entries are untouched: the iterator never shows a tombstone.
  std::unique_ptr<Iterator> it = (*t)->NewIterator(ReadOptions());
  int n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
  EXPECT_EQ(n, 2);
}

TEST(TableRangeDeletionsTest, TableWithOnlyTombstones) {
  std::string contents;
  StringSink sink(&contents);
  TableBuilder b(TableOptions(), &sink);
  b.AddRangeTombstone(RangeTombstone{"a", "b", 3});
  ASSERT_TRUE(b.Finish().ok());
  auto t = OpenTable(contents);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ((*t)->properties().num_entries, 0u);
  EXPECT_EQ((*t)->range_tombstones().size(), 1u);
  std::unique_ptr<Iterator> it = (*t)->NewIterator(ReadOptions());
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().ok());
}

TEST(TableRangeDeletionsTest, TablesWithoutTombstonesHaveNoBlockAndNoProperty) {
  TableProperties props;
  const std::string contents =
      BuildTable(TableOptions(), {{MakeInternalKey("a", 1, ValueType::kValue), "v"}}, &props);
  EXPECT_EQ(contents.find("range_deletions"), std::string::npos);
  EXPECT_EQ(contents.find("lsm.num.range.deletions"), std::string::npos);
  auto t = OpenTable(contents);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)->fragmented_range_tombstones(), nullptr);
}

// Every flipped byte of the range_deletions block (and of the rest) is
// caught when the table opens: the block is read and verified at Open.
TEST(TableRangeDeletionsTest, DamagedTombstonesFailOpen) {
  std::string contents;
  StringSink sink(&contents);
  TableBuilder b(TableOptions(), &sink);
  b.Add(MakeInternalKey("a", 5, ValueType::kValue), "va");
  b.AddRangeTombstone(RangeTombstone{"c", "f", 7});
  ASSERT_TRUE(b.Finish().ok());
  auto good = OpenTable(contents);
  ASSERT_TRUE(good.ok());
  // The block sits before the properties block; find its bytes ("c" + trailer + "f").
  const std::string key = RangeTombstoneKey(RangeTombstone{"c", "f", 7});
  const size_t at = contents.find(key);
  ASSERT_NE(at, std::string::npos);
  for (size_t off = at; off < at + key.size() + 1; ++off) {
    std::string bad = contents;
    bad[off] ^= 0x40;
    auto t = OpenTable(bad);
    ASSERT_FALSE(t.ok()) << "offset " << off;
    EXPECT_TRUE(absl::IsDataLoss(t.status())) << t.status();
  }
}

}  // namespace
}  // namespace lsm

namespace lsm {
namespace {

// MultiGet answers every key exactly as Get does, whether the keys share a
// block, skip blocks, fall between entries, or miss the filter.
TEST(TableMultiGetTest, AgreesWithGetKeyByKey) {
  const Entries e = PrefixEntries(3000, 23);
  TableOptions o;
  o.block_size = 512;
  const std::string contents = BuildTable(o, e);
  auto t = OpenTable(contents);
  ASSERT_TRUE(t.ok()) << t.status();
  Random rnd(5);
  for (int round = 0; round < 50; ++round) {
    std::vector<std::string> keys;
    const int n = 1 + static_cast<int>(rnd.Uniform(60));
    for (int i = 0; i < n; ++i) {
      const auto& [k, v] = e[rnd.Uniform(e.size())];
      ParsedInternalKey p;
      ASSERT_TRUE(ParseInternalKey(k, &p));
      switch (rnd.Uniform(3)) {
        case 0: keys.push_back(k); break;                                     // exact entry
        case 1: keys.push_back(MakeLookupKey(p.user_key, kMaxSequenceNumber)); break;
        default: keys.push_back(MakeLookupKey(std::string(p.user_key) + "x", 5)); break;  // absent
      }
    }
    std::sort(keys.begin(), keys.end(),
              [](const std::string& a, const std::string& b) { return CompareInternalKeys(a, b) < 0; });
    const std::vector<std::string_view> views(keys.begin(), keys.end());
    std::vector<std::pair<std::string, std::string>> got(keys.size());
    ASSERT_TRUE((*t)->MultiGet(ReadOptions(), views,
                               [&](size_t i, std::string_view k, std::string_view v) {
                                 got[i] = {std::string(k), std::string(v)};
                               })
                    .ok());
    for (size_t i = 0; i < keys.size(); ++i) {
      std::pair<std::string, std::string> want;
      ASSERT_TRUE((*t)->Get(ReadOptions(), keys[i],
                            [&](std::string_view k, std::string_view v) {
                              want = {std::string(k), std::string(v)};
                            })
                      .ok());
      ASSERT_EQ(got[i], want) << "round " << round << " key " << i;
    }
  }
}

}  // namespace
}  // namespace lsm
