// lsm::WriteBatch (lsm/write_batch.h) and its engine helpers
// (write_batch_internal.h).
//
// rep_ := sequence:u64le count:u32le entry*
// entry := type:u8 key_len:u32le value_len:u32le key value
// (a deletion has value_len 0 and no value; a range deletion's key is the
// range's begin, its value the end). See engine/wal/FORMAT.md.

#include "lsm/write_batch.h"

#include <cassert>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "engine/memtable/dbformat.h"
#include "engine/memtable/memtable.h"
#include "engine/util/coding.h"
#include "engine/wal/write_batch_internal.h"

namespace lsm {
namespace {

constexpr size_t kEntryHeaderSize = 1 + 4 + 4;

// Walks the entries of an encoded batch, calling fn(type, key, value) for
// each, and checks the count. Never reads outside encoded.
template <typename Fn>
absl::Status ParseBatch(std::string_view encoded, Fn&& fn) {
  if (encoded.size() < WriteBatch::kHeaderSize) {
    return absl::DataLossError(absl::StrCat("write batch of ", encoded.size(),
                                            " bytes is shorter than its ",
                                            WriteBatch::kHeaderSize, "-byte header"));
  }
  const uint32_t count = WriteBatchCount(encoded);
  std::string_view input = encoded.substr(WriteBatch::kHeaderSize);
  uint64_t found = 0;
  while (!input.empty()) {
    const uint64_t i = found;
    if (input.size() < kEntryHeaderSize) {
      return absl::DataLossError(absl::StrCat("write batch entry ", i, ": entry header needs ",
                                              kEntryHeaderSize, " bytes, only ", input.size(),
                                              " remain"));
    }
    const uint8_t type = static_cast<uint8_t>(input[0]);
    const uint32_t key_len = DecodeFixed32(input.data() + 1);
    const uint32_t value_len = DecodeFixed32(input.data() + 5);
    input.remove_prefix(kEntryHeaderSize);
    if (type != static_cast<uint8_t>(ValueType::kValue) &&
        type != static_cast<uint8_t>(ValueType::kDeletion) &&
        type != static_cast<uint8_t>(ValueType::kRangeDeletion)) {
      return absl::DataLossError(
          absl::StrCat("write batch entry ", i, ": unknown type ", static_cast<int>(type)));
    }
    if (key_len > input.size()) {
      return absl::DataLossError(absl::StrCat("write batch entry ", i, ": key length ", key_len,
                                              " exceeds remaining ", input.size(), " bytes"));
    }
    const std::string_view key = input.substr(0, key_len);
    input.remove_prefix(key_len);
    if (type == static_cast<uint8_t>(ValueType::kDeletion) && value_len != 0) {
      return absl::DataLossError(absl::StrCat("write batch entry ", i,
                                              ": deletion with a value of length ", value_len));
    }
    if (value_len > input.size()) {
      return absl::DataLossError(absl::StrCat("write batch entry ", i, ": value length ",
                                              value_len, " exceeds remaining ", input.size(),
                                              " bytes"));
    }
    const std::string_view value = input.substr(0, value_len);
    input.remove_prefix(value_len);
    ++found;
    if (found > count) {
      return absl::DataLossError(absl::StrCat("write batch count is ", count,
                                              " but it holds more entries"));
    }
    fn(static_cast<ValueType>(type), key, value);
  }
  if (found != count) {
    return absl::DataLossError(
        absl::StrCat("write batch count is ", count, " but it holds ", found, " entries"));
  }
  return absl::OkStatus();
}

void AppendEntry(std::string* rep, ValueType type, std::string_view key,
                 std::string_view value) {
  // The DB rejects keys and values beyond kMaxKeySize / kMaxValueSize before
  // they get here; the encoding itself caps both at 32 bits.
  assert(key.size() <= UINT32_MAX && value.size() <= UINT32_MAX);
  char header[kEntryHeaderSize];
  header[0] = static_cast<char>(type);
  EncodeFixed32(header + 1, static_cast<uint32_t>(key.size()));
  EncodeFixed32(header + 5, static_cast<uint32_t>(value.size()));
  rep->append(header, kEntryHeaderSize);
  rep->append(key.data(), key.size());
  rep->append(value.data(), value.size());
}

}  // namespace

WriteBatch::WriteBatch() : rep_(kHeaderSize, '\0') {}

void WriteBatch::Put(std::string_view key, std::string_view value) {
  if (rep_.size() < kHeaderSize) rep_.assign(kHeaderSize, '\0');  // moved-from
  AppendEntry(&rep_, ValueType::kValue, key, value);
  EncodeFixed32(rep_.data() + 8, WriteBatchCount(rep_) + 1);
}

void WriteBatch::Delete(std::string_view key) {
  if (rep_.size() < kHeaderSize) rep_.assign(kHeaderSize, '\0');
  AppendEntry(&rep_, ValueType::kDeletion, key, std::string_view());
  EncodeFixed32(rep_.data() + 8, WriteBatchCount(rep_) + 1);
}

void WriteBatch::DeleteRange(std::string_view begin, std::string_view end) {
  if (rep_.size() < kHeaderSize) rep_.assign(kHeaderSize, '\0');
  AppendEntry(&rep_, ValueType::kRangeDeletion, begin, end);
  EncodeFixed32(rep_.data() + 8, WriteBatchCount(rep_) + 1);
}

void WriteBatch::Handler::DeleteRange(std::string_view, std::string_view) {
  unsupported_entry_ = true;
}

void WriteBatch::Append(const WriteBatch& other) {
  if (rep_.size() < kHeaderSize) rep_.assign(kHeaderSize, '\0');
  if (other.rep_.size() <= kHeaderSize) return;
  const uint32_t total = WriteBatchCount(rep_) + WriteBatchCount(other.rep_);
  rep_.append(other.rep_, kHeaderSize, std::string::npos);
  EncodeFixed32(rep_.data() + 8, total);
}

void WriteBatch::Clear() { rep_.assign(kHeaderSize, '\0'); }

size_t WriteBatch::Count() const {
  return rep_.size() < kHeaderSize ? 0 : WriteBatchCount(rep_);
}

size_t WriteBatch::ApproximateSize() const { return rep_.size(); }

uint64_t WriteBatch::sequence() const {
  return rep_.size() < kHeaderSize ? 0 : WriteBatchSequence(rep_);
}

void WriteBatch::set_sequence(uint64_t seq) {
  if (rep_.size() < kHeaderSize) rep_.assign(kHeaderSize, '\0');
  EncodeFixed64(rep_.data(), seq);
}

absl::Status WriteBatch::Iterate(Handler* handler) const {
  if (rep_.size() < kHeaderSize) return absl::OkStatus();  // moved-from: empty
  handler->unsupported_entry_ = false;
  absl::Status s = ParseBatch(rep_, [handler](ValueType type, std::string_view key,
                                              std::string_view value) {
    switch (type) {
      case ValueType::kValue:
        handler->Put(key, value);
        break;
      case ValueType::kDeletion:
        handler->Delete(key);
        break;
      case ValueType::kRangeDeletion:
        handler->DeleteRange(key, value);
        break;
    }
  });
  if (s.ok() && handler->unsupported_entry_) {
    return absl::UnimplementedError(
        "WriteBatch::Iterate: the batch holds a range deletion and the handler does not "
        "override Handler::DeleteRange");
  }
  return s;
}

absl::Status WriteBatch::SetContents(std::string_view encoded) {
  absl::Status s = ValidateWriteBatch(encoded);
  if (s.ok()) rep_.assign(encoded.data(), encoded.size());
  return s;
}

absl::Status ValidateWriteBatch(std::string_view encoded) {
  return ParseBatch(encoded, [](ValueType, std::string_view, std::string_view) {});
}

absl::Status InsertBatchIntoMemTable(const WriteBatch& batch, MemTable* mem) {
  const uint64_t count = batch.Count();
  const SequenceNumber first = batch.sequence();
  if (count > 0 && (first > kMaxSequenceNumber || count - 1 > kMaxSequenceNumber - first)) {
    return absl::InvalidArgumentError(
        absl::StrCat("write batch sequence ", first, " with ", count,
                     " entries passes the largest sequence number ", kMaxSequenceNumber));
  }
  if (batch.rep().size() < WriteBatch::kHeaderSize) return absl::OkStatus();
  SequenceNumber seq = first;
  return ParseBatch(batch.rep(), [mem, &seq](ValueType type, std::string_view key,
                                             std::string_view value) {
    if (type == ValueType::kRangeDeletion) {
      // An empty or reversed range deletes nothing; it still uses its
      // sequence number, as every entry does.
      if (CompareUserKeys(key, value) < 0) mem->AddRangeTombstone(seq, key, value);
      ++seq;
    } else {
      mem->Add(seq++, type, key, value);
    }
  });
}

}  // namespace lsm
