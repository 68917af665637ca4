#include "engine/db/version_set.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/db/filename.h"
#include "engine/wal/log_reader.h"
#include "lsm/status.h"

namespace lsm {

namespace {

std::string_view SmallestUserKey(const FileMetaData& f) { return ExtractUserKey(f.smallest); }
std::string_view LargestUserKey(const FileMetaData& f) { return ExtractUserKey(f.largest); }

uint64_t TotalBytes(const FileList& files) {
  uint64_t sum = 0;
  for (const auto& f : files) sum += f->file_size;
  return sum;
}

// Index of the first file whose largest key >= internal_key (files sorted,
// non-overlapping); files.size() when there is none.
size_t FindFile(const FileList& files, std::string_view internal_key) {
  auto it = std::partition_point(files.begin(), files.end(), [&](const auto& f) {
    return CompareInternalKeys(f->largest, internal_key) < 0;
  });
  return static_cast<size_t>(it - files.begin());
}

// Concatenates the files of one sorted level (L1 and deeper), opening each
// file only when the iteration reaches it.
class LevelIterator final : public Iterator {
 public:
  LevelIterator(TableCache* cache, const ReadOptions& options, const FileList* files)
      : cache_(cache), options_(options), files_(files) {}

  bool Valid() const override { return file_it_ != nullptr && file_it_->Valid(); }
  void SeekToFirst() override {
    OpenFile(0);
    if (file_it_) file_it_->SeekToFirst();
    SkipEmptyForward();
  }
  void SeekToLast() override {
    OpenFile(files_->size() - 1);
    if (file_it_) file_it_->SeekToLast();
    SkipEmptyBackward();
  }
  void Seek(std::string_view target) override {
    OpenFile(FindFile(*files_, target));
    if (file_it_) file_it_->Seek(target);
    SkipEmptyForward();
  }
  void SeekForPrev(std::string_view target) override {
    // Last file whose smallest key <= target.
    auto it = std::partition_point(files_->begin(), files_->end(), [&](const auto& f) {
      return CompareInternalKeys(f->smallest, target) <= 0;
    });
    const size_t n = static_cast<size_t>(it - files_->begin());
    OpenFile(n == 0 ? files_->size() : n - 1);
    if (file_it_) file_it_->SeekForPrev(target);
    SkipEmptyBackward();
  }
  void Next() override {
    file_it_->Next();
    SkipEmptyForward();
  }
  void Prev() override {
    file_it_->Prev();
    SkipEmptyBackward();
  }
  std::string_view key() const override { return file_it_->key(); }
  std::string_view value() const override { return file_it_->value(); }
  absl::Status status() const override {
    if (!status_.ok()) return status_;
    return file_it_ ? file_it_->status() : absl::OkStatus();
  }

 private:
  // Positions on file index i (files_->size() or more: no file).
  void OpenFile(size_t i) {
    if (file_it_ && !file_it_->status().ok() && status_.ok()) status_ = file_it_->status();
    if (i >= files_->size()) {
      file_it_.reset();
      index_ = files_->size();
      return;
    }
    if (file_it_ && index_ == i) return;
    index_ = i;
    const FileMetaData& f = *(*files_)[i];
    absl::StatusOr<std::shared_ptr<Table>> table = cache_->FindTable(f.number, f.file_size);
    if (!table.ok()) {
      // The level stops here with the error, as on a damaged block.
      file_it_.reset();
      if (status_.ok()) status_ = table.status();
      return;
    }
    const Table* t = table->get();
    file_it_ = t->NewIterator(options_, *std::move(table));
  }
  void SkipEmptyForward() {
    while (file_it_ && !file_it_->Valid()) {
      if (!file_it_->status().ok()) return;
      if (index_ + 1 >= files_->size()) {
        OpenFile(files_->size());
        return;
      }
      OpenFile(index_ + 1);
      file_it_->SeekToFirst();
    }
  }
  void SkipEmptyBackward() {
    while (file_it_ && !file_it_->Valid()) {
      if (!file_it_->status().ok()) return;
      if (index_ == 0) {
        OpenFile(files_->size());
        return;
      }
      OpenFile(index_ - 1);
      file_it_->SeekToLast();
    }
  }

  TableCache* const cache_;
  const ReadOptions options_;
  const FileList* const files_;
  size_t index_ = 0;
  // Held as its own type: the steps through a table are direct calls.
  std::unique_ptr<TwoLevelIterator> file_it_;
  absl::Status status_;
};

// The state of a lookup after one file.
enum class LookupState { kNotFound, kFound, kDeleted, kCorrupt };

}  // namespace

// ---------------------------------------------------------------------------
// Version

uint64_t Version::LevelBytes(int level) const { return TotalBytes(files_[level]); }

template <typename Visit>
void Version::ForEachFileToSearch(std::string_view user_key, std::string_view lookup,
                                  Visit&& visit) const {
  for (const auto& f : files_[0]) {  // newest first
    if (user_key < SmallestUserKey(*f) || user_key > LargestUserKey(*f)) continue;
    if (!visit(f, 0)) return;
  }
  for (int level = 1; level < kNumLevels; ++level) {
    const FileList& files = files_[level];
    const size_t i = FindFile(files, lookup);
    if (i >= files.size() || user_key < SmallestUserKey(*files[i])) continue;
    if (!visit(files[i], level)) return;
  }
}

absl::Status Version::Get(const ReadOptions& options, std::string_view user_key,
                          SequenceNumber seq, std::string* value, FileRef* seek_charge) const {
  *seek_charge = FileRef();
  FileRef last_searched;
  // Called before each file is searched: a read that goes on past a file
  // charges that first file.
  auto note_search = [&](const std::shared_ptr<FileMetaData>& f, int level) {
    if (seek_charge->file == nullptr && last_searched.file != nullptr) {
      *seek_charge = last_searched;
    }
    last_searched = FileRef{f.get(), level};
  };
  const LookupKey lookup_key(user_key, seq);
  const std::string_view lookup = lookup_key.internal_key();
  LookupState state = LookupState::kNotFound;
  SequenceNumber found_seq = 0;
  auto search = [&](const FileMetaData& f) -> absl::Status {
    return table_cache_->Get(options, f.number, f.file_size, lookup,
                             [&](std::string_view ikey, std::string_view v) {
                               ParsedInternalKey parsed;
                               if (!ParseInternalKey(ikey, &parsed)) {
                                 state = LookupState::kCorrupt;
                                 return;
                               }
                               if (parsed.user_key != user_key) return;
                               if (parsed.type == ValueType::kValue) {
                                 state = LookupState::kFound;
                                 found_seq = parsed.sequence;
                                 value->assign(v.data(), v.size());
                               } else {
                                 state = LookupState::kDeleted;
                               }
                             });
  };
  auto finished = [&](const FileMetaData& f, absl::Status* s) {
    if (!s->ok()) return true;
    if (state == LookupState::kCorrupt) {
      *s = absl::DataLossError(absl::StrFormat("table #%d: malformed internal key", f.number));
      return true;
    }
    if (state == LookupState::kFound) return true;
    if (state == LookupState::kDeleted) {
      *s = absl::NotFoundError("");
      return true;
    }
    return false;
  };

  absl::Status result = absl::NotFoundError("");
  ForEachFileToSearch(user_key, lookup, [&](const std::shared_ptr<FileMetaData>& f, int level) {
    note_search(f, level);
    absl::Status s = search(*f);
    if (!finished(*f, &s)) return true;
    result = std::move(s);
    return false;
  });
  if (result.ok() && has_range_deletions_) {
    absl::StatusOr<SequenceNumber> covering = MaxCoveringTombstone(user_key, seq);
    if (!covering.ok()) return covering.status();
    if (found_seq < *covering) return absl::NotFoundError("");
  }
  return result;
}

void Version::MultiGet(const ReadOptions& options, const std::vector<std::string_view>& user_keys,
                       SequenceNumber seq, std::vector<std::string>* values,
                       std::vector<absl::Status>* statuses) const {
  const size_t n = user_keys.size();
  values->assign(n, std::string());
  statuses->assign(n, absl::NotFoundError(""));
  std::vector<std::string> lookups(n);
  for (size_t i = 0; i < n; ++i) lookups[i] = MakeLookupKey(user_keys[i], seq);
  std::vector<bool> done(n, false);
  std::vector<SequenceNumber> found_seq(n, 0);
  std::vector<size_t> pending(n);  // unanswered keys, ascending
  for (size_t i = 0; i < n; ++i) pending[i] = i;

  // Looks up the pending keys `batch` (indexes into user_keys) in file f.
  std::vector<std::string_view> batch_keys;
  auto search = [&](const FileMetaData& f, const std::vector<size_t>& batch) {
    batch_keys.clear();
    for (size_t i : batch) batch_keys.push_back(lookups[i]);
    absl::Status s = table_cache_->MultiGet(
        options, f.number, f.file_size, batch_keys,
        [&](size_t j, std::string_view ikey, std::string_view v) {
          const size_t i = batch[j];
          ParsedInternalKey parsed;
          if (!ParseInternalKey(ikey, &parsed)) {
            (*statuses)[i] = absl::DataLossError(
                absl::StrFormat("table #%d: malformed internal key", f.number));
            done[i] = true;
            return;
          }
          if (parsed.user_key != user_keys[i]) return;
          done[i] = true;
          if (parsed.type == ValueType::kValue) {
            (*statuses)[i] = absl::OkStatus();
            (*values)[i].assign(v.data(), v.size());
            found_seq[i] = parsed.sequence;
          }
        });
    if (!s.ok()) {
      for (size_t i : batch) {
        if (!done[i]) {
          (*statuses)[i] = s;
          done[i] = true;
        }
      }
    }
  };
  auto drop_done = [&] {
    pending.erase(std::remove_if(pending.begin(), pending.end(), [&](size_t i) { return done[i]; }),
                  pending.end());
  };

  std::vector<size_t> batch;
  for (const auto& f : files_[0]) {  // newest first
    batch.clear();
    for (size_t i : pending) {
      if (user_keys[i] >= SmallestUserKey(*f) && user_keys[i] <= LargestUserKey(*f)) {
        batch.push_back(i);
      }
    }
    if (!batch.empty()) search(*f, batch);
    drop_done();
  }
  for (int level = 1; level < kNumLevels && !pending.empty(); ++level) {
    const FileList& files = files_[level];
    if (files.empty()) continue;
    // Runs of consecutive pending keys that fall into one file.
    size_t p = 0;
    while (p < pending.size()) {
      const size_t fi = FindFile(files, lookups[pending[p]]);
      if (fi >= files.size()) break;  // this key and every later one are past the level
      const FileMetaData& f = *files[fi];
      batch.clear();
      for (; p < pending.size(); ++p) {
        const size_t i = pending[p];
        if (CompareInternalKeys(lookups[i], f.largest) > 0) break;
        if (user_keys[i] >= SmallestUserKey(f)) batch.push_back(i);
      }
      if (!batch.empty()) search(f, batch);
    }
    drop_done();
  }

  if (!has_range_deletions_) return;
  for (size_t i = 0; i < n; ++i) {
    if (!(*statuses)[i].ok()) continue;
    absl::StatusOr<SequenceNumber> covering = MaxCoveringTombstone(user_keys[i], seq);
    if (!covering.ok()) {
      (*statuses)[i] = covering.status();
    } else if (found_seq[i] < *covering) {
      (*statuses)[i] = absl::NotFoundError("");
    }
  }
}

absl::StatusOr<SequenceNumber> Version::MaxCoveringTombstone(std::string_view user_key,
                                                             SequenceNumber seq) const {
  // A file's range covers its tombstones, so only files whose range holds
  // user_key can cover it: in L0 any of them, deeper at most one per level.
  SequenceNumber covering = 0;
  absl::Status status;
  auto check = [&](const FileMetaData& f) {
    if (f.num_range_deletions == 0) return true;
    auto table = table_cache_->FindTable(f.number, f.file_size);
    if (!table.ok()) {
      status = table.status();
      return false;
    }
    if (const FragmentedRangeTombstones* t = (*table)->fragmented_range_tombstones()) {
      covering = std::max(covering, t->MaxCoveringSequence(user_key, seq));
    }
    return true;
  };
  ForEachFileToSearch(user_key, MakeLookupKey(user_key, kMaxSequenceNumber),
                      [&](const std::shared_ptr<FileMetaData>& f, int) { return check(*f); });
  if (!status.ok()) return status;
  return covering;
}

absl::Status Version::AddRangeTombstones(std::vector<RangeTombstone>* out) const {
  if (!has_range_deletions_) return absl::OkStatus();
  for (const FileList& files : files_) {
    for (const auto& f : files) {
      if (f->num_range_deletions == 0) continue;
      absl::Status s = table_cache_->AppendRangeTombstones(f->number, f->file_size, out);
      if (!s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

Version::FileRef Version::SampleRead(std::string_view internal_key) const {
  const std::string_view user_key = ExtractUserKey(internal_key);
  FileRef first;
  int matches = 0;
  ForEachFileToSearch(user_key, MakeLookupKey(user_key, kMaxSequenceNumber),
                      [&](const std::shared_ptr<FileMetaData>& f, int level) {
                        if (matches++ == 0) first = FileRef{f.get(), level};
                        return matches < 2;
                      });
  return matches >= 2 ? first : FileRef();
}

void Version::AddIterators(const ReadOptions& options,
                           std::vector<std::unique_ptr<Iterator>>* iters) const {
  for (const auto& f : files_[0]) {
    iters->push_back(table_cache_->NewIterator(options, f->number, f->file_size));
  }
  for (int level = 1; level < kNumLevels; ++level) {
    if (!files_[level].empty()) {
      iters->push_back(std::make_unique<LevelIterator>(table_cache_, options, &files_[level]));
    }
  }
}

FileList Version::GetOverlappingInputs(int level, const std::string_view* begin,
                                       const std::string_view* end) const {
  std::string lo = begin ? std::string(*begin) : std::string();
  std::string hi = end ? std::string(*end) : std::string();
  bool has_lo = begin != nullptr, has_hi = end != nullptr;
  FileList result;
  for (size_t i = 0; i < files_[level].size();) {
    const auto& f = files_[level][i++];
    const std::string_view fs = SmallestUserKey(*f), fl = LargestUserKey(*f);
    if ((has_hi && fs > hi) || (has_lo && fl < lo)) continue;
    result.push_back(f);
    if (level == 0) {
      // L0 files overlap each other: widen the range and start over, so the
      // result holds every file that overlaps anything chosen.
      bool widened = false;
      if (has_lo && fs < lo) lo = std::string(fs), widened = true;
      if (has_hi && fl > hi) hi = std::string(fl), widened = true;
      if (widened) {
        result.clear();
        i = 0;
      }
    }
  }
  return result;
}

bool Version::OverlapInLevel(int level, std::string_view smallest_user_key,
                             std::string_view largest_user_key) const {
  return !GetOverlappingInputs(level, &smallest_user_key, &largest_user_key).empty();
}

// ---------------------------------------------------------------------------
// Compaction

Compaction::Compaction(const Options& options, int level, std::shared_ptr<const Version> v)
    : level_(level),
      max_output_file_size_(options.target_file_size),
      max_grandparent_overlap_bytes_(10 * options.target_file_size),
      input_version_(std::move(v)) {}

bool Compaction::IsTrivialMove() const {
  return !manual_ && inputs_[0].size() == 1 && inputs_[1].empty() &&
         TotalBytes(grandparents_) <= max_grandparent_overlap_bytes_;
}

bool Compaction::IsBaseLevelForKey(std::string_view user_key) {
  for (int lvl = level_ + 2; lvl < kNumLevels; ++lvl) {
    const FileList& files = input_version_->files(lvl);
    while (level_ptrs_[lvl] < files.size()) {
      const FileMetaData& f = *files[level_ptrs_[lvl]];
      if (user_key <= LargestUserKey(f)) {
        if (user_key >= SmallestUserKey(f)) return false;
        break;
      }
      ++level_ptrs_[lvl];
    }
  }
  return true;
}

bool Compaction::IsBaseLevelForRange(std::string_view begin, std::string_view end) const {
  for (int lvl = level_ + 2; lvl < kNumLevels; ++lvl) {
    if (input_version_->OverlapInLevel(lvl, begin, end)) return false;
  }
  return true;
}

bool Compaction::ShouldStopBefore(std::string_view internal_key) {
  while (grandparent_index_ < grandparents_.size() &&
         CompareInternalKeys(internal_key, grandparents_[grandparent_index_]->largest) > 0) {
    if (seen_key_) overlapped_bytes_ += grandparents_[grandparent_index_]->file_size;
    ++grandparent_index_;
  }
  seen_key_ = true;
  if (overlapped_bytes_ > max_grandparent_overlap_bytes_) {
    overlapped_bytes_ = 0;
    return true;
  }
  return false;
}

void Compaction::AddInputDeletions(VersionEdit* edit) const {
  for (int which = 0; which < 2; ++which) {
    for (const auto& f : inputs_[which]) edit->RemoveFile(level_ + which, f->number);
  }
}

uint64_t Compaction::InputBytes() const {
  return TotalBytes(inputs_[0]) + TotalBytes(inputs_[1]);
}

void Compaction::MarkInputs(bool being_compacted) const {
  for (const auto& list : inputs_) {
    for (const auto& f : list) f->being_compacted = being_compacted;
  }
}

// ---------------------------------------------------------------------------
// VersionSet

VersionSet::VersionSet(std::string dbname, const Options& options, TableCache* table_cache)
    : dbname_(std::move(dbname)),
      options_(options),
      env_(options.env),
      table_cache_(table_cache),
      current_(std::make_shared<Version>(table_cache)) {}

uint64_t VersionSet::MaxBytesForLevel(int level) const {
  uint64_t bytes = options_.max_bytes_for_level_base;
  for (int l = 2; l <= level; ++l) bytes *= options_.level_size_multiplier;
  return bytes;
}

double VersionSet::LevelScore(int level) const {
  if (level == kNumLevels - 1) return 0;
  return level == 0 ? static_cast<double>(current_->NumFiles(0)) /
                          options_.level0_compaction_trigger
                    : static_cast<double>(current_->LevelBytes(level)) / MaxBytesForLevel(level);
}

void VersionSet::Install(std::shared_ptr<Version> v) {
  live_versions_.remove_if([](const auto& w) { return w.expired(); });
  live_versions_.push_back(v);
  current_ = std::move(v);
  versions_installed_.fetch_add(1, std::memory_order_release);
}

std::set<uint64_t> VersionSet::LiveFiles() {
  std::set<uint64_t> live;
  live_versions_.remove_if([](const auto& w) { return w.expired(); });
  for (const auto& w : live_versions_) {
    if (auto v = w.lock()) {
      for (int level = 0; level < kNumLevels; ++level) {
        for (const auto& f : v->files(level)) live.insert(f->number);
      }
    }
  }
  return live;
}

absl::StatusOr<std::shared_ptr<Version>> VersionSet::ApplyEdit(const Version& base,
                                                               const VersionEdit& edit,
                                                               TableCache* table_cache) {
  auto v = std::make_shared<Version>(table_cache);
  for (int level = 0; level < kNumLevels; ++level) {
    FileList files;
    for (const auto& f : base.files(level)) {
      if (!edit.deleted_files().count({level, f->number})) files.push_back(f);
    }
    for (const auto& [l, f] : edit.new_files()) {
      if (l != level) continue;
      auto added = std::make_shared<FileMetaData>(f);
      // A trivially moved file arrives flagged by the compaction moving it;
      // at its new level nothing is compacting it.
      added->being_compacted = false;
      added->allowed_seeks.Reset(SeekBudget::ForFileSize(added->file_size));
      files.push_back(std::move(added));
    }
    if (level == 0) {
      std::sort(files.begin(), files.end(),
                [](const auto& a, const auto& b) { return a->number > b->number; });
    } else {
      std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) {
        return CompareInternalKeys(a->smallest, b->smallest) < 0;
      });
      for (size_t i = 1; i < files.size(); ++i) {
        if (CompareInternalKeys(files[i - 1]->largest, files[i]->smallest) >= 0) {
          return absl::DataLossError(absl::StrFormat(
              "MANIFEST: files #%d and #%d overlap in level %d", files[i - 1]->number,
              files[i]->number, level));
        }
      }
    }
    for (const auto& f : files) {
      if (f->num_range_deletions > 0) v->has_range_deletions_ = true;
    }
    v->files_[level] = std::move(files);
  }
  return v;
}

void VersionSet::WriteSnapshot(std::string* record) const {
  VersionEdit snapshot;
  snapshot.SetLogNumber(log_number_);
  snapshot.SetNextFileNumber(next_file_number_);
  snapshot.SetLastSequence(last_sequence_);
  for (int level = 0; level < kNumLevels; ++level) {
    if (!compact_pointer_[level].empty()) {
      snapshot.SetCompactPointer(level, compact_pointer_[level]);
    }
    for (const auto& f : current_->files(level)) snapshot.AddFile(level, *f);
  }
  snapshot.EncodeTo(record);
}

absl::Status VersionSet::CreateNew() {
  VersionEdit edit;
  edit.SetLogNumber(0);
  edit.SetNextFileNumber(2);
  edit.SetLastSequence(0);
  const std::string manifest = DescriptorFileName(dbname_, 1);
  auto file = env_->NewWritableFile(manifest);
  if (!file.ok()) return file.status();
  {
    log::Writer writer(file->get());
    std::string record;
    edit.EncodeTo(&record);
    absl::Status s = writer.AddRecord(record);
    if (s.ok()) s = (*file)->Sync();
    if (s.ok()) s = (*file)->Close();
    if (!s.ok()) {
      env_->RemoveFile(manifest).IgnoreError();
      return s;
    }
  }
  return SetCurrentFile(env_, dbname_, 1);
}

absl::Status VersionSet::Recover() {
  auto current = ReadCurrentFile(env_, dbname_);
  if (!current.ok()) return current.status();
  const std::string manifest = dbname_ + "/" + *current;
  auto file = env_->NewSequentialFile(manifest);
  if (!file.ok()) {
    if (absl::IsNotFound(file.status())) {
      return absl::DataLossError(manifest + ": named by CURRENT but missing");
    }
    return file.status();
  }
  // A torn tail (damage with no intact record after it: an edit whose
  // append a crash cut short) is dropped. An edit is acted on (files
  // deleted) only after it is synced; if a dropped edit had been, a file the
  // older state needs is gone, and DBImpl::Open reports that as DataLoss.
  // Any other damage is DataLoss here.
  log::Reader::FirstDamageReporter reporter;
  log::Reader reader(file->get(), &reporter, WalRecoveryMode::kTolerateCorruptedTailRecords);
  std::shared_ptr<Version> v = std::make_shared<Version>(table_cache_);
  std::optional<uint64_t> log_number, next_file, last_seq;
  std::string record;
  int records = 0;
  while (reader.ReadRecord(&record)) {
    ++records;
    VersionEdit edit;
    absl::Status s = edit.DecodeFrom(record);
    if (!s.ok()) {
      return absl::DataLossError(absl::StrFormat("%s: record %d: %s", manifest, records,
                                                 std::string(s.message())));
    }
    auto next = ApplyEdit(*v, edit, table_cache_);
    if (!next.ok()) return absl::DataLossError(manifest + ": " + std::string(next.status().message()));
    v = std::move(*next);
    if (edit.log_number()) log_number = edit.log_number();
    if (edit.next_file_number()) next_file = edit.next_file_number();
    if (edit.last_sequence()) last_seq = edit.last_sequence();
    for (const auto& [level, key] : edit.compact_pointers()) compact_pointer_[level] = key;
  }
  if (!reader.status().ok()) {
    // Keeps the code: an I/O error stays an I/O error, damage is DataLoss.
    return absl::Status(reader.status().code(),
                        absl::StrCat(manifest, ": ", reader.status().message(),
                                     absl::IsDataLoss(reader.status())
                                         ? " (no open option salvages a damaged MANIFEST)"
                                         : ""));
  }
  dropped_manifest_tail_.clear();
  if (reader.dropped_tail()) {
    dropped_manifest_tail_ = absl::StrCat(manifest, ": torn tail dropped at ", reporter.first());
  }
  if (!log_number || !next_file || !last_seq) {
    return absl::DataLossError(absl::StrFormat(
        "%s: incomplete (%s missing)", manifest,
        !log_number ? "log number" : (!next_file ? "next file number" : "last sequence")));
  }
  uint64_t number;
  FileType type;
  ParseFileName(*current, &number, &type);
  manifest_file_number_ = number;
  next_file_number_ = *next_file;
  log_number_ = *log_number;
  last_sequence_ = *last_seq;
  MarkFileNumberUsed(manifest_file_number_);
  MarkFileNumberUsed(log_number_);
  Install(std::move(v));
  return absl::OkStatus();
}

absl::Status VersionSet::LogAndApply(VersionEdit* edit, Mutex* mu) {
  if (!manifest_cv_) manifest_cv_.emplace(mu);
  while (manifest_busy_) manifest_cv_->Wait();
  manifest_busy_ = true;

  // A new MANIFEST (with a full snapshot) once the current one passes
  // max_manifest_file_size, so recovery never replays an unbounded history.
  const bool new_manifest =
      manifest_log_ == nullptr || manifest_size_ > options_.max_manifest_file_size;
  const uint64_t new_manifest_number = new_manifest ? NewFileNumber() : manifest_file_number_;
  if (!edit->log_number()) edit->SetLogNumber(log_number_);
  edit->SetNextFileNumber(next_file_number_);
  edit->SetLastSequence(last_sequence_);

  absl::Status s;
  auto applied = ApplyEdit(*current_, *edit, table_cache_);
  std::shared_ptr<Version> v;
  if (applied.ok()) {
    v = std::move(*applied);
  } else {
    s = absl::InternalError(std::string(applied.status().message()));
  }

  std::string record;
  edit->EncodeTo(&record);
  std::string snapshot;
  if (s.ok() && new_manifest) WriteSnapshot(&snapshot);

  std::unique_ptr<WritableFile> new_file;
  std::unique_ptr<log::Writer> new_log;
  if (s.ok()) {
    mu->Unlock();
    log::Writer* writer = manifest_log_.get();
    WritableFile* file = manifest_file_.get();
    if (new_manifest) {
      auto created = env_->NewWritableFile(DescriptorFileName(dbname_, new_manifest_number));
      if (created.ok()) {
        new_file = std::move(*created);
        new_log = std::make_unique<log::Writer>(new_file.get());
        writer = new_log.get();
        file = new_file.get();
        s = writer->AddRecord(snapshot);
      } else {
        s = created.status();
      }
    }
    if (s.ok()) s = writer->AddRecord(record);
    if (s.ok()) s = file->Sync();
    if (s.ok() && new_manifest) s = SetCurrentFile(env_, dbname_, new_manifest_number);
    mu->Lock();
  }

  if (s.ok()) {
    if (new_manifest) {
      if (manifest_file_) manifest_file_->Close().IgnoreError();
      manifest_file_ = std::move(new_file);
      manifest_log_ = std::move(new_log);
      manifest_file_number_ = new_manifest_number;
      manifest_size_ = snapshot.size();
    }
    manifest_size_ += record.size();
    log_number_ = *edit->log_number();
    for (const auto& [level, key] : edit->compact_pointers()) compact_pointer_[level] = key;
    Install(std::move(v));
  } else {
    // The MANIFEST may now end in a partial record: never append to it again.
    // The next edit starts a new one from a full snapshot. A new MANIFEST is
    // left in place: CURRENT may already name it (the rename can succeed and
    // the directory sync fail); the next open collects it if not.
    if (new_file) new_file->Close().IgnoreError();
    manifest_log_.reset();
    if (manifest_file_) manifest_file_->Close().IgnoreError();
    manifest_file_.reset();
  }
  manifest_busy_ = false;
  manifest_cv_->SignalAll();
  return s;
}

bool VersionSet::SetupOtherInputs(Compaction* c) {
  const Version& v = *c->input_version_;
  for (const auto& f : c->inputs_[0]) {
    if (f->being_compacted) return false;
  }
  std::string smallest(SmallestUserKey(*c->inputs_[0].front()));
  std::string largest(LargestUserKey(*c->inputs_[0].front()));
  for (const auto& f : c->inputs_[0]) {
    smallest = std::min(smallest, std::string(SmallestUserKey(*f)));
    largest = std::max(largest, std::string(LargestUserKey(*f)));
  }
  std::string_view lo(smallest), hi(largest);
  if (c->level_ + 1 < kNumLevels) {
    c->inputs_[1] = v.GetOverlappingInputs(c->level_ + 1, &lo, &hi);
    for (const auto& f : c->inputs_[1]) {
      if (f->being_compacted) return false;
    }
    for (const auto& f : c->inputs_[1]) {
      smallest = std::min(smallest, std::string(SmallestUserKey(*f)));
      largest = std::max(largest, std::string(LargestUserKey(*f)));
    }
  }
  if (c->level_ + 2 < kNumLevels) {
    std::string_view glo(smallest), ghi(largest);
    c->grandparents_ = v.GetOverlappingInputs(c->level_ + 2, &glo, &ghi);
  }
  // Next time, start after this range (round robin within the level).
  std::string largest_ikey;
  for (const auto& f : c->inputs_[0]) {
    if (largest_ikey.empty() || CompareInternalKeys(f->largest, largest_ikey) > 0) {
      largest_ikey = f->largest;
    }
  }
  compact_pointer_[c->level_] = largest_ikey;
  return true;
}

std::unique_ptr<Compaction> VersionSet::PickCompaction() {
  std::vector<std::pair<double, int>> candidates;
  for (int level = 0; level < kNumLevels - 1; ++level) {
    const double score = LevelScore(level);
    if (score >= 1) candidates.emplace_back(score, level);
  }
  std::sort(candidates.rbegin(), candidates.rend());
  for (const auto& [score, level] : candidates) {
    const FileList& files = current_->files(level);
    if (level == 0) {
      if (l0_compaction_running_) continue;
      auto c = std::unique_ptr<Compaction>(new Compaction(options_, 0, current_));
      c->inputs_[0] = files;
      if (SetupOtherInputs(c.get())) return c;
      continue;
    }
    // Round robin: the first file after the last compaction's range.
    size_t start = 0;
    if (!compact_pointer_[level].empty()) {
      start = FindFile(files, compact_pointer_[level]);
      if (start < files.size() && CompareInternalKeys(files[start]->largest,
                                                      compact_pointer_[level]) <= 0) {
        ++start;
      }
    }
    for (size_t k = 0; k < files.size(); ++k) {
      const auto& f = files[(start + k) % files.size()];
      if (f->being_compacted) continue;
      auto c = std::unique_ptr<Compaction>(new Compaction(options_, level, current_));
      c->inputs_[0] = {f};
      if (SetupOtherInputs(c.get())) return c;
    }
  }
  return PickSeekCompaction();
}

std::unique_ptr<Compaction> VersionSet::PickSeekCompaction() {
  if (seek_compaction_file_ == nullptr) return nullptr;
  const int level = seek_compaction_level_;
  const FileList& files = current_->files(level);
  if (std::find(files.begin(), files.end(), seek_compaction_file_) == files.end()) {
    ClearSeekCompactionMark();  // compacted away or moved meanwhile
    return nullptr;
  }
  if (seek_compaction_file_->being_compacted || (level == 0 && l0_compaction_running_)) {
    return nullptr;  // retried when that compaction finishes
  }
  auto c = std::unique_ptr<Compaction>(new Compaction(options_, level, current_));
  c->seek_ = true;
  // L0 files overlap each other: like a size compaction, take them all.
  c->inputs_[0] = level == 0 ? files : FileList{seek_compaction_file_};
  if (!SetupOtherInputs(c.get())) return nullptr;
  ClearSeekCompactionMark();
  return c;
}

void VersionSet::ClearSeekCompactionMark() {
  seek_compaction_file_.reset();
  seek_compaction_marked_.store(false, std::memory_order_relaxed);
}

bool VersionSet::MarkForSeekCompaction(const Version::FileRef& f) {
  if (seek_compaction_file_ != nullptr || f.level >= kNumLevels - 1) return false;
  for (const auto& live : current_->files(f.level)) {
    if (live.get() == f.file) {
      seek_compaction_file_ = live;
      seek_compaction_level_ = f.level;
      seek_compaction_marked_.store(true, std::memory_order_relaxed);
      return true;
    }
  }
  return false;
}

std::unique_ptr<Compaction> VersionSet::CompactRange(int level, const std::string_view* begin,
                                                     const std::string_view* end, bool* busy) {
  *busy = false;
  FileList inputs = current_->GetOverlappingInputs(level, begin, end);
  if (inputs.empty()) return nullptr;
  if (level == 0 && l0_compaction_running_) {
    *busy = true;
    return nullptr;
  }
  auto c = std::unique_ptr<Compaction>(new Compaction(options_, level, current_));
  c->manual_ = true;
  c->inputs_[0] = std::move(inputs);
  if (!SetupOtherInputs(c.get())) {
    *busy = true;
    return nullptr;
  }
  return c;
}

}  // namespace lsm
