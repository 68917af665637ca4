// Decoding of snappy's raw format (a varint32 of the uncompressed length,
// then literal and copy elements), written for the block sizes of an SST.
//
// libsnappy 1.1.9 (Debian 12's) spends most of a 4 KiB block's decode in
// calls to memmove for literals and in one branch chain per element; values
// of a few dozen random bytes between short copies are the common case of a
// data block, so this decoder copies those in 16-byte pieces inline and falls
// back to exact copies only near the ends of the buffers. It reads and writes
// strictly inside the two buffers it is given, whatever the input: blocks are
// decoded from files that may be damaged, sometimes without a checksum check.
//
// Compression stays with libsnappy: the format is the same, and
// snappy_decoder_test.cc checks that this decoder accepts exactly the
// streams libsnappy accepts and produces the same bytes.

#ifndef LSM_ENGINE_TABLE_SNAPPY_DECODER_H_
#define LSM_ENGINE_TABLE_SNAPPY_DECODER_H_

#include <cstddef>
#include <optional>
#include <string_view>

namespace lsm {

// The uncompressed length a snappy stream declares in its preamble, or
// nullopt if the preamble is not a varint32.
std::optional<size_t> SnappyUncompressedLength(std::string_view compressed);

// Decodes the whole stream into out[0, out_len). Returns false, leaving out
// in an unspecified state, unless the stream is well formed and decodes to
// exactly out_len bytes, the length its preamble declares.
bool SnappyDecode(std::string_view compressed, char* out, size_t out_len);

}  // namespace lsm

#endif  // LSM_ENGINE_TABLE_SNAPPY_DECODER_H_
