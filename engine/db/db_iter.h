// The iterator DB::NewIterator returns: turns a merged stream of internal
// entries into the user's view as of one sequence number: the newest visible
// version of each key, deleted keys hidden, within [lower_bound, upper_bound).
//
// Thread safety: one thread at a time (see lsm/iterator.h).
#ifndef LSM_ENGINE_DB_DB_ITER_H_
#define LSM_ENGINE_DB_DB_ITER_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "engine/memtable/dbformat.h"
#include "lsm/iterator.h"

namespace lsm {

// internal: a merged iterator over internal keys. `pinned` is destroyed
// after the iterator (it keeps memtables and the Version alive).
std::unique_ptr<Iterator> NewDBIterator(std::unique_ptr<Iterator> internal,
                                        SequenceNumber sequence,
                                        std::optional<std::string> lower_bound,
                                        std::optional<std::string> upper_bound,
                                        std::function<void()> cleanup);

}  // namespace lsm

#endif  // LSM_ENGINE_DB_DB_ITER_H_
