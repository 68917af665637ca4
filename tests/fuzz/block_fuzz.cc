// Fuzz target: arbitrary bytes as the uncompressed contents of a block (data,
// index, meta-index or properties), iterated every way. Invariants:
//   - no crash, no out-of-bounds read, no undefined behaviour;
//   - scans end (at most one entry per byte) or report DataLoss;
//   - when the keys are in order and both scans complete, the backward scan
//     yields the forward one reversed, Seek(k) lands on the first scanned key
//     >= k and SeekForPrev(k) on the last one <= k. Block checks that every
//     restart offset falls on an entry with a full key, so a mutated restart
//     array is DataLoss (regressions/block/ holds the inputs that once made
//     the two scans differ silently).
//
// Input: byte 0 = key order (bit 0) and how many probe keys follow (bits 1-3);
// then the probe keys (length-prefixed); the rest is the block.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "engine/memtable/dbformat.h"
#include "engine/table/block.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lsm;
  using namespace lsm::fuzz;
  FuzzInput in(data, size);
  const uint8_t flags = in.Byte();
  const KeyOrder order = (flags & 1) ? KeyOrder::kBytewise : KeyOrder::kInternal;
  std::vector<std::string> probes;
  for (int i = 0; i < ((flags >> 1) & 7); ++i) probes.push_back(in.String(24));
  BlockContents contents;
  contents.data = BlockBuffer(in.Rest());
  contents.stored_size = contents.data.size();
  Block block(std::move(contents));

  auto less = [order](std::string_view a, std::string_view b) {
    return order == KeyOrder::kInternal ? CompareInternalKeys(a, b) < 0 : a < b;
  };
  using Entries = std::vector<std::pair<std::string, std::string>>;
  Entries forward, backward;
  bool forward_ok, backward_ok;
  bool sorted = true;
  {
    std::unique_ptr<Iterator> it = block.NewIterator(order);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (!forward.empty() && !less(forward.back().first, it->key())) sorted = false;
      forward.emplace_back(it->key(), it->value());
      FUZZ_CHECK(forward.size() <= block.size());
    }
    forward_ok = it->status().ok();
    if (!forward_ok) FUZZ_CHECK(absl::IsDataLoss(it->status()));
  }
  {
    std::unique_ptr<Iterator> it = block.NewIterator(order);
    for (it->SeekToLast(); it->Valid(); it->Prev()) {
      backward.emplace_back(it->key(), it->value());
      FUZZ_CHECK(backward.size() <= block.size());
    }
    backward_ok = it->status().ok();
    if (!backward_ok) FUZZ_CHECK(absl::IsDataLoss(it->status()));
  }
  const bool clean = forward_ok && backward_ok;
  if (clean && sorted) {
    // A block whose restart array disagrees with its entries must report
    // DataLoss; when both scans succeed on sorted keys they must agree.
    FUZZ_CHECK(forward.size() == backward.size());
    for (size_t i = 0; i < forward.size(); ++i) {
      FUZZ_CHECK(forward[i] == backward[forward.size() - 1 - i]);
    }
  }
  // Probe with the input's keys and with every key scanned.
  for (const auto& e : forward) probes.push_back(e.first);
  std::unique_ptr<Iterator> it = block.NewIterator(order);
  const bool checkable = clean && sorted;
  for (const std::string& probe : probes) {
    it->Seek(probe);
    if (checkable && it->status().ok()) {
      size_t want = 0;
      while (want < forward.size() && less(forward[want].first, probe)) ++want;
      if (want == forward.size()) {
        FUZZ_CHECK(!it->Valid());
      } else {
        FUZZ_CHECK(it->Valid());
        FUZZ_CHECK(it->key() == forward[want].first);
        FUZZ_CHECK(it->value() == forward[want].second);
      }
    }
    if (it->Valid()) it->Next();
    if (it->Valid()) it->Prev();
    it->SeekForPrev(probe);
    if (checkable && it->status().ok()) {
      size_t n = 0;  // entries <= probe
      while (n < forward.size() && !less(probe, forward[n].first)) ++n;
      if (n == 0) {
        FUZZ_CHECK(!it->Valid());
      } else {
        FUZZ_CHECK(it->Valid());
        FUZZ_CHECK(it->key() == forward[n - 1].first);
      }
    }
    if (it->Valid()) it->Prev();
  }
  return 0;
}
