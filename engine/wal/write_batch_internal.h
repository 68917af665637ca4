// Engine-side helpers for lsm::WriteBatch (lsm/write_batch.h): applying a
// batch to a memtable, and reading the header of an encoded batch. The
// encoding is in engine/wal/FORMAT.md ("Write batch").
//
// This lives in engine/wal, which depends on engine/memtable (for ValueType
// and MemTable), never the other way round.
//
// Thread safety: as WriteBatch and MemTable (one writer per memtable).
#ifndef LSM_ENGINE_WAL_WRITE_BATCH_INTERNAL_H_
#define LSM_ENGINE_WAL_WRITE_BATCH_INTERNAL_H_

#include <cstdint>
#include <string_view>

#include "absl/status/status.h"
#include "engine/memtable/memtable.h"
#include "lsm/write_batch.h"

namespace lsm {

// Adds every entry of batch to *mem, the i-th (from 0) with sequence number
// batch.sequence() + i. DataLoss when the batch is damaged (entries before
// the damage have been added then); InvalidArgument when the sequence
// numbers would pass kMaxSequenceNumber.
// REQUIRES: the caller is mem's only writer.
absl::Status InsertBatchIntoMemTable(const WriteBatch& batch, MemTable* mem);

// Checks a whole encoded batch (header, every entry, the count) without
// copying it. The messages are those of WriteBatch::SetContents.
absl::Status ValidateWriteBatch(std::string_view encoded);

// The count field of an encoded batch. REQUIRES: encoded.size() >= 12
inline uint32_t WriteBatchCount(std::string_view encoded) {
  return DecodeFixed32(encoded.data() + 8);
}
// The sequence field of an encoded batch. REQUIRES: encoded.size() >= 12
inline uint64_t WriteBatchSequence(std::string_view encoded) {
  return DecodeFixed64(encoded.data());
}

}  // namespace lsm

#endif  // LSM_ENGINE_WAL_WRITE_BATCH_INTERNAL_H_
