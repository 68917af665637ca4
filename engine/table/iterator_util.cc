#include "engine/table/iterator_util.h"

#include <cassert>
#include <utility>

namespace lsm {
namespace {

class EmptyIterator final : public Iterator {
 public:
  explicit EmptyIterator(absl::Status s) : status_(std::move(s)) {}

  bool Valid() const override { return false; }
  void SeekToFirst() override {}
  void SeekToLast() override {}
  void Seek(std::string_view) override {}
  void SeekForPrev(std::string_view) override {}
  // Never Valid(), so calling these breaks their precondition.
  void Next() override { Unreachable(); }
  void Prev() override { Unreachable(); }
  std::string_view key() const override {
    Unreachable();
    return {};
  }
  std::string_view value() const override {
    Unreachable();
    return {};
  }
  absl::Status status() const override { return status_; }

 private:
  static void Unreachable() {
    assert(false && "EmptyIterator is never Valid()");
  }

  const absl::Status status_;
};

}  // namespace

std::unique_ptr<Iterator> NewEmptyIterator(absl::Status s) {
  return std::make_unique<EmptyIterator>(std::move(s));
}

std::unique_ptr<Iterator> NewErrorIterator(absl::Status s) {
  assert(!s.ok());
  return std::make_unique<EmptyIterator>(std::move(s));
}

}  // namespace lsm
