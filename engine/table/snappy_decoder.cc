#include "engine/table/snappy_decoder.h"

#include <cstdint>
#include <cstring>

#include "engine/util/coding.h"

namespace lsm {

namespace {

// Element tags: the low two bits name the kind.
constexpr uint8_t kLiteral = 0;
constexpr uint8_t kCopy1ByteOffset = 1;  // length 4..11, offset < 2048
constexpr uint8_t kCopy2ByteOffset = 2;  // length 1..64, offset < 65536
// 3: length 1..64, 4-byte offset.

inline void Copy16(char* dst, const char* src) { std::memcpy(dst, src, 16); }

// A literal of len bytes from ip to op. The fast cases copy whole 16-byte
// pieces, which may run past len but never past either buffer's end; the
// bytes past len are overwritten by the elements that follow.
inline void CopyLiteral(char* op, size_t out_left, const char* ip, size_t in_left, size_t len) {
  if (len <= 16 && in_left >= 16 && out_left >= 16) {
    Copy16(op, ip);
  } else if (len <= 64 && in_left >= 64 && out_left >= 64) {
    Copy16(op, ip);
    Copy16(op + 16, ip + 16);
    Copy16(op + 32, ip + 32);
    Copy16(op + 48, ip + 48);
  } else {
    std::memcpy(op, ip, len);
  }
}

// len bytes from offset bytes back, where the two ranges may overlap (a run
// repeats the last offset bytes). With offset >= 16, each 16-byte piece reads
// only bytes that earlier pieces (or earlier elements) have written.
inline void CopyMatch(char* op, size_t out_left, size_t offset, size_t len) {
  const char* src = op - offset;
  if (offset >= 16 && out_left - len >= 15) {
    for (size_t i = 0; i < len; i += 16) Copy16(op + i, src + i);
  } else {
    for (size_t i = 0; i < len; ++i) op[i] = src[i];
  }
}

}  // namespace

std::optional<size_t> SnappyUncompressedLength(std::string_view compressed) {
  uint32_t len = 0;
  if (DecodeVarint32(compressed.data(), compressed.data() + compressed.size(), &len) == nullptr) {
    return std::nullopt;
  }
  return len;
}

bool SnappyDecode(std::string_view compressed, char* out, size_t out_len) {
  const char* ip = compressed.data();
  const char* const ip_end = ip + compressed.size();
  uint32_t declared = 0;
  ip = DecodeVarint32(ip, ip_end, &declared);
  if (ip == nullptr || declared != out_len) return false;

  char* op = out;
  char* const op_end = out + out_len;
  while (ip < ip_end) {
    const uint8_t tag = static_cast<uint8_t>(*ip++);
    const size_t out_left = static_cast<size_t>(op_end - op);
    if ((tag & 3) == kLiteral) {
      size_t len = (tag >> 2) + 1;
      if (len > 60) {  // 61..64: the length - 1 follows in 1..4 little-endian bytes
        const size_t length_bytes = len - 60;
        if (static_cast<size_t>(ip_end - ip) < length_bytes) return false;
        uint32_t stored = 0;
        for (size_t i = 0; i < length_bytes; ++i) {
          stored |= uint32_t{static_cast<uint8_t>(ip[i])} << (8 * i);
        }
        ip += length_bytes;
        len = size_t{stored} + 1;
      }
      const size_t in_left = static_cast<size_t>(ip_end - ip);
      if (len > in_left || len > out_left) return false;
      CopyLiteral(op, out_left, ip, in_left, len);
      op += len;
      ip += len;
      continue;
    }

    size_t len;
    size_t offset;
    if ((tag & 3) == kCopy1ByteOffset) {
      if (ip_end - ip < 1) return false;
      len = ((tag >> 2) & 7) + 4;
      offset = (size_t{static_cast<uint8_t>(tag >> 5)} << 8) | static_cast<uint8_t>(ip[0]);
      ip += 1;
    } else if ((tag & 3) == kCopy2ByteOffset) {
      if (ip_end - ip < 2) return false;
      len = (tag >> 2) + 1;
      offset = DecodeFixed16(ip);
      ip += 2;
    } else {
      if (ip_end - ip < 4) return false;
      len = (tag >> 2) + 1;
      offset = DecodeFixed32(ip);
      ip += 4;
    }
    // offset 0 would copy bytes not yet written; so would one reaching back
    // before the start of the output.
    if (offset == 0 || offset > static_cast<size_t>(op - out) || len > out_left) return false;
    CopyMatch(op, out_left, offset, len);
    op += len;
  }
  return op == op_end;
}

}  // namespace lsm
