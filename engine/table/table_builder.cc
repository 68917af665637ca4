#include "engine/table/table_builder.h"

#include <algorithm>
#include <cassert>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "engine/memtable/dbformat.h"
#include "engine/util/coding.h"

namespace lsm {

std::string IndexSeparator(std::string_view last, std::string_view next) {
  const std::string_view ul = ExtractUserKey(last);
  const std::string_view un = ExtractUserKey(next);
  const size_t limit = std::min(ul.size(), un.size());
  size_t diff = 0;
  while (diff < limit && ul[diff] == un[diff]) ++diff;
  if (diff < limit) {
    const uint8_t b = static_cast<uint8_t>(ul[diff]);
    // ul[0, diff) + (b + 1) is > ul and, when b + 1 < un[diff], < un.
    if (b < 0xff && b + 1 < static_cast<uint8_t>(un[diff]) && diff + 1 < ul.size()) {
      std::string s(ul.substr(0, diff));
      s.push_back(static_cast<char>(b + 1));
      // The largest trailer sorts first among entries of s: k > every entry
      // of ul (a smaller user key), and k < next (a larger user key).
      return MakeInternalKey(s, kMaxSequenceNumber, kValueTypeForSeek);
    }
  }
  return std::string(last);
}

std::string IndexSuccessor(std::string_view last) {
  const std::string_view ul = ExtractUserKey(last);
  for (size_t i = 0; i + 1 < ul.size(); ++i) {
    const uint8_t b = static_cast<uint8_t>(ul[i]);
    if (b != 0xff) {
      std::string s(ul.substr(0, i));
      s.push_back(static_cast<char>(b + 1));
      return MakeInternalKey(s, kMaxSequenceNumber, kValueTypeForSeek);
    }
  }
  return std::string(last);
}

TableBuilder::TableBuilder(const TableOptions& options, WritableFile* file)
    : options_(options),
      file_(file),
      data_block_(std::max(options.block_restart_interval, 1)),
      index_block_(1) {
  if (options_.bloom_bits_per_key > 0) {
    filter_ = std::make_unique<BloomFilterBuilder>(options_.bloom_bits_per_key);
  }
  props_.compression = options_.compression;
  props_.format_version = kTableFormatVersion;
  props_.filter_bits_per_key = std::max(options_.bloom_bits_per_key, 0);
  props_.block_size = options_.block_size;
  props_.block_restart_interval = std::max(options_.block_restart_interval, 1);
}

TableBuilder::~TableBuilder() { assert(closed_); }

void TableBuilder::Add(std::string_view key, std::string_view value) {
  assert(!closed_);
  if (closed_ || !status_.ok()) return;
  ParsedInternalKey parsed;
  if (!ParseInternalKey(key, &parsed)) {
    status_ = absl::InvalidArgumentError("TableBuilder::Add: malformed internal key");
    return;
  }
  if (props_.num_entries > 0 && CompareInternalKeys(key, last_key_) <= 0) {
    status_ = absl::InvalidArgumentError("TableBuilder::Add: keys out of order");
    return;
  }
  if (pending_index_entry_) AddIndexEntry(key);
  if (filter_ != nullptr) filter_->AddKey(parsed.user_key);

  if (props_.num_entries == 0) {
    props_.smallest_key.assign(key.data(), key.size());
    props_.smallest_seqno = parsed.sequence;
    props_.largest_seqno = parsed.sequence;
  }
  ++props_.num_entries;
  if (parsed.type == ValueType::kDeletion) ++props_.num_deletions;
  props_.raw_key_size += key.size();
  props_.raw_value_size += value.size();
  props_.smallest_seqno = std::min(props_.smallest_seqno, parsed.sequence);
  props_.largest_seqno = std::max(props_.largest_seqno, parsed.sequence);
  last_key_.assign(key.data(), key.size());

  data_block_.Add(key, value);
  if (data_block_.CurrentSizeEstimate() >= options_.block_size) FlushDataBlock();
}

void TableBuilder::AddRangeTombstone(const RangeTombstone& t) {
  assert(!closed_);
  assert(CompareUserKeys(t.begin, t.end) < 0);
  range_tombstones_.push_back(t);
}

void TableBuilder::AddIndexEntry(std::optional<std::string_view> next_key) {
  const std::string sep =
      next_key.has_value() ? IndexSeparator(last_key_, *next_key) : IndexSuccessor(last_key_);
  index_block_.Add(sep, pending_handle_.Encode());
  pending_index_entry_ = false;
}

void TableBuilder::FlushDataBlock() {
  if (data_block_.empty() || !status_.ok()) return;
  const std::string_view raw = data_block_.Finish();
  props_.raw_data_size += raw.size();
  const Compression used = WriteBlock(raw, /*allow_compression=*/true, &pending_handle_);
  if (!status_.ok()) return;
  data_block_.Reset();
  pending_index_entry_ = true;
  ++props_.num_data_blocks;
  if (used != Compression::kNone) ++props_.num_compressed_blocks;
  props_.data_size += pending_handle_.size() + kBlockTrailerSize;
}

Compression TableBuilder::WriteBlock(std::string_view raw, bool allow_compression,
                                     BlockHandle* handle) {
  Compression type = Compression::kNone;
  std::string_view stored = raw;
  if (allow_compression && CompressBlock(options_.compression, raw, &compressed_) &&
      compressed_.size() < raw.size() - raw.size() / 8) {
    type = options_.compression;
    stored = compressed_;
  }
  WriteRawBlock(stored, type, handle);
  return type;
}

void TableBuilder::WriteRawBlock(std::string_view stored, Compression type, BlockHandle* handle) {
  if (!status_.ok()) return;
  handle->set_offset(offset_);
  handle->set_size(stored.size());
  status_ = file_->Append(stored);
  if (!status_.ok()) return;
  char trailer[kBlockTrailerSize];
  trailer[0] = static_cast<char>(type);
  EncodeFixed32(trailer + 1, BlockChecksum(stored, static_cast<uint8_t>(type)));
  status_ = file_->Append(std::string_view(trailer, kBlockTrailerSize));
  if (!status_.ok()) return;
  offset_ += stored.size() + kBlockTrailerSize;
}

absl::Status TableBuilder::Finish() {
  assert(!closed_);
  FlushDataBlock();
  closed_ = true;
  if (!status_.ok()) return status_;
  if (pending_index_entry_) AddIndexEntry(std::nullopt);

  BlockHandle filter_handle;
  const bool has_filter = filter_ != nullptr && filter_->num_keys() > 0;
  if (has_filter) {
    WriteRawBlock(filter_->Finish(), Compression::kNone, &filter_handle);
    props_.filter_size = filter_handle.size() + kBlockTrailerSize;
  }

  BlockHandle index_handle;
  WriteRawBlock(index_block_.Finish(), Compression::kNone, &index_handle);
  props_.index_size = index_handle.size() + kBlockTrailerSize;

  // Range tombstones: key begin @ seq (type kRangeDeletion), value end, in
  // internal-key order, one restart point per entry.
  BlockHandle range_deletions_handle;
  const bool has_range_deletions = !range_tombstones_.empty();
  if (has_range_deletions) {
    std::vector<std::pair<std::string, std::string_view>> entries;
    for (const RangeTombstone& t : range_tombstones_) {
      entries.emplace_back(RangeTombstoneKey(t), t.end);
    }
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
      return CompareInternalKeys(a.first, b.first) < 0;
    });
    BlockBuilder block(1);
    for (const auto& [key, end] : entries) block.Add(key, end);
    WriteRawBlock(block.Finish(), Compression::kNone, &range_deletions_handle);
    props_.num_range_deletions = range_tombstones_.size();
  }

  props_.largest_key = last_key_;
  props_.creation_time_micros = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
  BlockHandle props_handle;
  WriteRawBlock(props_.Encode(), Compression::kNone, &props_handle);

  // Names in bytewise order: "filter.bloom" < "properties" <
  // "range_deletions".
  BlockBuilder meta(1);
  if (has_filter) meta.Add(kFilterBlockName, filter_handle.Encode());
  meta.Add(kPropertiesBlockName, props_handle.Encode());
  if (has_range_deletions) meta.Add(kRangeDeletionsBlockName, range_deletions_handle.Encode());
  BlockHandle metaindex_handle;
  WriteRawBlock(meta.Finish(), Compression::kNone, &metaindex_handle);

  if (!status_.ok()) return status_;
  Footer footer;
  footer.metaindex_handle = metaindex_handle;
  footer.index_handle = index_handle;
  std::string encoded;
  footer.EncodeTo(&encoded);
  status_ = file_->Append(encoded);
  if (status_.ok()) offset_ += encoded.size();
  return status_;
}

void TableBuilder::Abandon() {
  assert(!closed_);
  closed_ = true;
}

}  // namespace lsm
