// The seed of a randomized test that tries a new seed on every run.
//
// Thread safety: thread-safe.
#ifndef LSM_ENGINE_UTIL_TEST_SEED_H_
#define LSM_ENGINE_UTIL_TEST_SEED_H_

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace lsm {

// $LSM_TEST_SEED when set (to reproduce a run), else a seed from the clock.
// Prints it to stderr with how to rerun it.
inline uint64_t NewTestSeed() {
  const char* env = std::getenv("LSM_TEST_SEED");
  const uint64_t seed =
      env != nullptr
          ? std::strtoull(env, nullptr, 10)
          : static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  std::fprintf(stderr, "seed=%llu (rerun with LSM_TEST_SEED=%llu)\n",
               static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed));
  return seed;
}

}  // namespace lsm

#endif  // LSM_ENGINE_UTIL_TEST_SEED_H_
