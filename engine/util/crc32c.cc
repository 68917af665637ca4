#include "engine/util/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace lsm::crc32c {
namespace {

constexpr uint32_t kPoly = 0x82f63b78u;  // reflected Castagnoli polynomial

// kTables[k][b]: CRC of byte b followed by k zero bytes (slicing-by-8).
constexpr std::array<std::array<uint32_t, 256>, 8> MakeTables() {
  std::array<std::array<uint32_t, 256>, 8> t{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t crc = b;
    for (int i = 0; i < 8; ++i) crc = (crc >> 1) ^ ((crc & 1) ? kPoly : 0);
    t[0][b] = crc;
  }
  for (uint32_t b = 0; b < 256; ++b) {
    for (int k = 1; k < 8; ++k) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xff];
  }
  return t;
}
constexpr auto kTables = MakeTables();

// The hardware path runs three independent CRCs over three adjacent stripes
// of kStripe bytes, because the crc32 instruction's latency is three times
// its throughput, then joins them. The CRC register update is linear, so the
// register after stripes A then B equals Shift(register after A) XOR the
// register of B started from zero, where Shift feeds kStripe zero bytes.
constexpr size_t kStripe = 256;

// kShift[k][b]: Shift of the register (b << 8k); Shift of any register is the
// XOR over its four bytes.
constexpr std::array<std::array<uint32_t, 256>, 4> MakeShiftTables() {
  std::array<std::array<uint32_t, 256>, 4> t{};
  for (int k = 0; k < 4; ++k) {
    for (uint32_t b = 0; b < 256; ++b) {
      uint32_t crc = b << (8 * k);
      for (size_t i = 0; i < kStripe; ++i) crc = (crc >> 8) ^ kTables[0][crc & 0xff];
      t[k][b] = crc;
    }
  }
  return t;
}
constexpr auto kShift = MakeShiftTables();

inline uint32_t Shift(uint32_t crc) {
  return kShift[0][crc & 0xff] ^ kShift[1][(crc >> 8) & 0xff] ^ kShift[2][(crc >> 16) & 0xff] ^
         kShift[3][crc >> 24];
}

inline uint32_t Load32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;  // x86 and every target we build on are little-endian
}

}  // namespace

uint32_t ExtendPortable(uint32_t init_crc, const char* data, size_t n) {
  const auto* p = reinterpret_cast<const uint8_t*>(data);
  uint32_t crc = ~init_crc;
  while (n >= 8) {
    const uint32_t lo = Load32(p) ^ crc;
    const uint32_t hi = Load32(p + 4);
    crc = kTables[7][lo & 0xff] ^ kTables[6][(lo >> 8) & 0xff] ^ kTables[5][(lo >> 16) & 0xff] ^
          kTables[4][lo >> 24] ^ kTables[3][hi & 0xff] ^ kTables[2][(hi >> 8) & 0xff] ^
          kTables[1][(hi >> 16) & 0xff] ^ kTables[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) crc = (crc >> 8) ^ kTables[0][(crc ^ *p++) & 0xff];
  return ~crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t ExtendHardware(uint32_t init_crc, const char* data,
                                                          size_t n) {
  const auto* p = reinterpret_cast<const uint8_t*>(data);
  uint64_t crc = ~init_crc;
  auto load = [](const uint8_t* q) {
    uint64_t v;
    std::memcpy(&v, q, 8);
    return v;
  };
  while (n >= 3 * kStripe) {
    uint64_t c0 = crc, c1 = 0, c2 = 0;
    for (size_t i = 0; i < kStripe; i += 8) {
      c0 = _mm_crc32_u64(c0, load(p + i));
      c1 = _mm_crc32_u64(c1, load(p + kStripe + i));
      c2 = _mm_crc32_u64(c2, load(p + 2 * kStripe + i));
    }
    crc = Shift(Shift(static_cast<uint32_t>(c0)) ^ static_cast<uint32_t>(c1)) ^
          static_cast<uint32_t>(c2);
    p += 3 * kStripe;
    n -= 3 * kStripe;
  }
  while (n >= 8) {
    crc = _mm_crc32_u64(crc, load(p));
    p += 8;
    n -= 8;
  }
  uint32_t c = static_cast<uint32_t>(crc);
  while (n-- > 0) c = _mm_crc32_u8(c, *p++);
  return ~c;
}

bool HardwareAvailable() {
  static const bool available = __builtin_cpu_supports("sse4.2");
  return available;
}
#else
uint32_t ExtendHardware(uint32_t init_crc, const char* data, size_t n) {
  return ExtendPortable(init_crc, data, n);
}
bool HardwareAvailable() { return false; }
#endif

uint32_t Extend(uint32_t init_crc, const char* data, size_t n) {
  static const bool hw = HardwareAvailable();
  return hw ? ExtendHardware(init_crc, data, n) : ExtendPortable(init_crc, data, n);
}

}  // namespace lsm::crc32c
