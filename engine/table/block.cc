#include "engine/table/block.h"

#include <cassert>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/memtable/dbformat.h"
#include "engine/table/iterator_util.h"
#include "engine/util/coding.h"

namespace lsm {

namespace {

// Parses the header of the entry at p: shared, non_shared and value lengths.
// Returns where the key delta starts, or nullptr when the entry does not fit
// in [p, limit).
const char* DecodeEntry(const char* p, const char* limit, uint32_t* shared,
                        uint32_t* non_shared, uint32_t* value_len) {
  if (limit - p < 3) return nullptr;
  const auto* u = reinterpret_cast<const uint8_t*>(p);
  if ((u[0] | u[1] | u[2]) < 128) {
    // Fast path: all three lengths fit in one byte each.
    *shared = u[0];
    *non_shared = u[1];
    *value_len = u[2];
    p += 3;
  } else {
    if ((p = DecodeVarint32(p, limit, shared)) == nullptr) return nullptr;
    if ((p = DecodeVarint32(p, limit, non_shared)) == nullptr) return nullptr;
    if ((p = DecodeVarint32(p, limit, value_len)) == nullptr) return nullptr;
  }
  if (static_cast<uint64_t>(limit - p) < uint64_t{*non_shared} + *value_len) return nullptr;
  return p;
}

}  // namespace

void BlockIter::SetBlock(const Block& block, KeyOrder order, std::shared_ptr<const Block> owner) {
  owner_ = std::move(owner);
  order_ = order;
  if (!block.status_.ok()) {
    data_ = nullptr;
    restarts_ = 0;
    num_restarts_ = 0;
    status_ = block.status_;
    MarkEnd();
    return;
  }
  assert(block.num_restarts_ > 0);
  data_ = block.data_.data();
  restarts_ = block.restart_offset_;
  num_restarts_ = block.num_restarts_;
  status_ = absl::OkStatus();
  MarkEnd();
}

void BlockIter::Clear(absl::Status s) {
  owner_.reset();
  data_ = nullptr;
  restarts_ = 0;
  num_restarts_ = 0;
  status_ = std::move(s);
  MarkEnd();
}

void BlockIter::Prev() {
  assert(Valid());
  if (prev_index_ > 0) {
    // The backward scan that reached the current entry kept its
    // predecessors: step back without decoding.
    RestoreEntry(prev_entries_[--prev_index_]);
    return;
  }
  ScanRegionBefore(restart_index_, current_);
}

void BlockIter::Seek(std::string_view target) {
  if (!status_.ok() || data_ == nullptr) return;
  // Binary search for the last restart point whose key is < target.
  uint32_t left = 0;
  uint32_t right = num_restarts_ - 1;
  while (left < right) {
    const uint32_t mid = left + (right - left + 1) / 2;
    const uint32_t offset = RestartPoint(mid);
    uint32_t shared, non_shared, value_len;
    const char* p =
        DecodeEntry(data_ + offset, data_ + restarts_, &shared, &non_shared, &value_len);
    if (p == nullptr || shared != 0) {
      Corrupt(absl::StrCat("bad entry at restart point ", mid));
      return;
    }
    const std::string_view mid_key(p, non_shared);
    if (!KeyOk(mid_key)) return;
    if (Compare(mid_key, target) < 0) {
      left = mid;
    } else {
      right = mid - 1;
    }
  }
  SeekToRestartPoint(left);
  PrefetchEntries(next_, left + 1 < num_restarts_ ? RestartPoint(left + 1) : restarts_);
  while (ParseNextKey()) {
    if (Compare(CurrentKey(), target) >= 0) return;
  }
}

void BlockIter::SeekForPrev(std::string_view target) {
  Seek(target);
  if (!status_.ok() || data_ == nullptr) return;
  if (!Valid()) {
    SeekToLast();
  } else if (Compare(CurrentKey(), target) > 0) {
    Prev();
  }
}

void BlockIter::SeekToFirst() {
  if (!status_.ok() || data_ == nullptr) return;
  SeekToRestartPoint(0);
  ParseNextKey();
}

void BlockIter::SeekToLast() {
  if (!status_.ok() || data_ == nullptr) return;
  ScanRegionBefore(num_restarts_ - 1, restarts_);
}

int BlockIter::Compare(std::string_view a, std::string_view b) const {
  return order_ == KeyOrder::kInternal ? CompareInternalKeys(a, b) : a.compare(b);
}

uint32_t BlockIter::RestartPoint(uint32_t index) const {
  assert(index < num_restarts_);
  return DecodeFixed32(data_ + restarts_ + index * sizeof(uint32_t));
}

void BlockIter::SeekToRestartPoint(uint32_t index) {
  key_size_ = 0;
  restart_index_ = index;
  // ParseNextKey() starts at next_.
  next_ = RestartPoint(index);
  current_ = next_;
}

// Positions at the last entry that starts before offset `end`, searching the
// restart regions from `index` down. Prefix compression lets an entry be
// decoded only from its region's restart point, so the region is decoded
// once, front to back, and every entry of it kept: the Prev calls that follow
// step back through them without decoding again (a backward scan decodes each
// entry once, as a forward one does).
void BlockIter::ScanRegionBefore(uint32_t index, uint32_t end) {
  while (RestartPoint(index) >= end) {
    if (index == 0) {
      MarkEnd();
      return;
    }
    --index;
  }
  SeekToRestartPoint(index);
  PrefetchEntries(next_, end);
  prev_entries_.clear();
  prev_keys_.clear();
  do {
    if (!ParseNextKey()) return;
    prev_entries_.push_back(DecodedEntry{current_, next_, static_cast<uint32_t>(prev_keys_.size()),
                                         key_size_, value_});
    prev_keys_.append(key_buf_.data(), key_size_);
  } while (next_ < end);
  prev_index_ = static_cast<uint32_t>(prev_entries_.size() - 1);
}

void BlockIter::PrefetchEntries(uint32_t begin, uint32_t end) const {
  if (end > restarts_) end = restarts_;  // the entry area bounds even a damaged restart array
  for (uint32_t off = begin; off < end; off += 64) __builtin_prefetch(data_ + off);
}

void BlockIter::RestoreEntry(const DecodedEntry& e) {
  current_ = e.offset;
  next_ = e.next;
  SetKeySuffix(0, prev_keys_.data() + e.key_offset, e.key_size);
  value_ = e.value;
}

void BlockIter::MarkEnd() {
  prev_index_ = 0;
  current_ = restarts_;
  next_ = restarts_;
  restart_index_ = num_restarts_;
  key_size_ = 0;
  value_ = {};
}

void BlockIter::Corrupt(std::string_view what) {
  if (status_.ok()) {
    status_ = absl::DataLossError(
        absl::StrCat("bad block: ", absl::string_view(what.data(), what.size())));
  }
  MarkEnd();
}

bool BlockIter::KeyOk(std::string_view key) {
  if (order_ == KeyOrder::kInternal && key.size() < kInternalKeyTrailerSize) {
    Corrupt("internal key shorter than its trailer");
    return false;
  }
  return true;
}

bool BlockIter::ParseNextKey() {
  prev_index_ = 0;
  current_ = next_;
  if (current_ >= restarts_) {
    if (current_ > restarts_ || restart_index_ + 1 < num_restarts_) {
      // The entries overran the restart array, or a restart point lies
      // beyond the last entry's start: either way the block is damaged.
      Corrupt(absl::StrCat("entries and restart array disagree at offset ", current_));
      return false;
    }
    MarkEnd();
    return false;
  }
  uint32_t shared, non_shared, value_len;
  const char* p =
      DecodeEntry(data_ + current_, data_ + restarts_, &shared, &non_shared, &value_len);
  if (p == nullptr || shared > key_size_) {
    Corrupt(absl::StrCat("bad entry at offset ", current_));
    return false;
  }
  SetKeySuffix(shared, p, non_shared);
  value_ = std::string_view(p + non_shared, value_len);
  next_ = static_cast<uint32_t>((p + non_shared + value_len) - data_);
  if (!KeyOk(CurrentKey())) return false;
  while (restart_index_ + 1 < num_restarts_ && RestartPoint(restart_index_ + 1) <= current_) {
    ++restart_index_;
    // Every restart point is the start of an entry with a full key; one that
    // falls inside an entry, or on a prefix-compressed one, means the restart
    // array is damaged (backward steps would decode garbage).
    if (RestartPoint(restart_index_) != current_ || shared != 0) {
      Corrupt(absl::StrCat("restart point ", restart_index_, " (offset ",
                           RestartPoint(restart_index_), ") is not an entry with a full key"));
      return false;
    }
  }
  return true;
}

Block::Block(BlockContents contents)
    : data_(std::move(contents.data)), stored_compression_(contents.stored_compression) {
  const size_t n = data_.size();
  if (n < sizeof(uint32_t)) {
    status_ = absl::DataLossError(absl::StrCat("bad block: ", n, " bytes is too short"));
    return;
  }
  const uint32_t num = DecodeFixed32(data_.data() + n - sizeof(uint32_t));
  const size_t max_restarts = (n - sizeof(uint32_t)) / sizeof(uint32_t);
  if (num == 0 || num > max_restarts) {
    status_ = absl::DataLossError(
        absl::StrCat("bad block: ", num, " restart points in ", n, " bytes"));
    return;
  }
  const size_t restart_offset = n - sizeof(uint32_t) * (1 + size_t{num});
  // The restart array must start at 0, increase strictly and point inside the
  // entries (an empty block has the single restart point 0 == its end).
  uint32_t prev = 0;
  for (uint32_t i = 0; i < num; ++i) {
    const uint32_t r = DecodeFixed32(data_.data() + restart_offset + i * sizeof(uint32_t));
    const bool ok = i == 0 ? (r == 0 && (restart_offset > 0 || num == 1))
                           : (r > prev && r < restart_offset);
    if (!ok) {
      status_ = absl::DataLossError(
          absl::StrCat("bad block: restart point ", i, " at offset ", r, " is out of order"));
      return;
    }
    prev = r;
  }
  restart_offset_ = static_cast<uint32_t>(restart_offset);
  num_restarts_ = num;
}


absl::StatusOr<bool> Block::VisitFirstAtOrAfter(
    std::string_view target,
    absl::FunctionRef<void(std::string_view key, std::string_view value)> found) const {
  if (!status_.ok()) return status_;
  BlockIter it(*this, KeyOrder::kInternal, nullptr);
  if (target.empty()) {
    it.SeekToFirst();
  } else {
    it.Seek(target);
  }
  if (!it.Valid()) {
    if (!it.status().ok()) return it.status();
    return false;
  }
  found(it.key(), it.value());
  return true;
}

std::unique_ptr<Iterator> Block::NewIterator(KeyOrder order) const {
  if (!status_.ok()) return NewErrorIterator(status_);
  return std::make_unique<BlockIter>(*this, order, nullptr);
}

}  // namespace lsm
