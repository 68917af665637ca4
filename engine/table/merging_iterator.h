// The merging iterator: a k-way merge of sorted child iterators into one
// sorted stream of internal keys. It serves compaction (merging the input
// files) and reads (memtables + L0 files + one iterator per level).
//
// A binary heap of the children's current keys (a min-heap moving forward, a
// max-heap moving backward) makes each Next()/Prev() cost O(log k)
// comparisons; only a change of direction or a Seek touches every child.
// Keys are ordered by CompareInternalKeys (engine/memtable/dbformat.h); equal
// keys in several children (which an LSM tree never produces) are yielded in
// child-index order forward and in reverse order backward.
//
// Errors: when a child stops with a non-OK status the merged iterator stops
// too (Valid() turns false) rather than silently skip the child's keys: a
// missing tombstone would otherwise resurrect a deleted value. status()
// reports the first child (in index order) with a non-OK status.
//
// Thread safety: as lsm::Iterator (one thread at a time).
#ifndef LSM_ENGINE_TABLE_MERGING_ITERATOR_H_
#define LSM_ENGINE_TABLE_MERGING_ITERATOR_H_

#include <memory>
#include <vector>

#include "lsm/iterator.h"

namespace lsm {

// Returns an iterator over the union of the children's entries. With no
// child it is an empty iterator; with one child it is that child itself.
// REQUIRES: every child is non-null and yields internal keys in
// CompareInternalKeys order.
std::unique_ptr<Iterator> NewMergingIterator(std::vector<std::unique_ptr<Iterator>> children);

}  // namespace lsm

#endif  // LSM_ENGINE_TABLE_MERGING_ITERATOR_H_
