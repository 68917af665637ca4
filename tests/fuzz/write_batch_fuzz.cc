// Fuzz target: arbitrary bytes as an encoded WriteBatch. Invariants:
//   - SetContents and ValidateWriteBatch agree; a rejected batch is DataLoss;
//   - a valid batch iterates exactly Count() entries, and rebuilding it with
//     Put/Delete and the same sequence yields the same bytes (the encoding is
//     canonical);
//   - InsertBatchIntoMemTable of a valid batch succeeds (or is
//     InvalidArgument when the sequence numbers overflow) and the memtable
//     then answers every key with its last update.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "engine/memtable/memtable.h"
#include "engine/wal/write_batch_internal.h"
#include "lsm/write_batch.h"
#include "tests/fuzz/fuzz_util.h"

namespace lsm::fuzz {
namespace {

class Rebuilder final : public WriteBatch::Handler {
 public:
  void Put(std::string_view key, std::string_view value) override {
    batch.Put(key, value);
    last[std::string(key)] = std::string(value);
  }
  void Delete(std::string_view key) override {
    batch.Delete(key);
    last[std::string(key)] = std::nullopt;
  }
  void DeleteRange(std::string_view begin, std::string_view end) override {
    batch.DeleteRange(begin, end);
    if (CompareUserKeys(begin, end) < 0) ++nonempty_ranges;
  }
  WriteBatch batch;
  uint64_t nonempty_ranges = 0;
  std::map<std::string, std::optional<std::string>> last;
};

}  // namespace
}  // namespace lsm::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lsm;
  using namespace lsm::fuzz;
  const std::string_view encoded(reinterpret_cast<const char*>(data), size);
  WriteBatch batch;
  const absl::Status s = batch.SetContents(encoded);
  FUZZ_CHECK(s.ok() == ValidateWriteBatch(encoded).ok());
  if (!s.ok()) {
    FUZZ_CHECK(absl::IsDataLoss(s));
    return 0;
  }
  FUZZ_CHECK(batch.rep() == encoded);
  Rebuilder r;
  FUZZ_CHECK(batch.Iterate(&r).ok());
  FUZZ_CHECK(r.batch.Count() == batch.Count());
  r.batch.set_sequence(batch.sequence());
  FUZZ_CHECK(r.batch.rep() == batch.rep());
  FUZZ_CHECK(r.batch.ApproximateSize() == batch.ApproximateSize());

  MemTable mem;
  const absl::Status ins = InsertBatchIntoMemTable(batch, &mem);
  if (!ins.ok()) {
    FUZZ_CHECK(absl::IsInvalidArgument(ins));
    return 0;
  }
  // Range deletions go to the memtable's tombstone list, never among the
  // point entries Get sees.
  FUZZ_CHECK(mem.NumRangeDeletions() == r.nonempty_ranges);
  for (const auto& [key, value] : r.last) {
    std::string got;
    const MemTable::GetResult g = mem.Get(key, kMaxSequenceNumber, &got);
    if (value) {
      FUZZ_CHECK(g == MemTable::GetResult::kFound);
      FUZZ_CHECK(got == *value);
    } else {
      FUZZ_CHECK(g == MemTable::GetResult::kDeleted);
    }
  }
  return 0;
}
