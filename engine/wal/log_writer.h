// log::Writer appends records to a log file in the block framing of
// engine/wal/FORMAT.md. The WAL and the MANIFEST both use it.
//
// Durability: AddRecord hands the whole record (every fragment, and the zero
// trailer of a block it leaves) to the file in one Append followed by one
// Flush, i.e. one writev(2) with the POSIX Env (split only by a short write:
// a full disk, a signal): once AddRecord returns OK the record survives a
// crash of the process. Sync() makes it survive a power loss.
//
// Errors are sticky: after an Append or Flush fails, every later AddRecord
// returns the first error. The file cuts the failed bytes off (lsm/env.h);
// the DB takes no more writes until it is reopened.
//
// Thread safety: not thread-safe; one writer at a time (the DB's write leader).
#ifndef LSM_ENGINE_WAL_LOG_WRITER_H_
#define LSM_ENGINE_WAL_LOG_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "engine/wal/log_format.h"
#include "lsm/env.h"

namespace lsm::log {

class Writer {
 public:
  // Writes to *dest, which must outlive the Writer and is not owned.
  // initial_offset: the current length of dest's file (non-zero when a log is
  // reopened for appending), so the block framing continues where it ends.
  // block_size is kBlockSize in every real log; tests pass small sizes to
  // exercise many block boundaries cheaply. REQUIRES: block_size > kHeaderSize
  explicit Writer(WritableFile* dest, uint64_t initial_offset = 0,
                  size_t block_size = kBlockSize);
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Appends one record (any length, empty included) and flushes it to the OS.
  absl::Status AddRecord(std::string_view record);
  // Makes every added record durable (fdatasync).
  absl::Status Sync();

  // Bytes in the log so far (initial_offset included).
  uint64_t FileSize() const { return file_size_; }

 private:
  WritableFile* const dest_;
  const size_t block_size_;
  size_t block_offset_;  // position in the current block
  uint64_t file_size_;
  absl::Status status_;  // first failure; sticky
  std::string buffer_;   // the framed record being assembled; reused
  // crc32c of each type byte, precomputed: extended over the payload.
  uint32_t type_crc_[kMaxRecordType + 1];
};

}  // namespace lsm::log

#endif  // LSM_ENGINE_WAL_LOG_WRITER_H_
