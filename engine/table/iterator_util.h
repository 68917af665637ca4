// Small lsm::Iterator building blocks every layer needs: an iterator over
// nothing, and one that only reports an error (what a table or level iterator
// returns when it cannot open its source).
//
// Thread safety: as lsm::Iterator (one thread at a time).
#ifndef LSM_ENGINE_TABLE_ITERATOR_UTIL_H_
#define LSM_ENGINE_TABLE_ITERATOR_UTIL_H_

#include <memory>

#include "absl/status/status.h"
#include "lsm/iterator.h"

namespace lsm {

// An iterator that is never Valid() and whose status() is s.
std::unique_ptr<Iterator> NewEmptyIterator(absl::Status s = absl::OkStatus());

// An iterator that is never Valid() and reports s.
// REQUIRES: !s.ok()
std::unique_ptr<Iterator> NewErrorIterator(absl::Status s);

}  // namespace lsm

#endif  // LSM_ENGINE_TABLE_ITERATOR_UTIL_H_
