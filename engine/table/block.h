// Block: an immutable, parsed block (data, index, meta-index or properties)
// that owns its uncompressed bytes, and iterators over its entries. Blocks are
// shared through std::shared_ptr<const Block> (the block cache holds them).
//
// Malformed contents never cause an out-of-bounds read: the iterator stops
// and reports DataLoss through status().
//
// Thread safety: a Block is immutable and may be read from many threads; each
// iterator is used by one thread at a time.
#ifndef LSM_ENGINE_TABLE_BLOCK_H_
#define LSM_ENGINE_TABLE_BLOCK_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/table/format.h"
#include "lsm/iterator.h"

namespace lsm {

// How the keys of a block are ordered.
enum class KeyOrder {
  // Internal keys (data and index blocks): CompareInternalKeys. Keys shorter
  // than the 8-byte trailer are reported as damage.
  kInternal,
  // Plain bytewise order (meta-index and properties blocks).
  kBytewise,
};

class Block {
 public:
  explicit Block(BlockContents contents);

  Block(const Block&) = delete;
  Block& operator=(const Block&) = delete;

  // OK unless the restart array is malformed; then every iterator reports it.
  const absl::Status& status() const { return status_; }
  size_t size() const { return data_.size(); }
  // Bytes this block holds in memory, for cache charging.
  size_t charge() const { return data_.capacity() + sizeof(*this); }
  uint32_t num_restarts() const { return num_restarts_; }
  // Asks the CPU to start loading the block (its first 8 KiB) into its
  // caches, so that a search a little later finds it there.
  void Prefetch() const {
    const size_t n = data_.size() < 8192 ? data_.size() : 8192;
    for (size_t off = 0; off < n; off += 64) __builtin_prefetch(data_.data() + off);
  }
  Compression stored_compression() const { return stored_compression_; }

  // An iterator over the entries. The block must outlive it.
  std::unique_ptr<Iterator> NewIterator(KeyOrder order) const;

  // For point reads in a block of internal keys: hands found the first entry
  // >= target (the first entry of all when target is empty) and returns true;
  // returns false when every entry is < target, and the damage when the block
  // is malformed. The search an iterator's Seek does, without allocating one.
  absl::StatusOr<bool> VisitFirstAtOrAfter(
      std::string_view target,
      absl::FunctionRef<void(std::string_view key, std::string_view value)> found) const;

 private:
  friend std::unique_ptr<Iterator> NewBlockIterator(std::shared_ptr<const Block> block,
                                                    KeyOrder order);
  std::unique_ptr<Iterator> NewIteratorWithOwner(KeyOrder order,
                                                 std::shared_ptr<const Block> owner) const;

  const std::string data_;
  const Compression stored_compression_;
  uint32_t restart_offset_ = 0;  // where the restart array starts
  uint32_t num_restarts_ = 0;
  absl::Status status_;
};

// An iterator that keeps block alive for as long as it lives.
std::unique_ptr<Iterator> NewBlockIterator(std::shared_ptr<const Block> block, KeyOrder order);

}  // namespace lsm

#endif  // LSM_ENGINE_TABLE_BLOCK_H_
