// Fuzz target: arbitrary bytes as a log file (WAL or MANIFEST framing), read
// by log::Reader in each recovery mode. Every record returned is parsed as a
// WriteBatch. Invariants:
//   - no crash, no out-of-bounds read (ASan), no undefined behaviour (UBSan);
//   - every reported region lies inside the file;
//   - kAbsoluteConsistency with status OK means nothing was dropped;
//   - the records read, written again by log::Writer and read back in
//     kAbsoluteConsistency, come back identical and undamaged;
//   - WriteBatch::SetContents and ValidateWriteBatch agree, and a valid
//     batch iterates exactly Count() entries.
//
// Input: byte 0 = mode (bits 0-1) and a small block size (bit 2); the rest is
// the log file.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/wal/log_reader.h"
#include "engine/wal/log_test_util.h"
#include "engine/wal/log_writer.h"
#include "engine/wal/write_batch_internal.h"
#include "lsm/write_batch.h"
#include "tests/fuzz/fuzz_util.h"

namespace lsm::fuzz {
namespace {

class CountingReporter final : public log::Reader::Reporter {
 public:
  explicit CountingReporter(uint64_t file_size) : file_size_(file_size) {}
  void Corruption(uint64_t offset, size_t bytes, const absl::Status& reason) override {
    FUZZ_CHECK(absl::IsDataLoss(reason));
    FUZZ_CHECK(offset <= file_size_);
    FUZZ_CHECK(bytes <= file_size_ - offset);
    ++regions;
  }
  int regions = 0;

 private:
  const uint64_t file_size_;
};

class CountingHandler final : public WriteBatch::Handler {
 public:
  void Put(std::string_view key, std::string_view value) override {
    ++entries;
    bytes += key.size() + value.size();
  }
  void Delete(std::string_view key) override {
    ++entries;
    bytes += key.size();
  }
  void DeleteRange(std::string_view begin, std::string_view end) override {
    ++entries;
    bytes += begin.size() + end.size();
  }
  size_t entries = 0;
  size_t bytes = 0;
};

void CheckBatch(const std::string& record) {
  WriteBatch batch;
  const absl::Status s = batch.SetContents(record);
  FUZZ_CHECK(s.ok() == ValidateWriteBatch(record).ok());
  if (!s.ok()) {
    FUZZ_CHECK(absl::IsDataLoss(s));
    return;
  }
  CountingHandler h;
  FUZZ_CHECK(batch.Iterate(&h).ok());
  FUZZ_CHECK(h.entries == batch.Count());
  FUZZ_CHECK(h.bytes <= record.size());
}

}  // namespace
}  // namespace lsm::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lsm;
  using namespace lsm::fuzz;
  FuzzInput in(data, size);
  const uint8_t flags = in.Byte();
  const WalRecoveryMode modes[] = {
      WalRecoveryMode::kTolerateCorruptedTailRecords, WalRecoveryMode::kAbsoluteConsistency,
      WalRecoveryMode::kPointInTime, WalRecoveryMode::kSkipAnyCorruptedRecords};
  const WalRecoveryMode mode = modes[flags & 3];
  const size_t block_size = (flags & 4) ? 64 : log::kBlockSize;
  const std::string_view file = in.Rest();

  log::StringSource source(file);
  CountingReporter reporter(file.size());
  log::Reader reader(&source, &reporter, mode, block_size);
  std::vector<std::string> records;
  std::string record;
  size_t total = 0;
  while (reader.ReadRecord(&record)) {
    total += record.size();
    FUZZ_CHECK(total <= file.size());
    CheckBatch(record);
    records.push_back(record);
  }
  FUZZ_CHECK(!reader.ReadRecord(&record));  // stays stopped
  if (!reader.status().ok()) FUZZ_CHECK(absl::IsDataLoss(reader.status()));
  if (mode == WalRecoveryMode::kAbsoluteConsistency && reader.status().ok()) {
    FUZZ_CHECK(reporter.regions == 0);
  }
  if (mode != WalRecoveryMode::kAbsoluteConsistency &&
      mode != WalRecoveryMode::kTolerateCorruptedTailRecords) {
    FUZZ_CHECK(reader.status().ok());
  }

  // Round trip what was read.
  log::StringSink sink;
  log::Writer writer(&sink, 0, block_size);
  for (const std::string& r : records) FUZZ_CHECK(writer.AddRecord(r).ok());
  FUZZ_CHECK(writer.FileSize() == sink.contents.size());
  log::StringSource again(sink.contents);
  CountingReporter strict_reporter(sink.contents.size());
  log::Reader strict(&again, &strict_reporter, WalRecoveryMode::kAbsoluteConsistency, block_size);
  size_t i = 0;
  while (strict.ReadRecord(&record)) {
    FUZZ_CHECK(i < records.size());
    FUZZ_CHECK(record == records[i]);
    ++i;
  }
  FUZZ_CHECK(i == records.size());
  FUZZ_CHECK(strict.status().ok());
  FUZZ_CHECK(strict_reporter.regions == 0);
  return 0;
}
