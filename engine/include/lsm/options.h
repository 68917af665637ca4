// Options that control a DB, a read and a write.
//
// Thread safety: plain values; copy freely.
#ifndef LSM_OPTIONS_H_
#define LSM_OPTIONS_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace lsm {

class Env;
class Snapshot;

// Persisted in every SST block trailer: the values are frozen.
enum class Compression : uint8_t {
  kNone = 0,
  kSnappy = 1,
  kZstd = 2,
};

// What WAL replay does with damage (see engine/wal/FORMAT.md).
enum class WalRecoveryMode {
  // A torn or damaged record at the very end of the newest log (a crash
  // mid-write) is dropped; damage anywhere else is DataLoss.
  kTolerateCorruptedTailRecords,
  // Any damage at all is DataLoss.
  kAbsoluteConsistency,
  // Replay stops at the first damage; everything before it is kept.
  kPointInTime,
  // Damaged records are skipped and replay continues after them.
  kSkipAnyCorruptedRecords,
};

// The sorted structure of each memtable.
enum class MemTableStructure {
  // A linked list of the entries in key order with a B+tree over it, whose
  // nodes keep 8 bytes of each key side by side: a search or an insert reads
  // a few adjacent cache lines per tree level.
  kBTree,
  // The seed's skiplist (a node reaches each next level with probability
  // 1/4): less memory per entry (163 bytes against 192 for a 16-byte key and
  // a 100-byte value), so a write buffer of a given size holds more entries,
  // but a search is a chain of dependent cache misses, 2 to 3 times slower
  // once the memtable outgrows the CPU caches.
  kSkipList,
};

struct Options {
  // ---- Behaviour ----
  bool create_if_missing = true;
  bool error_if_exists = false;
  // Fail Open on any corruption instead of salvaging what can be read.
  bool paranoid_checks = false;
  WalRecoveryMode wal_recovery = WalRecoveryMode::kTolerateCorruptedTailRecords;
  // nullptr: Env::Default() (POSIX).
  Env* env = nullptr;

  // ---- Performance ----
  // Size at which the memtable being written is frozen and a new one (with a
  // new log) takes the writes; frozen memtables are flushed to L0 tables in
  // the background. Smaller memtables take random inserts faster (a search
  // touches fewer cache lines that are not in the CPU caches).
  size_t write_buffer_size = 16 << 20;
  // Memtables kept in memory at most, the one being written included: while
  // that many are full, writers wait for a flush. A flush writes every frozen
  // memtable it finds into one L0 table. At least 2.
  int max_write_buffer_number = 4;
  MemTableStructure memtable_structure = MemTableStructure::kBTree;
  // Uncompressed size of a data block.
  size_t block_size = 4096;
  int block_restart_interval = 16;
  // Bloom filter bits per key; 0 disables filters.
  int bloom_bits_per_key = 10;
  Compression compression = Compression::kSnappy;
  // Bytes of decoded data blocks kept in memory. Once it is full, a block
  // that missed replaces the one eviction would take only if it was looked
  // up more often recently (engine/db/README.md, "The block cache admits
  // what is read more often").
  size_t block_cache_capacity = 64 << 20;
  int max_open_files = 1000;
  // One bound on what the DB keeps in memory, in bytes; 0: none (each part
  // is sized by its own option). When set, a quarter goes to the memtables
  // (write_buffer_size is lowered so that max_write_buffer_number of them
  // fit it) and the rest is shared by the block cache, the table readers'
  // index and filter blocks and the blocks iterators hold: the cache shrinks
  // as the other two grow (to no less than an eighth of the rest), and idle
  // table readers are closed when they alone would pass it. Tables are then
  // read with pread(2), never memory-mapped, so file pages do not add to the
  // process's resident memory. lsm.memory reports each part.
  size_t memory_budget = 0;
  // Write the WAL through a memory mapping of space reserved in advance
  // (1 MiB at a time) rather than with one write(2) per record: a write then
  // costs a memcpy instead of a system call and, like write(2), survives a
  // crash of the process; sync writes still fdatasync. A file system that
  // cannot reserve space gets write(2). See engine/wal/FORMAT.md.
  bool wal_mmap_writes = true;
  // Read SSTs through a memory mapping (no system call per block) rather
  // than pread(2). Blocks stored uncompressed (compression = kNone) are then
  // read in place, without a copy or a block cache entry, and each data block
  // is verified on its first read per open table (engine/table/FORMAT.md).
  // Mapped pages the reads touch count in the process's resident memory;
  // memory_budget turns this off.
  bool allow_mmap_reads = true;
  int max_background_jobs = 2;
  // Once the MANIFEST grows past this, the next edit starts a new one from a
  // snapshot of the whole tree.
  uint64_t max_manifest_file_size = 32ull << 20;

  // ---- Level shape and backpressure ----
  // Target size of one SST written by flush or compaction.
  size_t target_file_size = 64 << 20;
  // Target total size of L1; each deeper level is level_size_multiplier × larger.
  uint64_t max_bytes_for_level_base = 256ull << 20;
  int level_size_multiplier = 10;
  // L0 file counts: start a compaction, slow writers down, stop writers.
  int level0_compaction_trigger = 4;
  int level0_slowdown_writes_trigger = 20;
  int level0_stop_writes_trigger = 36;
};

struct ReadOptions {
  // Read as of this snapshot; nullptr reads the latest state.
  const Snapshot* snapshot = nullptr;
  // Verify the CRC of every data block read from a file (a block cache miss);
  // from a memory-mapped table, on the block's first verified read while
  // the table is open (engine/table/FORMAT.md).
  bool verify_checksums = true;
  // Whether blocks read for this operation enter the block cache. Even when
  // true, an iterator whose run of neighbouring blocks has missed the cache
  // 16 times (a scan through more data than the cache holds) caches the
  // further blocks of the run only into free room, never evicting what other
  // reads cached, and reads the file 1 MiB ahead of itself.
  bool fill_cache = true;
  // Iterator bounds: lower inclusive, upper exclusive.
  std::optional<std::string> lower_bound;
  std::optional<std::string> upper_bound;
};

struct WriteOptions {
  // true: OK only after the WAL record is on stable storage (fdatasync).
  // false: OK after write(2); survives a process crash, not a power loss.
  bool sync = false;
};

// Hard limits; beyond them writes fail with InvalidArgument.
inline constexpr size_t kMaxKeySize = 64 << 10;
inline constexpr size_t kMaxValueSize = 1u << 30;

}  // namespace lsm

#endif  // LSM_OPTIONS_H_
