// BTreeList: the default sorted set behind the memtable (the other is the
// SkipList of skiplist.h; MemTableStructure chooses). Its elements are the
// nodes of a doubly linked list kept in key order, which iterators walk; a
// B+tree over those nodes finds where a key belongs. Nodes of both kinds live
// in an Arena and are never removed; everything is freed with the arena.
//
// Against the skiplist: a skiplist search in a memtable of several MiB is a
// chain of 20 to 30 dependent loads, each from a node of its own, most of
// them cache misses. A B+tree node keeps the 8 bytes of each of its keys that
// follow the prefix all its keys share (see Prefix below), side by side, so
// a search reads a few adjacent cache lines per level over 3 or 4 levels and
// touches a key's own bytes only when two of those 8-byte windows are equal.
//
// Thread safety: one writer at a time (Insert needs external
// synchronization), and any number of concurrent readers (Contains, Iterator)
// without any lock, also while the writer inserts.
//   - The list works as the skiplist's level 0 did: a node is fully
//     initialised before a release store links it in, readers load links with
//     acquire, and the back pointer of the node after a new one is stored
//     last, so a reader stepping back either skips a node being inserted or
//     reaches it fully linked.
//   - The tree is read optimistically. Every tree node has a version that is
//     odd while the writer changes the node. A reader notes a node's version,
//     reads the node, and checks the version again before it trusts what it
//     read; when a child's version was noted before its parent's was checked
//     again, the child pointer it followed was current (lock coupling). A
//     reader that sees a change starts over from the root. Every value a
//     reader loads from a tree node is an atomic, and a pointer it loads
//     always points at a node that stays valid, so a read that races with the
//     writer can be wrong but is never unsafe; the version check discards it.
//   - A new node is linked into the list before it is added to the tree.
// A reader may or may not see a key inserted concurrently with it; it always
// sees every key whose Insert returned before the reader's read began, and it
// always sees the list in sorted order.
//
// Key must be cheap to copy (a pointer or an integer). Comparator is a
// callable `int operator()(const Key& a, const Key& b) const` returning <0,
// 0, >0, with `std::string_view Bytes(const Key& k) const` giving bytes whose
// lexicographic (unsigned) order agrees with it: Bytes(a) < Bytes(b) implies
// a < b, and a == b implies equal Bytes. Keys with equal Bytes may still
// differ (the memtable's Bytes is the user key, shared by its versions).
#ifndef LSM_ENGINE_MEMTABLE_BTREE_LIST_H_
#define LSM_ENGINE_MEMTABLE_BTREE_LIST_H_

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>
#include <type_traits>

#include "engine/util/arena.h"

namespace lsm {

template <typename Key, class Comparator>
class BTreeList {
 private:
  struct Node;
  struct TreeNode;

 public:
  // Keys per leaf, separators per inner node (which has one child more).
  static constexpr int kFanout = 32;

  // Allocates from *arena, which must outlive the BTreeList.
  BTreeList(Comparator cmp, Arena* arena);
  BTreeList(const BTreeList&) = delete;
  BTreeList& operator=(const BTreeList&) = delete;

  // REQUIRES: nothing equal to key is in the list; external synchronization
  // with other Insert calls.
  void Insert(const Key& key) {
    InsertWith(0, [&key](char*) { return key; });
  }

  // Insert for keys that point at bytes of their own (the memtable's
  // entries): allocates `extra` bytes right after the new list node, in the
  // same arena allocation, and calls make_key(storage) to fill them and
  // return the key, so the links, the key and the entry share a cache line.
  // REQUIRES: as Insert, for the key make_key returns.
  template <typename MakeKey>
  void InsertWith(size_t extra, MakeKey&& make_key);

  // True iff an entry equal to key is in the list.
  bool Contains(const Key& key) const {
    const Node* n = FindGreaterOrEqual(key);
    return n != nullptr && compare_(n->key, key) == 0;
  }

  // Iterates over the list. Many iterators may be used concurrently (one per
  // thread) while the writer inserts.
  class Iterator {
   public:
    // The list must outlive the iterator. Starts not Valid.
    explicit Iterator(const BTreeList* list) : list_(list), node_(nullptr) {}

    bool Valid() const { return node_ != nullptr; }
    // REQUIRES: Valid()
    const Key& key() const {
      assert(Valid());
      return node_->key;
    }
    // REQUIRES: Valid()
    void Next() {
      assert(Valid());
      node_ = node_->next.load(std::memory_order_acquire);
      // Nodes lie in the arena in insertion order, not key order: start
      // loading the one after this while the caller reads this one.
      if (node_ != nullptr) __builtin_prefetch(node_->next.load(std::memory_order_relaxed));
    }
    // REQUIRES: Valid()
    void Prev() {
      assert(Valid());
      node_ = node_->prev.load(std::memory_order_acquire);
      if (node_ == &list_->head_) {
        node_ = nullptr;
      } else {
        __builtin_prefetch(node_->prev.load(std::memory_order_relaxed));  // as Next does
      }
    }
    // Positions at the first entry >= target.
    void Seek(const Key& target) { node_ = list_->FindGreaterOrEqual(target); }
    // Positions at the last entry <= target.
    void SeekForPrev(const Key& target) {
      Seek(target);
      if (!Valid()) {
        SeekToLast();
      } else if (list_->compare_(node_->key, target) != 0) {
        Prev();
      }
    }
    void SeekToFirst() { node_ = list_->head_.next.load(std::memory_order_acquire); }
    void SeekToLast() {
      node_ = list_->tail_.load(std::memory_order_acquire);
      if (node_ == &list_->head_) node_ = nullptr;
    }

   private:
    const BTreeList* list_;
    const Node* node_;
  };

 private:
  // Deep enough for kFanout^kMaxDepth keys, far more than any arena holds.
  static constexpr int kMaxDepth = 16;

  // One step of the writer's path from the root: the inner node, the child
  // it descended to, and the first list node after that inner node's range
  // (nullptr: none).
  struct PathStep {
    TreeNode* node;
    int child;
    Node* upper;
  };

  // The first node >= key, or nullptr.
  Node* FindGreaterOrEqual(const Key& key) const;

  // The index of the first key in n's [0, count) that is > key (strict) or
  // >= key. Sets *torn when it met a slot not yet written, which only a
  // reader racing with the writer can; the index is then meaningless.
  template <bool kStrict>
  int Find(const TreeNode* n, int count, const Key& key, std::string_view key_bytes,
           bool* torn) const;
  // The first index in [lo, hi) at which goes_right(index) is false, for a
  // predicate that holds on a leading part of the range: a binary search.
  template <typename GoesRight>
  static int PartitionPoint(int lo, int hi, GoesRight goes_right) {
    while (lo < hi) {
      const int mid = (lo + hi) / 2;
      if (goes_right(mid)) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  // The 8 bytes of `bytes` from offset on, zero-padded, as a big-endian
  // number: for keys that share their first `offset` bytes, a < b in this
  // number implies a < b as keys.
  static uint64_t Prefix(std::string_view bytes, size_t offset) {
    if (offset >= bytes.size()) return 0;
    const size_t n = bytes.size() - offset;
    uint64_t x = 0;
    std::memcpy(&x, bytes.data() + offset, n < 8 ? n : 8);
    return __builtin_bswap64(x);
  }
  uint64_t PrefixOf(const Node* n, size_t offset) const {
    return Prefix(compare_.Bytes(n->key), offset);
  }
  // The length of the byte prefix a and b share.
  static size_t CommonPrefix(std::string_view a, std::string_view b) {
    const size_t n = std::min(a.size(), b.size());
    size_t i = 0;
    while (i < n && a[i] == b[i]) ++i;
    return i;
  }
  // The offset of a node whose keys lie in [lower, upper): the bytes every
  // such key shares. nullptr stands for an open end.
  size_t SharedBytes(const Node* lower, const Node* upper) const {
    if (lower == nullptr || upper == nullptr) return 0;
    return CommonPrefix(compare_.Bytes(lower->key), compare_.Bytes(upper->key));
  }

  TreeNode* NewTreeNode(bool leaf, size_t offset);
  // The writer's moves of a node's keys (entries of a leaf, separators of an
  // inner node) and their prefixes. REQUIRES: the node is locked or not yet
  // linked into the tree.
  //   Shifts the keys from slot i on one slot right and puts x at i.
  //   REQUIRES: count < kFanout.
  void InsertKeyAt(TreeNode* n, int count, int i, Node* x) const;
  //   Copies n's count keys, with x added at slot i, and their prefixes to
  //   keys[0, count] and prefixes[0, count].
  void GatherKeys(const TreeNode* n, int count, int i, Node* x, Node** keys,
                  uint64_t* prefixes) const;
  //   Stores keys[0, number) into dst's first slots; prefixes were taken at
  //   prefixes_offset and are taken again when dst's offset differs.
  void StoreKeys(TreeNode* dst, Node* const* keys, const uint64_t* prefixes,
                 size_t prefixes_offset, int number) const;
  // Adds x at slot i of the leaf, splitting it when full. upper is the first
  // list node after the leaf's range; path[0, depth) leads to the leaf.
  void InsertIntoLeaf(TreeNode* leaf, int i, Node* x, PathStep* path, int depth, Node* upper);
  // Adds separator sep and, right after the child `left`, its new sibling
  // `right` to the parent path[depth - 1] (a new root when depth is 0).
  void InsertIntoParent(PathStep* path, int depth, TreeNode* left, Node* sep, TreeNode* right);

  // Constant after construction.
  const Comparator compare_;
  Arena* const arena_;
  Node head_;  // before the first node; its key is unused

  std::atomic<Node*> tail_;       // the last node, &head_ when empty
  std::atomic<TreeNode*> root_;  // a leaf while the list is small
};

// A list node, one arena allocation with the InsertWith storage after it.
template <typename Key, class Comparator>
struct BTreeList<Key, Comparator>::Node {
  std::atomic<Node*> next{nullptr};
  std::atomic<Node*> prev{nullptr};
  Key key{};
};

// A tree node. A leaf holds up to kFanout list nodes in key order
// (`entry`); an inner node holds `count` separators in `entry` and count + 1
// children, where child i + 1 holds the keys >= separator i, and separator i
// is the smallest key under child i + 1 (it was the first key of that child
// when the child was split off, and a smaller key would have gone left).
// prefix[i] is Prefix(Bytes(entry[i]), offset), and every key the node can
// hold shares its first `offset` bytes. Leaves are allocated without the
// child array.
template <typename Key, class Comparator>
struct alignas(64) BTreeList<Key, Comparator>::TreeNode {
  std::atomic<uint64_t> prefix[kFanout];
  std::atomic<Node*> entry[kFanout];
  std::atomic<uint64_t> version{0};  // odd while the writer changes the node
  std::atomic<int> count{0};
  bool leaf = true;
  uint32_t offset = 0;
  std::atomic<TreeNode*> child[kFanout + 1];

  // The writer's side of the version (a sequence lock: the changes made
  // between Lock and Unlock are published together).
  void Lock() {
    version.store(version.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
  }
  void Unlock() {
    version.store(version.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  }
  // A reader's check that nothing changed since it loaded `seen`.
  bool Unchanged(uint64_t seen) const {
    std::atomic_thread_fence(std::memory_order_acquire);
    return version.load(std::memory_order_relaxed) == seen;
  }
  // The count as a reader may use it, whatever a racing write left.
  int ClampedCount() const {
    const int c = count.load(std::memory_order_relaxed);
    return c < 0 ? 0 : (c > kFanout ? kFanout : c);
  }
};

template <typename Key, class Comparator>
BTreeList<Key, Comparator>::BTreeList(Comparator cmp, Arena* arena)
    : compare_(cmp), arena_(arena), tail_(&head_), root_(NewTreeNode(true, 0)) {
  static_assert(std::is_trivially_destructible_v<Key>,
                "nodes live in an arena and are never destroyed");
}

template <typename Key, class Comparator>
typename BTreeList<Key, Comparator>::TreeNode* BTreeList<Key, Comparator>::NewTreeNode(
    bool leaf, size_t offset) {
  const size_t size = leaf ? offsetof(TreeNode, child) : sizeof(TreeNode);
  // AllocateAligned aligns for pointers; round up to a cache line by hand.
  char* mem = arena_->AllocateAligned(size + alignof(TreeNode) - 1);
  mem += (alignof(TreeNode) - reinterpret_cast<uintptr_t>(mem) % alignof(TreeNode)) %
         alignof(TreeNode);
  // Construct the fields one by one: a leaf has no room for child[].
  auto* n = reinterpret_cast<TreeNode*>(mem);
  for (int i = 0; i < kFanout; ++i) {
    new (&n->prefix[i]) std::atomic<uint64_t>(0);
    new (&n->entry[i]) std::atomic<Node*>(nullptr);
  }
  new (&n->version) std::atomic<uint64_t>(0);
  new (&n->count) std::atomic<int>(0);
  n->leaf = leaf;
  n->offset = static_cast<uint32_t>(offset);
  if (!leaf) {
    for (int i = 0; i <= kFanout; ++i) new (&n->child[i]) std::atomic<TreeNode*>(nullptr);
  }
  return n;
}

template <typename Key, class Comparator>
template <bool kStrict>
int BTreeList<Key, Comparator>::Find(const TreeNode* n, int count, const Key& key,
                                     std::string_view key_bytes, bool* torn) const {
  const uint64_t p = Prefix(key_bytes, n->offset);
  auto prefix = [n](int i) { return n->prefix[i].load(std::memory_order_relaxed); };
  // [lo, hi): the slots whose prefix equals the key's. Those before lo are
  // smaller than key, those from hi on larger.
  const int lo = PartitionPoint(0, count, [&](int i) { return prefix(i) < p; });
  const int hi = PartitionPoint(lo, count, [&](int i) { return prefix(i) <= p; });
  // Only there are the keys themselves compared.
  return PartitionPoint(lo, hi, [&](int i) {
    const Node* e = n->entry[i].load(std::memory_order_acquire);
    if (e == nullptr) {
      *torn = true;
      return false;
    }
    const int c = compare_(e->key, key);
    return kStrict ? c <= 0 : c < 0;
  });
}

template <typename Key, class Comparator>
typename BTreeList<Key, Comparator>::Node* BTreeList<Key, Comparator>::FindGreaterOrEqual(
    const Key& key) const {
  const std::string_view key_bytes = compare_.Bytes(key);
  while (true) {
    const TreeNode* n = root_.load(std::memory_order_acquire);
    uint64_t seen = n->version.load(std::memory_order_acquire);
    // The root must still be the root once its version is known: a root
    // split leaves the old root in place as the new root's left child.
    if ((seen & 1) != 0 || root_.load(std::memory_order_acquire) != n) continue;
    Node* upper = nullptr;
    bool torn = false;
    while (!n->leaf) {
      const int count = n->ClampedCount();
      const int j = Find</*kStrict=*/true>(n, count, key, key_bytes, &torn);
      const TreeNode* child = n->child[j].load(std::memory_order_acquire);
      Node* const sep = j < count ? n->entry[j].load(std::memory_order_acquire) : nullptr;
      if (torn || child == nullptr || (j < count && sep == nullptr)) break;
      const uint64_t child_seen = child->version.load(std::memory_order_acquire);
      if (!n->Unchanged(seen) || (child_seen & 1) != 0) {
        torn = true;
        break;
      }
      if (sep != nullptr) upper = sep;
      n = child;
      seen = child_seen;
    }
    if (torn || !n->leaf) continue;
    const int count = n->ClampedCount();
    const int i = Find</*kStrict=*/false>(n, count, key, key_bytes, &torn);
    Node* const found = i < count ? n->entry[i].load(std::memory_order_acquire) : upper;
    if (torn || (i < count && found == nullptr) || !n->Unchanged(seen)) continue;
    return found;
  }
}

template <typename Key, class Comparator>
template <typename MakeKey>
void BTreeList<Key, Comparator>::InsertWith(size_t extra, MakeKey&& make_key) {
  char* const mem = arena_->AllocateAligned(sizeof(Node) + extra);
  Node* const x = new (mem) Node;
  x->key = make_key(mem + sizeof(Node));
  const std::string_view key_bytes = compare_.Bytes(x->key);

  // The writer is alone: it reads the tree without version checks.
  PathStep path[kMaxDepth];
  int depth = 0;
  bool torn = false;
  TreeNode* n = root_.load(std::memory_order_relaxed);
  Node* upper = nullptr;
  // A key after the last one (ascending inserts) goes to the end of the
  // rightmost leaf: one comparison instead of a search.
  Node* const last = tail_.load(std::memory_order_relaxed);
  const bool append = last != &head_ && compare_(last->key, x->key) < 0;
  while (!n->leaf) {
    const int count = n->count.load(std::memory_order_relaxed);
    const int j = append ? count : Find</*kStrict=*/true>(n, count, x->key, key_bytes, &torn);
    assert(depth < kMaxDepth);
    path[depth++] = PathStep{n, j, upper};
    if (j < count) upper = n->entry[j].load(std::memory_order_relaxed);
    n = n->child[j].load(std::memory_order_relaxed);
  }
  const int count = n->count.load(std::memory_order_relaxed);
  const int i = append ? count : Find</*kStrict=*/false>(n, count, x->key, key_bytes, &torn);
  assert(!torn);

  // Link x into the list between the nodes the tree puts around it.
  Node* const next = i < count ? n->entry[i].load(std::memory_order_relaxed) : upper;
  assert(next == nullptr || compare_(next->key, x->key) != 0);
  Node* const prev = next != nullptr ? next->prev.load(std::memory_order_relaxed) : last;
  x->next.store(next, std::memory_order_relaxed);
  x->prev.store(prev, std::memory_order_relaxed);
  prev->next.store(x, std::memory_order_release);
  // Last, the node after it steps back to it (see the comment at the top).
  if (next != nullptr) {
    next->prev.store(x, std::memory_order_release);
  } else {
    tail_.store(x, std::memory_order_release);
  }

  InsertIntoLeaf(n, i, x, path, depth, upper);
}

template <typename Key, class Comparator>
void BTreeList<Key, Comparator>::InsertKeyAt(TreeNode* n, int count, int i, Node* x) const {
  for (int k = count; k > i; --k) {
    n->prefix[k].store(n->prefix[k - 1].load(std::memory_order_relaxed),
                       std::memory_order_relaxed);
    n->entry[k].store(n->entry[k - 1].load(std::memory_order_relaxed),
                      std::memory_order_release);
  }
  n->prefix[i].store(PrefixOf(x, n->offset), std::memory_order_relaxed);
  n->entry[i].store(x, std::memory_order_release);
}

template <typename Key, class Comparator>
void BTreeList<Key, Comparator>::GatherKeys(const TreeNode* n, int count, int i, Node* x,
                                            Node** keys, uint64_t* prefixes) const {
  for (int k = 0, from = 0; k <= count; ++k) {
    if (k == i) {
      keys[k] = x;
      prefixes[k] = PrefixOf(x, n->offset);
    } else {
      keys[k] = n->entry[from].load(std::memory_order_relaxed);
      prefixes[k] = n->prefix[from].load(std::memory_order_relaxed);
      ++from;
    }
  }
}

template <typename Key, class Comparator>
void BTreeList<Key, Comparator>::StoreKeys(TreeNode* dst, Node* const* keys,
                                           const uint64_t* prefixes, size_t prefixes_offset,
                                           int number) const {
  for (int k = 0; k < number; ++k) {
    dst->prefix[k].store(
        dst->offset == prefixes_offset ? prefixes[k] : PrefixOf(keys[k], dst->offset),
        std::memory_order_relaxed);
    dst->entry[k].store(keys[k], std::memory_order_release);
  }
}

template <typename Key, class Comparator>
void BTreeList<Key, Comparator>::InsertIntoLeaf(TreeNode* leaf, int i, Node* x, PathStep* path,
                                                int depth, Node* upper) {
  const int count = leaf->count.load(std::memory_order_relaxed);
  leaf->Lock();
  if (count < kFanout) {
    InsertKeyAt(leaf, count, i, x);
    leaf->count.store(count + 1, std::memory_order_relaxed);
    leaf->Unlock();
    return;
  }

  // Full: the count + 1 keys (x at i) are split between the leaf, which keeps
  // the first `keep`, and a new right sibling. A key added after the last of
  // the rightmost leaf (ascending inserts) starts a sibling of its own, so
  // such a run leaves full leaves behind.
  const int total = count + 1;
  const int keep = (i == count && upper == nullptr) ? count : total / 2;
  Node* all[kFanout + 1];
  uint64_t prefixes[kFanout + 1];
  GatherKeys(leaf, count, i, x, all, prefixes);
  Node* const sep = all[keep];
  TreeNode* const right = NewTreeNode(true, SharedBytes(sep, upper));
  StoreKeys(right, all + keep, prefixes + keep, leaf->offset, total - keep);
  right->count.store(total - keep, std::memory_order_relaxed);
  // The right leaf is complete before a parent links it (a release store).
  InsertIntoParent(path, depth, leaf, sep, right);
  StoreKeys(leaf, all, prefixes, leaf->offset, keep);
  leaf->count.store(keep, std::memory_order_relaxed);
  leaf->Unlock();
}

template <typename Key, class Comparator>
void BTreeList<Key, Comparator>::InsertIntoParent(PathStep* path, int depth, TreeNode* left,
                                                  Node* sep, TreeNode* right) {
  if (depth == 0) {  // left was the root
    TreeNode* const root = NewTreeNode(false, 0);
    root->prefix[0].store(PrefixOf(sep, 0), std::memory_order_relaxed);
    root->entry[0].store(sep, std::memory_order_relaxed);
    root->child[0].store(left, std::memory_order_relaxed);
    root->child[1].store(right, std::memory_order_relaxed);
    root->count.store(1, std::memory_order_relaxed);
    root_.store(root, std::memory_order_release);
    return;
  }
  const PathStep& step = path[depth - 1];
  TreeNode* const n = step.node;
  const int j = step.child;  // left is child j: sep goes to slot j, right to child j + 1
  assert(n->child[j].load(std::memory_order_relaxed) == left);
  const int count = n->count.load(std::memory_order_relaxed);
  n->Lock();
  if (count < kFanout) {
    InsertKeyAt(n, count, j, sep);
    for (int k = count; k > j; --k) {
      n->child[k + 1].store(n->child[k].load(std::memory_order_relaxed),
                            std::memory_order_release);
    }
    n->child[j + 1].store(right, std::memory_order_release);
    n->count.store(count + 1, std::memory_order_relaxed);
    n->Unlock();
    return;
  }

  // Full: count + 1 separators and count + 2 children. The middle separator
  // moves up; the ones after it and their children go to a new sibling.
  const int total = count + 1;
  Node* seps[kFanout + 1];
  uint64_t prefixes[kFanout + 1];
  TreeNode* children[kFanout + 2];
  GatherKeys(n, count, j, sep, seps, prefixes);
  for (int k = 0, from = 0; k <= total; ++k) {
    children[k] = k == j + 1 ? right : n->child[from++].load(std::memory_order_relaxed);
  }
  // Separators left in n; seps[keep] moves up. After the last child of the
  // rightmost node (ascending inserts) n stays full, as a leaf does.
  const int keep = (j == count && step.upper == nullptr) ? count : total / 2;
  Node* const up = seps[keep];
  TreeNode* const sibling = NewTreeNode(false, SharedBytes(up, step.upper));
  StoreKeys(sibling, seps + keep + 1, prefixes + keep + 1, n->offset, total - keep - 1);
  for (int k = keep + 1; k <= total; ++k) {
    sibling->child[k - keep - 1].store(children[k], std::memory_order_relaxed);
  }
  sibling->count.store(total - keep - 1, std::memory_order_relaxed);
  InsertIntoParent(path, depth - 1, n, up, sibling);
  StoreKeys(n, seps, prefixes, n->offset, keep);
  for (int k = 0; k <= keep; ++k) n->child[k].store(children[k], std::memory_order_release);
  n->count.store(keep, std::memory_order_relaxed);
  n->Unlock();
}

}  // namespace lsm

#endif  // LSM_ENGINE_MEMTABLE_BTREE_LIST_H_
