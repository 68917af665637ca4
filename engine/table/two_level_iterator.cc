#include "engine/table/two_level_iterator.h"

#include <utility>

namespace lsm {

TwoLevelIterator::TwoLevelIterator(std::unique_ptr<Iterator> index_iter, BlockOpener open_block,
                                   BlockNumberOf block_number)
    : open_block_(std::move(open_block)),
      block_number_(std::move(block_number)),
      index_(std::move(index_iter)) {}

absl::Status TwoLevelIterator::status() const {
  if (!index_->status().ok()) return index_->status();
  if (DataFailed()) return data_.status();
  return absl::OkStatus();
}

void TwoLevelIterator::Seek(std::string_view target) {
  index_->Seek(target);
  InitDataBlock();
  if (has_data_) data_.Seek(target);
  SkipEmptyDataBlocksForward();
}

void TwoLevelIterator::SeekForPrev(std::string_view target) {
  // The block whose separator is the first >= target holds target's
  // position; the entry <= target may then be in an earlier block.
  index_->Seek(target);
  if (!index_->Valid()) {
    if (!index_->status().ok()) {
      ClearData();
      return;
    }
    // target is past every separator, so every entry is <= target.
    SeekToLast();
    return;
  }
  InitDataBlock();
  if (has_data_) data_.SeekForPrev(target);
  SkipEmptyDataBlocksBackward();
}

void TwoLevelIterator::SeekToFirst() {
  index_->SeekToFirst();
  InitDataBlock();
  if (has_data_) data_.SeekToFirst();
  SkipEmptyDataBlocksForward();
}

void TwoLevelIterator::SeekToLast() {
  index_->SeekToLast();
  InitDataBlock();
  if (has_data_) data_.SeekToLast();
  SkipEmptyDataBlocksBackward();
}

void TwoLevelIterator::SkipEmptyDataBlocksForward() {
  while (!has_data_ || !data_.Valid()) {
    if (DataFailed() || !index_->Valid()) {
      if (!DataFailed()) ClearData();
      return;
    }
    index_->Next();
    InitDataBlock();
    if (has_data_) data_.SeekToFirst();
  }
}

void TwoLevelIterator::SkipEmptyDataBlocksBackward() {
  while (!has_data_ || !data_.Valid()) {
    if (DataFailed() || !index_->Valid()) {
      if (!DataFailed()) ClearData();
      return;
    }
    index_->Prev();
    InitDataBlock();
    if (has_data_) data_.SeekToLast();
  }
}

void TwoLevelIterator::ClearData() {
  data_.Clear();
  has_data_ = false;
  data_handle_.clear();
}

// Points data_ at the block of the current index entry (keeping the open one
// when it is the same block).
void TwoLevelIterator::InitDataBlock() {
  if (!index_->Valid()) {
    ClearData();
    return;
  }
  const bool reusable = has_data_ && data_.status().ok();
  if (block_number_ != nullptr) {
    const uint64_t number = block_number_(*index_);
    if (reusable && number == data_number_) return;
    data_number_ = number;
  } else {
    const std::string_view handle = index_->value();
    if (reusable && handle == data_handle_) return;
    data_handle_.assign(handle.data(), handle.size());
  }
  open_block_(*index_, &data_);
  has_data_ = true;
}

std::unique_ptr<TwoLevelIterator> NewTwoLevelIterator(std::unique_ptr<Iterator> index_iter,
                                                      BlockOpener open_block,
                                                      BlockNumberOf block_number) {
  return std::make_unique<TwoLevelIterator>(std::move(index_iter), std::move(open_block),
                                            std::move(block_number));
}

}  // namespace lsm
