#include "engine/memtable/memtable.h"

#include <cassert>
#include <cstring>
#include <type_traits>

#include "engine/util/coding.h"

namespace lsm {
namespace {

// Decodes the length-prefixed slice at p. The memtable wrote p itself, so the
// varint is well-formed and the bytes are there.
inline std::string_view GetLengthPrefixedSlice(const char* p) {
  uint32_t len;
  const auto first = static_cast<uint8_t>(*p);
  if (first < 0x80) {  // one-byte varint: every key shorter than 128 bytes
    len = first;
    ++p;
  } else {
    p = DecodeVarint32(p, p + kMaxVarint32Bytes, &len);
  }
  return std::string_view(p, len);
}

}  // namespace

int MemTable::KeyComparator::operator()(const char* a, const char* b) const {
  return CompareInternalKeys(GetLengthPrefixedSlice(a), GetLengthPrefixedSlice(b));
}

std::string_view MemTable::KeyComparator::Bytes(const char* entry) const {
  return ExtractUserKey(GetLengthPrefixedSlice(entry));
}

MemTable::MemTable(size_t expected_bytes, MemTableStructure structure)
    : bloom_(expected_bytes > 0 ? std::make_unique<MemTableBloom>(expected_bytes / 128) : nullptr),
      btree_(structure == MemTableStructure::kBTree ? std::make_unique<BTreeLists>(&arena_)
                                                     : nullptr),
      skiplist_(structure == MemTableStructure::kSkipList ? std::make_unique<SkipLists>(&arena_)
                                                           : nullptr) {
  assert(btree_ != nullptr || skiplist_ != nullptr);
}

MemTable::~MemTable() = default;

namespace {

// Inserts one entry (entry encoding, see memtable.h) into table.
template <typename Table>
void InsertEntry(Table* table, SequenceNumber seq, ValueType type, std::string_view key,
                 std::string_view value) {
  assert(seq <= kMaxSequenceNumber);
  const size_t ikey_len = key.size() + kInternalKeyTrailerSize;
  assert(ikey_len <= UINT32_MAX && value.size() <= UINT32_MAX);
  const size_t encoded_len = VarintLength(ikey_len) + ikey_len + VarintLength(value.size()) +
                             value.size();
  // The entry lives right after its node (one allocation).
  table->InsertWith(encoded_len, [&](char* buf) -> const char* {
    char* p = EncodeVarint32(buf, static_cast<uint32_t>(ikey_len));
    if (!key.empty()) std::memcpy(p, key.data(), key.size());
    p += key.size();
    EncodeFixed64(p, PackSequenceAndType(seq, type));
    p += kInternalKeyTrailerSize;
    p = EncodeVarint32(p, static_cast<uint32_t>(value.size()));
    if (!value.empty()) std::memcpy(p, value.data(), value.size());
    assert(p + value.size() == buf + encoded_len);
    return buf;
  });
}

}  // namespace

void MemTable::Add(SequenceNumber seq, ValueType type, std::string_view key,
                   std::string_view value) {
  if (bloom_ != nullptr) bloom_->Add(key);  // before the entry is linked (see memtable_bloom.h)
  WithLists([&](auto& lists) { InsertEntry(&lists.entries, seq, type, key, value); });
  CountEntry(seq);
  if (type == ValueType::kDeletion) {
    num_deletions_.store(num_deletions_.load(std::memory_order_relaxed) + 1,
                         std::memory_order_relaxed);
  }
}

void MemTable::CountEntry(SequenceNumber seq) {
  // Statistics: only this (single) writer stores them, readers load them.
  num_entries_.store(num_entries_.load(std::memory_order_relaxed) + 1,
                     std::memory_order_relaxed);
  if (seq < smallest_seq_.load(std::memory_order_relaxed)) {
    smallest_seq_.store(seq, std::memory_order_relaxed);
  }
  if (seq > largest_seq_.load(std::memory_order_relaxed)) {
    largest_seq_.store(seq, std::memory_order_relaxed);
  }
}

void MemTable::AddRangeTombstone(SequenceNumber seq, std::string_view begin,
                                 std::string_view end) {
  assert(CompareUserKeys(begin, end) < 0);
  WithLists([&](auto& lists) {
    InsertEntry(&lists.tombstones, seq, ValueType::kRangeDeletion, begin, end);
  });
  CountEntry(seq);
  // Release: a reader that sees the count sees the node.
  num_range_deletions_.store(num_range_deletions_.load(std::memory_order_relaxed) + 1,
                             std::memory_order_release);
}

void MemTable::AppendRangeTombstones(std::vector<RangeTombstone>* out) const {
  WithLists([out](const auto& lists) {
    typename std::remove_reference_t<decltype(lists.tombstones)>::Iterator iter(&lists.tombstones);
    for (iter.SeekToFirst(); iter.Valid(); iter.Next()) {
      const std::string_view ikey = GetLengthPrefixedSlice(iter.key());
      const std::string_view end = GetLengthPrefixedSlice(ikey.data() + ikey.size());
      RangeTombstone t;
      t.begin.assign(ExtractUserKey(ikey));
      t.end.assign(end);
      t.sequence = ExtractTrailer(ikey) >> 8;
      out->push_back(std::move(t));
    }
  });
}

std::shared_ptr<const FragmentedRangeTombstones> MemTable::RangeTombstones() const {
  const uint64_t count = NumRangeDeletions();
  if (count == 0) return nullptr;
  MutexLock l(&fragmented_mu_);
  if (fragmented_ == nullptr || fragmented_count_ != count) {
    // The list may have grown past `count` meanwhile; the cache then holds
    // more than it is labelled with, and is rebuilt once more next time.
    std::vector<RangeTombstone> list;
    AppendRangeTombstones(&list);
    fragmented_ = std::make_shared<const FragmentedRangeTombstones>(list);
    fragmented_count_ = count;
  }
  return fragmented_;
}

MemTable::GetResult MemTable::Get(std::string_view user_key, SequenceNumber snapshot,
                                  std::string* value, SequenceNumber* found_seq) const {
  if (bloom_ != nullptr && !bloom_->MayContain(user_key)) return GetResult::kNotPresent;
  // The lookup target in the entry encoding: varint32(len) internal_key.
  // Short keys are encoded on the stack; no allocation on the common path.
  const size_t ikey_len = user_key.size() + kInternalKeyTrailerSize;
  char stack_buf[256];
  std::string heap_buf;
  char* target = stack_buf;
  if (ikey_len + kMaxVarint32Bytes > sizeof(stack_buf)) {
    heap_buf.resize(ikey_len + kMaxVarint32Bytes);
    target = heap_buf.data();
  }
  char* p = EncodeVarint32(target, static_cast<uint32_t>(ikey_len));
  if (!user_key.empty()) std::memcpy(p, user_key.data(), user_key.size());
  EncodeFixed64(p + user_key.size(), PackSequenceAndType(snapshot, kValueTypeForSeek));

  // The first entry >= target: the newest of user_key with sequence <=
  // snapshot, if user_key has one; otherwise some larger user key.
  const char* const entry = WithLists([target](const auto& lists) -> const char* {
    typename std::remove_reference_t<decltype(lists.entries)>::Iterator iter(&lists.entries);
    iter.Seek(target);
    return iter.Valid() ? iter.key() : nullptr;
  });
  if (entry == nullptr) return GetResult::kNotPresent;
  const std::string_view ikey = GetLengthPrefixedSlice(entry);
  if (ExtractUserKey(ikey) != user_key) return GetResult::kNotPresent;
  if (found_seq != nullptr) *found_seq = ExtractTrailer(ikey) >> 8;
  const auto type = static_cast<ValueType>(ExtractTrailer(ikey) & 0xff);
  if (type == ValueType::kDeletion) return GetResult::kDeleted;
  const std::string_view v = GetLengthPrefixedSlice(ikey.data() + ikey.size());
  value->assign(v.data(), v.size());
  return GetResult::kFound;
}

template <typename Table>
class MemTable::MemTableIterator final : public Iterator {
 public:
  MemTableIterator(const Table* table, std::shared_ptr<const MemTable> owner)
      : iter_(table), owner_(std::move(owner)) {}

  bool Valid() const override { return iter_.Valid(); }
  void SeekToFirst() override { iter_.SeekToFirst(); }
  void SeekToLast() override { iter_.SeekToLast(); }
  void Seek(std::string_view target) override { iter_.Seek(EncodeTarget(target)); }
  void SeekForPrev(std::string_view target) override {
    iter_.SeekForPrev(EncodeTarget(target));
  }
  void Next() override { iter_.Next(); }
  void Prev() override { iter_.Prev(); }
  std::string_view key() const override { return GetLengthPrefixedSlice(iter_.key()); }
  std::string_view value() const override {
    const std::string_view k = key();
    return GetLengthPrefixedSlice(k.data() + k.size());
  }
  absl::Status status() const override { return absl::OkStatus(); }

 private:
  // Targets are internal keys. Anything shorter than a trailer cannot be
  // one; rather than read out of bounds, it is taken as a user key and the
  // target becomes the position before all of that key's entries.
  const char* EncodeTarget(std::string_view target) {
    tmp_.clear();
    if (target.size() >= kInternalKeyTrailerSize) {
      PutVarint32(&tmp_, static_cast<uint32_t>(target.size()));
      tmp_.append(target.data(), target.size());
    } else {
      PutVarint32(&tmp_, static_cast<uint32_t>(target.size() + kInternalKeyTrailerSize));
      AppendInternalKey(&tmp_, target, kMaxSequenceNumber, kValueTypeForSeek);
    }
    return tmp_.data();
  }

  typename Table::Iterator iter_;
  std::string tmp_;  // the last Seek target, in entry encoding
  std::shared_ptr<const MemTable> owner_;  // keeps a shared memtable alive
};

std::unique_ptr<Iterator> MemTable::NewIterator() const {
  return WithLists([this](const auto& lists) -> std::unique_ptr<Iterator> {
    using Table = std::remove_reference_t<decltype(lists.entries)>;
    return std::make_unique<MemTableIterator<Table>>(&lists.entries, weak_from_this().lock());
  });
}

}  // namespace lsm
