#include "engine/table/bloom.h"

#include <algorithm>
#include <cassert>

#include "absl/strings/str_cat.h"
#include "engine/util/coding.h"

namespace lsm {

namespace {

// Layout: num_lines × 64-byte lines, then an 8-byte trailer:
//   fixed32 num_lines | u8 num_probes | u8 kind (1) | 2 zero bytes
constexpr size_t kLineBytes = 64;
constexpr size_t kLineBits = kLineBytes * 8;  // 512: a probe needs 9 bits
constexpr size_t kTrailerSize = 8;
constexpr uint8_t kKindCacheLocalBloom = 1;
constexpr int kMaxProbes = 30;

inline uint64_t Mix64(uint64_t z) {
  z ^= z >> 30;
  z *= 0xbf58476d1ce4e5b9ull;
  z ^= z >> 27;
  z *= 0x94d049bb133111ebull;
  z ^= z >> 31;
  return z;
}

inline uint64_t Rotl64(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

// The line a hash selects: its upper 32 bits scaled onto [0, num_lines)
// (multiply-shift instead of a modulo).
inline uint32_t LineOf(uint64_t hash, uint32_t num_lines) {
  return static_cast<uint32_t>(((hash >> 32) * num_lines) >> 32);
}

// Calls fn(bit) for each of the k bit positions in [0, 512) of a hash's line:
// the lower 32 bits are re-mixed by a multiplication with the golden ratio
// before each probe, whose top 9 bits pick the bit.
template <typename Fn>
inline bool ForEachProbe(uint64_t hash, int k, Fn fn) {
  uint32_t h = static_cast<uint32_t>(hash);
  for (int i = 0; i < k; ++i) {
    h *= 0x9e3779b9u;
    if (!fn(h >> 23)) return false;
  }
  return true;
}

}  // namespace

uint64_t BloomHash(std::string_view key) {
  const char* p = key.data();
  size_t n = key.size();
  uint64_t h = 0x6a09e667f3bcc909ull ^ (uint64_t{n} * 0x9e3779b97f4a7c15ull);
  while (n >= 8) {
    h = Rotl64(h ^ Mix64(DecodeFixed64(p)), 27) * 0x9e3779b97f4a7c15ull + 0x52dce729;
    p += 8;
    n -= 8;
  }
  uint64_t tail = 0;
  for (size_t i = 0; i < n; ++i) tail |= uint64_t{static_cast<uint8_t>(p[i])} << (8 * i);
  h ^= Mix64(tail ^ (uint64_t{n} << 59));
  return Mix64(h);
}

int BloomNumProbes(int bits_per_key) {
  // Measured best for 512-bit lines (about 0.6 · bits_per_key).
  const int k = static_cast<int>(bits_per_key * 0.6 + 0.5);
  return std::clamp(k, 1, kMaxProbes);
}

BloomFilterBuilder::BloomFilterBuilder(int bits_per_key) : bits_per_key_(std::max(bits_per_key, 1)) {
  assert(bits_per_key >= 1);
}

void BloomFilterBuilder::AddKey(std::string_view user_key) {
  if (!hashes_.empty() && user_key == last_key_) return;
  last_key_.assign(user_key.data(), user_key.size());
  hashes_.push_back(BloomHash(user_key));
}

std::string BloomFilterBuilder::Finish() const {
  const uint64_t total_bits = uint64_t{hashes_.size()} * bits_per_key_;
  uint64_t lines64 = (total_bits + kLineBits - 1) / kLineBits;
  lines64 = std::clamp<uint64_t>(lines64, 1, UINT32_MAX);
  const uint32_t num_lines = static_cast<uint32_t>(lines64);
  const int k = BloomNumProbes(bits_per_key_);

  std::string out(size_t{num_lines} * kLineBytes, '\0');
  auto* bytes = reinterpret_cast<uint8_t*>(out.data());
  for (uint64_t hash : hashes_) {
    uint8_t* line = bytes + size_t{LineOf(hash, num_lines)} * kLineBytes;
    ForEachProbe(hash, k, [line](uint32_t bit) {
      line[bit >> 3] |= static_cast<uint8_t>(1u << (bit & 7));
      return true;
    });
  }
  PutFixed32(&out, num_lines);
  out.push_back(static_cast<char>(k));
  out.push_back(static_cast<char>(kKindCacheLocalBloom));
  out.append(2, '\0');
  return out;
}

BloomFilter::BloomFilter(BlockBuffer data) : data_(std::move(data)) {
  if (data_.size() < kTrailerSize) {
    status_ = absl::DataLossError(absl::StrCat("bloom filter: ", data_.size(), " bytes is too short"));
    return;
  }
  const char* t = data_.data() + data_.size() - kTrailerSize;
  const uint32_t lines = DecodeFixed32(t);
  const int k = static_cast<uint8_t>(t[4]);
  const uint8_t kind = static_cast<uint8_t>(t[5]);
  if (kind != kKindCacheLocalBloom) {
    status_ = absl::DataLossError(absl::StrCat("bloom filter: unknown kind ", kind));
    return;
  }
  if (k < 1 || k > kMaxProbes) {
    status_ = absl::DataLossError(absl::StrCat("bloom filter: bad probe count ", k));
    return;
  }
  if (lines == 0 || uint64_t{lines} * kLineBytes != data_.size() - kTrailerSize) {
    status_ = absl::DataLossError(absl::StrCat("bloom filter: ", lines, " lines do not fill ",
                                               data_.size() - kTrailerSize, " bytes"));
    return;
  }
  num_lines_ = lines;
  num_probes_ = k;
}

bool BloomFilter::MayMatchHash(uint64_t hash) const {
  if (num_lines_ == 0) return true;
  const auto* line = reinterpret_cast<const uint8_t*>(data_.data()) +
                     size_t{LineOf(hash, num_lines_)} * kLineBytes;
  return ForEachProbe(hash, num_probes_, [line](uint32_t bit) {
    return (line[bit >> 3] & (1u << (bit & 7))) != 0;
  });
}

}  // namespace lsm
