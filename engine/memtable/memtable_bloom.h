// MemTableBloom: a bloom filter over the user keys of one memtable, so that a
// point read of a key the memtable does not hold (most reads, once the data
// is larger than a memtable) skips the search of its sorted list, several
// dependent cache misses in a memtable of several MiB, for one cache line.
//
// Cache-local: the key's hash picks one 64-byte line and sets or tests
// kProbes bits in it. Sized when the memtable is created (its expected size /
// 128, so about 9 bits per 150-byte entry); a memtable that outgrows it just
// sees more false positives.
//
// Thread safety: one writer (Add) and any number of readers (MayContain)
// without locks. Bits are set with relaxed atomics before the entry is linked
// into the list (a release store), so a reader that can see the entry
// sees its bits.
#ifndef LSM_ENGINE_MEMTABLE_MEMTABLE_BLOOM_H_
#define LSM_ENGINE_MEMTABLE_MEMTABLE_BLOOM_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

#include "engine/util/hash.h"

namespace lsm {

class MemTableBloom {
 public:
  static constexpr int kProbes = 6;

  // bytes rounds up to whole 64-byte lines; at least one.
  explicit MemTableBloom(size_t bytes)
      : num_lines_(bytes / 64 == 0 ? 1 : bytes / 64),
        words_(new std::atomic<uint64_t>[num_lines_ * 8]) {
    for (size_t i = 0; i < num_lines_ * 8; ++i) words_[i].store(0, std::memory_order_relaxed);
  }

  void Add(std::string_view key) {
    const uint64_t h = Hash(key);
    std::atomic<uint64_t>* line = Line(h);
    uint32_t x = static_cast<uint32_t>(h);
    for (int i = 0; i < kProbes; ++i) {
      x *= 0x9e3779b9u;
      const uint32_t bit = x >> 23;  // 0..511
      std::atomic<uint64_t>& w = line[bit >> 6];
      // The only writer: a load and a store, no read-modify-write.
      w.store(w.load(std::memory_order_relaxed) | (uint64_t{1} << (bit & 63)),
              std::memory_order_relaxed);
    }
  }

  bool MayContain(std::string_view key) const {
    const uint64_t h = Hash(key);
    const std::atomic<uint64_t>* line = Line(h);
    uint32_t x = static_cast<uint32_t>(h);
    for (int i = 0; i < kProbes; ++i) {
      x *= 0x9e3779b9u;
      const uint32_t bit = x >> 23;
      if ((line[bit >> 6].load(std::memory_order_relaxed) & (uint64_t{1} << (bit & 63))) == 0) {
        return false;
      }
    }
    return true;
  }

  size_t MemoryUsage() const { return sizeof(*this) + num_lines_ * 64; }

 private:
  static uint64_t Hash(std::string_view key) {
    uint64_t h = 0x243f6a8885a308d3ull ^ key.size();
    size_t i = 0;
    for (; i + 8 <= key.size(); i += 8) {
      uint64_t w;
      std::memcpy(&w, key.data() + i, 8);
      h = FMix64(h ^ w) + 0x9e3779b97f4a7c15ull;
    }
    uint64_t tail = 0;
    std::memcpy(&tail, key.data() + i, key.size() - i);
    return FMix64(h ^ tail ^ (uint64_t{key.size() - i} << 56));
  }
  std::atomic<uint64_t>* Line(uint64_t h) const {
    return &words_[((h >> 32) * num_lines_ >> 32) * 8];
  }

  const size_t num_lines_;
  const std::unique_ptr<std::atomic<uint64_t>[]> words_;
};

}  // namespace lsm

#endif  // LSM_ENGINE_MEMTABLE_MEMTABLE_BLOOM_H_
