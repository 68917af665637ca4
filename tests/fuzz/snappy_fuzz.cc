// Fuzz target: arbitrary bytes as a snappy stream (a compressed data block as
// stored), decoded by the engine's decoder (engine/table/snappy_decoder.h)
// and by libsnappy. Invariants:
//   - no crash, no out-of-bounds access: the decoder writes into a buffer of
//     exactly the declared length;
//   - both read the same declared length from the preamble, or both refuse it;
//   - both accept the stream or both refuse it, and when they accept, they
//     produce the same bytes.
//
// Input: the stream itself. Declared lengths over 1 MiB are skipped (more
// than any block the engine reads, kMaxBlockSize aside).
#include <snappy.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "engine/table/snappy_decoder.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::optional<size_t> declared = lsm::SnappyUncompressedLength(in);
  size_t lib_declared = 0;
  const bool lib_parsed = snappy::GetUncompressedLength(in.data(), in.size(), &lib_declared);
  FUZZ_CHECK(declared.has_value() == lib_parsed);
  if (!declared.has_value()) return 0;
  FUZZ_CHECK(*declared == lib_declared);
  if (*declared > (size_t{1} << 20)) return 0;

  std::unique_ptr<char[]> ours(new char[*declared == 0 ? 1 : *declared]);
  const bool ours_ok = lsm::SnappyDecode(in, ours.get(), *declared);
  std::string theirs(*declared, '\0');
  const bool theirs_ok = snappy::RawUncompress(in.data(), in.size(), theirs.data());
  FUZZ_CHECK(ours_ok == theirs_ok);
  if (ours_ok) FUZZ_CHECK(std::memcmp(ours.get(), theirs.data(), *declared) == 0);
  return 0;
}
