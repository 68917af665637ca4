// Fuzz target: arbitrary bytes as a MANIFEST record (VersionEdit). Invariants:
//   - DecodeFrom fails only with DataLoss;
//   - a decoded edit re-encodes to bytes that decode to an edit that encodes
//     to the same bytes again (EncodeTo is a fixed point after one round);
//   - DebugString never crashes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/db/version_edit.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lsm;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  VersionEdit edit;
  const absl::Status s = edit.DecodeFrom(input);
  if (!s.ok()) {
    FUZZ_CHECK(absl::IsDataLoss(s));
    return 0;
  }
  edit.DebugString();
  std::string once;
  edit.EncodeTo(&once);
  VersionEdit again;
  FUZZ_CHECK(again.DecodeFrom(once).ok());
  std::string twice;
  again.EncodeTo(&twice);
  FUZZ_CHECK(once == twice);
  FUZZ_CHECK(again.new_files().size() == edit.new_files().size());
  FUZZ_CHECK(again.deleted_files() == edit.deleted_files());
  FUZZ_CHECK(again.log_number() == edit.log_number());
  FUZZ_CHECK(again.next_file_number() == edit.next_file_number());
  FUZZ_CHECK(again.last_sequence() == edit.last_sequence());
  return 0;
}
