#include "engine/memtable/range_tombstone.h"

#include <algorithm>
#include <functional>
#include <map>

namespace lsm {

namespace {

struct UserKeyLess {
  bool operator()(std::string_view a, std::string_view b) const {
    return CompareUserKeys(a, b) < 0;
  }
};

}  // namespace

FragmentedRangeTombstones::FragmentedRangeTombstones(
    const std::vector<RangeTombstone>& tombstones) {
  // Every begin and end is a cut point; between two adjacent cut points the
  // set of covering tombstones is constant.
  std::vector<const RangeTombstone*> sorted;
  std::vector<std::string_view> cuts;
  for (const RangeTombstone& t : tombstones) {
    if (CompareUserKeys(t.begin, t.end) >= 0) continue;
    sorted.push_back(&t);
    cuts.push_back(t.begin);
    cuts.push_back(t.end);
  }
  if (sorted.empty()) return;
  std::sort(sorted.begin(), sorted.end(), [](const RangeTombstone* a, const RangeTombstone* b) {
    return CompareUserKeys(a->begin, b->begin) < 0;
  });
  std::sort(cuts.begin(), cuts.end(), UserKeyLess());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());

  // Sweep the cut points left to right with the tombstones that have begun
  // and not yet ended (by end key).
  std::multimap<std::string_view, SequenceNumber, UserKeyLess> active;
  size_t next = 0;
  for (size_t i = 0; i + 1 < cuts.size(); ++i) {
    const std::string_view lo = cuts[i], hi = cuts[i + 1];
    while (!active.empty() && CompareUserKeys(active.begin()->first, lo) <= 0) {
      active.erase(active.begin());
    }
    while (next < sorted.size() && CompareUserKeys(sorted[next]->begin, lo) <= 0) {
      active.emplace(sorted[next]->end, sorted[next]->sequence);
      ++next;
    }
    if (active.empty()) continue;
    Fragment f;
    f.begin.assign(lo);
    f.end.assign(hi);
    for (const auto& [end, seq] : active) f.sequences.push_back(seq);
    std::sort(f.sequences.begin(), f.sequences.end(), std::greater<SequenceNumber>());
    f.sequences.erase(std::unique(f.sequences.begin(), f.sequences.end()), f.sequences.end());
    fragments_.push_back(std::move(f));
  }
}

SequenceNumber FragmentedRangeTombstones::MaxCoveringSequence(std::string_view user_key,
                                                              SequenceNumber snapshot) const {
  // The last fragment whose begin <= user_key.
  auto it = std::upper_bound(
      fragments_.begin(), fragments_.end(), user_key,
      [](std::string_view k, const Fragment& f) { return CompareUserKeys(k, f.begin) < 0; });
  if (it == fragments_.begin()) return 0;
  --it;
  if (CompareUserKeys(user_key, it->end) >= 0) return 0;
  for (SequenceNumber seq : it->sequences) {
    if (seq <= snapshot) return seq;
  }
  return 0;
}

std::vector<RangeTombstone> ClipRangeTombstones(const std::vector<RangeTombstone>& tombstones,
                                                const std::string* lower,
                                                const std::string* upper) {
  std::vector<RangeTombstone> out;
  for (const RangeTombstone& t : tombstones) {
    RangeTombstone c = t;
    if (lower != nullptr && CompareUserKeys(c.begin, *lower) < 0) c.begin = *lower;
    if (upper != nullptr && CompareUserKeys(c.end, *upper) > 0) c.end = *upper;
    if (CompareUserKeys(c.begin, c.end) < 0) out.push_back(std::move(c));
  }
  return out;
}

}  // namespace lsm
