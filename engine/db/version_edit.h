// VersionEdit: one change to the set of live files, as recorded in the
// MANIFEST (see FORMAT.md). A Version is the result of applying every edit of
// the MANIFEST in order.
//
// Thread safety: a plain value.
#ifndef LSM_ENGINE_DB_VERSION_EDIT_H_
#define LSM_ENGINE_DB_VERSION_EDIT_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "engine/memtable/dbformat.h"

namespace lsm {

inline constexpr int kNumLevels = 7;

// How many more point reads may look past a file (search it, then go on to
// an older one) before the file is compacted into the next level, where
// those reads would find their keys in one place. Copyable, unlike a bare
// std::atomic, so FileMetaData stays a value.
class SeekBudget {
 public:
  // One seek costs about as much as compacting 16 KiB (LevelDB's estimate:
  // a seek ~10 ms of disk time, compaction ~1 MB per 10 ms read and written
  // a few times over); a floor keeps small files from compacting at once.
  static int ForFileSize(uint64_t file_size) {
    return static_cast<int>(std::max<uint64_t>(100, file_size / (16 << 10)));
  }

  SeekBudget() = default;
  SeekBudget(const SeekBudget& o) : remaining_(o.remaining_.load(std::memory_order_relaxed)) {}
  SeekBudget& operator=(const SeekBudget& o) {
    remaining_.store(o.remaining_.load(std::memory_order_relaxed), std::memory_order_relaxed);
    return *this;
  }
  void Reset(int n) { remaining_.store(n, std::memory_order_relaxed); }
  // Spends one seek; true once the budget is used up, for that seek and
  // every one after it: the file stays a candidate until it is compacted
  // (only one file waits for a seek compaction at a time, so the first
  // exhausted charge may find the slot taken).
  bool Charge() {
    if (remaining_.load(std::memory_order_relaxed) <= 0) return true;
    return remaining_.fetch_sub(1, std::memory_order_relaxed) <= 1;
  }

 private:
  std::atomic<int> remaining_{0};
};

// What the DB knows of one SST.
struct FileMetaData {
  uint64_t number = 0;
  uint64_t file_size = 0;
  std::string smallest;  // internal key
  std::string largest;   // internal key
  SequenceNumber smallest_seq = 0;
  SequenceNumber largest_seq = 0;
  uint64_t num_entries = 0;
  uint64_t num_deletions = 0;
  // Range tombstones in the table's range_deletions block. When non-zero,
  // smallest/largest cover the tombstones too (a tombstone ending at user
  // key k, exclusive, makes largest RangeTombstoneEndKey(k)).
  uint64_t num_range_deletions = 0;
  // Set while a compaction has this file as an input (guarded by the DB mutex).
  bool being_compacted = false;
  // Not persisted: every file starts with a full budget when its Version is
  // built. Charged by readers without a lock.
  mutable SeekBudget allowed_seeks;
};

class VersionEdit {
 public:
  void Clear() { *this = VersionEdit(); }

  void SetLogNumber(uint64_t n) { log_number_ = n; }
  void SetNextFileNumber(uint64_t n) { next_file_number_ = n; }
  void SetLastSequence(SequenceNumber s) { last_sequence_ = s; }
  void SetCompactPointer(int level, std::string internal_key) {
    compact_pointers_.emplace_back(level, std::move(internal_key));
  }
  // REQUIRES: the file is not yet in the edit.
  void AddFile(int level, const FileMetaData& f) { new_files_.emplace_back(level, f); }
  void RemoveFile(int level, uint64_t number) { deleted_files_.emplace(level, number); }

  void EncodeTo(std::string* dst) const;
  // DataLoss (naming the field) when the record is malformed.
  absl::Status DecodeFrom(std::string_view src);
  // One line per field, for lsm-manifest-dump and debugging.
  std::string DebugString() const;

  const std::optional<uint64_t>& log_number() const { return log_number_; }
  const std::optional<uint64_t>& next_file_number() const { return next_file_number_; }
  const std::optional<SequenceNumber>& last_sequence() const { return last_sequence_; }
  const std::vector<std::pair<int, std::string>>& compact_pointers() const {
    return compact_pointers_;
  }
  const std::set<std::pair<int, uint64_t>>& deleted_files() const { return deleted_files_; }
  const std::vector<std::pair<int, FileMetaData>>& new_files() const { return new_files_; }

 private:
  std::optional<uint64_t> log_number_;
  std::optional<uint64_t> next_file_number_;
  std::optional<SequenceNumber> last_sequence_;
  std::vector<std::pair<int, std::string>> compact_pointers_;
  std::set<std::pair<int, uint64_t>> deleted_files_;
  std::vector<std::pair<int, FileMetaData>> new_files_;
};

}  // namespace lsm

#endif  // LSM_ENGINE_DB_VERSION_EDIT_H_
