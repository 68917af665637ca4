// Table: a reader of one SST. Open() reads the file tail-first — footer,
// meta-index, then the index, filter, properties and range-deletion blocks,
// which stay in memory for the table's lifetime — and data blocks are read on demand
// through the (optional) block cache.
//
// Every byte read is checked: a damaged footer, index, filter, properties or
// meta-index block fails Open() with DataLoss; a damaged data block makes the
// read that touches it (Get or an iterator's status()) return DataLoss. With
// ReadOptions::verify_checksums = false the data blocks' CRCs are skipped (the
// contents are still parsed with bounds checks, so damage cannot crash).
//
// Thread safety: a Table is safe for concurrent use by many threads (reads
// only). Each iterator is used by one thread at a time and must be destroyed
// before the Table.
#ifndef LSM_ENGINE_TABLE_TABLE_H_
#define LSM_ENGINE_TABLE_TABLE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/memtable/range_tombstone.h"
#include "engine/table/block.h"
#include "engine/table/bloom.h"
#include "engine/table/cache.h"
#include "engine/table/format.h"
#include "engine/table/index_search.h"
#include "engine/table/properties.h"
#include "engine/table/table_options.h"
#include "engine/table/two_level_iterator.h"
#include "lsm/env.h"
#include "lsm/iterator.h"
#include "lsm/options.h"

namespace lsm {

class Table {
 public:
  // Called by Get with the first entry at or after the lookup key. A
  // reference to the caller's callable: nothing is copied or allocated.
  using FoundFn = absl::FunctionRef<void(std::string_view internal_key, std::string_view value)>;

  // Opens the SST in file (file_size bytes long). file_number keys its blocks
  // in cache, which may be null (no caching) and must outlive the Table.
  // DataLoss when the file is not an SST or its footer, meta-index, index,
  // filter or properties block is damaged.
  static absl::StatusOr<std::unique_ptr<Table>> Open(const TableOptions& options,
                                                     std::unique_ptr<RandomAccessFile> file,
                                                     uint64_t file_size, uint64_t file_number,
                                                     BlockCache* cache);

  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;
  ~Table();

  // Looks internal_key up: when the bloom filter rules its user key out,
  // returns OK without calling found; otherwise calls found once with the
  // first entry >= internal_key in the table, if there is one. The caller
  // checks the user key and type (LevelDB's InternalGet). A damaged block:
  // DataLoss, found not called.
  absl::Status Get(const ReadOptions& options, std::string_view internal_key,
                   FoundFn found) const;

  // Get for several keys at once: for each i, as Get(internal_keys[i]), with
  // found(i, key, value). The keys must ascend (CompareInternalKeys); one
  // index iterator serves them all, and a key that falls in the data block
  // the previous key read reuses it (no index search, no cache lookup).
  // Stops at the first damaged block (DataLoss); keys before it have been
  // answered.
  using MultiFoundFn =
      absl::FunctionRef<void(size_t i, std::string_view internal_key, std::string_view value)>;
  absl::Status MultiGet(const ReadOptions& options,
                        const std::vector<std::string_view>& internal_keys,
                        MultiFoundFn found) const;

  // An iterator over every entry (internal keys), forward and backward.
  // ReadOptions bounds are not applied here (the DB iterator applies them).
  // The table must outlive the iterator, unless `pin` owns the table: the
  // iterator then keeps it alive itself. Returned as its own type so that a
  // level's iterator can step through it with direct calls.
  std::unique_ptr<TwoLevelIterator> NewIterator(const ReadOptions& options,
                                                std::shared_ptr<const Table> pin = nullptr) const;

  // The approximate file offset where the data for key begins (or would).
  uint64_t ApproximateOffsetOf(std::string_view internal_key) const;

  const TableProperties& properties() const { return properties_; }
  // The range tombstones of the range_deletions block (read at Open), in
  // internal-key order; empty when the table has none.
  const std::vector<RangeTombstone>& range_tombstones() const { return range_tombstones_; }
  // The same, fragmented for lookups; null when the table has none.
  const FragmentedRangeTombstones* fragmented_range_tombstones() const {
    return fragmented_range_tombstones_.get();
  }
  uint64_t file_number() const { return file_number_; }
  uint64_t file_size() const { return file_size_; }
  // Index + filter + properties bytes pinned in memory.
  size_t PinnedMemoryUsage() const;


  // ---- Introspection (lsm-dump, tests) ----
  const Footer& footer() const { return footer_; }
  // The filter, or null when the table has none. A malformed filter is kept
  // (it matches everything) and reports why in its status().
  const BloomFilter* filter() const { return filter_.get(); }
  std::optional<BlockHandle> filter_handle() const { return filter_handle_; }
  BlockHandle properties_handle() const { return properties_handle_; }
  // Iterates the index: separator keys → encoded BlockHandles of data blocks;
  // position() is the current entry's block number.
  std::unique_ptr<IndexSearch::IndexIterator> NewIndexIterator() const;
  // The number of data blocks the index names.
  size_t NumDataBlocks() const { return index_search_.size(); }
  // Reads the b-th data block of the index as any read does (through the
  // cache, or in place, per options). DataLoss when its handle is malformed
  // or the block is damaged. REQUIRES: b < NumDataBlocks()
  absl::StatusOr<std::shared_ptr<const Block>> ReadDataBlock(const ReadOptions& options,
                                                             size_t b) const;

  // After this many data blocks that missed the cache within one run of
  // neighbouring blocks (each next to the one before, in either direction),
  // an iterator is streaming through more data than the cache holds: it then
  // caches the further blocks of the run only into free room, instead of
  // evicting blocks others read.
  static constexpr int kStreamingMisses = 16;
  // Such an iterator also asks its file to read ahead of it (in the
  // direction it goes), this many bytes at a time, once it is within half of
  // that of the end of what it asked for before.
  static constexpr uint64_t kScanReadaheadBytes = 1 << 20;

 private:
  // How a data block read that misses the cache fills it: see
  // BlockCache::InsertIfAdmitted and InsertIfRoom.
  enum class CacheFill { kIfAdmitted, kOnlyIntoFreeRoom };
  // The index's b-th data block. From a file that reads in place: a block
  // stored uncompressed is read where it lies in the mapping, and neither
  // kind is verified again after a read verified it (mapped_blocks_).
  // Otherwise as ReadThroughCache.
  absl::StatusOr<std::shared_ptr<const Block>> ReadDataBlockAt(const ReadOptions& options,
                                                               size_t b, CacheFill fill,
                                                               bool* hit) const;
  // ReadDataBlockAt of a block of a file that reads in place, before a read
  // verified it.
  absl::StatusOr<std::shared_ptr<const Block>> FirstReadOfMapped(const ReadOptions& options,
                                                                 size_t b, CacheFill fill,
                                                                 bool* hit) const;
  // Reads the b-th data block through the block cache (verifying the
  // checksum of a block read from the file when verify), also telling
  // whether it came from the cache.
  absl::StatusOr<std::shared_ptr<const Block>> ReadThroughCache(const ReadOptions& options,
                                                                size_t b, CacheFill fill,
                                                                bool verify, bool* hit) const;

  Table() = default;

  // The filter's answer for internal_key's user key (true without a
  // filter), counted in this table's and the DB's filter statistics.
  bool FilterMayMatch(std::string_view internal_key) const;

  TableOptions options_;
  std::unique_ptr<RandomAccessFile> file_;
  uint64_t file_size_ = 0;
  uint64_t file_number_ = 0;
  BlockCache* cache_ = nullptr;
  Footer footer_;
  std::unique_ptr<Block> index_block_;
  IndexSearch index_search_;  // point reads find their block here
  std::unique_ptr<BloomFilter> filter_;
  std::optional<BlockHandle> filter_handle_;
  BlockHandle properties_handle_;
  TableProperties properties_;
  std::vector<RangeTombstone> range_tombstones_;
  std::unique_ptr<const FragmentedRangeTombstones> fragmented_range_tombstones_;
  // Data blocks end before this offset (the filter or index follows them).
  uint64_t data_end_ = 0;
  // For a file that reads in place (a mapping; null otherwise), one slot per
  // data block, set by the first read that verified the block's checksum:
  // for a block stored uncompressed, the Block over its bytes in the mapping,
  // which later reads use without copying, caching or verifying it again;
  // for a block stored compressed, VerifiedCompressed() (table.cc): later
  // reads that miss the block cache decode it without verifying it again.
  // The mapping keeps the verified bytes for the table's life.
  std::unique_ptr<std::atomic<const Block*>[]> mapped_blocks_;

};

}  // namespace lsm

#endif  // LSM_ENGINE_TABLE_TABLE_H_
