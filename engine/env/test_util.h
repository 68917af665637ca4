// Helpers for tests that touch the real file system.
//
// Thread safety: thread-safe.
#ifndef LSM_ENGINE_ENV_TEST_UTIL_H_
#define LSM_ENGINE_ENV_TEST_UTIL_H_

#include <string>
#include <string_view>

#include "lsm/env.h"

namespace lsm {

// A new, empty, uniquely named directory under $TEST_TMPDIR (which Bazel
// sets), else $TMPDIR, else /tmp. Aborts the test binary if it cannot be made.
std::string NewTestTempDir(std::string_view prefix);

// Removes dir and everything below it through env (best effort).
void RemoveDirRecursively(Env* env, const std::string& dir);

}  // namespace lsm

#endif  // LSM_ENGINE_ENV_TEST_UTIL_H_
