// A two-level iterator: an index iterator whose values name blocks, and a
// function that points a BlockIter at the block a value names. It yields the
// entries of every block in index order, forward and backward. Used by Table
// (index block → data blocks).
//
// The class is declared here, and its hot accessors are inline, so that an
// iterator that holds one by its own type (a level's iterator over its
// tables) steps through a block with direct calls: one scan step is then one
// virtual call per sorted run, not one per layer.
//
// Damage stops the iteration: when a block cannot be read or parsed, the
// iterator becomes !Valid() and status() reports the error; it never skips a
// damaged block silently.
//
// Thread safety: one thread at a time.
#ifndef LSM_ENGINE_TABLE_TWO_LEVEL_ITERATOR_H_
#define LSM_ENGINE_TABLE_TWO_LEVEL_ITERATOR_H_

#include <cassert>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "engine/table/block.h"
#include "lsm/iterator.h"

namespace lsm {

// Points data at the block of the entry the index iterator is on (named by
// its value: BlockIter::SetBlock), or leaves it on the error that kept the
// block from being read (BlockIter::Clear(error)).
using BlockOpener = std::function<void(const Iterator& index, BlockIter* data)>;
// Numbers the block of the entry the index iterator is on, for an index that
// can do so without its value (a table's: the entry's position). The
// iterator then tells by number whether data is already on that block, and
// a move of the index does not read the value.
using BlockNumberOf = std::function<uint64_t(const Iterator& index)>;

class TwoLevelIterator final : public Iterator {
 public:
  // The keys of index_iter must be separators: each >= every key of its
  // block and < every key of the next block. open_block is destroyed after
  // both iterators, so whatever it owns (a pinned table) outlives them.
  // Without block_number, blocks are told apart by their index values.
  TwoLevelIterator(std::unique_ptr<Iterator> index_iter, BlockOpener open_block,
                   BlockNumberOf block_number = nullptr);

  bool Valid() const override { return has_data_ && data_.Valid(); }
  std::string_view key() const override {
    assert(Valid());
    return data_.key();
  }
  std::string_view value() const override {
    assert(Valid());
    return data_.value();
  }
  void Next() override {
    assert(Valid());
    data_.Next();
    if (!data_.Valid()) SkipEmptyDataBlocksForward();
  }
  void Prev() override {
    assert(Valid());
    data_.Prev();
    if (!data_.Valid()) SkipEmptyDataBlocksBackward();
  }

  absl::Status status() const override;
  void Seek(std::string_view target) override;
  void SeekForPrev(std::string_view target) override;
  void SeekToFirst() override;
  void SeekToLast() override;

 private:
  // True when data_ stopped because of an error: then we stay put.
  bool DataFailed() const { return has_data_ && !data_.status().ok(); }
  void SkipEmptyDataBlocksForward();
  void SkipEmptyDataBlocksBackward();
  void ClearData();
  void InitDataBlock();

  // Destroyed last: what the opener owns (a pinned table) outlives the
  // iterators over it.
  const BlockOpener open_block_;
  const BlockNumberOf block_number_;  // may be null
  const std::unique_ptr<Iterator> index_;
  BlockIter data_;
  // data_ is on the block (or its error) of the index entry with value
  // data_handle_, or numbered data_number_ when block_number_ is given.
  bool has_data_ = false;
  std::string data_handle_;
  uint64_t data_number_ = 0;
};

std::unique_ptr<TwoLevelIterator> NewTwoLevelIterator(std::unique_ptr<Iterator> index_iter,
                                                      BlockOpener open_block,
                                                      BlockNumberOf block_number = nullptr);

}  // namespace lsm

#endif  // LSM_ENGINE_TABLE_TWO_LEVEL_ITERATOR_H_
