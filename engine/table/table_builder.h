// TableBuilder streams sorted internal keys into an SST: data blocks as they
// fill, then the filter, index, properties and meta-index blocks and the
// footer (FORMAT.md). The caller owns the file and decides when to sync and
// close it.
//
// Thread safety: one thread at a time.
#ifndef LSM_ENGINE_TABLE_TABLE_BUILDER_H_
#define LSM_ENGINE_TABLE_TABLE_BUILDER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "engine/memtable/range_tombstone.h"
#include "engine/table/block_builder.h"
#include "engine/table/bloom.h"
#include "engine/table/format.h"
#include "engine/table/properties.h"
#include "engine/table/table_options.h"
#include "lsm/env.h"

namespace lsm {

class TableBuilder {
 public:
  // Writes to file, which must stay alive until Finish() or Abandon().
  TableBuilder(const TableOptions& options, WritableFile* file);

  TableBuilder(const TableBuilder&) = delete;
  TableBuilder& operator=(const TableBuilder&) = delete;
  // REQUIRES: Finish() or Abandon() was called.
  ~TableBuilder();

  // Adds an entry. REQUIRES: internal_key sorts after every key added before
  // (CompareInternalKeys); Finish()/Abandon() not called. A key out of order
  // or shorter than its trailer makes status() InvalidArgument; an I/O error
  // sticks in status() too, and later calls do nothing.
  void Add(std::string_view internal_key, std::string_view value);

  // Adds a range tombstone to the table's range_deletions block, in any
  // order relative to Add. REQUIRES: t.begin < t.end; Finish()/Abandon() not
  // called.
  void AddRangeTombstone(const RangeTombstone& t);

  // Writes the rest of the table. Does not sync or close the file.
  absl::Status Finish();
  // Gives up on the table; the caller deletes the file.
  void Abandon();

  absl::Status status() const { return status_; }
  uint64_t NumEntries() const { return props_.num_entries; }
  // Bytes written so far; after Finish(), the size of the whole file.
  uint64_t FileSize() const { return offset_; }
  // Smallest/largest key, sequence range and sizes collected so far; complete
  // after Finish().
  const TableProperties& properties() const { return props_; }

 private:
  // Writes the pending data block and remembers its handle for the index.
  void FlushDataBlock();
  // Compresses (per options, keeping it raw unless it shrinks by 1/8) and
  // writes a block; *handle receives where.
  // Returns the compression used.
  Compression WriteBlock(std::string_view raw, bool allow_compression, BlockHandle* handle);
  void WriteRawBlock(std::string_view stored, Compression type, BlockHandle* handle);
  // The index entry of the pending block: a separator before next_key, or a
  // successor of the last key when no key follows.
  void AddIndexEntry(std::optional<std::string_view> next_key);

  const TableOptions options_;
  WritableFile* const file_;
  uint64_t offset_ = 0;
  absl::Status status_;
  bool closed_ = false;

  BlockBuilder data_block_;
  BlockBuilder index_block_;
  std::unique_ptr<BloomFilterBuilder> filter_;  // null without a filter
  std::string last_key_;
  // After a data block is written, its index entry waits for the next key
  // (a shorter separator can then be chosen).
  bool pending_index_entry_ = false;
  BlockHandle pending_handle_;
  std::string compressed_;  // scratch
  std::vector<RangeTombstone> range_tombstones_;
  TableProperties props_;
};

// The index separator between two adjacent data blocks: an internal key k
// with last <= k < next, with as short a user key as possible.
// REQUIRES: last < next (CompareInternalKeys), both internal keys.
std::string IndexSeparator(std::string_view last, std::string_view next);
// An internal key k >= last with as short a user key as possible.
std::string IndexSuccessor(std::string_view last);

}  // namespace lsm

#endif  // LSM_ENGINE_TABLE_TABLE_BUILDER_H_
