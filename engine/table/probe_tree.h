// ProbeTree: a sorted array of 64-bit integers laid out for lower-bound
// searches that wait on few cache misses: a static B+tree whose nodes are one
// 64-byte cache line each (8 integers). The last level is the array itself,
// in order, padded to whole nodes with UINT64_MAX; each level above holds the
// largest integer under each node of the level below, again padded. A search
// reads one node per level, from the root down, and counts the integers in it
// that are below the target: that count picks the child. For 28k integers
// (the index of a 56 MB table) that is 5 nodes, the upper ones shared by every
// search and so mostly cached, where a binary search waits on 15 dependent
// loads whose last several each miss.
//
// Thread safety: immutable after construction; safe to share.
#ifndef LSM_ENGINE_TABLE_PROBE_TREE_H_
#define LSM_ENGINE_TABLE_PROBE_TREE_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace lsm {

class ProbeTree {
 public:
  static constexpr size_t kNodeKeys = 8;  // one 64-byte cache line

  ProbeTree() = default;
  // Moves keep the storage (and so its alignment); a copy would not.
  ProbeTree(ProbeTree&&) = default;
  ProbeTree& operator=(ProbeTree&&) = default;
  ProbeTree(const ProbeTree&) = delete;
  ProbeTree& operator=(const ProbeTree&) = delete;
  // REQUIRES: sorted is in non-decreasing order.
  explicit ProbeTree(const std::vector<uint64_t>& sorted) : size_(sorted.size()) {
    if (size_ == 0) return;
    // Level sizes in keys, from the leaves up, each a whole number of nodes.
    std::vector<size_t> sizes{RoundUp(size_)};
    while (sizes.back() > kNodeKeys) sizes.push_back(RoundUp(sizes.back() / kNodeKeys));
    size_t total = 0;
    for (size_t s : sizes) total += s;
    // One node more than needed, so that the first can start on a line.
    storage_.assign(total + kNodeKeys, UINT64_MAX);
    const uintptr_t address = reinterpret_cast<uintptr_t>(storage_.data());
    align_ = ((64 - address % 64) % 64) / sizeof(uint64_t);
    // Root first, leaves last.
    level_starts_.resize(sizes.size());
    size_t start = 0;
    for (size_t l = sizes.size(); l-- > 0;) {
      level_starts_[sizes.size() - 1 - l] = start;
      start += sizes[l];
    }
    uint64_t* const leaves = Level(sizes.size() - 1);
    for (size_t i = 0; i < size_; ++i) leaves[i] = sorted[i];
    // Each upper key: the largest key of its child node (its last real one).
    size_t below = size_;  // real keys in the level below
    for (size_t l = sizes.size() - 1; l > 0; --l) {
      const uint64_t* child = Level(l);
      uint64_t* parent = Level(l - 1);
      const size_t nodes = RoundUp(below) / kNodeKeys;
      for (size_t n = 0; n < nodes; ++n) {
        const size_t last = n * kNodeKeys + kNodeKeys - 1;
        parent[n] = child[last < below ? last : below - 1];
      }
      below = nodes;
    }
  }

  size_t size() const { return size_; }
  uint64_t operator[](size_t i) const { return Leaves()[i]; }

  // The position of the first integer >= x (size() if none).
  size_t LowerBound(uint64_t x) const {
    if (size_ == 0 || Leaves()[size_ - 1] < x) return size_;
    // x <= the largest key under the current node, at every level: the
    // count of keys below x is then the first child whose largest key is
    // >= x, never past the node's real keys.
    size_t node = 0;
    for (size_t l = 0; l < level_starts_.size(); ++l) {
      const uint64_t* keys = Level(l) + node * kNodeKeys;
      size_t below = 0;
      for (size_t i = 0; i < kNodeKeys; ++i) below += keys[i] < x ? 1 : 0;
      node = node * kNodeKeys + below;
    }
    return node;
  }

  // The position of the first integer >= x at or after from, by a binary
  // search of the leaves (for short ranges: ties).
  size_t LowerBoundFrom(size_t from, uint64_t x) const {
    if (from >= size_) return size_;
    const uint64_t* const leaves = Leaves();
    return static_cast<size_t>(std::lower_bound(leaves + from, leaves + size_, x) - leaves);
  }

  size_t MemoryUsage() const {
    return storage_.capacity() * sizeof(uint64_t) + level_starts_.capacity() * sizeof(size_t);
  }

 private:
  static size_t RoundUp(size_t n) { return (n + kNodeKeys - 1) / kNodeKeys * kNodeKeys; }
  const uint64_t* Level(size_t l) const { return storage_.data() + align_ + level_starts_[l]; }
  uint64_t* Level(size_t l) { return storage_.data() + align_ + level_starts_[l]; }
  const uint64_t* Leaves() const { return Level(level_starts_.size() - 1); }

  size_t size_ = 0;
  std::vector<uint64_t> storage_;   // every level, root first; moves keep its address
  size_t align_ = 0;                // storage_[align_] starts a cache line
  std::vector<size_t> level_starts_;  // each level's first key, after align_
};

}  // namespace lsm

#endif  // LSM_ENGINE_TABLE_PROBE_TREE_H_
