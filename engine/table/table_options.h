// TableOptions: the subset of lsm::Options that shapes how an SST is written
// and read.
//
// Thread safety: a plain value.
#ifndef LSM_ENGINE_TABLE_TABLE_OPTIONS_H_
#define LSM_ENGINE_TABLE_TABLE_OPTIONS_H_

#include <atomic>
#include <cstddef>

#include "lsm/options.h"

namespace lsm {

// Counters that the tables of one DB share (its statistics and memory
// accounting).
struct TableReadCounters {
  std::atomic<uint64_t> filter_checks{0};     // lookups a filter was asked about
  std::atomic<uint64_t> filter_negatives{0};  // ... that it answered "absent"
  // Bytes of the data blocks table iterators hold right now (cached or not).
  std::atomic<int64_t> iterator_pinned_bytes{0};
};

struct TableOptions {
  // Target uncompressed size of a data block.
  size_t block_size = 4096;
  // Entries between full keys inside a data block.
  int block_restart_interval = 16;
  // 0: no filter block.
  int bloom_bits_per_key = 10;
  Compression compression = Compression::kSnappy;
  // Where readers count their filter checks too; nullptr: nowhere.
  TableReadCounters* read_counters = nullptr;
};

inline TableOptions FromOptions(const Options& options) {
  TableOptions t;
  t.block_size = options.block_size;
  t.block_restart_interval = options.block_restart_interval;
  t.bloom_bits_per_key = options.bloom_bits_per_key;
  t.compression = options.compression;
  return t;
}

}  // namespace lsm

#endif  // LSM_ENGINE_TABLE_TABLE_OPTIONS_H_
