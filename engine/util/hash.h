// Mixing functions for in-memory hashing (never persisted: the SST bloom
// filter's frozen hash lives in engine/table/bloom.cc).
//
// Thread safety: pure functions.
#ifndef LSM_ENGINE_UTIL_HASH_H_
#define LSM_ENGINE_UTIL_HASH_H_

#include <cstdint>

namespace lsm {

// The finaliser of MurmurHash3's 64-bit variant: every input bit affects
// every output bit.
inline uint64_t FMix64(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

}  // namespace lsm

#endif  // LSM_ENGINE_UTIL_HASH_H_
