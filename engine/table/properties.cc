#include "engine/table/properties.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/memtable/dbformat.h"
#include "engine/table/block_builder.h"
#include "engine/util/coding.h"
#include "lsm/status.h"

namespace lsm {

namespace {

// Frozen names.
constexpr char kNumEntries[] = "lsm.num.entries";
constexpr char kNumDeletions[] = "lsm.num.deletions";
// Written only when non-zero, so tables without range deletions keep the
// layout they had before range deletions existed.
constexpr char kNumRangeDeletions[] = "lsm.num.range.deletions";
constexpr char kRawKeySize[] = "lsm.raw.key.size";
constexpr char kRawValueSize[] = "lsm.raw.value.size";
constexpr char kDataSize[] = "lsm.data.size";
constexpr char kRawDataSize[] = "lsm.data.raw.size";
constexpr char kIndexSize[] = "lsm.index.size";
constexpr char kFilterSize[] = "lsm.filter.size";
constexpr char kNumDataBlocks[] = "lsm.num.data.blocks";
constexpr char kNumCompressedBlocks[] = "lsm.num.compressed.blocks";
constexpr char kSmallestKey[] = "lsm.smallest.key";
constexpr char kLargestKey[] = "lsm.largest.key";
constexpr char kSmallestSeqno[] = "lsm.smallest.seqno";
constexpr char kLargestSeqno[] = "lsm.largest.seqno";
constexpr char kCompression[] = "lsm.compression";
constexpr char kFormatVersion[] = "lsm.format.version";
constexpr char kFilterBitsPerKey[] = "lsm.filter.bits.per.key";
constexpr char kBlockSize[] = "lsm.block.size";
constexpr char kBlockRestartInterval[] = "lsm.block.restart.interval";
constexpr char kCreationTime[] = "lsm.creation.time";

struct NumField {
  const char* name;
  uint64_t TableProperties::*field;
};

constexpr NumField kNumFields[] = {
    {kNumEntries, &TableProperties::num_entries},
    {kNumDeletions, &TableProperties::num_deletions},
    {kRawKeySize, &TableProperties::raw_key_size},
    {kRawValueSize, &TableProperties::raw_value_size},
    {kDataSize, &TableProperties::data_size},
    {kRawDataSize, &TableProperties::raw_data_size},
    {kIndexSize, &TableProperties::index_size},
    {kFilterSize, &TableProperties::filter_size},
    {kNumDataBlocks, &TableProperties::num_data_blocks},
    {kNumCompressedBlocks, &TableProperties::num_compressed_blocks},
    {kSmallestSeqno, &TableProperties::smallest_seqno},
    {kLargestSeqno, &TableProperties::largest_seqno},
    {kFormatVersion, &TableProperties::format_version},
    {kFilterBitsPerKey, &TableProperties::filter_bits_per_key},
    {kBlockSize, &TableProperties::block_size},
    {kBlockRestartInterval, &TableProperties::block_restart_interval},
    {kCreationTime, &TableProperties::creation_time_micros},
};

// "user_key @ seq PUT|DEL", bytes outside printable ASCII as \xNN.
std::string DescribeInternalKey(std::string_view ikey) {
  std::string out;
  ParsedInternalKey p;
  const bool ok = ParseInternalKey(ikey, &p);
  for (char ch : ok ? p.user_key : ikey) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c == '\\') {
      out += "\\\\";
    } else if (c >= 0x20 && c < 0x7f) {
      out.push_back(ch);
    } else {
      absl::StrAppendFormat(&out, "\\x%02x", c);
    }
  }
  if (ok) {
    absl::StrAppend(&out, " @ ", p.sequence, p.type == ValueType::kValue ? " PUT" : " DEL");
  } else if (!ikey.empty()) {
    out += " (malformed internal key)";
  }
  return out;
}

std::string Varint(uint64_t v) {
  std::string s;
  PutVarint64(&s, v);
  return s;
}

}  // namespace

std::string TableProperties::Encode() const {
  std::map<std::string, std::string> m;
  for (const NumField& f : kNumFields) m[f.name] = Varint(this->*f.field);
  if (num_range_deletions > 0) m[kNumRangeDeletions] = Varint(num_range_deletions);
  m[kSmallestKey] = smallest_key;
  m[kLargestKey] = largest_key;
  m[kCompression] = Varint(static_cast<uint8_t>(compression));
  BlockBuilder b(1);
  for (const auto& [k, v] : m) b.Add(k, v);
  return std::string(b.Finish());
}

absl::StatusOr<TableProperties> TableProperties::Decode(const Block& block) {
  TableProperties p;
  std::unique_ptr<Iterator> it = block.NewIterator(KeyOrder::kBytewise);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string_view name = it->key();
    std::string_view value = it->value();
    if (name == kSmallestKey) {
      p.smallest_key = std::string(value);
      continue;
    }
    if (name == kLargestKey) {
      p.largest_key = std::string(value);
      continue;
    }
    uint64_t* target = nullptr;
    uint64_t compression = 0;
    if (name == kCompression) target = &compression;
    if (name == kNumRangeDeletions) target = &p.num_range_deletions;
    for (const NumField& f : kNumFields) {
      if (name == f.name) target = &(p.*f.field);
    }
    if (target == nullptr) continue;  // a property from a newer writer
    if (!GetVarint64(&value, target) || !value.empty()) {
      return absl::DataLossError(
          absl::StrCat("properties: malformed value of ", ToAbsl(name)));
    }
    if (name == kCompression) {
      if (compression > static_cast<uint8_t>(Compression::kZstd)) {
        return absl::DataLossError(absl::StrCat("properties: unknown compression ", compression));
      }
      p.compression = static_cast<Compression>(compression);
    }
  }
  if (!it->status().ok()) return it->status();
  return p;
}

std::vector<std::pair<std::string, std::string>> TableProperties::ToStrings() const {
  std::map<std::string, std::string> m;
  for (const NumField& f : kNumFields) m[f.name] = absl::StrCat(this->*f.field);
  if (num_range_deletions > 0) m[kNumRangeDeletions] = absl::StrCat(num_range_deletions);
  m[kSmallestKey] = DescribeInternalKey(smallest_key);
  m[kLargestKey] = DescribeInternalKey(largest_key);
  m[kCompression] = CompressionName(compression);
  return {m.begin(), m.end()};
}

}  // namespace lsm
