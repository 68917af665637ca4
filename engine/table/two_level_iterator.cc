#include "engine/table/two_level_iterator.h"

#include <cassert>
#include <string>
#include <utility>

namespace lsm {

namespace {

class TwoLevelIterator final : public Iterator {
 public:
  TwoLevelIterator(std::unique_ptr<Iterator> index_iter, BlockOpener open_block)
      : open_block_(std::move(open_block)), index_(std::move(index_iter)) {}

  bool Valid() const override { return data_ != nullptr && data_->Valid(); }

  std::string_view key() const override {
    assert(Valid());
    return data_->key();
  }
  std::string_view value() const override {
    assert(Valid());
    return data_->value();
  }

  absl::Status status() const override {
    if (!index_->status().ok()) return index_->status();
    if (data_ != nullptr && !data_->status().ok()) return data_->status();
    return absl::OkStatus();
  }

  void Seek(std::string_view target) override {
    index_->Seek(target);
    InitDataBlock();
    if (data_ != nullptr) data_->Seek(target);
    SkipEmptyDataBlocksForward();
  }

  void SeekForPrev(std::string_view target) override {
    // The block whose separator is the first >= target holds target's
    // position; the entry <= target may then be in an earlier block.
    index_->Seek(target);
    if (!index_->Valid()) {
      if (!index_->status().ok()) {
        SetDataIterator(nullptr);
        return;
      }
      // target is past every separator, so every entry is <= target.
      SeekToLast();
      return;
    }
    InitDataBlock();
    if (data_ != nullptr) data_->SeekForPrev(target);
    SkipEmptyDataBlocksBackward();
  }

  void SeekToFirst() override {
    index_->SeekToFirst();
    InitDataBlock();
    if (data_ != nullptr) data_->SeekToFirst();
    SkipEmptyDataBlocksForward();
  }

  void SeekToLast() override {
    index_->SeekToLast();
    InitDataBlock();
    if (data_ != nullptr) data_->SeekToLast();
    SkipEmptyDataBlocksBackward();
  }

  void Next() override {
    assert(Valid());
    data_->Next();
    SkipEmptyDataBlocksForward();
  }

  void Prev() override {
    assert(Valid());
    data_->Prev();
    SkipEmptyDataBlocksBackward();
  }

 private:
  // True when data_ stopped because of an error: then we stay put.
  bool DataFailed() const { return data_ != nullptr && !data_->status().ok(); }

  void SkipEmptyDataBlocksForward() {
    while (data_ == nullptr || !data_->Valid()) {
      if (DataFailed() || !index_->Valid()) {
        if (!DataFailed()) SetDataIterator(nullptr);
        return;
      }
      index_->Next();
      InitDataBlock();
      if (data_ != nullptr) data_->SeekToFirst();
    }
  }

  void SkipEmptyDataBlocksBackward() {
    while (data_ == nullptr || !data_->Valid()) {
      if (DataFailed() || !index_->Valid()) {
        if (!DataFailed()) SetDataIterator(nullptr);
        return;
      }
      index_->Prev();
      InitDataBlock();
      if (data_ != nullptr) data_->SeekToLast();
    }
  }

  void SetDataIterator(std::unique_ptr<Iterator> it) {
    data_ = std::move(it);
    if (data_ == nullptr) data_handle_.clear();
  }

  // Points data_ at the block of the current index entry (reusing the open
  // one when it is the same block).
  void InitDataBlock() {
    if (!index_->Valid()) {
      SetDataIterator(nullptr);
      return;
    }
    const std::string_view handle = index_->value();
    if (data_ != nullptr && data_->status().ok() && handle == data_handle_) return;
    data_handle_.assign(handle.data(), handle.size());
    SetDataIterator(open_block_(handle));
  }

  // Destroyed last: what the opener owns (a pinned table) outlives the
  // iterators over it.
  const BlockOpener open_block_;
  const std::unique_ptr<Iterator> index_;
  std::unique_ptr<Iterator> data_;  // may be null
  std::string data_handle_;         // index value data_ was opened from
};

}  // namespace

std::unique_ptr<Iterator> NewTwoLevelIterator(std::unique_ptr<Iterator> index_iter,
                                              BlockOpener open_block) {
  return std::make_unique<TwoLevelIterator>(std::move(index_iter), std::move(open_block));
}

}  // namespace lsm
