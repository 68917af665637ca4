// SkipList: a sorted set for the memtable, the seed's structure (the
// default is the BTreeList of btree_list.h; MemTableStructure chooses). Nodes
// live in an Arena and are never removed; the whole list is freed with the
// arena.
//
// Thread safety: one writer at a time (Insert needs external
// synchronization), and any number of concurrent readers (Contains, Iterator)
// without any lock, also while the writer inserts. This works because
//   - a node is fully initialised (key and its own next pointers) before a
//     release store links it into a level, and readers load next pointers
//     with acquire, so a reader that reaches a node sees its key;
//   - nodes are never deleted or unlinked until the SkipList is destroyed.
// A reader may or may not see a key inserted concurrently with it; it always
// sees every key whose Insert returned before the reader's read began, and it
// always sees the list in sorted order.
//
// Level 0 is also linked backward: each node points to the node before it,
// so Prev is one load, as Next is. The back pointer of the node after a new
// one is updated last (a release store, after the new node is linked
// forward), so a reader stepping back either skips a node being inserted or
// reaches it fully linked; a reader of a memtable snapshot never needs the
// nodes added after it began.
//
// Key must be cheap to copy (a pointer or an integer). Comparator is a
// callable `int operator()(const Key& a, const Key& b) const` returning <0,
// 0, >0.
#ifndef LSM_ENGINE_MEMTABLE_SKIPLIST_H_
#define LSM_ENGINE_MEMTABLE_SKIPLIST_H_

#include <atomic>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>

#include "engine/util/arena.h"
#include "engine/util/random.h"

namespace lsm {

template <typename Key, class Comparator>
class SkipList {
 private:
  struct Node;

 public:
  static constexpr int kMaxHeight = 12;
  // A node of height h+1 exists with probability 1/kBranching of height h.
  static constexpr unsigned kBranching = 4;

  // Allocates from *arena, which must outlive the SkipList.
  SkipList(Comparator cmp, Arena* arena);
  SkipList(const SkipList&) = delete;
  SkipList& operator=(const SkipList&) = delete;

  // REQUIRES: nothing equal to key is in the list; external synchronization
  // with other Insert calls.
  void Insert(const Key& key) {
    InsertWith(0, [&key](char*) { return key; });
  }

  // Insert for keys that point at bytes of their own (the memtable's
  // entries): allocates `extra` bytes right after the new node, in the same
  // arena allocation, and calls make_key(storage) to fill them and return the
  // key. A search then touches one run of memory per node instead of two.
  // REQUIRES: as Insert, for the key make_key returns.
  template <typename MakeKey>
  void InsertWith(size_t extra, MakeKey&& make_key);

  // True iff an entry equal to key is in the list.
  bool Contains(const Key& key) const;

  // Iterates over the list. Many iterators may be used concurrently (one per
  // thread) while the writer inserts.
  class Iterator {
   public:
    // The list must outlive the iterator. Starts not Valid.
    explicit Iterator(const SkipList* list) : list_(list), node_(nullptr) {}

    bool Valid() const { return node_ != nullptr; }
    // REQUIRES: Valid()
    const Key& key() const {
      assert(Valid());
      return node_->key;
    }
    // REQUIRES: Valid()
    void Next() {
      assert(Valid());
      node_ = node_->Next(0);
      // Nodes lie in the arena in insertion order, not key order: start
      // loading the one after this while the caller reads this one.
      if (node_ != nullptr) __builtin_prefetch(node_->NoBarrierNext(0));
    }
    // REQUIRES: Valid()
    void Prev() {
      assert(Valid());
      node_ = node_->Prev();
      if (node_ == list_->head_) {
        node_ = nullptr;
      } else {
        __builtin_prefetch(node_->NoBarrierPrev());  // as Next does
      }
    }
    // Positions at the first entry >= target.
    void Seek(const Key& target) {
      node_ = list_->FindGreaterOrEqual(target, nullptr);
    }
    // Positions at the last entry <= target.
    void SeekForPrev(const Key& target) {
      Seek(target);
      if (!Valid()) {
        SeekToLast();
      } else if (list_->compare_(node_->key, target) != 0) {
        Prev();
      }
    }
    void SeekToFirst() {
      node_ = list_->head_->Next(0);
    }
    void SeekToLast() {
      node_ = list_->FindLast();
      if (node_ == list_->head_) node_ = nullptr;
    }

   private:
    const SkipList* list_;
    Node* node_;
  };

 private:
  int GetMaxHeight() const { return max_height_.load(std::memory_order_relaxed); }
  int RandomHeight();
  // A node of the given height with `extra` bytes of storage after it;
  // *storage points at them. The key is set by the caller.
  Node* NewNode(int height, size_t extra, char** storage);
  bool Equal(const Key& a, const Key& b) const { return compare_(a, b) == 0; }
  // True when key sorts after the key of n (nullptr is +infinity).
  bool KeyIsAfterNode(const Key& key, Node* n) const {
    return n != nullptr && compare_(n->key, key) < 0;
  }
  // The first node >= key, or nullptr. Fills prev[level] with the last node
  // < key at each level when prev is not nullptr.
  Node* FindGreaterOrEqual(const Key& key, Node** prev) const;
  // The last node, or head_ when empty.
  Node* FindLast() const;
  Node* NewHead() {
    char* unused;
    Node* h = NewNode(kMaxHeight, 0, &unused);
    h->key = Key{};
    return h;
  }

  // Constant after construction.
  const Comparator compare_;
  Arena* const arena_;
  Node* const head_;  // links of every height, no key

  // Height of the tallest node. Written only by the writer; readers may see a
  // stale value, which is harmless (see Insert).
  std::atomic<int> max_height_;
  // Used only by the writer.
  Random rnd_;
  // The search path of the last insert (see InsertWith).
  Node* prev_[kMaxHeight];
};

// Memory layout of a node of height h, one arena allocation:
//
//   next[h-1] ... next[1] next[0] | key prev | extra storage (InsertWith)
//                                 ^ Node*
//
// The links sit before the node so that next[0] (followed by every search
// and scan), the key and the start of an inline entry share a cache line.
// prev is the level-0 node before this one (head_ for the first).
template <typename Key, class Comparator>
struct SkipList<Key, Comparator>::Node {
  Key key;
  std::atomic<Node*> prev{nullptr};

  // Acquire, as Next.
  Node* Prev() { return prev.load(std::memory_order_acquire); }
  Node* NoBarrierPrev() { return prev.load(std::memory_order_relaxed); }

  // Acquire: a reader that follows the link sees the linked node fully
  // initialised.
  Node* Next(int level) {
    assert(level >= 0);
    return Link(level)->load(std::memory_order_acquire);
  }
  // Release: publishes the node *x to readers that load this link.
  void SetNext(int level, Node* x) {
    assert(level >= 0);
    Link(level)->store(x, std::memory_order_release);
  }
  // For links not yet visible to readers.
  Node* NoBarrierNext(int level) { return Link(level)->load(std::memory_order_relaxed); }
  void NoBarrierSetNext(int level, Node* x) { Link(level)->store(x, std::memory_order_relaxed); }

  // The link of one level, counted backwards from the node.
  std::atomic<Node*>* Link(int level) {
    return reinterpret_cast<std::atomic<Node*>*>(this) - 1 - level;
  }
};

template <typename Key, class Comparator>
typename SkipList<Key, Comparator>::Node* SkipList<Key, Comparator>::NewNode(int height,
                                                                             size_t extra,
                                                                             char** storage) {
  static_assert(std::is_trivially_destructible_v<Key>,
                "nodes live in an arena and are never destroyed");
  static_assert(alignof(Key) <= alignof(std::atomic<Node*>) &&
                    sizeof(std::atomic<Node*>) == sizeof(Node*),
                "the key must sit right after the links");
  const size_t links = sizeof(std::atomic<Node*>) * height;
  char* const mem = arena_->AllocateAligned(links + sizeof(Node) + extra);
  for (int i = 0; i < height; ++i) {
    new (mem + sizeof(std::atomic<Node*>) * i) std::atomic<Node*>(nullptr);
  }
  Node* n = new (mem + links) Node;
  *storage = mem + links + sizeof(Node);
  return n;
}

template <typename Key, class Comparator>
int SkipList<Key, Comparator>::RandomHeight() {
  // One 64-bit draw gives up to 32 two-bit coin flips of probability 1/4.
  uint64_t bits = rnd_.Next64();
  int height = 1;
  while (height < kMaxHeight && (bits & (kBranching - 1)) == 0) {
    ++height;
    bits >>= 2;
  }
  static_assert(kBranching == 4, "RandomHeight draws two bits per level");
  return height;
}

template <typename Key, class Comparator>
typename SkipList<Key, Comparator>::Node* SkipList<Key, Comparator>::FindGreaterOrEqual(
    const Key& key, Node** prev) const {
  Node* x = head_;
  int level = GetMaxHeight() - 1;
  // The node found to be >= key at the level above: when the same node is
  // next at a lower level, its comparison is already known.
  Node* last_bigger = nullptr;
  while (true) {
    // If the search drops a level at x, it goes on with x's link one level
    // down: start loading that node while `next` is compared, so a drop costs
    // one memory round trip instead of two.
    if (level > 0) __builtin_prefetch(x->NoBarrierNext(level - 1));
    Node* next = x->Next(level);
    if (next != last_bigger && KeyIsAfterNode(key, next)) {
      x = next;  // keep searching in this list
    } else {
      if (prev != nullptr) prev[level] = x;
      if (level == 0) return next;
      last_bigger = next;
      --level;
    }
  }
}

template <typename Key, class Comparator>
typename SkipList<Key, Comparator>::Node* SkipList<Key, Comparator>::FindLast() const {
  Node* x = head_;
  int level = GetMaxHeight() - 1;
  while (true) {
    Node* next = x->Next(level);
    if (next != nullptr) {
      x = next;
    } else {
      if (level == 0) return x;
      --level;
    }
  }
}

template <typename Key, class Comparator>
SkipList<Key, Comparator>::SkipList(Comparator cmp, Arena* arena)
    : compare_(cmp),
      arena_(arena),
      head_(NewHead()),
      max_height_(1),
      rnd_(0x5ca1ab1e) {
  for (Node*& p : prev_) p = head_;
}

template <typename Key, class Comparator>
template <typename MakeKey>
void SkipList<Key, Comparator>::InsertWith(size_t extra, MakeKey&& make_key) {
  const int height = RandomHeight();
  char* storage;
  Node* const x = NewNode(height, extra, &storage);
  x->key = make_key(storage);
  const Key& key = x->key;

  // prev_ holds, per level, the last node before the previous insert's key
  // or that node itself. When the new key falls right after the previous one
  // at level 0 (ascending inserts), nothing lies between at any level and
  // the search is skipped.
  Node** const prev = prev_;
  Node* const last = prev[0];
  Node* next = last->NoBarrierNext(0);
  if (last == head_ || compare_(last->key, key) >= 0 ||
      (next != nullptr && compare_(next->key, key) <= 0)) {
    next = FindGreaterOrEqual(key, prev);
  }
  assert(next == nullptr || !Equal(key, next->key));
  (void)next;

  const int max_height = GetMaxHeight();
  if (height > max_height) {
    for (int i = max_height; i < height; ++i) prev[i] = head_;
    // A reader that sees the new height before the new node is linked finds
    // nullptr at the new levels of head_ and drops to a lower level: harmless.
    max_height_.store(height, std::memory_order_relaxed);
  }

  // Like its own links, the node's back pointer becomes visible only
  // through the release stores that follow.
  x->prev.store(prev[0], std::memory_order_relaxed);
  for (int i = 0; i < height; ++i) {
    x->NoBarrierSetNext(i, prev[i]->NoBarrierNext(i));
    prev[i]->SetNext(i, x);
    prev[i] = x;
  }
  // Last, the node after it steps back to it (see the comment at the top).
  if (Node* const after = x->NoBarrierNext(0); after != nullptr) {
    after->prev.store(x, std::memory_order_release);
  }
}

template <typename Key, class Comparator>
bool SkipList<Key, Comparator>::Contains(const Key& key) const {
  Node* x = FindGreaterOrEqual(key, nullptr);
  return x != nullptr && Equal(key, x->key);
}

}  // namespace lsm

#endif  // LSM_ENGINE_MEMTABLE_SKIPLIST_H_
