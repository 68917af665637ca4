#include "engine/db/version_edit.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/util/coding.h"
#include "lsm/status.h"

namespace lsm {

namespace {

// Field tags. Persisted in every MANIFEST: the values are frozen.
enum Tag : uint32_t {
  kLogNumber = 2,
  kNextFileNumber = 3,
  kLastSequence = 4,
  kCompactPointer = 5,
  kDeletedFile = 6,
  kNewFile = 7,
  // kNewFile's fields, then num_range_deletions; written only for a file that
  // holds range tombstones, so a reader that predates them refuses the
  // MANIFEST ("unknown tag 8") instead of ignoring the tombstones.
  kNewFileWithRangeDeletions = 8,
};

bool GetLevel(std::string_view* in, int* level) {
  uint32_t v;
  if (!GetVarint32(in, &v) || v >= kNumLevels) return false;
  *level = static_cast<int>(v);
  return true;
}

bool GetInternalKey(std::string_view* in, std::string* key) {
  std::string_view k;
  if (!GetLengthPrefixed(in, &k) || k.size() < kInternalKeyTrailerSize) return false;
  key->assign(k.data(), k.size());
  return true;
}

std::string Printable(std::string_view ikey) {
  if (ikey.size() < kInternalKeyTrailerSize) return "(bad key)";
  const uint64_t trailer = ExtractTrailer(ikey);
  return absl::StrFormat("'%s' @ %d : %d", absl::CEscape(ToAbsl(ExtractUserKey(ikey))),
                         trailer >> 8, static_cast<int>(trailer & 0xff));
}

}  // namespace

void VersionEdit::EncodeTo(std::string* dst) const {
  if (log_number_) {
    PutVarint32(dst, kLogNumber);
    PutVarint64(dst, *log_number_);
  }
  if (next_file_number_) {
    PutVarint32(dst, kNextFileNumber);
    PutVarint64(dst, *next_file_number_);
  }
  if (last_sequence_) {
    PutVarint32(dst, kLastSequence);
    PutVarint64(dst, *last_sequence_);
  }
  for (const auto& [level, key] : compact_pointers_) {
    PutVarint32(dst, kCompactPointer);
    PutVarint32(dst, level);
    PutLengthPrefixed(dst, key);
  }
  for (const auto& [level, number] : deleted_files_) {
    PutVarint32(dst, kDeletedFile);
    PutVarint32(dst, level);
    PutVarint64(dst, number);
  }
  for (const auto& [level, f] : new_files_) {
    PutVarint32(dst, f.num_range_deletions > 0 ? kNewFileWithRangeDeletions : kNewFile);
    PutVarint32(dst, level);
    PutVarint64(dst, f.number);
    PutVarint64(dst, f.file_size);
    PutLengthPrefixed(dst, f.smallest);
    PutLengthPrefixed(dst, f.largest);
    PutVarint64(dst, f.smallest_seq);
    PutVarint64(dst, f.largest_seq);
    PutVarint64(dst, f.num_entries);
    PutVarint64(dst, f.num_deletions);
    if (f.num_range_deletions > 0) PutVarint64(dst, f.num_range_deletions);
  }
}

absl::Status VersionEdit::DecodeFrom(std::string_view src) {
  Clear();
  std::string_view in = src;
  const char* bad = nullptr;
  uint32_t tag;
  while (bad == nullptr && !in.empty()) {
    if (!GetVarint32(&in, &tag)) {
      bad = "tag";
      break;
    }
    uint64_t n;
    int level;
    switch (tag) {
      case kLogNumber:
        if (GetVarint64(&in, &n)) log_number_ = n; else bad = "log number";
        break;
      case kNextFileNumber:
        if (GetVarint64(&in, &n)) next_file_number_ = n; else bad = "next file number";
        break;
      case kLastSequence:
        if (GetVarint64(&in, &n)) last_sequence_ = n; else bad = "last sequence";
        break;
      case kCompactPointer: {
        std::string key;
        if (GetLevel(&in, &level) && GetInternalKey(&in, &key)) {
          compact_pointers_.emplace_back(level, std::move(key));
        } else {
          bad = "compaction pointer";
        }
        break;
      }
      case kDeletedFile:
        if (GetLevel(&in, &level) && GetVarint64(&in, &n)) {
          deleted_files_.emplace(level, n);
        } else {
          bad = "deleted file";
        }
        break;
      case kNewFile:
      case kNewFileWithRangeDeletions: {
        FileMetaData f;
        if (GetLevel(&in, &level) && GetVarint64(&in, &f.number) &&
            GetVarint64(&in, &f.file_size) && GetInternalKey(&in, &f.smallest) &&
            GetInternalKey(&in, &f.largest) && GetVarint64(&in, &f.smallest_seq) &&
            GetVarint64(&in, &f.largest_seq) && GetVarint64(&in, &f.num_entries) &&
            GetVarint64(&in, &f.num_deletions) &&
            (tag == kNewFile ||
             (GetVarint64(&in, &f.num_range_deletions) && f.num_range_deletions > 0))) {
          new_files_.emplace_back(level, std::move(f));
        } else {
          bad = "new file";
        }
        break;
      }
      default:
        return absl::DataLossError(absl::StrFormat("VersionEdit: unknown tag %d", tag));
    }
  }
  if (bad != nullptr) return absl::DataLossError(absl::StrCat("VersionEdit: malformed ", bad));
  return absl::OkStatus();
}

std::string VersionEdit::DebugString() const {
  std::string r;
  if (log_number_) absl::StrAppendFormat(&r, "  log_number: %d\n", *log_number_);
  if (next_file_number_) absl::StrAppendFormat(&r, "  next_file_number: %d\n", *next_file_number_);
  if (last_sequence_) absl::StrAppendFormat(&r, "  last_sequence: %d\n", *last_sequence_);
  for (const auto& [level, key] : compact_pointers_) {
    absl::StrAppendFormat(&r, "  compact_pointer: L%d %s\n", level, Printable(key));
  }
  for (const auto& [level, number] : deleted_files_) {
    absl::StrAppendFormat(&r, "  remove_file: L%d #%d\n", level, number);
  }
  for (const auto& [level, f] : new_files_) {
    absl::StrAppendFormat(&r, "  add_file: L%d #%d %d bytes [%s .. %s] seq %d..%d", level,
                          f.number, f.file_size, Printable(f.smallest), Printable(f.largest),
                          f.smallest_seq, f.largest_seq);
    if (f.num_range_deletions > 0) {
      absl::StrAppendFormat(&r, " range_deletions %d", f.num_range_deletions);
    }
    r += "\n";
  }
  return r;
}

}  // namespace lsm
