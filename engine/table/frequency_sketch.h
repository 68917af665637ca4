// FrequencySketch: how often each key was seen recently, estimated in a
// fixed, small table (a count-min sketch of 4-bit counters that halve as
// time passes). The block cache asks it whether a block that missed is worth
// the block it would evict (TinyLFU's admission test; Einziger, Friedman and
// Manes, "TinyLFU: A Highly Efficient Cache Admission Policy", 2017).
//
// Each key maps to one 64-byte group of the table and to one counter in each
// of four of the group's words, so that counting or estimating a key touches
// one cache line. An estimate is the smallest of the key's four counters: it
// never falls below the key's true count since the last halving (up to the
// counters' limit of 15), and exceeds it only by collisions. After 10 counts
// per key the table was sized for, every counter is halved, so the sketch
// follows what is frequent now, not what was once.
//
// Not thread-safe: the cache calls it under a shard's mutex.
#ifndef LSM_ENGINE_TABLE_FREQUENCY_SKETCH_H_
#define LSM_ENGINE_TABLE_FREQUENCY_SKETCH_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/util/hash.h"

namespace lsm {

class FrequencySketch {
 public:
  static constexpr int kMaxCount = 15;
  // Counts (per key the table is sized for) between two halvings.
  static constexpr size_t kSamplesPerKey = 10;

  // A table for about expected_keys distinct keys (at least 8): 8 bytes per
  // key, rounded up to a power of two.
  explicit FrequencySketch(size_t expected_keys) { Reset(expected_keys); }

  // Forgets every count and resizes for expected_keys.
  void Reset(size_t expected_keys) {
    expected_keys = std::max<size_t>(expected_keys, 8);
    size_t words = 8;
    while (words < expected_keys) words <<= 1;
    table_.assign(words, 0);
    group_mask_ = words / kWordsPerGroup - 1;
    samples_until_halving_ = kSamplesPerKey * expected_keys;
    sample_period_ = samples_until_halving_;
  }

  // Counts one occurrence of the key whose (well-mixed) hash is given.
  void Increment(uint64_t key_hash) {
    const Position p = PositionOf(key_hash);
    bool counted = false;
    for (int row = 0; row < kRows; ++row) {
      uint64_t& word = table_[p.word[row]];
      const int shift = p.shift[row];
      if (((word >> shift) & 0xf) != kMaxCount) {
        word += uint64_t{1} << shift;
        counted = true;
      }
    }
    if (counted && --samples_until_halving_ == 0) Halve();
  }

  // The key's estimated count, 0..kMaxCount.
  int Estimate(uint64_t key_hash) const {
    const Position p = PositionOf(key_hash);
    int count = kMaxCount;
    for (int row = 0; row < kRows; ++row) {
      count = std::min(count, static_cast<int>((table_[p.word[row]] >> p.shift[row]) & 0xf));
    }
    return count;
  }

  size_t MemoryUsage() const { return table_.size() * sizeof(uint64_t); }

 private:
  static constexpr int kRows = 4;
  static constexpr size_t kWordsPerGroup = 8;  // 64 bytes

  struct Position {
    size_t word[kRows];
    int shift[kRows];
  };

  // Row r uses word 2r or 2r + 1 of the key's group, and one of its 16
  // counters; the bits choosing them come from a rehash of the key's hash,
  // whose own high bits also chose the cache shard (all keys of one shard
  // share them).
  Position PositionOf(uint64_t key_hash) const {
    const uint64_t h = FMix64(key_hash ^ 0x5bd1e9955bd1e995ull);
    const size_t group = static_cast<size_t>(h >> 32) & group_mask_;
    Position p;
    for (int row = 0; row < kRows; ++row) {
      const uint64_t bits = h >> (5 * row);  // 1 bit of word, 4 of counter
      p.word[row] = group * kWordsPerGroup + 2 * row + (bits & 1);
      p.shift[row] = static_cast<int>((bits >> 1) & 0xf) * 4;
    }
    return p;
  }

  // Halves every counter (rounding down), starting a new period.
  void Halve() {
    for (uint64_t& word : table_) word = (word >> 1) & 0x7777777777777777ull;
    samples_until_halving_ = sample_period_;
  }

  std::vector<uint64_t> table_;
  size_t group_mask_ = 0;
  size_t sample_period_ = 0;
  size_t samples_until_halving_ = 0;
};

}  // namespace lsm

#endif  // LSM_ENGINE_TABLE_FREQUENCY_SKETCH_H_
