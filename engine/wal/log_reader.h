// log::Reader reads the records a log::Writer wrote, checking every CRC, and
// deals with damage as the WalRecoveryMode says. The exact rules are in
// engine/wal/FORMAT.md ("Reading and recovery modes"); in short:
//
//   kTolerateCorruptedTailRecords  Damage with no intact FULL or FIRST record
//       after it is a torn tail: dropped, reported, status() stays OK.
//       Damage followed by an intact record: status() is DataLoss.
//   kAbsoluteConsistency  Any damage: status() is DataLoss.
//   kPointInTime  The first damage ends the log: everything from it to the end
//       of the file is dropped (and reported); status() stays OK.
//   kSkipAnyCorruptedRecords  Damaged regions are reported and skipped;
//       reading resumes at the next record whose framing is intact (after a
//       checksum or length error, at the next block); status() stays OK.
//
// In every mode a returned record is byte-for-byte one that was written, and
// records come back in the order they were written. Every dropped region is
// passed to the Reporter, with its file offset, length and reason (a DataLoss
// status). ReadRecord returns false at the end of the log, and for good once
// reading stopped (at the end, on an I/O error, or on damage that stops the
// chosen mode); status() then tells which.
//
// Thread safety: not thread-safe; one thread at a time.
#ifndef LSM_ENGINE_WAL_LOG_READER_H_
#define LSM_ENGINE_WAL_LOG_READER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "engine/wal/log_format.h"
#include "lsm/env.h"
#include "lsm/options.h"

namespace lsm::log {

class Reader {
 public:
  // Receives each dropped region of the file.
  class Reporter {
   public:
    virtual ~Reporter() = default;
    // bytes starting at file offset `offset` were dropped; reason is a
    // DataLoss status saying why.
    virtual void Corruption(uint64_t offset, size_t bytes, const absl::Status& reason) = 0;
  };

  // A Reporter that counts the dropped regions and describes the first one
  // ("offset N (M bytes): reason"), for the messages of the DB's recovery.
  class FirstDamageReporter final : public Reporter {
   public:
    void Corruption(uint64_t offset, size_t bytes, const absl::Status& reason) override;
    int count() const { return count_; }
    const std::string& first() const { return first_; }

   private:
    int count_ = 0;
    std::string first_;
  };

  // Reads *file from its current position, which must be the start of the
  // log. file and reporter (may be nullptr) are not owned and must outlive
  // the Reader. block_size: see log::Writer.
  Reader(SequentialFile* file, Reporter* reporter, WalRecoveryMode mode,
         size_t block_size = kBlockSize);
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;
  ~Reader();

  // Reads the next record into *record. False at the end of the log or when
  // reading stopped; see status().
  bool ReadRecord(std::string* record);

  // File offset of the first header of the record ReadRecord returned last.
  uint64_t LastRecordOffset() const { return last_record_offset_; }

  // OK, or why reading stopped early: DataLoss for damage the mode does not
  // accept, the Env's error for an I/O failure.
  absl::Status status() const { return status_; }

  // True when the log ended in damage that was dropped as a torn tail
  // (kTolerateCorruptedTailRecords) or as the rest of the log (kPointInTime).
  bool dropped_tail() const { return dropped_tail_; }
  // Total bytes of every region reported so far.
  uint64_t dropped_bytes() const { return dropped_bytes_; }

 private:
  struct Fragment {
    RecordType type;
    std::string_view payload;
    uint64_t offset;  // of the header
    size_t size;      // header and payload
  };
  struct Damage {
    uint64_t offset;  // of the damaged bytes
    uint64_t resync;  // where reading continues
    std::string reason;
  };
  enum class Physical { kRecord, kEof, kDamage, kIoError };

  // Reads the next physical record, skipping block trailers.
  Physical ReadPhysical(Fragment* fragment, Damage* damage);
  // Reads the next block into block_ / buffer_. False on an I/O error.
  bool ReadBlock();
  // Applies the mode to damage covering [region_start, resync). scan_from is
  // where an intact record proves the damage is not a torn tail. True when
  // reading continues.
  bool HandleDamage(uint64_t region_start, uint64_t resync, const std::string& reason,
                    uint64_t scan_from);
  // True when an intact FULL or FIRST record starts at or after scan_from;
  // reads to the end of the file otherwise. *found: its offset.
  bool ScanForIntactRecord(uint64_t scan_from, uint64_t* found);
  // Reads to the end of the file; false on an I/O error.
  bool DrainToEof();
  // True when a physical record of type FULL or FIRST with a valid checksum
  // starts at data[pos] and lies within data.
  static bool IntactRecordStartAt(std::string_view data, size_t pos);

  void AddRegion(uint64_t offset, uint64_t bytes, const std::string& reason);
  void FlushRegion();
  void Stop(absl::Status s);

  SequentialFile* const file_;
  Reporter* const reporter_;
  const WalRecoveryMode mode_;
  const size_t block_size_;

  std::unique_ptr<char[]> backing_store_;
  std::string_view block_;   // the whole current block as read
  std::string_view buffer_;  // its unread suffix
  uint64_t end_of_buffer_offset_ = 0;  // file offset just past block_
  bool eof_ = false;                   // the last read came up short

  uint64_t last_record_offset_ = 0;
  bool stopped_ = false;
  bool dropped_tail_ = false;
  uint64_t dropped_bytes_ = 0;
  absl::Status status_;

  // The region being reported (kSkipAnyCorruptedRecords merges adjacent
  // ones).
  bool has_region_ = false;
  uint64_t region_offset_ = 0;
  uint64_t region_bytes_ = 0;
  std::string region_reason_;
};

}  // namespace lsm::log

#endif  // LSM_ENGINE_WAL_LOG_READER_H_
