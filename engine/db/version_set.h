// Version, VersionSet and Compaction: which SSTs are live at which level.
//
// A Version is an immutable snapshot of the files of every level; readers and
// iterators hold a std::shared_ptr to the one they started with, so a
// compaction that installs a new Version never pulls files from under them.
// The VersionSet owns the MANIFEST, applies VersionEdits (LogAndApply), picks
// compactions, and knows every Version still alive (for obsolete-file GC).
//
// Thread safety: VersionSet methods require the DB mutex unless noted.
// A Version is immutable once installed, except FileMetaData::being_compacted,
// which is guarded by the DB mutex.
#ifndef LSM_ENGINE_DB_VERSION_SET_H_
#define LSM_ENGINE_DB_VERSION_SET_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/db/table_cache.h"
#include "engine/db/version_edit.h"
#include "engine/memtable/dbformat.h"
#include "engine/memtable/range_tombstone.h"
#include "engine/util/mutex.h"
#include "engine/wal/log_writer.h"
#include "lsm/env.h"
#include "lsm/iterator.h"
#include "lsm/options.h"

namespace lsm {

class VersionSet;

using FileList = std::vector<std::shared_ptr<FileMetaData>>;

class Version {
 public:
  explicit Version(TableCache* table_cache) : table_cache_(table_cache) {}

  // A file of this version and its level.
  struct FileRef {
    FileMetaData* file = nullptr;
    int level = -1;
  };

  // Looks user_key up as of sequence seq, level by level. OK with *value set
  // when the newest visible entry is a value not covered by a newer range
  // tombstone of these files; NotFound when it is a deletion, is covered, or
  // there is none. When the read searched more than one file,
  // *seek_charge names the first, whose seek budget the caller charges
  // (SeekBudget::Charge, then
  // VersionSet::MarkForSeekCompaction when it runs out); otherwise it is empty.
  absl::Status Get(const ReadOptions& options, std::string_view user_key, SequenceNumber seq,
                   std::string* value, FileRef* seek_charge) const;

  // Get for many keys at once. user_keys must ascend and be distinct; for
  // each i, (*values)[i] and (*statuses)[i] are what Get would give (OK,
  // NotFound, or an error). Level by level, the keys still unanswered that a
  // file may hold are looked up in that file together (Table::MultiGet):
  // the file is found once per run of keys, and keys sharing a data block
  // share its read. Reads charge no seek budget.
  void MultiGet(const ReadOptions& options, const std::vector<std::string_view>& user_keys,
                SequenceNumber seq, std::vector<std::string>* values,
                std::vector<absl::Status>* statuses) const;

  // True when some file of this version holds range tombstones.
  bool has_range_deletions() const { return has_range_deletions_; }
  // The sequence of the newest range tombstone in these files that covers
  // user_key and is visible at seq; 0 when there is none.
  absl::StatusOr<SequenceNumber> MaxCoveringTombstone(std::string_view user_key,
                                                      SequenceNumber seq) const;
  // Appends the range tombstones of every file of this version.
  absl::Status AddRangeTombstones(std::vector<RangeTombstone>* out) const;

  // For a key an iterator read (DBIter's read sampling): the first file a
  // point read of its user key would search, when such a read would search
  // more than one file (the file to charge, as Get's seek_charge); else empty.
  FileRef SampleRead(std::string_view internal_key) const;

  // Appends iterators that together yield every entry of this version: one
  // per L0 file, one concatenating iterator per deeper level.
  void AddIterators(const ReadOptions& options,
                    std::vector<std::unique_ptr<Iterator>>* iters) const;

  // Files of level whose user-key range intersects [begin, end] (nullptr:
  // open end). For L0, the range grows to cover every overlapping file.
  FileList GetOverlappingInputs(int level, const std::string_view* begin,
                                const std::string_view* end) const;
  bool OverlapInLevel(int level, std::string_view smallest_user_key,
                      std::string_view largest_user_key) const;

  int NumFiles(int level) const { return static_cast<int>(files_[level].size()); }
  uint64_t LevelBytes(int level) const;
  const FileList& files(int level) const { return files_[level]; }

 private:
  friend class VersionSet;

  // Calls visit(file, level) for each file a point read of user_key searches,
  // in search order (L0 newest first, then at most one file per deeper
  // level), until visit returns false. lookup: a lookup key of user_key.
  template <typename Visit>
  void ForEachFileToSearch(std::string_view user_key, std::string_view lookup,
                           Visit&& visit) const;

  TableCache* const table_cache_;
  // L0: newest first. L1..: ordered by smallest key, non-overlapping.
  std::array<FileList, kNumLevels> files_;
  bool has_range_deletions_ = false;
};

// One compaction: inputs[0] from level, inputs[1] from level + 1.
class Compaction {
 public:
  int level() const { return level_; }
  int output_level() const { return level_ + 1; }
  const FileList& inputs(int which) const { return inputs_[which]; }
  size_t num_input_files() const { return inputs_[0].size() + inputs_[1].size(); }
  uint64_t max_output_file_size() const { return max_output_file_size_; }
  bool is_manual() const { return manual_; }
  // Picked because reads used up a file's seek budget (not for size).
  bool is_seek_compaction() const { return seek_; }
  const std::shared_ptr<const Version>& input_version() const { return input_version_; }

  // One input file, nothing to merge with and little grandparent overlap: the
  // file can move down by a MANIFEST edit alone.
  bool IsTrivialMove() const;
  // True when no level below output_level() can hold user_key, so a
  // tombstone for it can be dropped. REQUIRES: ascending calls.
  bool IsBaseLevelForKey(std::string_view user_key);
  // True when no level below output_level() holds a file overlapping the
  // user-key range [begin, end), so a range tombstone over it can be dropped.
  bool IsBaseLevelForRange(std::string_view begin, std::string_view end) const;
  // True when the output file should be cut before internal_key, so that no
  // output overlaps too many grandparent bytes. REQUIRES: ascending calls.
  bool ShouldStopBefore(std::string_view internal_key);
  // Records the removal of every input in edit.
  void AddInputDeletions(VersionEdit* edit) const;
  uint64_t InputBytes() const;

  // Marks (or unmarks) the inputs as being compacted. REQUIRES: DB mutex.
  void MarkInputs(bool being_compacted) const;
  // Drops the reference to the input Version once the work is installed.
  void ReleaseInputVersion() { input_version_.reset(); }

 private:
  friend class VersionSet;
  Compaction(const Options& options, int level, std::shared_ptr<const Version> v);

  int level_;
  uint64_t max_output_file_size_;
  uint64_t max_grandparent_overlap_bytes_;
  bool manual_ = false;
  bool seek_ = false;
  std::shared_ptr<const Version> input_version_;
  std::array<FileList, 2> inputs_;
  FileList grandparents_;
  size_t grandparent_index_ = 0;
  bool seen_key_ = false;
  uint64_t overlapped_bytes_ = 0;
  std::array<size_t, kNumLevels> level_ptrs_{};
};

class VersionSet {
 public:
  VersionSet(std::string dbname, const Options& options, TableCache* table_cache);
  VersionSet(const VersionSet&) = delete;
  VersionSet& operator=(const VersionSet&) = delete;

  // Writes the first MANIFEST of a new DB and points CURRENT at it.
  absl::Status CreateNew();
  // Reads CURRENT and the MANIFEST it names into the current version.
  // A torn tail (damage with no intact record after it: a crash inside
  // LogAndApply) is dropped; any other damage is DataLoss.
  absl::Status Recover();
  // After Recover: where a torn tail was dropped ("" if none), for the
  // messages of checks that find the dropped edit had been acted on.
  const std::string& dropped_manifest_tail() const { return dropped_manifest_tail_; }

  // Applies edit to the current version, records it in the MANIFEST (a new
  // MANIFEST holding a full snapshot when there is none open yet or the
  // current one has grown large), and installs the result. Releases *mu while
  // writing; concurrent callers are serialized.
  // REQUIRES: *mu held.
  absl::Status LogAndApply(VersionEdit* edit, Mutex* mu) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);

  // Under the DB mutex; copy it to keep it beyond that.
  const std::shared_ptr<const Version>& current() const { return current_; }

  uint64_t NewFileNumber() { return next_file_number_++; }
  void MarkFileNumberUsed(uint64_t n) {
    if (next_file_number_ <= n) next_file_number_ = n + 1;
  }
  uint64_t LogNumber() const { return log_number_; }
  uint64_t ManifestFileNumber() const { return manifest_file_number_; }
  SequenceNumber LastSequence() const { return last_sequence_; }
  void SetLastSequence(SequenceNumber s) { last_sequence_ = s; }

  // The level most in need of compaction (score >= 1); when none is, the
  // file whose seek budget ran out (ChargeSeek); or nullptr.
  // Skips files already being compacted; at most one L0 compaction runs.
  std::unique_ptr<Compaction> PickCompaction();

  // Records that reads used up f's seek budget (f from Version::Get, maybe
  // of an older version than current()). True when f, still live, is now
  // due for compaction: the caller schedules work.
  bool MarkForSeekCompaction(const Version::FileRef& f);
  // True while a file waits for its seek compaction: another cannot be
  // marked. Read without the DB mutex (a hint; MarkForSeekCompaction decides).
  bool SeekCompactionMarked() const {
    return seek_compaction_marked_.load(std::memory_order_relaxed);
  }
  // How many Versions have been made current so far: it changes exactly
  // when current() does. Read without the DB mutex (DB iterators compare it
  // to find out that the tree they read was replaced).
  uint64_t VersionsInstalled() const { return versions_installed_.load(std::memory_order_acquire); }
  // Inputs of a manual compaction of [begin, end] at level; nullptr when
  // the level has nothing there, or when those files are busy (*busy set).
  std::unique_ptr<Compaction> CompactRange(int level, const std::string_view* begin,
                                           const std::string_view* end, bool* busy);

  // Numbers of every file referenced by a live Version.
  std::set<uint64_t> LiveFiles();
  uint64_t MaxBytesForLevel(int level) const;
  double LevelScore(int level) const;
  bool l0_compaction_running() const { return l0_compaction_running_; }
  void set_l0_compaction_running(bool v) { l0_compaction_running_ = v; }

 private:
  // base + edit -> a new Version. DataLoss when the result is inconsistent.
  static absl::StatusOr<std::shared_ptr<Version>> ApplyEdit(const Version& base,
                                                            const VersionEdit& edit,
                                                            TableCache* table_cache);
  void Install(std::shared_ptr<Version> v);
  void WriteSnapshot(std::string* record) const;
  std::unique_ptr<Compaction> PickSeekCompaction();
  void ClearSeekCompactionMark();
  // Completes c: inputs from level + 1, grandparents, compaction pointer.
  bool SetupOtherInputs(Compaction* c);

  const std::string dbname_;
  const Options options_;
  Env* const env_;
  TableCache* const table_cache_;

  uint64_t next_file_number_ = 2;
  uint64_t manifest_file_number_ = 0;
  uint64_t log_number_ = 0;
  SequenceNumber last_sequence_ = 0;

  std::unique_ptr<WritableFile> manifest_file_;
  std::unique_ptr<log::Writer> manifest_log_;
  uint64_t manifest_size_ = 0;
  std::string dropped_manifest_tail_;  // see dropped_manifest_tail()
  bool manifest_busy_ = false;  // a LogAndApply is writing
  std::optional<CondVar> manifest_cv_;

  std::shared_ptr<const Version> current_;
  std::list<std::weak_ptr<const Version>> live_versions_;
  std::array<std::string, kNumLevels> compact_pointer_;
  bool l0_compaction_running_ = false;
  // The file that reads want compacted (MarkForSeekCompaction), its level.
  std::shared_ptr<FileMetaData> seek_compaction_file_;
  int seek_compaction_level_ = 0;
  // seek_compaction_file_ != nullptr, readable without the DB mutex.
  std::atomic<bool> seek_compaction_marked_{false};
  std::atomic<uint64_t> versions_installed_{0};  // see VersionsInstalled()
};

}  // namespace lsm

#endif  // LSM_ENGINE_DB_VERSION_SET_H_
