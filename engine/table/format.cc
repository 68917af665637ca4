#include "engine/table/format.h"

#include <snappy.h>
#include <zstd.h>

#include <cstring>
#include <memory>
#include <optional>

#include "absl/strings/str_cat.h"
#include "engine/table/snappy_decoder.h"
#include "engine/util/coding.h"
#include "engine/util/crc32c.h"
#include "lsm/status.h"

namespace lsm {

namespace {

// zstd contexts are costly to create (hundreds of KB); keep one per thread.
struct ZstdCCtxDeleter {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct ZstdDCtxDeleter {
  void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
};

ZSTD_CCtx* ThreadZstdCCtx() {
  thread_local std::unique_ptr<ZSTD_CCtx, ZstdCCtxDeleter> ctx(ZSTD_createCCtx());
  return ctx.get();
}

ZSTD_DCtx* ThreadZstdDCtx() {
  thread_local std::unique_ptr<ZSTD_DCtx, ZstdDCtxDeleter> ctx(ZSTD_createDCtx());
  return ctx.get();
}

// zstd level 3 is zstd's own default: near snappy's speed on decode, a
// clearly better ratio.
constexpr int kZstdLevel = 3;

// The most a snappy stream of n bytes can decompress to: its densest element
// is a 3-byte copy of 64 bytes (the length header adds nothing).
constexpr uint64_t kMaxSnappyExpansion = 22;

// The most a zstd frame of n bytes can decompress to: its densest block is a
// run-length block, a 3-byte header and 1 byte for up to 128 KiB.
uint64_t MaxZstdContentSize(size_t n) { return (uint64_t{n} / 4 + 1) * (128 << 10); }

absl::Status BlockError(uint64_t offset, std::string_view what) {
  return absl::DataLossError(absl::StrCat("block at offset ", offset, ": ", ToAbsl(what)));
}

}  // namespace

void BlockHandle::EncodeTo(std::string* dst) const {
  char buf[kMaxEncodedLength];
  dst->append(buf, static_cast<size_t>(EncodeTo(buf) - buf));
}

char* BlockHandle::EncodeTo(char* dst) const {
  return EncodeVarint64(EncodeVarint64(dst, offset_), size_);
}

std::string BlockHandle::Encode() const {
  std::string s;
  EncodeTo(&s);
  return s;
}

bool BlockHandle::DecodeFrom(std::string_view* input) {
  return GetVarint64(input, &offset_) && GetVarint64(input, &size_);
}

void Footer::EncodeTo(std::string* dst) const {
  const size_t start = dst->size();
  metaindex_handle.EncodeTo(dst);
  index_handle.EncodeTo(dst);
  dst->resize(start + kHandlesSize, '\0');
  PutFixed32(dst, format_version);
  PutFixed32(dst, crc32c::Mask(crc32c::Value(dst->data() + start, kHandlesSize + 4)));
  PutFixed64(dst, kTableMagicNumber);
}

absl::StatusOr<Footer> Footer::DecodeFrom(std::string_view input) {
  if (input.size() != kEncodedLength) {
    return absl::DataLossError(absl::StrCat("footer: ", input.size(), " bytes, expected ",
                                            kEncodedLength));
  }
  const char* p = input.data();
  if (DecodeFixed64(p + kHandlesSize + 8) != kTableMagicNumber) {
    return absl::DataLossError("footer: bad magic number (not an SST file)");
  }
  const uint32_t expected = crc32c::Unmask(DecodeFixed32(p + kHandlesSize + 4));
  if (crc32c::Value(p, kHandlesSize + 4) != expected) {
    return absl::DataLossError("footer: checksum mismatch");
  }
  Footer f;
  f.format_version = DecodeFixed32(p + kHandlesSize);
  if (f.format_version == 0 || f.format_version > kTableFormatVersion) {
    return absl::DataLossError(
        absl::StrCat("footer: unsupported format version ", f.format_version));
  }
  std::string_view handles(p, kHandlesSize);
  if (!f.metaindex_handle.DecodeFrom(&handles) || !f.index_handle.DecodeFrom(&handles)) {
    return absl::DataLossError("footer: malformed block handle");
  }
  return f;
}

uint32_t BlockChecksum(std::string_view stored, uint8_t type) {
  uint32_t crc = crc32c::Value(stored.data(), stored.size());
  const char t = static_cast<char>(type);
  crc = crc32c::Extend(crc, &t, 1);
  return crc32c::Mask(crc);
}

bool CompressBlock(Compression type, std::string_view raw, std::string* out) {
  switch (type) {
    case Compression::kNone:
      return false;
    case Compression::kSnappy: {
      out->resize(snappy::MaxCompressedLength(raw.size()));
      size_t n = 0;
      snappy::RawCompress(raw.data(), raw.size(), out->data(), &n);
      out->resize(n);
      return true;
    }
    case Compression::kZstd: {
      out->resize(ZSTD_compressBound(raw.size()));
      ZSTD_CCtx* ctx = ThreadZstdCCtx();
      if (ctx == nullptr) return false;
      const size_t n =
          ZSTD_compressCCtx(ctx, out->data(), out->size(), raw.data(), raw.size(), kZstdLevel);
      if (ZSTD_isError(n)) return false;
      out->resize(n);
      return true;
    }
  }
  return false;
}

std::string CompressionName(Compression type) {
  switch (type) {
    case Compression::kNone:
      return "none";
    case Compression::kSnappy:
      return "snappy";
    case Compression::kZstd:
      return "zstd";
  }
  return absl::StrCat("unknown(", static_cast<int>(type), ")");
}

absl::StatusOr<BlockContents> ReadBlock(const RandomAccessFile* file, const BlockHandle& handle,
                                        bool verify_checksum, BlockSource source) {
  const uint64_t offset = handle.offset();
  if (handle.size() > kMaxBlockSize) {
    return BlockError(offset, absl::StrCat("implausible size ", handle.size()));
  }
  const size_t n = static_cast<size_t>(handle.size());
  // Files that hand out their own memory (memory-mapped ones) leave scratch
  // untouched: the checksum and decompression then read the mapping
  // directly, and only the final block contents are copied.
  // Everything read is copied out before returning, so a per-thread buffer
  // serves ordinary block sizes without an allocation per read.
  constexpr size_t kReusableScratch = 64 << 10;
  thread_local const std::unique_ptr<char[]> reusable(new char[kReusableScratch]);
  std::unique_ptr<char[]> owned;
  char* scratch = reusable.get();
  if (n + kBlockTrailerSize > kReusableScratch) {
    owned.reset(new char[n + kBlockTrailerSize]);
    scratch = owned.get();
  }
  std::string_view got;
  absl::Status s = file->Read(offset, n + kBlockTrailerSize, &got, scratch);
  if (!s.ok()) return s;
  if (got.size() != n + kBlockTrailerSize) {
    return BlockError(offset, absl::StrCat("truncated (read ", got.size(), " of ",
                                           n + kBlockTrailerSize, " bytes)"));
  }
  const char* const data = got.data();
  // From a mapping, the block's lines are still in memory (or not yet mapped
  // at all); ask for all of them at once instead of one by one as the
  // checksum reaches them.
  for (size_t off = 0; off < n + kBlockTrailerSize; off += 64) __builtin_prefetch(data + off);

  const uint8_t type = static_cast<uint8_t>(data[n]);
  if (verify_checksum) {
    const uint32_t stored_crc = DecodeFixed32(data + n + 1);
    if (BlockChecksum(std::string_view(data, n), type) != stored_crc) {
      return BlockError(offset, "checksum mismatch");
    }
  }

  BlockContents result;
  result.stored_size = n;
  switch (type) {
    case static_cast<uint8_t>(Compression::kNone):
      result.data = source == BlockSource::kInPlaceWhenStoredUncompressed && file->ReadsInPlace()
                        ? BlockBuffer::Borrowed(std::string_view(data, n))
                        : BlockBuffer(std::string_view(data, n));
      result.stored_compression = Compression::kNone;
      return result;
    case static_cast<uint8_t>(Compression::kSnappy): {
      const std::optional<size_t> claimed = SnappyUncompressedLength(std::string_view(data, n));
      if (!claimed.has_value() || *claimed > kMaxBlockSize) {
        return BlockError(offset, "corrupted snappy data");
      }
      const size_t ulen = *claimed;
      // The length is the block's own claim, read before anything checks the
      // data (reads may skip checksums): bound it by what n bytes can expand
      // to before allocating it.
      if (ulen > kMaxSnappyExpansion * uint64_t{n}) {
        return BlockError(offset, absl::StrCat("corrupted snappy data: claims ", ulen,
                                               " bytes from ", n));
      }
      result.data = BlockBuffer::Uninitialized(ulen);
      if (!SnappyDecode(std::string_view(data, n), result.data.mutable_data(), ulen)) {
        return BlockError(offset, "corrupted snappy data");
      }
      result.stored_compression = Compression::kSnappy;
      return result;
    }
    case static_cast<uint8_t>(Compression::kZstd): {
      const unsigned long long ulen = ZSTD_getFrameContentSize(data, n);
      if (ulen == ZSTD_CONTENTSIZE_ERROR || ulen == ZSTD_CONTENTSIZE_UNKNOWN ||
          ulen > kMaxBlockSize) {
        return BlockError(offset, "corrupted zstd data");
      }
      if (ulen > MaxZstdContentSize(n)) {  // as for snappy above
        return BlockError(offset, absl::StrCat("corrupted zstd data: claims ", ulen,
                                               " bytes from ", n));
      }
      result.data = BlockBuffer::Uninitialized(static_cast<size_t>(ulen));
      ZSTD_DCtx* ctx = ThreadZstdDCtx();
      if (ctx == nullptr) return absl::ResourceExhaustedError("zstd: cannot allocate a context");
      const size_t got_len =
          ZSTD_decompressDCtx(ctx, result.data.mutable_data(), result.data.size(), data, n);
      if (ZSTD_isError(got_len) || got_len != ulen) {
        return BlockError(offset, "corrupted zstd data");
      }
      result.stored_compression = Compression::kZstd;
      return result;
    }
    default:
      return BlockError(offset, absl::StrCat("unknown compression type ", type));
  }
}

}  // namespace lsm
