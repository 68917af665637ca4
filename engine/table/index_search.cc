#include "engine/table/index_search.h"

#include <algorithm>
#include <cstring>
#include <memory>

#include "engine/memtable/dbformat.h"
#include "lsm/iterator.h"

namespace lsm {

absl::StatusOr<IndexSearch> IndexSearch::Build(const Block& index) {
  IndexSearch s;
  std::unique_ptr<Iterator> it = index.NewIterator(KeyOrder::kInternal);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    BlockHandle h;
    std::string_view v = it->value();
    if (!h.DecodeFrom(&v) || !v.empty()) {
      return absl::DataLossError("index: malformed data block handle");
    }
    if (it->key().size() < kInternalKeyTrailerSize ||
        s.separator_bytes_.size() + it->key().size() > UINT32_MAX) {
      return absl::DataLossError("index: malformed separator");
    }
    s.separator_offsets_.push_back(static_cast<uint32_t>(s.separator_bytes_.size()));
    s.separator_bytes_.append(it->key());
    s.handles_.push_back(h);
  }
  if (!it->status().ok()) return it->status();
  s.separator_offsets_.push_back(static_cast<uint32_t>(s.separator_bytes_.size()));
  // Every separator but the last of several gets a probe (see the header).
  const size_t probed = s.size() > 1 ? s.size() - 1 : s.size();
  if (probed > 0) {
    // The prefix every probed separator's user key shares: the first and the
    // last share it with everything between (sorted keys).
    const std::string_view first = ExtractUserKey(s.separator(0));
    const std::string_view last = ExtractUserKey(s.separator(probed - 1));
    size_t n = 0;
    while (n < first.size() && n < last.size() && first[n] == last[n]) ++n;
    s.common_prefix_.assign(first.data(), n);
  }
  std::vector<uint64_t> probes;
  probes.reserve(probed);
  for (size_t i = 0; i < probed; ++i) probes.push_back(s.Probe(ExtractUserKey(s.separator(i))));
  s.probes_ = ProbeTree(probes);
  return s;
}

uint64_t IndexSearch::Probe(std::string_view user_key) const {
  unsigned char buf[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  const size_t from = common_prefix_.size();
  if (user_key.size() > from) std::memcpy(buf, user_key.data() + from, std::min<size_t>(8, user_key.size() - from));
  uint64_t v = 0;
  for (unsigned char b : buf) v = (v << 8) | b;
  return v;
}

size_t IndexSearch::Find(std::string_view internal_key) const {
  const size_t n = size();
  const size_t probed = probes_.size();
  if (n == 0) return 0;
  const std::string_view user_key = ExtractUserKey(internal_key);
  // A key outside the shared prefix sorts before or after every probed
  // separator.
  const size_t p = common_prefix_.size();
  const int c = CompareUserKeys(user_key.substr(0, std::min(p, user_key.size())),
                                std::string_view(common_prefix_).substr(0, std::min(p, user_key.size())));
  size_t i;
  if (c < 0 || (c == 0 && user_key.size() < p)) {
    i = 0;  // below every probed separator (a proper prefix of them, or less)
  } else if (c > 0) {
    i = probed;
  } else {
    i = FindAmongProbed(internal_key, user_key);
  }
  if (i < probed || probed == n) return i;
  // Beyond every probed separator: the last one decides.
  return CompareInternalKeys(separator(n - 1), internal_key) < 0 ? n : n - 1;
}

size_t IndexSearch::FindAmongProbed(std::string_view internal_key,
                                    std::string_view user_key) const {
  const uint64_t probe = Probe(user_key);
  size_t lo = probes_.LowerBound(probe);
  if (lo == probes_.size() || probes_[lo] != probe) return lo;
  // Separators whose probe ties with the key's are settled by full
  // comparison: they are < internal_key up to some point in the tie.
  size_t hi = probe == UINT64_MAX ? probes_.size() : probes_.LowerBoundFrom(lo, probe + 1);
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (CompareInternalKeys(separator(mid), internal_key) < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

void IndexSearch::IndexIterator::SeekForPrev(std::string_view target) {
  // The last separator <= target: the one Find lands on when it equals
  // target, else the one before.
  size_t i = index_->Find(target);
  if (i < index_->size() && CompareInternalKeys(index_->separator(i), target) == 0) {
    Position(i);
  } else if (i == 0) {
    Position(index_->size());
  } else {
    Position(i - 1);
  }
}

void IndexSearch::IndexIterator::Position(size_t i) {
  pos_ = i < index_->size() ? i : index_->size();
  value_size_ = 0;
}

std::string_view IndexSearch::IndexIterator::value() const {
  if (value_size_ == 0 && Valid()) {
    value_size_ = static_cast<size_t>(index_->handle(pos_).EncodeTo(value_) - value_);
  }
  return std::string_view(value_, value_size_);
}

std::unique_ptr<IndexSearch::IndexIterator> IndexSearch::NewIterator() const {
  return std::make_unique<IndexIterator>(this);
}

size_t IndexSearch::MemoryUsage() const {
  return sizeof(*this) + common_prefix_.size() + probes_.MemoryUsage() +
         separator_bytes_.capacity() + separator_offsets_.capacity() * sizeof(uint32_t) +
         handles_.capacity() * sizeof(BlockHandle);
}

}  // namespace lsm
