#include "engine/table/merging_iterator.h"

#include <cassert>
#include <cstdint>
#include <string_view>
#include <utility>

#include "engine/memtable/dbformat.h"
#include "engine/table/iterator_util.h"

namespace lsm {
namespace {

class MergingIterator final : public Iterator {
 public:
  explicit MergingIterator(std::vector<std::unique_ptr<Iterator>> children)
      : children_(std::move(children)) {
    heap_.reserve(children_.size());
  }

  bool Valid() const override { return !heap_.empty(); }

  void SeekToFirst() override {
    for (auto& c : children_) c->SeekToFirst();
    Rebuild(Direction::kForward);
  }

  void SeekToLast() override {
    for (auto& c : children_) c->SeekToLast();
    Rebuild(Direction::kReverse);
  }

  void Seek(std::string_view target) override {
    for (auto& c : children_) c->Seek(target);
    Rebuild(Direction::kForward);
  }

  void SeekForPrev(std::string_view target) override {
    for (auto& c : children_) c->SeekForPrev(target);
    Rebuild(Direction::kReverse);
  }

  void Next() override {
    assert(Valid());
    if (direction_ != Direction::kForward) {
      SwitchToForward();
      if (!Valid()) return;  // a child failed while repositioning
    }
    Iterator* top = children_[heap_[0].child].get();
    top->Next();
    ReplaceTop(top);
  }

  void Prev() override {
    assert(Valid());
    if (direction_ != Direction::kReverse) {
      SwitchToReverse();
      if (!Valid()) return;
    }
    Iterator* top = children_[heap_[0].child].get();
    top->Prev();
    ReplaceTop(top);
  }

  std::string_view key() const override {
    assert(Valid());
    return heap_[0].key;
  }

  std::string_view value() const override {
    assert(Valid());
    return children_[heap_[0].child]->value();
  }

  absl::Status status() const override {
    for (const auto& c : children_) {
      absl::Status s = c->status();
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  }

 private:
  enum class Direction { kForward, kReverse };

  // A valid child and its current key (cached: comparing heap items then
  // needs no virtual call). The key stays valid until that child moves.
  struct Item {
    std::string_view key;
    uint32_t child;
  };

  // True when a is yielded before b in the current direction: (key, child)
  // ascending forward, descending backward, so one total order serves both.
  bool Before(const Item& a, const Item& b) const {
    int r = CompareInternalKeys(a.key, b.key);
    if (r == 0) r = a.child < b.child ? -1 : (a.child > b.child ? 1 : 0);
    return direction_ == Direction::kForward ? r < 0 : r > 0;
  }

  // Restores the heap property below position i.
  void SiftDown(size_t i) {
    const size_t n = heap_.size();
    Item item = heap_[i];
    for (;;) {
      size_t first = 2 * i + 1;
      if (first >= n) break;
      if (first + 1 < n && Before(heap_[first + 1], heap_[first])) ++first;
      if (!Before(heap_[first], item)) break;
      heap_[i] = heap_[first];
      i = first;
    }
    heap_[i] = item;
  }

  // After the child at the top of the heap moved: re-keys it, or drops it
  // when it is exhausted. A child that failed stops the whole iterator.
  void ReplaceTop(Iterator* top) {
    if (top->Valid()) {
      heap_[0].key = top->key();
    } else if (!top->status().ok()) {
      heap_.clear();
      return;
    } else {
      heap_[0] = heap_.back();
      heap_.pop_back();
      if (heap_.empty()) return;
    }
    SiftDown(0);
  }

  // Builds the heap for `direction` from the children's current positions.
  void Rebuild(Direction direction) {
    direction_ = direction;
    heap_.clear();
    for (size_t i = 0; i < children_.size(); ++i) {
      Iterator* c = children_[i].get();
      if (c->Valid()) {
        heap_.push_back(Item{c->key(), static_cast<uint32_t>(i)});
      } else if (!c->status().ok()) {
        heap_.clear();
        return;
      }
    }
    for (size_t i = heap_.size() / 2; i-- > 0;) SiftDown(i);
  }

  // Moving backward, every child other than the current one sits before the
  // current entry. Moves each to its first entry after it, so that the
  // current child is again the heap's top in a forward heap.
  void SwitchToForward() {
    const Item cur = heap_[0];
    for (size_t i = 0; i < children_.size(); ++i) {
      if (i == cur.child) continue;
      Iterator* c = children_[i].get();
      c->Seek(cur.key);
      // An equal key in a lower-numbered child comes before the current one.
      if (c->Valid() && i < cur.child && CompareInternalKeys(c->key(), cur.key) == 0) c->Next();
    }
    Rebuild(Direction::kForward);
    assert(!Valid() || heap_[0].child == cur.child);
  }

  // The mirror of SwitchToForward().
  void SwitchToReverse() {
    const Item cur = heap_[0];
    for (size_t i = 0; i < children_.size(); ++i) {
      if (i == cur.child) continue;
      Iterator* c = children_[i].get();
      c->SeekForPrev(cur.key);
      if (c->Valid() && i > cur.child && CompareInternalKeys(c->key(), cur.key) == 0) c->Prev();
    }
    Rebuild(Direction::kReverse);
    assert(!Valid() || heap_[0].child == cur.child);
  }

  const std::vector<std::unique_ptr<Iterator>> children_;
  // The valid children, heap-ordered by Before(): heap_[0] is the current
  // entry. Empty when not Valid().
  std::vector<Item> heap_;
  Direction direction_ = Direction::kForward;
};

}  // namespace

std::unique_ptr<Iterator> NewMergingIterator(std::vector<std::unique_ptr<Iterator>> children) {
  if (children.empty()) return NewEmptyIterator();
  if (children.size() == 1) return std::move(children[0]);
  return std::make_unique<MergingIterator>(std::move(children));
}

}  // namespace lsm
