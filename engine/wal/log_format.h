// Constants of the log (WAL and MANIFEST) framing. The format is described,
// byte by byte, in engine/wal/FORMAT.md.
//
// Persisted: every value here is frozen.
#ifndef LSM_ENGINE_WAL_LOG_FORMAT_H_
#define LSM_ENGINE_WAL_LOG_FORMAT_H_

#include <cstddef>
#include <cstdint>

namespace lsm::log {

enum RecordType : uint8_t {
  // Never written. Zero bytes (preallocated or torn space) parse as this.
  kZeroType = 0,
  kFullType = 1,
  // Fragments of a record that does not fit in the rest of its block.
  kFirstType = 2,
  kMiddleType = 3,
  kLastType = 4,
};
inline constexpr int kMaxRecordType = kLastType;

// A log file is a sequence of blocks of this size (the last one may be short).
inline constexpr size_t kBlockSize = 32768;

// Header of every physical record: masked CRC32C (4 bytes, little-endian) of
// the type byte and the payload, payload length (2 bytes, little-endian), type
// (1 byte).
inline constexpr size_t kHeaderSize = 4 + 2 + 1;

}  // namespace lsm::log

#endif  // LSM_ENGINE_WAL_LOG_FORMAT_H_
