// A cache-local bloom filter over the user keys of one table: every key maps
// to one 64-byte cache line and sets (or, on a probe, tests) k bits inside
// it, so a probe touches a single cache line whatever k is. The serialized
// filter carries its own parameters (number of lines, k) so a reader needs no
// options. See FORMAT.md "Filter block".
//
// Thread safety: BloomFilterBuilder is used by one thread; a BloomFilter is
// immutable and may be probed from many threads at once.
#ifndef LSM_ENGINE_TABLE_BLOOM_H_
#define LSM_ENGINE_TABLE_BLOOM_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "engine/table/format.h"

namespace lsm {

// The 64-bit hash of a key that the filter uses. Persisted through the
// filter's bits: frozen.
uint64_t BloomHash(std::string_view key);

// The number of probes per key chosen for bits_per_key: fewer than the
// textbook ln(2)·bits_per_key, because with all probes in one cache line the
// line's own fill varies and extra probes stop paying for themselves.
int BloomNumProbes(int bits_per_key);

class BloomFilterBuilder {
 public:
  // REQUIRES: bits_per_key >= 1
  explicit BloomFilterBuilder(int bits_per_key);

  BloomFilterBuilder(const BloomFilterBuilder&) = delete;
  BloomFilterBuilder& operator=(const BloomFilterBuilder&) = delete;

  // Adds a user key. Repeating the key added just before is ignored, so the
  // versions of one key count once.
  void AddKey(std::string_view user_key);
  size_t num_keys() const { return hashes_.size(); }

  // The serialized filter over every key added so far.
  std::string Finish() const;

 private:
  const int bits_per_key_;
  std::vector<uint64_t> hashes_;
  std::string last_key_;
};

class BloomFilter {
 public:
  // A filter over `data` (the filter block, which it keeps). A malformed
  // filter is not an error for reads: MayMatch() then answers true for every
  // key, and status() says what was wrong so the caller can report it.
  explicit BloomFilter(BlockBuffer data);

  // False only when user_key was certainly not added.
  bool MayMatch(std::string_view user_key) const { return MayMatchHash(BloomHash(user_key)); }
  bool MayMatchHash(uint64_t hash) const;

  const absl::Status& status() const { return status_; }
  uint32_t num_lines() const { return num_lines_; }
  int num_probes() const { return num_probes_; }
  size_t size() const { return data_.size(); }

 private:
  const BlockBuffer data_;
  uint32_t num_lines_ = 0;  // 0: malformed, matches everything
  int num_probes_ = 0;
  absl::Status status_;
};

}  // namespace lsm

#endif  // LSM_ENGINE_TABLE_BLOOM_H_
