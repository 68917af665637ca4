// IndexSearch: the search structure of an SST's index, built once when the
// table opens. A point read must find the first index separator >= its key;
// a binary search of the index block itself decodes an entry (two dependent
// cache misses: the restart array, then the key) at every probe, about 15
// probes for a 100 MB table. Here the separators become an array of 8-byte
// integers, bytes [L, L + 8) of each separator's user key where L is the
// prefix all of them share (big-endian, so integer order is byte order), and
// the block handles an array beside it: the integers are searched in a
// ProbeTree (a cache line per step, the upper ones mostly cached), and only
// separators whose 8 bytes tie with the key's are compared in full. The
// last separator of several is left out of the probes and compared in full:
// it is a short successor of the table's last key ("1" after
// "0000000000019999"), which would otherwise shrink the shared prefix to
// nothing and make every probe tie.
//
// Thread safety: immutable after Build; safe to share.
#ifndef LSM_ENGINE_TABLE_INDEX_SEARCH_H_
#define LSM_ENGINE_TABLE_INDEX_SEARCH_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/table/block.h"
#include "engine/table/format.h"
#include "engine/table/probe_tree.h"
#include "lsm/iterator.h"

namespace lsm {

class IndexSearch {
 public:
  // Reads every entry of an index block (separator → encoded handle).
  // DataLoss when an entry or handle is malformed.
  static absl::StatusOr<IndexSearch> Build(const Block& index);

  size_t size() const { return handles_.size(); }
  // The position of the first separator >= internal_key (size() if none).
  size_t Find(std::string_view internal_key) const;
  const BlockHandle& handle(size_t i) const { return handles_[i]; }
  std::string_view separator(size_t i) const {
    return std::string_view(separator_bytes_).substr(separator_offsets_[i],
                                                     separator_offsets_[i + 1] - separator_offsets_[i]);
  }
  // Bytes held, for memory accounting.
  size_t MemoryUsage() const;

  // An iterator over the index as the index block's would be: separators
  // (internal keys) → encoded block handles, with Seek answered by Find. The
  // IndexSearch must outlive it.
  class IndexIterator;
  std::unique_ptr<IndexIterator> NewIterator() const;

 private:
  // Bytes [prefix_len_, prefix_len_ + 8) of user_key, zero-padded, as a
  // big-endian integer.
  uint64_t Probe(std::string_view user_key) const;

  // The first probes_.size() separators are searched through their probes.
  // REQUIRES: internal_key's user key starts with common_prefix_.
  size_t FindAmongProbed(std::string_view internal_key, std::string_view user_key) const;

  std::string common_prefix_;      // shared by the user keys of the probed separators
  ProbeTree probes_;               // Probe() of each separator but the last of several
  std::string separator_bytes_;             // the separators (internal keys), back to back
  std::vector<uint32_t> separator_offsets_;  // where each starts, then the end
  std::vector<BlockHandle> handles_;
};

class IndexSearch::IndexIterator final : public Iterator {
 public:
  explicit IndexIterator(const IndexSearch* index) : index_(index), pos_(index->size()) {}

  bool Valid() const override { return pos_ < index_->size(); }
  void SeekToFirst() override { Position(0); }
  void SeekToLast() override { Position(index_->size() == 0 ? 0 : index_->size() - 1); }
  void Seek(std::string_view target) override { Position(index_->Find(target)); }
  void SeekForPrev(std::string_view target) override;
  void Next() override { Position(pos_ + 1); }
  void Prev() override { Position(pos_ == 0 ? index_->size() : pos_ - 1); }
  std::string_view key() const override { return index_->separator(pos_); }
  // The encoded handle of the entry's block, encoded on the first call at
  // each position: a move of the iterator does not load the handle.
  std::string_view value() const override;
  absl::Status status() const override { return absl::OkStatus(); }

  // The position of the current entry: its data block is the index's
  // position()-th. REQUIRES: Valid()
  size_t position() const { return pos_; }

 private:
  void Position(size_t i);

  const IndexSearch* const index_;
  size_t pos_;
  // The encoded handle at pos_ once value() asked for it; value_size_ is 0
  // until then (an encoded handle is never empty).
  mutable char value_[BlockHandle::kMaxEncodedLength];
  mutable size_t value_size_ = 0;
};

}  // namespace lsm

#endif  // LSM_ENGINE_TABLE_INDEX_SEARCH_H_
