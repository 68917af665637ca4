// Helpers for tests that touch the real file system.
//
// Thread safety: thread-safe.
#ifndef LSM_ENGINE_ENV_TEST_UTIL_H_
#define LSM_ENGINE_ENV_TEST_UTIL_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "lsm/env.h"

namespace lsm {

// A new, empty, uniquely named directory under $TEST_TMPDIR (which Bazel
// sets), else $TMPDIR, else /tmp. Aborts the test binary if it cannot be made.
std::string NewTestTempDir(std::string_view prefix);

// Removes dir and everything below it through env (best effort).
void RemoveDirRecursively(Env* env, const std::string& dir);

// A full disk for one process, without a file system of that size: while it
// lives, writes past `bytes` into any file fail with EFBIG (RLIMIT_FSIZE, with
// SIGXFSZ ignored), after a short write up to the limit. Not thread-safe:
// the limit is the whole process's.
class ScopedFileSizeLimit {
 public:
  explicit ScopedFileSizeLimit(uint64_t bytes);
  ~ScopedFileSizeLimit();
  ScopedFileSizeLimit(const ScopedFileSizeLimit&) = delete;
  ScopedFileSizeLimit& operator=(const ScopedFileSizeLimit&) = delete;

 private:
  uint64_t saved_cur_;
  void (*saved_handler_)(int);
};

}  // namespace lsm

#endif  // LSM_ENGINE_ENV_TEST_UTIL_H_
