// Helpers for the libFuzzer targets in tests/fuzz: a reader that carves
// values out of the fuzz input, and in-memory files over it.
//
// Every target defines LLVMFuzzerTestOneInput and is built two ways: with
// clang and -fsanitize=fuzzer by .ci/fuzz.sh, and with Bazel's gcc as a
// *_fuzz_replay_test (fuzz_replay_main.cc) that replays the seed corpus,
// mutations of it and random inputs.
//
// A target reports a broken invariant with FUZZ_CHECK, which prints the
// condition and aborts (libFuzzer then saves the input as a crash).
//
// Thread safety: single-threaded test code.
#ifndef LSM_TESTS_FUZZ_FUZZ_UTIL_H_
#define LSM_TESTS_FUZZ_FUZZ_UTIL_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "lsm/env.h"

#define FUZZ_CHECK(cond)                                                          \
  do {                                                                            \
    if (!(cond)) {                                                                \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, \
                   #cond);                                                        \
      std::abort();                                                               \
    }                                                                             \
  } while (0)

namespace lsm::fuzz {

// Consumes the fuzz input from the front; past the end every value is 0 and
// every string empty.
class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size)
      : data_(reinterpret_cast<const char*>(data), size) {}

  bool empty() const { return data_.empty(); }
  size_t remaining() const { return data_.size(); }

  uint8_t Byte() {
    if (data_.empty()) return 0;
    const uint8_t b = static_cast<uint8_t>(data_[0]);
    data_.remove_prefix(1);
    return b;
  }
  uint32_t Uint16() { return Byte() | (static_cast<uint32_t>(Byte()) << 8); }
  // Up to max_len bytes, the length taken from the input.
  std::string String(size_t max_len) {
    const size_t len = std::min<size_t>({Byte() % (max_len + 1), data_.size()});
    std::string s(data_.substr(0, len));
    data_.remove_prefix(len);
    return s;
  }
  // Everything left.
  std::string_view Rest() {
    std::string_view r = data_;
    data_ = {};
    return r;
  }

 private:
  std::string_view data_;
};

}  // namespace lsm::fuzz

#endif  // LSM_TESTS_FUZZ_FUZZ_UTIL_H_
