// Fast, seedable pseudo-random numbers (xoshiro256**) for tests, benchmarks
// and workload generators. Not for cryptography.
//
// Thread safety: one Random per thread.
#ifndef LSM_ENGINE_UTIL_RANDOM_H_
#define LSM_ENGINE_UTIL_RANDOM_H_

#include <cstdint>
#include <string>

namespace lsm {

class Random {
 public:
  explicit Random(uint64_t seed) {
    // SplitMix64 spreads any seed (0 included) over the whole state.
    for (uint64_t& s : s_) {
      seed += 0x9e3779b97f4a7c15ull;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      s = z ^ (z >> 31);
    }
  }

  uint64_t Next64() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  uint32_t Next() { return static_cast<uint32_t>(Next64() >> 32); }
  // Uniform in [0, n). REQUIRES: n > 0
  uint64_t Uniform(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next64()) * n) >> 64);
  }
  // True with probability 1/n. REQUIRES: n > 0
  bool OneIn(uint64_t n) { return Uniform(n) == 0; }
  // Uniform in [0, 2^max_log), the exponent itself uniform: skews to small.
  uint64_t Skewed(int max_log) { return Uniform(uint64_t{1} << Uniform(max_log + 1)); }
  // n random bytes (any byte value).
  std::string Bytes(size_t n) {
    std::string s(n, '\0');
    for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(Next64() >> 56);
    return s;
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace lsm

#endif  // LSM_ENGINE_UTIL_RANDOM_H_
