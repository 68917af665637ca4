// Internal keys: how a user key, its sequence number and its type are stored
// together in memtables and SSTs (see engine/db/FORMAT.md).
//
//   internal_key := user_key trailer
//   trailer      := fixed64le(sequence << 8 | type)
//
// Order: user key ascending (bytewise), then sequence descending, then type
// descending, so the newest version of a key comes first.
#ifndef LSM_ENGINE_MEMTABLE_DBFORMAT_H_
#define LSM_ENGINE_MEMTABLE_DBFORMAT_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "engine/util/coding.h"

namespace lsm {

// Persisted in WAL entries and SST keys: the values are frozen.
enum class ValueType : uint8_t {
  kDeletion = 0,
  kValue = 1,
  // A range tombstone (range_tombstone.h). Never among point entries: it
  // lives in WAL batches, a memtable's tombstone list and an SST's
  // range_deletions block, which is why ParseInternalKey rejects it.
  kRangeDeletion = 2,
};
// The type that sorts first among the point entries of one sequence (types
// descend): Seek targets use it so they land on every entry with sequence
// <= s.
inline constexpr ValueType kValueTypeForSeek = ValueType::kValue;

using SequenceNumber = uint64_t;
// 56 bits: the low byte of the trailer holds the type.
inline constexpr SequenceNumber kMaxSequenceNumber = (uint64_t{1} << 56) - 1;

inline constexpr size_t kInternalKeyTrailerSize = 8;

inline uint64_t PackSequenceAndType(SequenceNumber seq, ValueType t) {
  return (seq << 8) | static_cast<uint8_t>(t);
}

struct ParsedInternalKey {
  std::string_view user_key;
  SequenceNumber sequence = 0;
  ValueType type = ValueType::kValue;
};

inline void AppendInternalKey(std::string* dst, std::string_view user_key, SequenceNumber seq,
                              ValueType t) {
  dst->append(user_key.data(), user_key.size());
  PutFixed64(dst, PackSequenceAndType(seq, t));
}

inline std::string MakeInternalKey(std::string_view user_key, SequenceNumber seq, ValueType t) {
  std::string k;
  k.reserve(user_key.size() + kInternalKeyTrailerSize);
  AppendInternalKey(&k, user_key, seq, t);
  return k;
}

// REQUIRES: ikey.size() >= 8
inline std::string_view ExtractUserKey(std::string_view ikey) {
  return ikey.substr(0, ikey.size() - kInternalKeyTrailerSize);
}
inline uint64_t ExtractTrailer(std::string_view ikey) {
  return DecodeFixed64(ikey.data() + ikey.size() - kInternalKeyTrailerSize);
}

// The key of a point entry. False when ikey is too short or its type byte is
// not a point entry's (kDeletion, kValue).
inline bool ParseInternalKey(std::string_view ikey, ParsedInternalKey* out) {
  if (ikey.size() < kInternalKeyTrailerSize) return false;
  const uint64_t trailer = ExtractTrailer(ikey);
  const uint8_t type = trailer & 0xff;
  if (type > static_cast<uint8_t>(ValueType::kValue)) return false;
  out->user_key = ExtractUserKey(ikey);
  out->sequence = trailer >> 8;
  out->type = static_cast<ValueType>(type);
  return true;
}

// Bytewise comparison of user keys. Short keys (the common case) are compared
// eight bytes at a time as big-endian integers, inline: a memtable search
// makes a few dozen comparisons, and a call into memcmp for each cost about a
// tenth of a random insert. Longer keys go to memcmp, which is faster there.
inline int CompareUserKeys(std::string_view a, std::string_view b) {
  const size_t n = a.size() < b.size() ? a.size() : b.size();
  if (n > 32) return a.compare(b);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t x, y;
    std::memcpy(&x, a.data() + i, 8);
    std::memcpy(&y, b.data() + i, 8);
    if (x != y) return __builtin_bswap64(x) < __builtin_bswap64(y) ? -1 : 1;
  }
  for (; i < n; ++i) {
    const auto x = static_cast<unsigned char>(a[i]);
    const auto y = static_cast<unsigned char>(b[i]);
    if (x != y) return x < y ? -1 : 1;
  }
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

// <0, 0, >0 as a sorts before, with, after b.
inline int CompareInternalKeys(std::string_view a, std::string_view b) {
  const int r = CompareUserKeys(ExtractUserKey(a), ExtractUserKey(b));
  if (r != 0) return r;
  const uint64_t ta = ExtractTrailer(a);
  const uint64_t tb = ExtractTrailer(b);
  return ta > tb ? -1 : (ta < tb ? 1 : 0);
}

struct InternalKeyLess {
  bool operator()(std::string_view a, std::string_view b) const {
    return CompareInternalKeys(a, b) < 0;
  }
};

// The key used to look up user_key as of sequence seq: sorts before every
// entry of user_key with sequence <= seq, after every newer one.
inline std::string MakeLookupKey(std::string_view user_key, SequenceNumber seq) {
  return MakeInternalKey(user_key, seq, kValueTypeForSeek);
}

// MakeLookupKey's key, built in place for user keys of up to kInline bytes
// (no heap allocation: a point read builds one per call).
class LookupKey {
 public:
  static constexpr size_t kInline = 120;

  LookupKey(std::string_view user_key, SequenceNumber seq) {
    const size_t n = user_key.size() + kInternalKeyTrailerSize;
    char* dst = inline_;
    if (user_key.size() > kInline) {
      heap_.resize(n);
      dst = heap_.data();
    }
    if (!user_key.empty()) std::memcpy(dst, user_key.data(), user_key.size());
    EncodeFixed64(dst + user_key.size(), PackSequenceAndType(seq, kValueTypeForSeek));
    key_ = std::string_view(dst, n);
  }
  LookupKey(const LookupKey&) = delete;
  LookupKey& operator=(const LookupKey&) = delete;

  std::string_view internal_key() const { return key_; }

 private:
  char inline_[kInline + kInternalKeyTrailerSize];
  std::string heap_;
  std::string_view key_;
};

}  // namespace lsm

#endif  // LSM_ENGINE_MEMTABLE_DBFORMAT_H_
