#include "engine/db/db_iter.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/util/random.h"

namespace lsm {

namespace {

// Forward: the internal iterator is positioned at the entry the user sees
// (the newest visible version of key()).
// Backward: the internal iterator is positioned just before every entry of
// key() (on the previous user key's entries, or invalid); key and value are
// held in saved_key_/saved_value_.
class DBIter final : public Iterator {
 public:
  DBIter(DBIterSources sources, SequenceNumber seq, std::optional<std::string> lower,
         std::optional<std::string> upper, SourceRefresher refresh,
         LatencyHistogram* seek_latency)
      : sequence_(seq),
        lower_(std::move(lower)),
        upper_(std::move(upper)),
        refresh_(std::move(refresh)),
        seek_latency_(seek_latency),
        rnd_(reinterpret_cast<uintptr_t>(this) ^ seq) {
    Install(std::move(sources));
    bytes_until_sample_ = NextSamplePeriod();
  }

  ~DBIter() override { ReleaseSources(); }

  bool Valid() const override { return valid_; }
  std::string_view key() const override {
    return direction_ == kForward ? ExtractUserKey(iter_->key()) : std::string_view(saved_key_);
  }
  std::string_view value() const override {
    return direction_ == kForward ? iter_->value() : std::string_view(saved_value_);
  }
  absl::Status status() const override { return status_.ok() ? iter_->status() : status_; }

  // Positioning calls are timed into seek_latency_ (one sample per call).
  void SeekToFirst() override {
    const ScopedLatency t(seek_latency_);
    MaybeRefresh();
    DoSeekToFirst();
  }
  void SeekToLast() override {
    const ScopedLatency t(seek_latency_);
    MaybeRefresh();
    DoSeekToLast();
  }
  void Seek(std::string_view target) override {
    const ScopedLatency t(seek_latency_);
    MaybeRefresh();
    DoSeek(target);
  }
  void SeekForPrev(std::string_view target) override {
    const ScopedLatency t(seek_latency_);
    MaybeRefresh();
    DoSeekForPrev(target);
  }

 private:
  void DoSeekToFirst() {
    if (lower_) return DoSeek(*lower_);
    direction_ = kForward;
    ClearSaved();
    iter_->SeekToFirst();
    FindNextUserEntry();
  }

  void DoSeekToLast() {
    if (upper_) {
      // Last key < upper: position before every entry of upper itself.
      direction_ = kReverse;
      ClearSaved();
      iter_->Seek(MakeInternalKey(*upper_, kMaxSequenceNumber, kValueTypeForSeek));
      if (iter_->Valid()) {
        iter_->Prev();
      } else {
        iter_->SeekToLast();
      }
      FindPrevUserEntry();
      return;
    }
    direction_ = kReverse;
    ClearSaved();
    iter_->SeekToLast();
    FindPrevUserEntry();
  }

  void DoSeek(std::string_view target) {
    direction_ = kForward;
    ClearSaved();
    if (lower_ && target < *lower_) target = *lower_;
    iter_->Seek(SeekKey(target, sequence_, kValueTypeForSeek));
    FindNextUserEntry();
  }

  void DoSeekForPrev(std::string_view target) {
    if (upper_ && target >= *upper_) return DoSeekToLast();
    direction_ = kReverse;
    ClearSaved();
    // The oldest possible entry of target: everything <= it is target's or before.
    iter_->SeekForPrev(SeekKey(target, 0, ValueType::kDeletion));
    FindPrevUserEntry();
  }


 public:
  void Next() override {
    if (direction_ == kReverse) {
      // The internal iterator is before key()'s entries: step onto them, then
      // past them.
      direction_ = kForward;
      if (!iter_->Valid()) {
        iter_->SeekToFirst();
      } else {
        iter_->Next();
      }
      skip_key_ = saved_key_;
      SkipPastUserKey(skip_key_);
      ClearSaved();
      FindNextUserEntry();
      return;
    }
    skip_key_.assign(ExtractUserKey(iter_->key()));
    iter_->Next();
    SkipPastUserKey(skip_key_);
    FindNextUserEntry();
  }

  void Prev() override {
    if (direction_ == kForward) {
      // Step back before every entry of the current key.
      saved_key_.assign(ExtractUserKey(iter_->key()));
      while (true) {
        iter_->Prev();
        if (!iter_->Valid()) break;
        if (ExtractUserKey(iter_->key()) < std::string_view(saved_key_)) break;
      }
      direction_ = kReverse;
    }
    FindPrevUserEntry();
  }

 private:
  enum Direction { kForward, kReverse };

  void Install(DBIterSources sources) {
    iter_ = std::move(sources.internal);
    tombstones_ = std::move(sources.tombstones);
    cleanup_ = std::move(sources.cleanup);
    sample_ = std::move(sources.sample);
  }

  // The internal iterator goes first: the cleanup releases what it reads.
  void ReleaseSources() {
    iter_.reset();
    if (cleanup_) cleanup_();
    cleanup_ = nullptr;
  }

  // Only at a repositioning call, where no position carries over. An error
  // of the old sources (status_ is the iterator's own) goes with them: the
  // new ones are read from scratch.
  void MaybeRefresh() {
    if (!refresh_) return;
    std::optional<DBIterSources> fresh = refresh_();
    if (!fresh.has_value()) return;
    ReleaseSources();
    Install(*std::move(fresh));
  }

  // The internal key a seek for target goes to, in a buffer the iterator
  // keeps (a seek allocates nothing once it has grown).
  std::string_view SeekKey(std::string_view target, SequenceNumber seq, ValueType type) {
    seek_key_.clear();
    AppendInternalKey(&seek_key_, target, seq, type);
    return seek_key_;
  }

  void ClearSaved() {
    saved_key_.clear();
    saved_value_.clear();
  }

  bool ParseCurrent(ParsedInternalKey* p) {
    const std::string_view ikey = iter_->key();
    if (!ParseInternalKey(ikey, p)) {
      status_ = absl::DataLossError(absl::StrCat("malformed internal key in iterator"));
      valid_ = false;
      return false;
    }
    if (sample_) {
      bytes_until_sample_ -= static_cast<int64_t>(ikey.size() + iter_->value().size());
      while (bytes_until_sample_ <= 0) {
        bytes_until_sample_ += NextSamplePeriod();
        sample_(ikey);
      }
    }
    return true;
  }

  // Uniform in [0, 2 * kReadSamplePeriod): one sample per kReadSamplePeriod
  // bytes on average.
  int64_t NextSamplePeriod() { return static_cast<int64_t>(rnd_.Uniform(2 * kReadSamplePeriod)); }

  // A visible entry that a newer range tombstone (visible too) deletes.
  bool CoveredByTombstone(const ParsedInternalKey& p) const {
    return tombstones_ != nullptr &&
           p.sequence < tombstones_->MaxCoveringSequence(p.user_key, sequence_);
  }

  // Advances the internal iterator past every entry of user_key.
  void SkipPastUserKey(std::string_view user_key) {
    while (iter_->Valid() && ExtractUserKey(iter_->key()) == user_key) iter_->Next();
  }

  // Forward: from the internal position, find the first user key whose newest
  // visible entry is a value.
  void FindNextUserEntry() {
    valid_ = false;
    while (iter_->Valid()) {
      ParsedInternalKey p;
      if (!ParseCurrent(&p)) return;
      if (upper_ && p.user_key >= std::string_view(*upper_)) return;
      if (p.sequence > sequence_) {  // invisible to this snapshot
        iter_->Next();
        continue;
      }
      if (p.type == ValueType::kDeletion || CoveredByTombstone(p)) {
        skip_key_.assign(p.user_key);
        SkipPastUserKey(skip_key_);
        continue;
      }
      valid_ = true;
      return;
    }
  }

  // Backward: from the internal position (the last entry of some user key or
  // earlier), find the previous user key whose newest visible entry is a
  // value; leave the internal iterator before all of its entries.
  void FindPrevUserEntry() {
    valid_ = false;
    while (iter_->Valid()) {
      // Walk the entries of one user key from oldest to newest; the last
      // visible one decides.
      ParsedInternalKey p;
      if (!ParseCurrent(&p)) return;
      // The user key being walked, in a buffer kept across steps (a key over
      // 15 bytes would otherwise cost an allocation per step).
      std::string& user_key = prev_user_key_;
      user_key.assign(p.user_key);
      if (lower_ && std::string_view(user_key) < std::string_view(*lower_)) return;
      bool have_value = false;
      while (iter_->Valid()) {
        if (!ParseCurrent(&p)) return;
        if (p.user_key != std::string_view(user_key)) break;
        if (p.sequence <= sequence_) {
          if (p.type == ValueType::kValue && !CoveredByTombstone(p)) {
            have_value = true;
            saved_value_.assign(iter_->value());
          } else {
            have_value = false;
          }
        }
        iter_->Prev();
      }
      if (have_value && !(upper_ && std::string_view(user_key) >= std::string_view(*upper_))) {
        saved_key_.swap(user_key);
        valid_ = true;
        return;
      }
    }
  }

  std::unique_ptr<Iterator> iter_;
  const SequenceNumber sequence_;
  const std::optional<std::string> lower_, upper_;
  std::shared_ptr<const FragmentedRangeTombstones> tombstones_;  // may be null
  std::function<void()> cleanup_;
  ReadSampler sample_;
  const SourceRefresher refresh_;  // may be empty
  LatencyHistogram* const seek_latency_;  // may be nullptr
  Random rnd_;
  int64_t bytes_until_sample_ = 0;
  Direction direction_ = kForward;
  bool valid_ = false;
  absl::Status status_;
  std::string saved_key_, saved_value_;
  std::string skip_key_;  // the user key SkipPastUserKey is stepping over
  std::string seek_key_;  // see SeekKey
  std::string prev_user_key_;  // the user key FindPrevUserEntry is walking
};

}  // namespace

std::unique_ptr<Iterator> NewDBIterator(DBIterSources sources, SequenceNumber sequence,
                                        std::optional<std::string> lower_bound,
                                        std::optional<std::string> upper_bound,
                                        SourceRefresher refresh, LatencyHistogram* seek_latency) {
  return std::make_unique<DBIter>(std::move(sources), sequence, std::move(lower_bound),
                                  std::move(upper_bound), std::move(refresh), seek_latency);
}

}  // namespace lsm
