// Fuzz target: arbitrary bytes as an SST, opened with Table::Open, iterated
// forward and backward, and probed with Get for every key found and a few
// more. Invariants:
//   - no crash, no out-of-bounds read, no undefined behaviour;
//   - Open fails only with DataLoss; a read fails only with DataLoss;
//   - scans end or report DataLoss;
//   - when the CRCs were not repaired (so every block is the writer's) and
//     the forward scan completes in strictly increasing internal key order,
//     the backward scan is its reverse and Get(k) of a scanned key k finds k
//     itself. (With repaired CRCs a mutated restart array can make the scans
//     differ without a DataLoss; see block_fuzz.cc.)
//
// Random bytes rarely pass the CRCs, so unless bit 0 of byte 0 is set the
// target first repairs them: the footer's CRC, then the trailer CRC of each
// block the footer, the meta-index and the index point at. Mutations then
// reach the parsers behind the checksums. Bit 1 turns data block checksum
// verification off; bit 2 adds a block cache; bit 3 reads the file in place,
// as from a memory mapping (uncompressed blocks used where they lie, each
// block verified once).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/memtable/dbformat.h"
#include "engine/table/block.h"
#include "engine/table/cache.h"
#include "engine/table/format.h"
#include "engine/table/string_file.h"
#include "engine/table/table.h"
#include "engine/util/coding.h"
#include "engine/util/crc32c.h"
#include "tests/fuzz/fuzz_util.h"

namespace lsm::fuzz {
namespace {

// Rewrites the trailer CRC of the block at handle (when it lies in the file).
// Returns the block's stored bytes.
std::string_view FixBlock(std::string* file, const BlockHandle& h) {
  if (h.offset() > file->size() || h.size() > file->size() - h.offset() ||
      file->size() - h.offset() - h.size() < kBlockTrailerSize) {
    return {};
  }
  char* p = file->data() + h.offset();
  const uint8_t type = static_cast<uint8_t>(p[h.size()]);
  EncodeFixed32(p + h.size() + 1, BlockChecksum(std::string_view(p, h.size()), type));
  return std::string_view(p, h.size());
}

// Fixes the CRCs of the blocks named by the entries of an uncompressed block.
void FixChildren(std::string* file, std::string_view stored, KeyOrder order) {
  BlockContents c;
  c.data = BlockBuffer(stored);
  c.stored_size = stored.size();
  Block block(std::move(c));
  std::unique_ptr<Iterator> it = block.NewIterator(order);
  int n = 0;
  for (it->SeekToFirst(); it->Valid() && n < 10000; it->Next(), ++n) {
    std::string_view v = it->value();
    BlockHandle h;
    if (h.DecodeFrom(&v)) FixBlock(file, h);
  }
}

void FixChecksums(std::string* file) {
  if (file->size() < Footer::kEncodedLength) return;
  char* footer = file->data() + file->size() - Footer::kEncodedLength;
  const size_t crc_at = Footer::kHandlesSize + 4;
  EncodeFixed32(footer + crc_at, crc32c::Mask(crc32c::Value(footer, crc_at)));
  auto f = Footer::DecodeFrom(std::string_view(footer, Footer::kEncodedLength));
  if (!f.ok()) return;
  FixChildren(file, FixBlock(file, f->metaindex_handle), KeyOrder::kBytewise);
  FixChildren(file, FixBlock(file, f->index_handle), KeyOrder::kInternal);
}

}  // namespace
}  // namespace lsm::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lsm;
  using namespace lsm::fuzz;
  FuzzInput in(data, size);
  const uint8_t flags = in.Byte();
  std::string file(in.Rest());
  if (!(flags & 1)) FixChecksums(&file);
  std::unique_ptr<BlockCache> cache;
  if (flags & 4) cache = std::make_unique<BlockCache>(64 << 10);
  const uint64_t file_size = file.size();
  auto table = Table::Open(TableOptions(),
                           std::make_unique<StringSource>(std::move(file),
                                                          /*copy_to_scratch=*/!(flags & 8)),
                           file_size, 7, cache.get());
  if (!table.ok()) {
    FUZZ_CHECK(absl::IsDataLoss(table.status()));
    return 0;
  }
  ReadOptions ro;
  ro.verify_checksums = !(flags & 2);
  std::vector<std::string> keys;
  bool forward_ok, backward_ok;
  bool sorted = true;
  {
    std::unique_ptr<Iterator> it = (*table)->NewIterator(ro);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (!keys.empty() && CompareInternalKeys(keys.back(), it->key()) >= 0) sorted = false;
      keys.emplace_back(it->key());
      FUZZ_CHECK(keys.size() <= file_size);
    }
    forward_ok = it->status().ok();
    if (!forward_ok) FUZZ_CHECK(absl::IsDataLoss(it->status()));
  }
  {
    std::unique_ptr<Iterator> it = (*table)->NewIterator(ro);
    size_t i = keys.size();
    bool matches = true;
    for (it->SeekToLast(); it->Valid(); it->Prev()) {
      if (i == 0 || keys[i - 1] != it->key()) matches = false;
      if (i > 0) --i;
      if (keys.size() - i > file_size) break;
    }
    backward_ok = it->status().ok();
    if (!backward_ok) FUZZ_CHECK(absl::IsDataLoss(it->status()));
    if (forward_ok && backward_ok && sorted && (flags & 1) && ro.verify_checksums) {
      FUZZ_CHECK(matches && i == 0);
    }
  }
  std::vector<std::string> probes = keys;
  probes.push_back(MakeInternalKey("", kMaxSequenceNumber, ValueType::kValue));
  probes.push_back(MakeInternalKey("zzzz", 0, ValueType::kDeletion));
  for (size_t i = 0; i < probes.size(); ++i) {
    bool found_self = false;
    int calls = 0;
    const absl::Status s = (*table)->Get(ro, probes[i], [&](std::string_view k, std::string_view) {
      ++calls;
      found_self = k == probes[i];
    });
    FUZZ_CHECK(calls <= 1);
    if (!s.ok()) {
      FUZZ_CHECK(absl::IsDataLoss(s));
    } else if (i < keys.size() && forward_ok && backward_ok && sorted && calls == 1 &&
               (flags & 1) && ro.verify_checksums) {
      // Unrepaired CRCs all held: the index and filter are the writer's.
      FUZZ_CHECK(found_self);
    }
    (*table)->ApproximateOffsetOf(probes[i]);
  }
  return 0;
}
