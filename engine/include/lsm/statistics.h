// lsm::Statistics: what a DB did since it was opened, as counters and latency
// percentiles a service exports (DB::GetStatistics, property "lsm.statistics").
//
// Thread safety: a plain value (a snapshot).
#ifndef LSM_STATISTICS_H_
#define LSM_STATISTICS_H_

#include <cstdint>

namespace lsm {

// Latencies of one kind of call, in microseconds.
struct LatencySummary {
  uint64_t count = 0;
  double mean = 0;
  double p50 = 0;
  double p99 = 0;
  double p999 = 0;
  double max = 0;
};

struct Statistics {
  // ---- Reads ----
  uint64_t gets = 0;        // keys looked up by Get and MultiGet
  uint64_t gets_found = 0;  // ... that were found
  uint64_t bytes_read = 0;  // value bytes Get and MultiGet returned
  uint64_t block_cache_hits = 0;
  uint64_t block_cache_misses = 0;
  // Blocks that missed and were not cached: the cache was full, and the
  // block was not looked up more often recently than the one it would
  // have evicted (engine/db/README.md). Counted among the misses.
  uint64_t block_cache_not_admitted = 0;
  uint64_t bloom_checks = 0;  // point lookups a table's filter was asked about
  uint64_t bloom_useful = 0;  // ... that the filter answered "absent" (no block read)

  // ---- Writes ----
  uint64_t writes = 0;         // Put, Delete and Write calls, grouped or not
  uint64_t write_groups = 0;   // WAL records (one per group commit)
  uint64_t wal_syncs = 0;
  uint64_t bytes_written = 0;  // user bytes (batch encodings) written
  uint64_t flushes = 0;
  uint64_t flush_bytes_written = 0;
  uint64_t compactions = 0;  // trivial moves included
  uint64_t compaction_bytes_read = 0;
  uint64_t compaction_bytes_written = 0;
  uint64_t stall_micros = 0;  // writers slowed down or stopped by backpressure

  // ---- Latencies (wall time inside the call) ----
  LatencySummary get_micros;    // one per Get, one per MultiGet
  LatencySummary write_micros;  // one per Put, Delete or Write
  LatencySummary seek_micros;   // one per Seek, SeekForPrev, SeekToFirst or SeekToLast
};

}  // namespace lsm

#endif  // LSM_STATISTICS_H_
