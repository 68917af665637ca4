// MemTable: the in-memory write buffer. Every update becomes an entry keyed by
// its internal key (user key, sequence, type; see dbformat.h) in a sorted
// structure whose nodes and entries live in one Arena: a BTreeList (the
// default) or the seed's SkipList, chosen per memtable (MemTableStructure in
// lsm/options.h says what each costs). When the memtable is full the DB
// freezes it and flushes it to an L0 table in internal-key order.
//
// Entry encoding in the arena (stored right after its node in the sorted
// structure, one allocation per Add):
//   entry := varint32(internal_key_len) internal_key varint32(value_len) value
// Values stay inline. Moving them to an arena of their own made the nodes a
// skiplist search walks three times smaller and random inserts into a 64 MiB
// memtable about 15% faster, but a scan then pays two dependent cache misses
// per entry instead of one (readseq over 200k keys was about 20% slower):
// measured and undone.
//
// Thread safety: one writer at a time (Add needs external synchronization);
// Get, NewIterator and the iterators, and the statistics accessors may run
// concurrently with each other and with the writer, without locks.
//
// Lifetime: a MemTable is normally owned by std::shared_ptr (the DB hands the
// same memtable to readers, the flush job and iterators). An iterator from
// NewIterator() keeps a shared_ptr-owned memtable alive by itself; for a
// memtable not owned by a shared_ptr (a test's local variable), the caller
// keeps it alive while iterators exist.
#ifndef LSM_ENGINE_MEMTABLE_MEMTABLE_H_
#define LSM_ENGINE_MEMTABLE_MEMTABLE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "engine/memtable/btree_list.h"
#include "engine/memtable/dbformat.h"
#include "engine/memtable/memtable_bloom.h"
#include "engine/memtable/range_tombstone.h"
#include "engine/memtable/skiplist.h"
#include "engine/util/arena.h"
#include "engine/util/mutex.h"
#include "lsm/iterator.h"
#include "lsm/options.h"

namespace lsm {

class MemTable : public std::enable_shared_from_this<MemTable> {
 public:
  enum class GetResult {
    kNotPresent,  // no entry for the key at or below the snapshot
    kFound,       // newest visible entry is a value (copied to *value)
    kDeleted,     // newest visible entry is a deletion
  };

  // expected_bytes: about how large the memtable will grow; when non-zero,
  // a MemTableBloom of expected_bytes / 128 bytes lets Get skip the
  // search for keys it does not hold.
  // structure: the sorted structure that holds the entries.
  explicit MemTable(size_t expected_bytes = 0,
                    MemTableStructure structure = MemTableStructure::kBTree);
  MemTable(const MemTable&) = delete;
  MemTable& operator=(const MemTable&) = delete;
  ~MemTable();

  // Adds an entry. Sequence numbers of one memtable need not be added in
  // order, but each (key, seq, type) must be new.
  // REQUIRES: external synchronization with other Add calls;
  //           seq <= kMaxSequenceNumber; key.size() + 8 and value.size() fit
  //           in 32 bits.
  void Add(SequenceNumber seq, ValueType type, std::string_view key, std::string_view value);

  // Adds the range tombstone [begin, end) @ seq (range_tombstone.h). It
  // lives in a list of its own: Get and NewIterator never see it, readers
  // ask RangeTombstones(). REQUIRES: as Add; begin < end.
  void AddRangeTombstone(SequenceNumber seq, std::string_view begin, std::string_view end);

  // Looks up the newest point entry of user_key with sequence <= snapshot
  // (range tombstones are not consulted). When found_seq is not null and an
  // entry is found, *found_seq is its sequence.
  GetResult Get(std::string_view user_key, SequenceNumber snapshot, std::string* value,
                SequenceNumber* found_seq = nullptr) const;

  // An iterator over every entry, keys are internal keys (ordered by user key
  // ascending, then sequence descending); Seek/SeekForPrev take internal keys
  // (MakeLookupKey gives the target that lands on the newest entry of a user
  // key at or below a sequence). Its status() is always OK.
  std::unique_ptr<Iterator> NewIterator() const;

  // Every range tombstone added so far, fragmented; null when there are
  // none. Built on first use after each AddRangeTombstone and kept, so a
  // frozen memtable builds it once.
  std::shared_ptr<const FragmentedRangeTombstones> RangeTombstones() const;
  // Appends the range tombstones as added (in internal-key order).
  void AppendRangeTombstones(std::vector<RangeTombstone>* out) const;
  uint64_t NumRangeDeletions() const {
    return num_range_deletions_.load(std::memory_order_acquire);
  }

  // Bytes held by the arena (nodes, entries, block bookkeeping) and the
  // bloom filter.
  size_t ApproximateMemoryUsage() const {
    return arena_.MemoryUsage() + (bloom_ != nullptr ? bloom_->MemoryUsage() : 0);
  }
  uint64_t NumEntries() const { return num_entries_.load(std::memory_order_relaxed); }
  uint64_t NumDeletions() const { return num_deletions_.load(std::memory_order_relaxed); }
  // Smallest / largest sequence added so far; kMaxSequenceNumber / 0 when
  // empty.
  SequenceNumber SmallestSequence() const {
    return smallest_seq_.load(std::memory_order_relaxed);
  }
  SequenceNumber LargestSequence() const { return largest_seq_.load(std::memory_order_relaxed); }

 private:
  template <typename Table>
  class MemTableIterator;

  // Counts an entry of sequence seq in the statistics. REQUIRES: the writer.
  void CountEntry(SequenceNumber seq);

  // Orders arena entries (and lookup targets in the same encoding) by their
  // internal keys; Bytes is the user key, whose bytes order agrees.
  struct KeyComparator {
    int operator()(const char* a, const char* b) const;
    std::string_view Bytes(const char* entry) const;
  };
  // The point entries and the range tombstones, each in a Table.
  template <typename Table>
  struct Lists {
    explicit Lists(Arena* arena)
        : entries(KeyComparator{}, arena), tombstones(KeyComparator{}, arena) {}
    Table entries;
    Table tombstones;
  };
  using BTreeLists = Lists<BTreeList<const char*, KeyComparator>>;
  using SkipLists = Lists<SkipList<const char*, KeyComparator>>;

  // Calls f(lists) with the Lists this memtable has.
  template <typename F>
  decltype(auto) WithLists(F&& f) const {
    return btree_ != nullptr ? f(*btree_) : f(*skiplist_);
  }
  template <typename F>
  decltype(auto) WithLists(F&& f) {
    return btree_ != nullptr ? f(*btree_) : f(*skiplist_);
  }

  Arena arena_;
  const std::unique_ptr<MemTableBloom> bloom_;  // null: none
  // Exactly one is set, by the structure given to the constructor.
  const std::unique_ptr<BTreeLists> btree_;
  const std::unique_ptr<SkipLists> skiplist_;
  std::atomic<uint64_t> num_range_deletions_{0};
  mutable Mutex fragmented_mu_;
  mutable std::shared_ptr<const FragmentedRangeTombstones> fragmented_
      ABSL_GUARDED_BY(fragmented_mu_);
  mutable uint64_t fragmented_count_ ABSL_GUARDED_BY(fragmented_mu_) = 0;
  std::atomic<uint64_t> num_entries_{0};
  std::atomic<uint64_t> num_deletions_{0};
  std::atomic<SequenceNumber> smallest_seq_{kMaxSequenceNumber};
  std::atomic<SequenceNumber> largest_seq_{0};
};

}  // namespace lsm

#endif  // LSM_ENGINE_MEMTABLE_MEMTABLE_H_
