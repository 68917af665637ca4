// Range tombstones: what DB::DeleteRange writes. A tombstone [begin, end) @
// seq deletes every entry of a user key k with begin <= k < end whose
// sequence is below seq, for a reader whose snapshot is at or above seq.
// Entries newer than the tombstone, and readers older than it, are not
// affected.
//
// Tombstones are stored beside the point entries, never among them: in the
// WAL as a batch entry, in a memtable in a list of their own, in an SST in
// its `range_deletions` meta block (engine/table/FORMAT.md). Readers merge
// the tombstones of every source they read into one
// FragmentedRangeTombstones and ask it, per user key, for the newest
// tombstone covering the key that their snapshot sees.
//
// Thread safety: plain values; a FragmentedRangeTombstones is immutable after
// construction and safe to share between threads.
#ifndef LSM_ENGINE_MEMTABLE_RANGE_TOMBSTONE_H_
#define LSM_ENGINE_MEMTABLE_RANGE_TOMBSTONE_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/memtable/dbformat.h"

namespace lsm {

struct RangeTombstone {
  std::string begin;  // inclusive user key
  std::string end;    // exclusive user key; begin < end
  SequenceNumber sequence = 0;

  bool Covers(std::string_view user_key) const {
    return CompareUserKeys(begin, user_key) <= 0 && CompareUserKeys(user_key, end) < 0;
  }
};

// The internal key a tombstone is stored under (in an SST's range_deletions
// block and the memtable's tombstone list): begin @ sequence, type
// kRangeDeletion. Its value is `end`.
inline std::string RangeTombstoneKey(const RangeTombstone& t) {
  return MakeInternalKey(t.begin, t.sequence, ValueType::kRangeDeletion);
}

// The largest internal key of a user key: sorts before every real entry of
// user_key. A table whose tombstones end at user_key (exclusive) takes it as
// its largest key, so its range does not include any entry of user_key.
inline std::string RangeTombstoneEndKey(std::string_view user_key) {
  return MakeInternalKey(user_key, kMaxSequenceNumber, ValueType::kRangeDeletion);
}

// A set of possibly overlapping tombstones cut at every begin and end into
// disjoint fragments, each with the sequences of the tombstones covering it
// (newest first).
class FragmentedRangeTombstones {
 public:
  FragmentedRangeTombstones() = default;
  // Tombstones with begin >= end are ignored.
  explicit FragmentedRangeTombstones(const std::vector<RangeTombstone>& tombstones);

  bool empty() const { return fragments_.empty(); }

  // The sequence of the newest tombstone that covers user_key and is visible
  // at snapshot (sequence <= snapshot); 0 when there is none. An entry of
  // user_key with sequence s is deleted for that reader iff s < the result.
  SequenceNumber MaxCoveringSequence(std::string_view user_key, SequenceNumber snapshot) const;

  size_t num_fragments() const { return fragments_.size(); }

 private:
  struct Fragment {
    std::string begin, end;
    std::vector<SequenceNumber> sequences;  // descending
  };
  std::vector<Fragment> fragments_;  // by begin, disjoint
};

// Tombstones clipped to the user-key interval [lower, upper) (nullptr: open
// on that side); tombstones left empty are dropped.
std::vector<RangeTombstone> ClipRangeTombstones(const std::vector<RangeTombstone>& tombstones,
                                                const std::string* lower,
                                                const std::string* upper);

}  // namespace lsm

#endif  // LSM_ENGINE_MEMTABLE_RANGE_TOMBSTONE_H_
