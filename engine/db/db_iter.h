// The iterator DB::NewIterator returns: turns a merged stream of internal
// entries into the user's view as of one sequence number: the newest visible
// version of each key, deleted keys (point or range deletions) hidden, within [lower_bound, upper_bound).
//
// Thread safety: one thread at a time (see lsm/iterator.h).
#ifndef LSM_ENGINE_DB_DB_ITER_H_
#define LSM_ENGINE_DB_DB_ITER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "engine/memtable/dbformat.h"
#include "engine/memtable/range_tombstone.h"
#include "engine/util/latency_histogram.h"
#include "lsm/iterator.h"

namespace lsm {

// Called with the internal key of an entry the iterator read, about once per
// kReadSamplePeriod bytes read (at random, so every entry has the same
// chance): the DB charges a file that makes reads of that key visit more
// than one sorted run (see Version::SampleRead).
using ReadSampler = std::function<void(std::string_view internal_key)>;
inline constexpr int64_t kReadSamplePeriod = int64_t{1} << 20;

// What a DB iterator reads: the entries of one ReadView and their range
// tombstones.
struct DBIterSources {
  // A merged iterator over internal keys.
  std::unique_ptr<Iterator> internal;
  // The range tombstones of every source `internal` reads (null when there
  // are none); an entry they cover is hidden like a deleted one.
  std::shared_ptr<const FragmentedRangeTombstones> tombstones;
  // Runs after `internal` is destroyed (it releases the memtables and the
  // Version). May be empty.
  std::function<void()> cleanup;
  // May be empty (no sampling).
  ReadSampler sample;
};

// Called at the start of each positioning call (Seek*, SeekTo*): sources
// built on the DB's current tree that show exactly the entries the iterator's
// sources show at its sequence, when the tree changed since those were built
// and such sources can be had; nullopt to keep reading the ones it has. Lets
// a long-lived iterator leave a tree a compaction has since replaced (and
// release its files) without changing what it reads.
using SourceRefresher = std::function<std::optional<DBIterSources>()>;

// The iterator over sources as of `sequence`, within [lower_bound,
// upper_bound). `refresh` may be empty (the sources are kept for the
// iterator's life). Each positioning call (Seek*, SeekTo*) is timed into
// `seek_latency` unless it is nullptr; it must outlive the iterator.
std::unique_ptr<Iterator> NewDBIterator(DBIterSources sources, SequenceNumber sequence,
                                        std::optional<std::string> lower_bound,
                                        std::optional<std::string> upper_bound,
                                        SourceRefresher refresh = {},
                                        LatencyHistogram* seek_latency = nullptr);

}  // namespace lsm

#endif  // LSM_ENGINE_DB_DB_ITER_H_
