// TableProperties: facts about one SST gathered while it was built, stored
// in its properties block as name → value pairs (names sorted bytewise;
// numbers as varint64, keys as raw bytes). Unknown names are ignored on
// read, so properties can be added without a format change.
// See FORMAT.md "Properties block".
//
// Thread safety: a plain value.
#ifndef LSM_ENGINE_TABLE_PROPERTIES_H_
#define LSM_ENGINE_TABLE_PROPERTIES_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/table/block.h"
#include "lsm/options.h"

namespace lsm {

struct TableProperties {
  uint64_t num_entries = 0;
  uint64_t num_deletions = 0;
  uint64_t num_range_deletions = 0;  // entries of the range_deletions block
  uint64_t raw_key_size = 0;    // sum of internal key sizes
  uint64_t raw_value_size = 0;  // sum of value sizes
  uint64_t data_size = 0;       // stored data blocks, trailers included
  uint64_t raw_data_size = 0;   // data blocks before compression
  uint64_t index_size = 0;      // index block, trailer included
  uint64_t filter_size = 0;     // filter block, trailer included; 0: none
  uint64_t num_data_blocks = 0;
  uint64_t num_compressed_blocks = 0;  // data blocks stored compressed
  std::string smallest_key;  // internal keys; empty when num_entries == 0
  std::string largest_key;
  uint64_t smallest_seqno = 0;
  uint64_t largest_seqno = 0;
  Compression compression = Compression::kNone;  // the configured one
  uint64_t format_version = 0;
  uint64_t filter_bits_per_key = 0;
  uint64_t block_size = 0;
  uint64_t block_restart_interval = 0;
  uint64_t creation_time_micros = 0;  // wall clock, microseconds since the epoch

  // The properties block's contents (before its trailer).
  std::string Encode() const;
  // Parses a properties block. DataLoss when an entry is malformed.
  static absl::StatusOr<TableProperties> Decode(const Block& block);

  // Every property as (name, human-readable value), in name order; keys as
  // "user_key @ seq PUT|DEL" with bytes outside printable ASCII as \xNN.
  std::vector<std::pair<std::string, std::string>> ToStrings() const;
};

}  // namespace lsm

#endif  // LSM_ENGINE_TABLE_PROPERTIES_H_
