// The SST file format's building blocks: block handles, the fixed-size
// footer, the block trailer (compression type + CRC32C), and reading one block
// back with its checksum verified and its contents decompressed.
// See FORMAT.md beside this file for the byte-level layout.
//
// Thread safety: plain values and free functions; ReadBlock may be called
// from many threads at once on one RandomAccessFile.
#ifndef LSM_ENGINE_TABLE_FORMAT_H_
#define LSM_ENGINE_TABLE_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lsm/env.h"
#include "lsm/options.h"

namespace lsm {

// The last 8 bytes of every SST: "\x89LSMSST\n" (stored little-endian). The
// high first byte and the trailing newline catch 7-bit and text-mode damage,
// as PNG's signature does. Frozen.
inline constexpr uint64_t kTableMagicNumber = 0x0a5453534d534c89ull;
// The format this code writes; readers accept [1, kTableFormatVersion].
inline constexpr uint32_t kTableFormatVersion = 1;

// Every block is followed by: compression type (1 byte) + masked CRC32C (4
// bytes) of the stored contents and the type byte.
inline constexpr size_t kBlockTrailerSize = 5;

// A stored block's size excluding its trailer; larger handles are damage.
// Generous: a data block holds at least one entry, and values go to 1 GiB.
inline constexpr uint64_t kMaxBlockSize = uint64_t{3} << 30;

// Names in the meta-index block. Frozen.
inline constexpr std::string_view kFilterBlockName = "filter.bloom";
inline constexpr std::string_view kPropertiesBlockName = "properties";
inline constexpr std::string_view kRangeDeletionsBlockName = "range_deletions";

// Where a block sits in the file: its offset and its stored size (without
// the trailer). Encoded as varint64 offset, varint64 size.
class BlockHandle {
 public:
  // Two varint64s.
  static constexpr size_t kMaxEncodedLength = 20;

  BlockHandle() = default;
  BlockHandle(uint64_t offset, uint64_t size) : offset_(offset), size_(size) {}

  uint64_t offset() const { return offset_; }
  uint64_t size() const { return size_; }
  void set_offset(uint64_t v) { offset_ = v; }
  void set_size(uint64_t v) { size_ = v; }

  void EncodeTo(std::string* dst) const;
  // Writes the encoding at dst (room for kMaxEncodedLength bytes); returns
  // its end.
  char* EncodeTo(char* dst) const;
  std::string Encode() const;
  // Consumes a handle from the front of *input; false when malformed.
  bool DecodeFrom(std::string_view* input);

 private:
  uint64_t offset_ = 0;
  uint64_t size_ = 0;
};

// The fixed-size tail of the file:
//   metaindex handle, index handle (varints, zero-padded to 40 bytes)
//   format_version  fixed32
//   footer_crc      fixed32  masked CRC32C of the 44 bytes before it
//   magic           fixed64  kTableMagicNumber
struct Footer {
  static constexpr size_t kHandlesSize = 2 * BlockHandle::kMaxEncodedLength;
  static constexpr size_t kEncodedLength = kHandlesSize + 4 + 4 + 8;  // 56

  BlockHandle metaindex_handle;
  BlockHandle index_handle;
  uint32_t format_version = kTableFormatVersion;

  // Appends exactly kEncodedLength bytes.
  void EncodeTo(std::string* dst) const;
  // REQUIRES: input.size() == kEncodedLength. DataLoss on a bad magic number,
  // checksum, handle or unknown format version.
  static absl::StatusOr<Footer> DecodeFrom(std::string_view input);
};

// The bytes of one block: owned, or borrowed from memory that outlives the
// buffer (a table's memory-mapped file, for blocks stored uncompressed).
// Unlike a std::string, an owned buffer can be given a size without
// zero-filling it first, which a freshly decompressed block would only
// overwrite (a memset of every block read from a file).
class BlockBuffer {
 public:
  BlockBuffer() = default;
  // A copy of bytes.
  explicit BlockBuffer(std::string_view bytes) : BlockBuffer(Uninitialized(bytes.size())) {
    if (!bytes.empty()) std::memcpy(owned_.get(), bytes.data(), bytes.size());
  }
  // n bytes of unspecified contents, for the caller to fill in.
  static BlockBuffer Uninitialized(size_t n) {
    BlockBuffer b;
    if (n > 0) b.owned_.reset(new char[n]);
    b.data_ = b.owned_.get();
    b.size_ = n;
    return b;
  }
  // bytes themselves, not a copy. REQUIRES: they outlive the buffer.
  static BlockBuffer Borrowed(std::string_view bytes) {
    BlockBuffer b;
    b.data_ = bytes.data();
    b.size_ = bytes.size();
    return b;
  }

  BlockBuffer(BlockBuffer&& other) noexcept
      : owned_(std::move(other.owned_)),
        data_(std::exchange(other.data_, nullptr)),
        size_(std::exchange(other.size_, 0)) {}
  BlockBuffer& operator=(BlockBuffer&& other) noexcept {
    owned_ = std::move(other.owned_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    return *this;
  }

  const char* data() const { return data_; }
  // REQUIRES: the buffer owns its bytes.
  char* mutable_data() { return owned_.get(); }
  size_t size() const { return size_; }
  bool borrowed() const { return data_ != nullptr && owned_ == nullptr; }
  std::string_view view() const { return std::string_view(data_, size_); }

 private:
  std::unique_ptr<char[]> owned_;
  const char* data_ = nullptr;
  size_t size_ = 0;
};

// One block as read from a file: uncompressed contents, owned.
struct BlockContents {
  BlockBuffer data;
  // How the block was stored, and its stored size (without trailer).
  Compression stored_compression = Compression::kNone;
  uint64_t stored_size = 0;
};

// Reads the block at handle: verifies its checksum (when verify_checksum),
// then decompresses it. DataLoss "block at offset N: ..." on a short read, a
// checksum mismatch, an unknown compression type or undecodable compressed
// data; the file's own error for an I/O failure.
//
// With BlockSource::kInPlaceWhenStoredUncompressed, from a file that reads
// in place (RandomAccessFile::ReadsInPlace), a block stored uncompressed is
// not copied: its contents borrow the file's memory and are valid only while
// the file is. Compressed blocks, and every block of other files, are read
// into buffers of their own either way.
enum class BlockSource { kCopy, kInPlaceWhenStoredUncompressed };
absl::StatusOr<BlockContents> ReadBlock(const RandomAccessFile* file, const BlockHandle& handle,
                                        bool verify_checksum,
                                        BlockSource source = BlockSource::kCopy);

// Compresses raw with type into *out. False when type is kNone or the
// compressor failed (the caller then stores raw).
bool CompressBlock(Compression type, std::string_view raw, std::string* out);

// Masked CRC32C of a block's stored contents followed by its type byte.
uint32_t BlockChecksum(std::string_view stored, uint8_t type);

// "none", "snappy", "zstd", or "unknown(N)".
std::string CompressionName(Compression type);

}  // namespace lsm

#endif  // LSM_ENGINE_TABLE_FORMAT_H_
