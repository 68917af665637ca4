// Tests of the log framing: round trips, the exact bytes written, and every
// single-byte flip and every truncation of small logs under each recovery
// mode.
#include <algorithm>
#include <cstdint>
#include <iostream>
#include <string>
#include <tuple>
#include <vector>

#include "engine/util/coding.h"
#include "engine/util/crc32c.h"
#include "engine/util/random.h"
#include "engine/wal/log_format.h"
#include "engine/wal/log_reader.h"
#include "engine/wal/log_test_util.h"
#include "engine/wal/log_writer.h"
#include "gtest/gtest.h"
#include "lsm/options.h"

namespace lsm::log {
namespace {

using Mode = WalRecoveryMode;
constexpr Mode kAllModes[] = {Mode::kTolerateCorruptedTailRecords, Mode::kAbsoluteConsistency,
                              Mode::kPointInTime, Mode::kSkipAnyCorruptedRecords};

const char* ModeName(Mode m) {
  switch (m) {
    case Mode::kTolerateCorruptedTailRecords:
      return "tolerate-tail";
    case Mode::kAbsoluteConsistency:
      return "absolute";
    case Mode::kPointInTime:
      return "point-in-time";
    case Mode::kSkipAnyCorruptedRecords:
      return "skip-any";
  }
  return "?";
}

struct Region {
  uint64_t offset;
  size_t bytes;
  std::string reason;
};

class CollectingReporter : public Reader::Reporter {
 public:
  void Corruption(uint64_t offset, size_t bytes, const absl::Status& reason) override {
    EXPECT_EQ(reason.code(), absl::StatusCode::kDataLoss);
    regions.push_back({offset, bytes, std::string(reason.message())});
  }
  std::vector<Region> regions;
};

struct ReadResult {
  std::vector<std::string> records;
  std::vector<uint64_t> offsets;
  absl::Status status;
  std::vector<Region> regions;
  bool dropped_tail = false;
};

ReadResult ReadAll(std::string_view file, Mode mode, size_t block_size = kBlockSize,
                   bool zero_copy = false) {
  StringSource source(file, zero_copy);
  CollectingReporter reporter;
  Reader reader(&source, &reporter, mode, block_size);
  ReadResult r;
  std::string record;
  while (reader.ReadRecord(&record)) {
    r.records.push_back(record);
    r.offsets.push_back(reader.LastRecordOffset());
  }
  EXPECT_FALSE(reader.ReadRecord(&record));  // stays stopped
  r.status = reader.status();
  r.regions = reporter.regions;
  r.dropped_tail = reader.dropped_tail();
  // Regions are inside the file, ordered and disjoint.
  uint64_t prev_end = 0;
  for (const Region& g : r.regions) {
    EXPECT_GE(g.offset, prev_end);
    EXPECT_GT(g.bytes, 0u);
    EXPECT_LE(g.offset + g.bytes, file.size());
    prev_end = g.offset + g.bytes;
  }
  return r;
}

// A log written through Writer, with where each record's bytes lie:
// record k occupies [start[k], end[k]); bytes in [end[k-1], start[k]) are
// a block trailer.
struct WrittenLog {
  size_t block_size;
  std::string file;
  std::vector<std::string> records;
  std::vector<uint64_t> start;
  std::vector<uint64_t> end;
};

WrittenLog WriteLog(const std::vector<std::string>& records, size_t block_size) {
  WrittenLog log;
  log.block_size = block_size;
  StringSink sink;
  Writer writer(&sink, 0, block_size);
  for (const std::string& r : records) {
    const uint64_t size = sink.contents.size();
    const size_t left_in_block = block_size - size % block_size;
    log.start.push_back(left_in_block < kHeaderSize ? size + left_in_block : size);
    EXPECT_TRUE(writer.AddRecord(r).ok());
    log.end.push_back(sink.contents.size());
    log.records.push_back(r);
  }
  log.file = sink.contents;
  return log;
}

std::string RandomRecord(Random* rnd, size_t n) { return rnd->Bytes(n); }

TEST(LogTest, EmptyLog) {
  for (Mode mode : kAllModes) {
    ReadResult r = ReadAll("", mode);
    EXPECT_TRUE(r.records.empty());
    EXPECT_TRUE(r.status.ok());
    EXPECT_TRUE(r.regions.empty());
  }
}

// The exact bytes of a FULL record and of a record split FIRST/LAST.
TEST(LogTest, ByteLayout) {
  StringSink sink;
  Writer writer(&sink, 0, 32);
  ASSERT_TRUE(writer.AddRecord("abc").ok());  // FULL at 0, ends at 10
  const std::string& f = sink.contents;
  ASSERT_EQ(f.size(), 10u);
  EXPECT_EQ(DecodeFixed16(f.data() + 4), 3);
  EXPECT_EQ(f[6], kFullType);
  EXPECT_EQ(crc32c::Unmask(DecodeFixed32(f.data())), crc32c::Value(f.data() + 6, 4));
  EXPECT_EQ(f.substr(7), "abc");

  // 20 bytes at offset 10: 15 fit in the block (FIRST), 5 go to the next.
  ASSERT_TRUE(writer.AddRecord("0123456789abcdefghij").ok());
  ASSERT_EQ(f.size(), 32u + 7 + 5);
  EXPECT_EQ(f[16], kFirstType);
  EXPECT_EQ(DecodeFixed16(f.data() + 14), 15);
  EXPECT_EQ(f.substr(17, 15), "0123456789abcde");
  EXPECT_EQ(f[32 + 6], kLastType);
  EXPECT_EQ(f.substr(39), "fghij");

  // The second block has 20 bytes left: an 8-byte record leaves 5, too few
  // for a header, so the next record starts a block after a zero trailer.
  ASSERT_TRUE(writer.AddRecord(std::string(8, 'x')).ok());  // [44, 59): 5 left
  ASSERT_EQ(f.size(), 59u);
  ASSERT_TRUE(writer.AddRecord("y").ok());
  EXPECT_EQ(f.substr(59, 5), std::string(5, '\0'));
  EXPECT_EQ(f[64 + 6], kFullType);
  EXPECT_EQ(f.size(), 64u + 8);
  EXPECT_EQ(writer.FileSize(), f.size());
}

// The worked example of FORMAT.md, byte for byte.
TEST(LogTest, WorkedExample) {
  const std::string payload(
      "\x01\x00\x00\x00\x00\x00\x00\x00"
      "\x01\x00\x00\x00"
      "\x01\x02\x00\x00\x00\x02\x00\x00\x00"
      "k1v1",
      25);
  StringSink sink;
  Writer writer(&sink);
  ASSERT_TRUE(writer.AddRecord(payload).ok());
  EXPECT_EQ(sink.contents, std::string("\xd3\xf4\x0b\x57\x19\x00\x01", 7) + payload);
  ASSERT_TRUE(writer.AddRecord(std::string(32740, 'n')).ok());
  EXPECT_EQ(sink.contents[32 + 6], kFirstType);
  EXPECT_EQ(DecodeFixed16(sink.contents.data() + 32 + 4), 32729);
  EXPECT_EQ(sink.contents[32768 + 6], kLastType);
  EXPECT_EQ(DecodeFixed16(sink.contents.data() + 32768 + 4), 11);
  EXPECT_EQ(sink.contents.size(), 32768u + 7 + 11);
}

// One Append and one Flush per record, whatever its size.
TEST(LogTest, OneAppendAndFlushPerRecord) {
  StringSink sink;
  Writer writer(&sink);
  for (size_t n : {size_t{0}, size_t{10}, size_t{100000}, size_t{32768 * 3 + 5}}) {
    const int appends = sink.appends;
    const int flushes = sink.flushes;
    ASSERT_TRUE(writer.AddRecord(std::string(n, 'z')).ok());
    EXPECT_EQ(sink.appends, appends + 1);
    EXPECT_EQ(sink.flushes, flushes + 1);
  }
  EXPECT_EQ(sink.syncs, 0);
  ASSERT_TRUE(writer.Sync().ok());
  EXPECT_EQ(sink.syncs, 1);
}

TEST(LogTest, WriterErrorsAreSticky) {
  StringSink sink;
  Writer writer(&sink);
  ASSERT_TRUE(writer.AddRecord("ok").ok());
  sink.set_fail(true);
  EXPECT_FALSE(writer.AddRecord("lost").ok());
  sink.set_fail(false);
  const absl::Status s = writer.AddRecord("after");
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(writer.Sync().ok());
  ReadResult r = ReadAll(sink.contents, Mode::kAbsoluteConsistency);
  EXPECT_EQ(r.records, std::vector<std::string>{"ok"});
  EXPECT_TRUE(r.status.ok());
}

// Sizes around every boundary, empty records, and records much larger than
// a block, read back by both kinds of SequentialFile.
TEST(LogTest, RoundTrip) {
  const uint64_t seed = 99;
  std::cerr << "seed=" << seed << "\n";
  Random rnd(seed);
  std::vector<std::string> records;
  for (size_t n : {size_t{0}, size_t{1}, kBlockSize - 2 * kHeaderSize, kBlockSize - kHeaderSize,
                   kBlockSize - kHeaderSize - 1, kBlockSize - kHeaderSize + 1, size_t{0},
                   kBlockSize, kBlockSize * 3 + 17, size_t{5}, size_t{1000}}) {
    records.push_back(RandomRecord(&rnd, n));
  }
  for (int i = 0; i < 200; ++i) records.push_back(RandomRecord(&rnd, rnd.Skewed(17)));
  WrittenLog log = WriteLog(records, kBlockSize);
  for (bool zero_copy : {false, true}) {
    for (Mode mode : kAllModes) {
      SCOPED_TRACE(ModeName(mode));
      ReadResult r = ReadAll(log.file, mode, kBlockSize, zero_copy);
      ASSERT_TRUE(r.status.ok()) << r.status;
      ASSERT_EQ(r.records.size(), records.size());
      for (size_t i = 0; i < records.size(); ++i) {
        ASSERT_EQ(r.records[i], records[i]) << i;
        ASSERT_EQ(r.offsets[i], log.start[i]) << i;
      }
      EXPECT_TRUE(r.regions.empty());
    }
  }
}

TEST(LogTest, HugeRecordsRoundTrip) {
  Random rnd(7);
  std::vector<std::string> records = {"small", rnd.Bytes(20 << 20), "mid",
                                      std::string((5 << 20) + 3, 'q'), "end"};
  WrittenLog log = WriteLog(records, kBlockSize);
  ReadResult r = ReadAll(log.file, Mode::kAbsoluteConsistency);
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.records.size(), records.size());
  for (size_t i = 0; i < records.size(); ++i) EXPECT_TRUE(r.records[i] == records[i]) << i;
}

// A writer reopened at the end of an existing log continues its framing.
TEST(LogTest, ReopenAppends) {
  StringSink sink;
  {
    Writer writer(&sink, 0, 64);
    ASSERT_TRUE(writer.AddRecord("first").ok());
    ASSERT_TRUE(writer.AddRecord(std::string(70, 'a')).ok());
  }
  for (int i = 0; i < 5; ++i) {
    Writer writer(&sink, sink.contents.size(), 64);
    ASSERT_TRUE(writer.AddRecord(std::string(10 + i * 13, static_cast<char>('b' + i))).ok());
  }
  ReadResult r = ReadAll(sink.contents, Mode::kAbsoluteConsistency, 64);
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.records.size(), 7u);
  EXPECT_EQ(r.records[0], "first");
  EXPECT_EQ(r.records[6], std::string(62, 'f'));
}

// The six-record log of the exhaustive tests: mixed sizes, one record
// spanning three blocks, one that leaves a block trailer.
std::vector<std::string> SixRecords(Random* rnd, size_t block_size) {
  const size_t payload = block_size - kHeaderSize;
  std::vector<std::string> records = {
      rnd->Bytes(20),
      rnd->Bytes(payload * 2 + 30),  // FIRST, MIDDLE, LAST: three blocks
      rnd->Bytes(1),
  };
  // Record 3 ends 3 bytes before a block boundary, so record 4 starts after
  // a zero trailer.
  StringSink sink;
  Writer writer(&sink, 0, block_size);
  for (const std::string& r : records) EXPECT_TRUE(writer.AddRecord(r).ok());
  const size_t left = block_size - sink.contents.size() % block_size;
  const size_t n = left >= kHeaderSize + 3   ? left - kHeaderSize - 3  // FULL
                   : left < kHeaderSize      ? block_size - kHeaderSize - 3  // next block
                                             : left - kHeaderSize + block_size - kHeaderSize - 3;
  records.push_back(rnd->Bytes(n));
  records.push_back(rnd->Bytes(0));
  records.push_back(rnd->Bytes(block_size / 2));
  return records;
}

// Which record holds byte p: its index, or -1 for a block trailer.
int RecordAt(const WrittenLog& log, uint64_t p) {
  for (size_t k = 0; k < log.records.size(); ++k) {
    if (p >= log.start[k] && p < log.end[k]) return static_cast<int>(k);
  }
  return -1;
}

std::vector<std::string> Prefix(const WrittenLog& log, size_t n) {
  return std::vector<std::string>(log.records.begin(), log.records.begin() + n);
}

// What each mode must do with a damaged copy of log where exactly one byte,
// at p, differs.
void CheckFlip(const WrittenLog& log, uint64_t p, Mode mode) {
  std::string damaged = log.file;
  damaged[p] = static_cast<char>(damaged[p] ^ 0x5a);
  SCOPED_TRACE(testing::Message() << "flip at " << p << " mode " << ModeName(mode));
  ReadResult r = ReadAll(damaged, mode, log.block_size);
  const int i = RecordAt(log, p);
  if (i < 0) {
    // Trailer bytes carry no data and are not read.
    EXPECT_TRUE(r.status.ok()) << r.status;
    EXPECT_EQ(r.records, log.records);
    EXPECT_TRUE(r.regions.empty());
    return;
  }
  const bool is_last = static_cast<size_t>(i) + 1 == log.records.size();
  ASSERT_FALSE(r.regions.empty());
  switch (mode) {
    case Mode::kAbsoluteConsistency:
      EXPECT_EQ(r.records, Prefix(log, i));
      EXPECT_EQ(r.status.code(), absl::StatusCode::kDataLoss) << r.status;
      EXPECT_EQ(r.regions[0].offset, log.start[i]);
      break;
    case Mode::kPointInTime:
      EXPECT_EQ(r.records, Prefix(log, i));
      EXPECT_TRUE(r.status.ok()) << r.status;
      ASSERT_EQ(r.regions.size(), 1u);
      EXPECT_EQ(r.regions[0].offset, log.start[i]);
      EXPECT_EQ(r.regions[0].offset + r.regions[0].bytes, damaged.size());
      break;
    case Mode::kTolerateCorruptedTailRecords:
      EXPECT_EQ(r.records, Prefix(log, i));
      ASSERT_EQ(r.regions.size(), 1u);
      EXPECT_EQ(r.regions[0].offset, log.start[i]);
      if (is_last) {
        EXPECT_TRUE(r.status.ok()) << r.status;
        EXPECT_TRUE(r.dropped_tail);
      } else {
        EXPECT_EQ(r.status.code(), absl::StatusCode::kDataLoss) << r.status;
        // The region ends where the next record starts, or earlier if the
        // flip made its own region look shorter.
        EXPECT_LE(r.regions[0].offset + r.regions[0].bytes, log.start[i + 1]);
      }
      break;
    case Mode::kSkipAnyCorruptedRecords: {
      EXPECT_TRUE(r.status.ok()) << r.status;
      EXPECT_EQ(r.regions[0].offset, log.start[i]);
      // Records before i all come back; record i never; after it, every
      // record that starts past the damaged block comes back, and nothing
      // comes back twice or out of order.
      const uint64_t next_block = (p / log.block_size + 1) * log.block_size;
      ASSERT_GE(r.records.size(), static_cast<size_t>(i));
      EXPECT_EQ(std::vector<std::string>(r.records.begin(), r.records.begin() + i),
                Prefix(log, i));
      size_t got = i;
      for (size_t k = i + 1; k < log.records.size(); ++k) {
        if (got < r.records.size() && r.records[got] == log.records[k] &&
            r.offsets[got] == log.start[k]) {
          ++got;
        } else {
          EXPECT_LT(log.start[k], next_block) << "record " << k << " was dropped";
        }
      }
      EXPECT_EQ(got, r.records.size()) << "a record came back that was not written there";
      break;
    }
  }
}

// What each mode must do with the first len bytes of log.
void CheckTruncation(const WrittenLog& log, uint64_t len, Mode mode) {
  SCOPED_TRACE(testing::Message() << "truncated to " << len << " mode " << ModeName(mode));
  ReadResult r = ReadAll(std::string_view(log.file).substr(0, len), mode, log.block_size);
  size_t complete = 0;
  while (complete < log.records.size() && log.end[complete] <= len) ++complete;
  // Clean when the cut falls between records (a trailer belongs to the
  // record after it, so a cut inside one is clean too).
  const bool clean = complete == log.records.size() || len <= log.start[complete];
  EXPECT_EQ(r.records, Prefix(log, complete));
  for (size_t k = 0; k < r.offsets.size(); ++k) EXPECT_EQ(r.offsets[k], log.start[k]);
  if (clean) {
    EXPECT_TRUE(r.status.ok()) << r.status;
    EXPECT_TRUE(r.regions.empty());
    return;
  }
  ASSERT_EQ(r.regions.size(), 1u);
  EXPECT_EQ(r.regions[0].offset, log.start[complete]);
  EXPECT_EQ(r.regions[0].offset + r.regions[0].bytes, len);
  if (mode == Mode::kAbsoluteConsistency) {
    EXPECT_EQ(r.status.code(), absl::StatusCode::kDataLoss) << r.status;
  } else {
    EXPECT_TRUE(r.status.ok()) << r.status;
  }
  if (mode == Mode::kTolerateCorruptedTailRecords || mode == Mode::kPointInTime) {
    EXPECT_TRUE(r.dropped_tail);
  }
}

class LogDamageTest : public testing::TestWithParam<size_t> {};

// Every single-byte flip and every truncation point of the six-record log,
// in every mode, with a small block size so that the log spans many blocks.
TEST_P(LogDamageTest, EveryFlipAndTruncation) {
  const size_t block_size = GetParam();
  const uint64_t seed = 1234 + block_size;
  std::cerr << "seed=" << seed << "\n";
  Random rnd(seed);
  WrittenLog log = WriteLog(SixRecords(&rnd, block_size), block_size);
  // The layout the test means to cover.
  ASSERT_GE(log.end[1] - log.start[1], 2 * block_size);  // three blocks
  bool has_trailer = false;
  for (size_t k = 1; k < log.records.size(); ++k) has_trailer |= log.start[k] > log.end[k - 1];
  ASSERT_TRUE(has_trailer);

  for (Mode mode : kAllModes) {
    for (uint64_t p = 0; p < log.file.size(); ++p) {
      CheckFlip(log, p, mode);
      if (HasFatalFailure()) return;
    }
    for (uint64_t len = 0; len <= log.file.size(); ++len) {
      CheckTruncation(log, len, mode);
      if (HasFatalFailure()) return;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(SmallBlocks, LogDamageTest, testing::Values(64, 200));

// The same checks on a log with real 32 KiB blocks: every header byte and
// every byte near a block boundary or record boundary, and a stride through
// the payloads.
TEST(LogTest, FlipsAndTruncationsWithRealBlocks) {
  const uint64_t seed = 555;
  std::cerr << "seed=" << seed << "\n";
  Random rnd(seed);
  WrittenLog log = WriteLog(SixRecords(&rnd, kBlockSize), kBlockSize);
  std::vector<uint64_t> points;
  for (uint64_t p = 0; p < log.file.size(); p += 997) points.push_back(p);
  auto near = [&](uint64_t x) {
    for (uint64_t d = 0; d < 2 * kHeaderSize; ++d) {
      if (x >= d) points.push_back(x - d);
      points.push_back(x + d);
    }
  };
  for (size_t k = 0; k < log.records.size(); ++k) {
    near(log.start[k]);
    near(log.end[k]);
  }
  for (uint64_t b = 0; b <= log.file.size(); b += kBlockSize) near(b);
  std::sort(points.begin(), points.end());
  points.erase(std::unique(points.begin(), points.end()), points.end());

  for (Mode mode : kAllModes) {
    for (uint64_t p : points) {
      if (p < log.file.size()) CheckFlip(log, p, mode);
      if (p <= log.file.size()) CheckTruncation(log, p, mode);
      if (HasFatalFailure()) return;
    }
  }
}

// Zeros from the last record to the end of the file (space reserved in
// advance by a memory-mapped log, or a crash that grew the file before its
// data reached it) are the end of the log in every mode, not damage.
TEST(LogTest, ZeroFilledTailIsTheEndOfTheLog) {
  WrittenLog log = WriteLog({"a", "bb", std::string(5000, 'c')}, kBlockSize);
  const std::string file = log.file + std::string(40000, '\0');
  for (Mode mode : kAllModes) {
    ReadResult r = ReadAll(file, mode);
    EXPECT_TRUE(r.status.ok()) << r.status;
    EXPECT_EQ(r.records, log.records);
    EXPECT_FALSE(r.dropped_tail);
    EXPECT_TRUE(r.regions.empty());
  }
}

// Zeros followed by data are damage: a torn tail when no intact record
// follows, DataLoss by default when one does.
TEST(LogTest, ZerosFollowedByDataAreDamage) {
  WrittenLog log = WriteLog({"a", "bb"}, kBlockSize);
  // Zeros to the end of the first block and most of the second, then garbage.
  std::string file = log.file + std::string(2 * kBlockSize - log.file.size() - 100, '\0');
  file += std::string(100, '\x5a');
  ReadResult r = ReadAll(file, Mode::kTolerateCorruptedTailRecords);
  EXPECT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.records, log.records);
  EXPECT_TRUE(r.dropped_tail);
  ASSERT_FALSE(r.regions.empty());
  EXPECT_EQ(r.regions[0].offset, log.file.size());
  r = ReadAll(file, Mode::kAbsoluteConsistency);
  EXPECT_EQ(r.status.code(), absl::StatusCode::kDataLoss);

  // An intact record after the zeros: damage in the middle.
  WrittenLog later = WriteLog({"later"}, kBlockSize);
  std::string holed = log.file + std::string(kBlockSize - log.file.size(), '\0') + later.file;
  r = ReadAll(holed, Mode::kTolerateCorruptedTailRecords);
  EXPECT_EQ(r.status.code(), absl::StatusCode::kDataLoss) << r.status;
}

// Garbage in the middle of a log with intact records after it.
TEST(LogTest, DamageInTheMiddle) {
  Random rnd(3);
  std::vector<std::string> records;
  for (int i = 0; i < 10000; ++i) records.push_back("record-" + std::to_string(i));
  WrittenLog log = WriteLog(records, kBlockSize);
  ASSERT_GT(log.file.size(), 3 * kBlockSize);
  std::string file = log.file;
  // Overwrite 100 bytes in the middle of the second block.
  const uint64_t at = kBlockSize + 1000;
  for (int i = 0; i < 100; ++i) file[at + i] = static_cast<char>(rnd.Next());

  ReadResult r = ReadAll(file, Mode::kTolerateCorruptedTailRecords);
  EXPECT_EQ(r.status.code(), absl::StatusCode::kDataLoss) << r.status;
  const int first_damaged = RecordAt(log, at);
  ASSERT_GE(first_damaged, 0);
  EXPECT_EQ(r.records, Prefix(log, first_damaged));

  r = ReadAll(file, Mode::kSkipAnyCorruptedRecords);
  EXPECT_TRUE(r.status.ok());
  ASSERT_EQ(r.regions.size(), 1u);
  EXPECT_EQ(r.regions[0].reason, "checksum mismatch in record of length 11");
  // The rest of the damaged block is dropped, and so is the tail of the
  // record that continues into the next block; reading resumes with the
  // first record that starts in the next block.
  size_t resumed = 0;
  while (log.start[resumed] < 2 * kBlockSize) ++resumed;
  ASSERT_GT(log.start[resumed], 2 * kBlockSize);  // the layout the test means
  EXPECT_EQ(r.regions[0].offset, log.start[first_damaged]);
  EXPECT_EQ(r.regions[0].offset + r.regions[0].bytes, log.start[resumed]);
  std::vector<std::string> want = Prefix(log, first_damaged);
  want.insert(want.end(), records.begin() + resumed, records.end());
  EXPECT_EQ(r.records, want);
}

// A record with a valid checksum but a type this version does not know is
// skipped on its own: its checksum vouches for its length.
TEST(LogTest, UnknownTypeWithValidChecksum) {
  WrittenLog log = WriteLog({"one", "two", "three"}, kBlockSize);
  std::string file = log.file;
  // Retype "two" (starts at log.start[1]) to 9 and fix its checksum.
  char* h = file.data() + log.start[1];
  h[6] = 9;
  EncodeFixed32(h, crc32c::Mask(crc32c::Value(h + 6, 1 + 3)));

  ReadResult r = ReadAll(file, Mode::kSkipAnyCorruptedRecords);
  EXPECT_TRUE(r.status.ok());
  EXPECT_EQ(r.records, (std::vector<std::string>{"one", "three"}));
  ASSERT_EQ(r.regions.size(), 1u);
  EXPECT_EQ(r.regions[0].offset, log.start[1]);
  EXPECT_EQ(r.regions[0].bytes, kHeaderSize + 3);
  EXPECT_NE(r.regions[0].reason.find("unknown record type 9"), std::string::npos);

  r = ReadAll(file, Mode::kTolerateCorruptedTailRecords);
  EXPECT_EQ(r.status.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(r.records, std::vector<std::string>{"one"});
}

TEST(LogTest, ReadErrorIsNotDataLoss) {
  WrittenLog log = WriteLog({std::string(40000, 'a'), "b"}, kBlockSize);
  StringSource source(log.file, false, kBlockSize + 10);
  CollectingReporter reporter;
  Reader reader(&source, &reporter, Mode::kTolerateCorruptedTailRecords);
  std::string record;
  EXPECT_FALSE(reader.ReadRecord(&record));
  EXPECT_EQ(reader.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace lsm::log
