// A two-level iterator: an index iterator whose values name blocks, and a
// function that opens an iterator over the block a value names. It yields the
// entries of every block in index order, forward and backward. Used by Table
// (index block → data blocks).
//
// Damage stops the iteration: when a block cannot be read or parsed, the
// iterator becomes !Valid() and status() reports the error; it never skips a
// damaged block silently.
//
// Thread safety: one thread at a time.
#ifndef LSM_ENGINE_TABLE_TWO_LEVEL_ITERATOR_H_
#define LSM_ENGINE_TABLE_TWO_LEVEL_ITERATOR_H_

#include <functional>
#include <memory>
#include <string_view>

#include "lsm/iterator.h"

namespace lsm {

// Opens an iterator over the block named by an index entry's value; an error
// is returned as an iterator whose status() holds it.
using BlockOpener = std::function<std::unique_ptr<Iterator>(std::string_view index_value)>;

// The keys of index_iter must be separators: each >= every key of its block
// and < every key of the next block. open_block is destroyed after both
// iterators, so whatever it owns (a pinned table) outlives them.
std::unique_ptr<Iterator> NewTwoLevelIterator(std::unique_ptr<Iterator> index_iter,
                                              BlockOpener open_block);

}  // namespace lsm

#endif  // LSM_ENGINE_TABLE_TWO_LEVEL_ITERATOR_H_
