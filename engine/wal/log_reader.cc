#include "engine/wal/log_reader.h"

#include <cassert>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/util/coding.h"
#include "engine/util/crc32c.h"
#include "lsm/status.h"

namespace lsm::log {

void Reader::FirstDamageReporter::Corruption(uint64_t offset, size_t bytes,
                                             const absl::Status& reason) {
  if (count_++ == 0) {
    first_ = absl::StrCat("offset ", offset, " (", bytes, " bytes): ", reason.message());
  }
}
namespace {

const char* TypeName(uint8_t type) {
  switch (type) {
    case kFullType:
      return "FULL";
    case kFirstType:
      return "FIRST";
    case kMiddleType:
      return "MIDDLE";
    case kLastType:
      return "LAST";
    default:
      return "?";
  }
}

bool AllZero(std::string_view bytes) {
  for (char c : bytes) {
    if (c != 0) return false;
  }
  return true;
}

}  // namespace

Reader::Reader(SequentialFile* file, Reporter* reporter, WalRecoveryMode mode,
               size_t block_size)
    : file_(file),
      reporter_(reporter),
      mode_(mode),
      block_size_(block_size),
      backing_store_(new char[block_size]) {
  assert(block_size > kHeaderSize && block_size - kHeaderSize <= 0xffff);
}

Reader::~Reader() = default;

bool Reader::ReadBlock() {
  std::string_view result;
  absl::Status s = file_->Read(block_size_, &result, backing_store_.get());
  if (!s.ok()) {
    block_ = buffer_ = std::string_view();
    eof_ = true;
    Stop(s);
    return false;
  }
  block_ = buffer_ = result;
  end_of_buffer_offset_ += result.size();
  if (result.size() < block_size_) eof_ = true;
  return true;
}

Reader::Physical Reader::ReadPhysical(Fragment* fragment, Damage* damage) {
  while (true) {
    const uint64_t pos = end_of_buffer_offset_ - buffer_.size();
    const size_t pos_in_block = block_.size() - buffer_.size();
    if (buffer_.size() < kHeaderSize) {
      if (!eof_) {
        // The rest of a full block is its trailer: skip it.
        if (!ReadBlock()) return Physical::kIoError;
        continue;
      }
      // A short block is the last one. Nothing left, or only what fits in a
      // block trailer, is a clean end; a few bytes where a header fits are a
      // header cut off by the end of the file.
      if (buffer_.empty() || pos_in_block + kHeaderSize > block_size_) {
        buffer_ = std::string_view();
        return Physical::kEof;
      }
      damage->offset = pos;
      damage->resync = pos + buffer_.size();
      damage->reason = absl::StrCat("record header cut off by the end of the file (",
                                    buffer_.size(), " of ", kHeaderSize, " bytes)");
      buffer_ = std::string_view();
      return Physical::kDamage;
    }

    const char* header = buffer_.data();
    const uint32_t length = DecodeFixed16(header + 4);
    const uint8_t type = static_cast<uint8_t>(header[6]);
    if (kHeaderSize + length > buffer_.size()) {
      damage->offset = pos;
      damage->resync = pos + buffer_.size();
      if (!eof_ || pos_in_block + kHeaderSize + length > block_size_) {
        damage->reason = absl::StrCat("record length ", length, " exceeds the ",
                                      buffer_.size() - kHeaderSize,
                                      " bytes left in its block");
      } else {
        damage->reason = absl::StrCat("record cut off by the end of the file (",
                                      buffer_.size() - kHeaderSize, " of ", length,
                                      " payload bytes)");
      }
      buffer_ = std::string_view();
      return Physical::kDamage;
    }
    if (type == kZeroType && length == 0 && DecodeFixed32(header) == 0) {
      // Zeros where a header belongs: space reserved in advance and never
      // written (a memory-mapped log left by a crash), or damage. Zeros up
      // to the end of the file are the former: a clean end.
      const std::string_view rest = buffer_;
      if (!AllZero(rest)) {
        // Nothing in the rest of this block can be trusted.
        damage->offset = pos;
        damage->resync = pos + buffer_.size();
        damage->reason = "zero-filled bytes where a record header belongs";
        buffer_ = std::string_view();
        return Physical::kDamage;
      }
      while (!eof_) {
        if (!ReadBlock()) return Physical::kIoError;
        if (!AllZero(buffer_)) {
          // Data after zeros: the zeros were damage. Parsing goes on with
          // this block.
          damage->offset = pos;
          damage->resync = end_of_buffer_offset_ - buffer_.size();
          damage->reason = absl::StrCat("zero-filled bytes where a record header belongs, ",
                                        damage->resync - pos, " bytes up to data at offset ",
                                        damage->resync);
          return Physical::kDamage;
        }
      }
      buffer_ = std::string_view();
      return Physical::kEof;
    }
    const uint32_t expected = crc32c::Unmask(DecodeFixed32(header));
    const uint32_t actual = crc32c::Value(header + 6, 1 + length);  // type byte and payload
    if (actual != expected) {
      // The length may be what is damaged: drop the rest of the block, the
      // next block starts with a header whatever happened here.
      damage->offset = pos;
      damage->resync = pos + buffer_.size();
      damage->reason = absl::StrCat("checksum mismatch in record of length ", length);
      buffer_ = std::string_view();
      return Physical::kDamage;
    }
    buffer_.remove_prefix(kHeaderSize + length);
    if (type < kFullType || type > kMaxRecordType) {
      // The checksum vouches for the length: skip exactly this record.
      damage->offset = pos;
      damage->resync = pos + kHeaderSize + length;
      damage->reason = absl::StrCat("unknown record type ", static_cast<int>(type));
      return Physical::kDamage;
    }
    fragment->type = static_cast<RecordType>(type);
    fragment->payload = std::string_view(header + kHeaderSize, length);
    fragment->offset = pos;
    fragment->size = kHeaderSize + length;
    return Physical::kRecord;
  }
}

bool Reader::ReadRecord(std::string* record) {
  record->clear();
  if (stopped_) return false;

  bool in_fragmented_record = false;
  uint64_t record_start = 0;  // offset of the FIRST fragment being assembled
  Fragment fragment;
  Damage damage;
  while (true) {
    switch (ReadPhysical(&fragment, &damage)) {
      case Physical::kIoError:
        return false;

      case Physical::kEof:
        if (in_fragmented_record) {
          in_fragmented_record = false;
          record->clear();
          const uint64_t end = end_of_buffer_offset_;
          if (!HandleDamage(record_start, end,
                            absl::StrCat("fragmented record cut off by the end of the file (",
                                         end - record_start, " bytes, no LAST fragment)"),
                            end)) {
            return false;
          }
          continue;  // kEof again
        }
        FlushRegion();
        stopped_ = true;
        return false;

      case Physical::kDamage: {
        const uint64_t region_start = in_fragmented_record ? record_start : damage.offset;
        in_fragmented_record = false;
        record->clear();
        if (!HandleDamage(region_start, damage.resync, damage.reason, damage.offset + 1)) {
          return false;
        }
        continue;
      }

      case Physical::kRecord:
        break;
    }

    switch (fragment.type) {
      case kFullType:
      case kFirstType:
        if (in_fragmented_record) {
          // The record being assembled never got its LAST fragment. The
          // fragment at hand is intact: it is the evidence for the tail
          // check.
          in_fragmented_record = false;
          record->clear();
          if (!HandleDamage(record_start, fragment.offset,
                            absl::StrCat("fragmented record without a LAST fragment (a ",
                                         TypeName(fragment.type), " fragment follows)"),
                            fragment.offset)) {
            return false;
          }
        }
        record->assign(fragment.payload.data(), fragment.payload.size());
        if (fragment.type == kFullType) {
          FlushRegion();
          last_record_offset_ = fragment.offset;
          return true;
        }
        in_fragmented_record = true;
        record_start = fragment.offset;
        break;

      case kMiddleType:
      case kLastType:
        if (!in_fragmented_record) {
          // The start of this record was dropped (or never written).
          if (!HandleDamage(fragment.offset, fragment.offset + fragment.size,
                            absl::StrCat(TypeName(fragment.type),
                                         " fragment without a FIRST fragment before it"),
                            fragment.offset + 1)) {
            return false;
          }
          break;
        }
        record->append(fragment.payload.data(), fragment.payload.size());
        if (fragment.type == kLastType) {
          FlushRegion();
          last_record_offset_ = record_start;
          return true;
        }
        break;

      default:
        assert(false);  // ReadPhysical returns known types only
        return false;
    }
  }
}

bool Reader::HandleDamage(uint64_t region_start, uint64_t resync, const std::string& reason,
                          uint64_t scan_from) {
  switch (mode_) {
    case WalRecoveryMode::kSkipAnyCorruptedRecords:
      AddRegion(region_start, resync - region_start, reason);
      return true;

    case WalRecoveryMode::kAbsoluteConsistency:
      AddRegion(region_start, resync - region_start, reason);
      FlushRegion();
      Stop(absl::DataLossError(absl::StrCat("log damaged at offset ", region_start, ": ",
                                            reason)));
      return false;

    case WalRecoveryMode::kPointInTime:
      if (!DrainToEof()) return false;
      AddRegion(region_start, end_of_buffer_offset_ - region_start, reason);
      FlushRegion();
      dropped_tail_ = true;
      stopped_ = true;
      return false;

    case WalRecoveryMode::kTolerateCorruptedTailRecords: {
      uint64_t found = 0;
      if (ScanForIntactRecord(scan_from, &found)) {
        AddRegion(region_start, found - region_start, reason);
        FlushRegion();
        Stop(absl::DataLossError(absl::StrCat(
            "log damaged at offset ", region_start, " (", reason,
            ") and an intact record follows at offset ", found, ": not a torn tail")));
        return false;
      }
      if (!status_.ok()) return false;  // I/O error while scanning
      AddRegion(region_start, end_of_buffer_offset_ - region_start,
                absl::StrCat("torn tail: ", reason));
      FlushRegion();
      dropped_tail_ = true;
      stopped_ = true;
      return false;
    }
  }
  return false;
}

bool Reader::IntactRecordStartAt(std::string_view data, size_t pos) {
  if (pos + kHeaderSize > data.size()) return false;
  const char* header = data.data() + pos;
  const uint8_t type = static_cast<uint8_t>(header[6]);
  if (type != kFullType && type != kFirstType) return false;
  const uint32_t length = DecodeFixed16(header + 4);
  if (pos + kHeaderSize + length > data.size()) return false;
  return crc32c::Unmask(DecodeFixed32(header)) == crc32c::Value(header + 6, 1 + length);
}

bool Reader::ScanForIntactRecord(uint64_t scan_from, uint64_t* found) {
  // Physical records never cross a block boundary, so each block is
  // searched on its own, at every byte offset: the damage may have shifted
  // anything.
  uint64_t block_start = end_of_buffer_offset_ - block_.size();
  size_t pos = scan_from > block_start ? static_cast<size_t>(scan_from - block_start) : 0;
  while (true) {
    for (; pos + kHeaderSize <= block_.size(); ++pos) {
      if (IntactRecordStartAt(block_, pos)) {
        *found = block_start + pos;
        return true;
      }
    }
    if (eof_) return false;
    if (!ReadBlock()) return false;
    block_start = end_of_buffer_offset_ - block_.size();
    pos = 0;
  }
}

bool Reader::DrainToEof() {
  while (!eof_) {
    if (!ReadBlock()) return false;
  }
  buffer_ = std::string_view();
  return true;
}

void Reader::AddRegion(uint64_t offset, uint64_t bytes, const std::string& reason) {
  if (bytes == 0) return;
  dropped_bytes_ += bytes;
  if (has_region_ && region_offset_ + region_bytes_ == offset) {
    region_bytes_ += bytes;  // adjacent: one region, first reason
    return;
  }
  FlushRegion();
  has_region_ = true;
  region_offset_ = offset;
  region_bytes_ = bytes;
  region_reason_ = reason;
}

void Reader::FlushRegion() {
  if (!has_region_) return;
  has_region_ = false;
  if (reporter_ != nullptr) {
    reporter_->Corruption(region_offset_, static_cast<size_t>(region_bytes_),
                          absl::DataLossError(region_reason_));
  }
}

void Reader::Stop(absl::Status s) {
  FlushRegion();
  stopped_ = true;
  if (status_.ok()) status_ = std::move(s);
}

}  // namespace lsm::log
