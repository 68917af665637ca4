#include "engine/wal/log_writer.h"

#include <algorithm>
#include <cassert>

#include "engine/util/coding.h"
#include "engine/util/crc32c.h"

namespace lsm::log {
namespace {
// A buffer that grew beyond this for a huge record is released afterwards.
constexpr size_t kMaxRetainedBuffer = 1 << 20;
}  // namespace

Writer::Writer(WritableFile* dest, uint64_t initial_offset, size_t block_size)
    : dest_(dest),
      block_size_(block_size),
      block_offset_(initial_offset % block_size),
      file_size_(initial_offset) {
  assert(block_size > kHeaderSize);
  for (int t = 0; t <= kMaxRecordType; ++t) {
    const char c = static_cast<char>(t);
    type_crc_[t] = crc32c::Value(&c, 1);
  }
}

absl::Status Writer::AddRecord(std::string_view record) {
  if (!status_.ok()) return status_;

  // Every fragment costs a header, and a block may need a trailer first.
  const size_t fragments_estimate = record.size() / (block_size_ - kHeaderSize) + 2;
  buffer_.clear();
  buffer_.reserve(record.size() + fragments_estimate * (kHeaderSize + kHeaderSize));

  const char* ptr = record.data();
  size_t left = record.size();
  bool begin = true;
  do {
    const size_t leftover = block_size_ - block_offset_;
    if (leftover < kHeaderSize) {
      // Too small for a header: fill the trailer with zeros, start a block.
      buffer_.append(leftover, '\0');
      block_offset_ = 0;
    }
    const size_t avail = block_size_ - block_offset_ - kHeaderSize;
    const size_t fragment = std::min(left, avail);
    const bool end = fragment == left;
    const RecordType type = begin && end ? kFullType
                            : begin      ? kFirstType
                            : end        ? kLastType
                                         : kMiddleType;

    char header[kHeaderSize];
    const uint32_t crc = crc32c::Extend(type_crc_[type], ptr, fragment);
    EncodeFixed32(header, crc32c::Mask(crc));
    EncodeFixed16(header + 4, static_cast<uint16_t>(fragment));
    header[6] = static_cast<char>(type);
    buffer_.append(header, kHeaderSize);
    buffer_.append(ptr, fragment);

    block_offset_ += kHeaderSize + fragment;
    ptr += fragment;
    left -= fragment;
    begin = false;
  } while (left > 0);

  absl::Status s = dest_->Append(buffer_);
  if (s.ok()) s = dest_->Flush();
  if (s.ok()) {
    file_size_ += buffer_.size();
  } else {
    status_ = s;
  }
  if (buffer_.capacity() > kMaxRetainedBuffer) std::string().swap(buffer_);
  return s;
}

absl::Status Writer::Sync() {
  if (!status_.ok()) return status_;
  absl::Status s = dest_->Sync();
  if (!s.ok()) status_ = s;
  return s;
}

}  // namespace lsm::log
