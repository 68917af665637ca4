// Block: an immutable, parsed block (data, index, meta-index or properties)
// that owns its uncompressed bytes, and BlockIter, the iterator over its
// entries. Blocks are shared through std::shared_ptr<const Block> (the block
// cache holds them).
//
// Malformed contents never cause an out-of-bounds read: the iterator stops
// and reports DataLoss through status().
//
// Thread safety: a Block is immutable and may be read from many threads; each
// iterator is used by one thread at a time.
#ifndef LSM_ENGINE_TABLE_BLOCK_H_
#define LSM_ENGINE_TABLE_BLOCK_H_

#include <cassert>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/container/inlined_vector.h"
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
  // Bytes this block holds in memory, for cache charging: its contents
  // unless they are borrowed (from a table's mapping), and itself.
  size_t charge() const { return (data_.borrowed() ? 0 : data_.size()) + sizeof(*this); }
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
  friend class BlockIter;

  const BlockBuffer data_;
  const Compression stored_compression_;
  uint32_t restart_offset_ = 0;  // where the restart array starts
  uint32_t num_restarts_ = 0;
  absl::Status status_;
};

// The iterator over a block's entries. Block::NewIterator hands one out
// behind lsm::Iterator; a table's two-level iterator holds one by value and
// points it at one data block after another (SetBlock), so that the steps of
// a scan through a block are direct calls and a switch of blocks allocates
// nothing.
class BlockIter final : public Iterator {
 public:
  // On no block: !Valid(), status() OK.
  BlockIter() = default;
  // Over block's entries. The block must outlive the iterator, unless owner
  // (which may be null) keeps it alive.
  BlockIter(const Block& block, KeyOrder order, std::shared_ptr<const Block> owner) {
    SetBlock(block, order, std::move(owner));
  }

  // Points the iterator at block (as the constructor), unpositioned. A
  // damaged block's error becomes status().
  void SetBlock(const Block& block, KeyOrder order, std::shared_ptr<const Block> owner);
  // The same over *block, which the iterator keeps alive.
  void SetBlock(std::shared_ptr<const Block> block, KeyOrder order) {
    const Block& b = *block;
    SetBlock(b, order, std::move(block));
  }
  // Leaves the block (releasing its owner): !Valid(), and status() is s.
  void Clear(absl::Status s = absl::OkStatus());

  bool Valid() const override { return current_ < restarts_ && status_.ok(); }
  absl::Status status() const override { return status_; }
  std::string_view key() const override {
    assert(Valid());
    return CurrentKey();
  }
  std::string_view value() const override {
    assert(Valid());
    return value_;
  }
  void Next() override {
    assert(Valid());
    ParseNextKey();
  }
  void Prev() override;
  void Seek(std::string_view target) override;
  void SeekForPrev(std::string_view target) override;
  void SeekToFirst() override;
  void SeekToLast() override;

 private:
  struct DecodedEntry {
    uint32_t offset;
    uint32_t next;
    uint32_t key_offset;  // in prev_keys_
    uint32_t key_size;
    std::string_view value;
  };

  int Compare(std::string_view a, std::string_view b) const;
  uint32_t RestartPoint(uint32_t index) const;
  void SeekToRestartPoint(uint32_t index);
  void ScanRegionBefore(uint32_t index, uint32_t end);
  // Asks the CPU for the lines of [begin, end) of the block at once. A scan
  // of a restart region (up to 16 entries after a seek's binary search, or
  // before a backward step) would otherwise wait for them one entry at a
  // time when the block is not in the CPU caches: the hardware prefetcher
  // has not caught on within so few lines.
  void PrefetchEntries(uint32_t begin, uint32_t end) const;
  void RestoreEntry(const DecodedEntry& e);
  void MarkEnd();
  void Corrupt(std::string_view what);
  bool KeyOk(std::string_view key);
  bool ParseNextKey();
  std::string_view CurrentKey() const { return std::string_view(key_buf_.data(), key_size_); }
  // Makes the current key its first `keep` bytes followed by [p, p + n).
  void SetKeySuffix(uint32_t keep, const char* p, size_t n) {
    assert(keep <= key_size_);
    const size_t size = keep + n;
    if (size > key_buf_.size()) key_buf_.resize(size);
    std::memcpy(key_buf_.data() + keep, p, n);
    key_size_ = static_cast<uint32_t>(size);
  }

  const char* data_ = nullptr;
  uint32_t restarts_ = 0;      // offset of the restart array: end of entries
  uint32_t num_restarts_ = 0;  // >= 1 on a block
  KeyOrder order_ = KeyOrder::kInternal;
  std::shared_ptr<const Block> owner_;  // may be null

  uint32_t current_ = 0;        // offset of the current entry; >= restarts_ when !Valid()
  uint32_t next_ = 0;           // offset of the entry after the current one
  uint32_t restart_index_ = 0;  // restart block holding current_
  // The current key is key_buf_'s first key_size_ bytes; the buffer only
  // grows, and keys of up to 48 bytes need no heap allocation (a point read
  // uses a BlockIter of its own per block it searches).
  absl::InlinedVector<char, 48> key_buf_;
  uint32_t key_size_ = 0;
  std::string_view value_;
  absl::Status status_;

  // The restart region decoded by the last backward scan; the current entry
  // is prev_entries_[prev_index_], and prev_index_ == 0 when no decoded
  // predecessor is kept (any other move clears it).
  absl::InlinedVector<DecodedEntry, 16> prev_entries_;
  std::string prev_keys_;
  uint32_t prev_index_ = 0;
};

}  // namespace lsm

#endif  // LSM_ENGINE_TABLE_BLOCK_H_
