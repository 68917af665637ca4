#include "engine/table/format.h"

#include <cstring>
#include <string>

#include "engine/table/string_file.h"
#include "engine/util/coding.h"
#include "engine/util/random.h"
#include "gtest/gtest.h"

namespace lsm {
namespace {

// Lays out a stored block (contents + trailer) at offset 0 of a file.
std::string StoredBlock(std::string_view stored, Compression type) {
  std::string file(stored);
  file.push_back(static_cast<char>(type));
  PutFixed32(&file, BlockChecksum(stored, static_cast<uint8_t>(type)));
  return file;
}

std::string Compressible(size_t n) {
  std::string s;
  while (s.size() < n) s += "the quick brown fox jumps over the lazy dog ";
  s.resize(n);
  return s;
}

TEST(BlockHandleTest, RoundTrip) {
  for (uint64_t off : {uint64_t{0}, uint64_t{1}, uint64_t{300}, uint64_t{1} << 40, ~uint64_t{0}}) {
    BlockHandle h(off, off / 3 + 7);
    std::string enc = h.Encode();
    EXPECT_LE(enc.size(), BlockHandle::kMaxEncodedLength);
    enc += "tail";
    std::string_view in = enc;
    BlockHandle d;
    ASSERT_TRUE(d.DecodeFrom(&in));
    EXPECT_EQ(d.offset(), h.offset());
    EXPECT_EQ(d.size(), h.size());
    EXPECT_EQ(in, "tail");
  }
  std::string_view truncated("\x80", 1);
  BlockHandle d;
  EXPECT_FALSE(d.DecodeFrom(&truncated));
}

TEST(FooterTest, RoundTripAndFixedSize) {
  Footer f;
  f.metaindex_handle = BlockHandle(~uint64_t{0}, ~uint64_t{0});
  f.index_handle = BlockHandle(~uint64_t{0} - 1, 12345);
  std::string enc;
  f.EncodeTo(&enc);
  ASSERT_EQ(enc.size(), Footer::kEncodedLength);
  EXPECT_EQ(DecodeFixed64(enc.data() + enc.size() - 8), kTableMagicNumber);
  EXPECT_EQ(enc.substr(enc.size() - 8), std::string("\x89LSMSST\n", 8));
  absl::StatusOr<Footer> d = Footer::DecodeFrom(enc);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->metaindex_handle.offset(), f.metaindex_handle.offset());
  EXPECT_EQ(d->index_handle.size(), 12345u);
  EXPECT_EQ(d->format_version, kTableFormatVersion);
}

TEST(FooterTest, EveryFlippedByteIsDetected) {
  Footer f;
  f.metaindex_handle = BlockHandle(1000, 50);
  f.index_handle = BlockHandle(1055, 300);
  std::string enc;
  f.EncodeTo(&enc);
  for (size_t i = 0; i < enc.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = enc;
      bad[i] ^= static_cast<char>(1 << bit);
      absl::StatusOr<Footer> d = Footer::DecodeFrom(bad);
      ASSERT_FALSE(d.ok()) << "byte " << i << " bit " << bit;
      EXPECT_EQ(d.status().code(), absl::StatusCode::kDataLoss);
    }
  }
  EXPECT_EQ(Footer::DecodeFrom(enc.substr(1)).status().code(), absl::StatusCode::kDataLoss);
}

TEST(ReadBlockTest, EveryCompressionRoundTrips) {
  const std::string raw = Compressible(10000);
  for (Compression c : {Compression::kNone, Compression::kSnappy, Compression::kZstd}) {
    SCOPED_TRACE(CompressionName(c));
    std::string stored = raw;
    if (c != Compression::kNone) {
      ASSERT_TRUE(CompressBlock(c, raw, &stored));
      EXPECT_LT(stored.size(), raw.size() / 4);
    }
    for (bool copy : {true, false}) {
      StringSource file(StoredBlock(stored, c), copy);
      absl::StatusOr<BlockContents> b = ReadBlock(&file, BlockHandle(0, stored.size()), true);
      ASSERT_TRUE(b.ok()) << b.status();
      EXPECT_EQ(b->data.view(), raw);
      EXPECT_EQ(b->stored_compression, c);
      EXPECT_EQ(b->stored_size, stored.size());
    }
  }
}

TEST(ReadBlockTest, ChecksumMismatchNamesTheOffset) {
  std::string file(100, 'x');
  file += StoredBlock("hello block", Compression::kNone);
  file[105] ^= 1;
  StringSource src(file);
  absl::StatusOr<BlockContents> b = ReadBlock(&src, BlockHandle(100, 11), true);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(std::string(b.status().message()), "block at offset 100: checksum mismatch");
  // Without verification the damaged bytes come back as they are.
  b = ReadBlock(&src, BlockHandle(100, 11), false);
  ASSERT_TRUE(b.ok());
}

// A compressed block's claimed uncompressed size is checked against what its
// bytes could expand to before it is allocated: a damaged length read without
// checksum verification is reported, not allocated (2 GiB here).
TEST(ReadBlockTest, ImpossibleUncompressedSizeIsDamageNotAnAllocation) {
  std::string snappy_block;
  PutVarint32(&snappy_block, 2000u << 20);  // the length header of a snappy stream
  snappy_block.append(40, '\x11');
  StringSource snappy_src(StoredBlock(snappy_block, Compression::kSnappy));
  absl::StatusOr<BlockContents> b =
      ReadBlock(&snappy_src, BlockHandle(0, snappy_block.size()), /*verify_checksum=*/false);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(b.status().message().find("claims 2097152000 bytes from 45"), absl::string_view::npos)
      << b.status();

  // A zstd frame header with a single-segment content size of 2 GiB.
  std::string zstd_block("\x28\xb5\x2f\xfd", 4);  // magic
  zstd_block.push_back(static_cast<char>(0xe0));   // 8-byte content size, single segment
  std::string size;
  PutFixed64(&size, uint64_t{2000} << 20);
  zstd_block += size;
  zstd_block.append(30, '\0');
  StringSource zstd_src(StoredBlock(zstd_block, Compression::kZstd));
  b = ReadBlock(&zstd_src, BlockHandle(0, zstd_block.size()), /*verify_checksum=*/false);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(b.status().message().find("claims 2097152000 bytes from 43"), absl::string_view::npos)
      << b.status();
}

TEST(ReadBlockTest, TruncatedAndUnknownType) {
  StringSource src(StoredBlock("abc", Compression::kNone));
  EXPECT_EQ(ReadBlock(&src, BlockHandle(0, 4), true).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(ReadBlock(&src, BlockHandle(0, kMaxBlockSize + 1), true).status().code(),
            absl::StatusCode::kDataLoss);
  std::string bad = "abc";
  bad.push_back(7);
  PutFixed32(&bad, BlockChecksum("abc", 7));
  StringSource src2(bad);
  absl::StatusOr<BlockContents> b = ReadBlock(&src2, BlockHandle(0, 3), true);
  EXPECT_EQ(b.status().code(), absl::StatusCode::kDataLoss);
}

// Damaged compressed payloads (checksums off, so the decompressor sees them)
// fail with DataLoss or decode to something; they never crash.
TEST(ReadBlockTest, CorruptCompressedDataNeverCrashes) {
  const std::string raw = Compressible(3000);
  for (Compression c : {Compression::kSnappy, Compression::kZstd}) {
    std::string stored;
    ASSERT_TRUE(CompressBlock(c, raw, &stored));
    int failures = 0;
    const std::string good_file = StoredBlock(stored, c);
    for (size_t i = 0; i < stored.size(); ++i) {
      std::string bad_file = good_file;
      bad_file[i] ^= 0x5a;
      StringSource file(bad_file);
      absl::StatusOr<BlockContents> b = ReadBlock(&file, BlockHandle(0, stored.size()), false);
      if (!b.ok()) {
        EXPECT_EQ(b.status().code(), absl::StatusCode::kDataLoss);
        ++failures;
      }
      // With checksums on, every flip is caught before decompression.
      absl::StatusOr<BlockContents> v = ReadBlock(&file, BlockHandle(0, stored.size()), true);
      ASSERT_FALSE(v.ok());
      EXPECT_EQ(std::string(v.status().message()), "block at offset 0: checksum mismatch");
    }
    EXPECT_GT(failures, 0) << CompressionName(c);
  }
}

TEST(CompressTest, RandomDataDoesNotShrink) {
  Random rnd(301);
  const std::string raw = rnd.Bytes(4096);
  for (Compression c : {Compression::kSnappy, Compression::kZstd}) {
    std::string out;
    ASSERT_TRUE(CompressBlock(c, raw, &out));
    // The builder's rule (shrink by at least 1/8) then stores it raw.
    EXPECT_GE(out.size(), raw.size() - raw.size() / 8) << CompressionName(c);
  }
  std::string out;
  EXPECT_FALSE(CompressBlock(Compression::kNone, raw, &out));
}

TEST(BlockBufferTest, HoldsACopyAndMovesOut) {
  std::string bytes = "block bytes";
  BlockBuffer a(bytes);
  bytes[0] = 'X';  // a holds its own copy
  EXPECT_EQ(a.view(), "block bytes");
  BlockBuffer b = std::move(a);
  EXPECT_EQ(b.view(), "block bytes");
  EXPECT_EQ(a.size(), 0u);  // NOLINT(bugprone-use-after-move): moved-from is empty
  BlockBuffer c = BlockBuffer::Uninitialized(3);
  ASSERT_EQ(c.size(), 3u);
  std::memcpy(c.mutable_data(), "abc", 3);
  EXPECT_EQ(c.view(), "abc");
  EXPECT_EQ(BlockBuffer().view(), "");
}

}  // namespace
}  // namespace lsm
