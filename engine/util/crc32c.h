// CRC32C (Castagnoli), as used by iSCSI (RFC 3720), ext4 and LevelDB. Uses the
// SSE4.2 crc32 instruction when the CPU has it, a slicing-by-8 table otherwise.
#ifndef LSM_ENGINE_UTIL_CRC32C_H_
#define LSM_ENGINE_UTIL_CRC32C_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace lsm::crc32c {

// CRC32C of data[0, n) continued from init_crc (the CRC of earlier bytes).
uint32_t Extend(uint32_t init_crc, const char* data, size_t n);
inline uint32_t Value(const char* data, size_t n) { return Extend(0, data, n); }
inline uint32_t Value(std::string_view s) { return Extend(0, s.data(), s.size()); }

// The portable and the hardware implementation, for tests and benchmarks.
uint32_t ExtendPortable(uint32_t init_crc, const char* data, size_t n);
// REQUIRES: HardwareAvailable()
uint32_t ExtendHardware(uint32_t init_crc, const char* data, size_t n);
bool HardwareAvailable();

// A CRC stored next to the data it covers is masked: the CRC of a string that
// itself contains CRCs is otherwise prone to collisions (LevelDB's scheme).
inline constexpr uint32_t kMaskDelta = 0xa282ead8u;
inline uint32_t Mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kMaskDelta; }
inline uint32_t Unmask(uint32_t masked) {
  const uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

}  // namespace lsm::crc32c

#endif  // LSM_ENGINE_UTIL_CRC32C_H_
