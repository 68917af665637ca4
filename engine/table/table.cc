#include "engine/table/table.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/memtable/dbformat.h"
#include "engine/table/two_level_iterator.h"
#include "lsm/status.h"

namespace lsm {

namespace {

// A handle must leave room for its block, its trailer and the footer.
bool HandleFits(const BlockHandle& h, uint64_t limit) {
  return h.size() <= kMaxBlockSize && h.offset() <= limit &&
         h.size() + kBlockTrailerSize <= limit - h.offset();
}

absl::Status HandleError(std::string_view what, const BlockHandle& h) {
  return absl::DataLossError(absl::StrCat(ToAbsl(what), " handle (offset ", h.offset(), ", size ",
                                          h.size(), ") points outside the file"));
}

// Reads a block that is always verified (meta-index, index, filter,
// properties) and checks that its handle lies inside the file.
absl::StatusOr<BlockContents> ReadMetaBlock(const RandomAccessFile* file, std::string_view what,
                                            const BlockHandle& h, uint64_t limit) {
  if (!HandleFits(h, limit)) return HandleError(what, h);
  absl::StatusOr<BlockContents> c = ReadBlock(file, h, /*verify_checksum=*/true);
  if (!c.ok()) {
    return absl::Status(c.status().code(),
                        absl::StrCat(ToAbsl(what), " ", c.status().message()));
  }
  return c;
}

// What a slot of Table::mapped_blocks_ holds for a block stored compressed
// once a read has verified its checksum. Never dereferenced.
const Block* VerifiedCompressed() {
  static const char tag = 0;
  return reinterpret_cast<const Block*>(&tag);
}

// A pointer that owns nothing, to a block that lives as long as its table
// (which every reader keeps while it uses a block).
std::shared_ptr<const Block> Unowned(const Block* block) {
  return std::shared_ptr<const Block>(std::shared_ptr<const Block>(), block);
}

}  // namespace

Table::~Table() {
  if (mapped_blocks_ == nullptr) return;
  for (size_t b = 0; b < index_search_.size(); ++b) {
    const Block* block = mapped_blocks_[b].load(std::memory_order_relaxed);
    if (block != VerifiedCompressed()) delete block;
  }
}

absl::StatusOr<std::unique_ptr<Table>> Table::Open(const TableOptions& options,
                                                   std::unique_ptr<RandomAccessFile> file,
                                                   uint64_t file_size, uint64_t file_number,
                                                   BlockCache* cache) {
  if (file_size < Footer::kEncodedLength) {
    return absl::DataLossError(
        absl::StrCat("not an SST file: ", file_size, " bytes is shorter than the footer"));
  }
  std::string footer_buf(Footer::kEncodedLength, '\0');
  std::string_view footer_input;
  absl::Status s = file->Read(file_size - Footer::kEncodedLength, Footer::kEncodedLength,
                              &footer_input, footer_buf.data());
  if (!s.ok()) return s;
  if (footer_input.size() != Footer::kEncodedLength) {
    return absl::DataLossError("footer: short read");
  }
  absl::StatusOr<Footer> footer = Footer::DecodeFrom(footer_input);
  if (!footer.ok()) return footer.status();

  std::unique_ptr<Table> t(new Table());
  t->options_ = options;
  t->file_size_ = file_size;
  t->file_number_ = file_number;
  t->cache_ = cache;
  t->footer_ = *footer;
  const uint64_t limit = file_size - Footer::kEncodedLength;
  t->data_end_ = limit;

  // Meta-index: name → handle.
  absl::StatusOr<BlockContents> meta =
      ReadMetaBlock(file.get(), "meta-index", footer->metaindex_handle, limit);
  if (!meta.ok()) return meta.status();
  Block meta_block(*std::move(meta));
  std::optional<BlockHandle> props_handle;
  std::optional<BlockHandle> range_deletions_handle;
  {
    std::unique_ptr<Iterator> it = meta_block.NewIterator(KeyOrder::kBytewise);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      BlockHandle h;
      std::string_view v = it->value();
      if (!h.DecodeFrom(&v) || !v.empty()) {
        return absl::DataLossError(
            absl::StrCat("meta-index: malformed handle for ", ToAbsl(it->key())));
      }
      if (it->key() == kFilterBlockName) t->filter_handle_ = h;
      if (it->key() == kPropertiesBlockName) props_handle = h;
      if (it->key() == kRangeDeletionsBlockName) range_deletions_handle = h;
    }
    if (!it->status().ok()) {
      return absl::DataLossError(
          absl::StrCat("meta-index: ", it->status().message()));
    }
  }
  if (!props_handle.has_value()) return absl::DataLossError("meta-index: no properties block");
  t->properties_handle_ = *props_handle;

  // Index.
  absl::StatusOr<BlockContents> index =
      ReadMetaBlock(file.get(), "index", footer->index_handle, limit);
  if (!index.ok()) return index.status();
  t->index_block_ = std::make_unique<Block>(*std::move(index));
  if (!t->index_block_->status().ok()) {
    return absl::DataLossError(absl::StrCat("index: ", t->index_block_->status().message()));
  }
  absl::StatusOr<IndexSearch> search = IndexSearch::Build(*t->index_block_);
  if (!search.ok()) {
    return absl::DataLossError(absl::StrCat("index: ", search.status().message()));
  }
  t->index_search_ = *std::move(search);

  // Properties.
  absl::StatusOr<BlockContents> props =
      ReadMetaBlock(file.get(), "properties", *props_handle, limit);
  if (!props.ok()) return props.status();
  {
    Block props_block(*std::move(props));
    absl::StatusOr<TableProperties> p = TableProperties::Decode(props_block);
    if (!p.ok()) {
      return absl::DataLossError(absl::StrCat("properties: ", p.status().message()));
    }
    t->properties_ = *std::move(p);
  }

  // Filter: damage detected by its CRC fails Open; a filter whose CRC is
  // right but whose layout is unknown is kept and matches everything.
  if (t->filter_handle_.has_value()) {
    absl::StatusOr<BlockContents> f =
        ReadMetaBlock(file.get(), "filter", *t->filter_handle_, limit);
    if (!f.ok()) return f.status();
    t->filter_ = std::make_unique<BloomFilter>(std::move(f->data));
  }

  // Range tombstones: begin @ seq → end.
  if (range_deletions_handle.has_value()) {
    absl::StatusOr<BlockContents> r =
        ReadMetaBlock(file.get(), "range_deletions", *range_deletions_handle, limit);
    if (!r.ok()) return r.status();
    Block block(*std::move(r));
    std::unique_ptr<Iterator> it = block.NewIterator(KeyOrder::kInternal);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const std::string_view ikey = it->key();
      if (ikey.size() < kInternalKeyTrailerSize ||
          (ExtractTrailer(ikey) & 0xff) != static_cast<uint8_t>(ValueType::kRangeDeletion)) {
        return absl::DataLossError("range_deletions: an entry is not a range tombstone");
      }
      RangeTombstone rt;
      rt.begin.assign(ExtractUserKey(ikey));
      rt.end.assign(it->value());
      rt.sequence = ExtractTrailer(ikey) >> 8;
      if (CompareUserKeys(rt.begin, rt.end) >= 0) {
        return absl::DataLossError("range_deletions: a tombstone's begin is not before its end");
      }
      t->range_tombstones_.push_back(std::move(rt));
    }
    if (!it->status().ok()) {
      return absl::DataLossError(absl::StrCat("range_deletions: ", it->status().message()));
    }
    t->fragmented_range_tombstones_ =
        std::make_unique<const FragmentedRangeTombstones>(t->range_tombstones_);
  }

  t->file_ = std::move(file);
  if (t->file_->ReadsInPlace()) {
    t->mapped_blocks_ = std::make_unique<std::atomic<const Block*>[]>(t->index_search_.size());
  }
  return t;
}

size_t Table::PinnedMemoryUsage() const {
  size_t n = sizeof(*this) + index_block_->charge() + index_search_.MemoryUsage();
  if (filter_ != nullptr) n += filter_->size();
  n += properties_.smallest_key.size() + properties_.largest_key.size();
  if (mapped_blocks_ != nullptr) {
    // Up to one Block per data block, once every block has been read.
    n += index_search_.size() * (sizeof(std::atomic<const Block*>) + sizeof(Block));
  }
  for (const RangeTombstone& rt : range_tombstones_) {
    n += sizeof(rt) + 2 * (rt.begin.size() + rt.end.size());  // list + fragments
  }
  return n;
}

absl::StatusOr<std::shared_ptr<const Block>> Table::ReadDataBlock(const ReadOptions& options,
                                                                  size_t b) const {
  bool hit;
  return ReadDataBlockAt(options, b, CacheFill::kIfAdmitted, &hit);
}

absl::StatusOr<std::shared_ptr<const Block>> Table::ReadDataBlockAt(const ReadOptions& options,
                                                                    size_t b, CacheFill fill,
                                                                    bool* hit) const {
  if (mapped_blocks_ == nullptr) {
    return ReadThroughCache(options, b, fill, options.verify_checksums, hit);
  }
  const Block* known = mapped_blocks_[b].load(std::memory_order_acquire);
  if (known == VerifiedCompressed()) {
    // The stored bytes it decodes from, which the mapping keeps unchanged,
    // were verified by an earlier read.
    return ReadThroughCache(options, b, fill, /*verify=*/false, hit);
  }
  if (known != nullptr) {
    *hit = true;
    // The block lies in the page cache, rarely in the CPU's: ask for all of
    // its lines at once rather than wait on the restart array, then on the
    // key it points at, then on the entries after it.
    known->Prefetch();
    return Unowned(known);
  }
  return FirstReadOfMapped(options, b, fill, hit);
}

absl::StatusOr<std::shared_ptr<const Block>> Table::FirstReadOfMapped(const ReadOptions& options,
                                                                      size_t b, CacheFill fill,
                                                                      bool* hit) const {
  *hit = false;
  const BlockHandle& h = index_search_.handle(b);
  if (!HandleFits(h, data_end_)) return HandleError("data block", h);
  std::string_view type;
  char unused;
  absl::Status s = file_->Read(h.offset() + h.size(), 1, &type, &unused);
  if (!s.ok()) return s;
  if (type.size() == 1 &&
      static_cast<uint8_t>(type[0]) != static_cast<uint8_t>(Compression::kNone)) {
    absl::StatusOr<std::shared_ptr<const Block>> block =
        ReadThroughCache(options, b, fill, options.verify_checksums, hit);
    if (block.ok() && !*hit && options.verify_checksums) {
      const Block* unknown = nullptr;
      mapped_blocks_[b].compare_exchange_strong(unknown, VerifiedCompressed(),
                                                  std::memory_order_acq_rel);
    }
    return block;
  }
  // Stored uncompressed: read where it lies in the mapping.
  absl::StatusOr<BlockContents> contents = ReadBlock(
      file_.get(), h, options.verify_checksums, BlockSource::kInPlaceWhenStoredUncompressed);
  if (!contents.ok()) return contents.status();
  auto block = std::make_unique<const Block>(*std::move(contents));
  if (!block->status().ok()) {
    return absl::DataLossError(
        absl::StrCat("block at offset ", h.offset(), ": ", block->status().message()));
  }
  // Only a verified block is kept: a read that skipped the checksum gets a
  // Block of its own, and the next read verifies.
  if (!options.verify_checksums) return std::shared_ptr<const Block>(std::move(block));
  const Block* published = nullptr;
  if (mapped_blocks_[b].compare_exchange_strong(published, block.get(),
                                                  std::memory_order_acq_rel,
                                                  std::memory_order_acquire)) {
    return Unowned(block.release());
  }
  return Unowned(published);  // another reader kept its Block first; ours is dropped
}

absl::StatusOr<std::shared_ptr<const Block>> Table::ReadThroughCache(const ReadOptions& options,
                                                                     size_t b, CacheFill fill,
                                                                     bool verify,
                                                                     bool* hit) const {
  *hit = false;
  // Blocks are cached by their number, known before their handle (a load
  // that may miss the CPU caches) is: the two lookups overlap.
  if (cache_ != nullptr) {
    std::shared_ptr<const Block> cached = cache_->Lookup(file_number_, b);
    if (cached != nullptr) {
      *hit = true;
      // Cached, but its lines have often left the CPU's caches: ask for
      // all of them at once, as for a block read in place.
      cached->Prefetch();
      return cached;
    }
  }
  const BlockHandle& h = index_search_.handle(b);
  if (!HandleFits(h, data_end_)) return HandleError("data block", h);
  absl::StatusOr<BlockContents> contents = ReadBlock(file_.get(), h, verify);
  if (!contents.ok()) return contents.status();
  std::shared_ptr<const Block> block = std::make_shared<Block>(*std::move(contents));
  if (!block->status().ok()) {
    return absl::DataLossError(
        absl::StrCat("block at offset ", h.offset(), ": ", block->status().message()));
  }
  if (cache_ != nullptr && options.fill_cache) {
    const size_t charge = block->charge();
    block = fill == CacheFill::kIfAdmitted
                ? cache_->InsertIfAdmitted(file_number_, b, std::move(block), charge)
                : cache_->InsertIfRoom(file_number_, b, std::move(block), charge);
  }
  return block;
}

bool Table::FilterMayMatch(std::string_view internal_key) const {
  if (filter_ == nullptr) return true;
  TableReadCounters* const counters = options_.read_counters;
  if (counters != nullptr) counters->filter_checks.fetch_add(1, std::memory_order_relaxed);
  if (filter_->MayMatch(ExtractUserKey(internal_key))) return true;
  if (counters != nullptr) counters->filter_negatives.fetch_add(1, std::memory_order_relaxed);
  return false;
}

absl::Status Table::Get(const ReadOptions& options, std::string_view internal_key,
                        FoundFn found) const {
  if (!FilterMayMatch(internal_key)) return absl::OkStatus();
  // The block the index points at holds the answer, except when every entry
  // in it is < internal_key (a shortened separator lies between them): then
  // the answer is the first entry of the next block.
  const size_t first = index_search_.Find(internal_key);
  for (size_t b = first; b < index_search_.size() && b < first + 2; ++b) {
    absl::StatusOr<std::shared_ptr<const Block>> block = ReadDataBlock(options, b);
    if (!block.ok()) return block.status();
    absl::StatusOr<bool> visited =
        (*block)->VisitFirstAtOrAfter(b == first ? internal_key : std::string_view(), found);
    if (!visited.ok()) return visited.status();
    if (*visited) return absl::OkStatus();
  }
  return absl::OkStatus();
}

absl::Status Table::MultiGet(const ReadOptions& options,
                             const std::vector<std::string_view>& internal_keys,
                             MultiFoundFn found) const {
  // Keys go in windows of kWindow. First every key of a window passes the
  // filter and the index, and the CPU is asked to load its data block; then
  // each key searches its block, which has had the other keys' index searches
  // to arrive in the caches. A key at or below the separator of the block
  // the previous key used reuses that block (sorted keys: it lies there or
  // nowhere before the next block).
  constexpr size_t kWindow = 16;
  struct Pending {
    size_t i;
    std::shared_ptr<const Block> block;
  };
  std::shared_ptr<const Block> block;
  size_t block_index = 0;  // block's position in the index
  std::vector<Pending> window;
  window.reserve(kWindow);

  // The first entry of the block after the one holding everything < key.
  auto first_of_next_block = [&](size_t i) -> absl::Status {
    const size_t b = index_search_.Find(internal_keys[i]) + 1;
    if (b >= index_search_.size()) return absl::OkStatus();
    absl::StatusOr<std::shared_ptr<const Block>> next = ReadDataBlock(options, b);
    if (!next.ok()) return next.status();
    absl::StatusOr<bool> visited = (*next)->VisitFirstAtOrAfter(
        std::string_view(), [&](std::string_view k, std::string_view v) { found(i, k, v); });
    return visited.status();
  };
  auto search_window = [&]() -> absl::Status {
    for (Pending& p : window) {
      absl::StatusOr<bool> visited = p.block->VisitFirstAtOrAfter(
          internal_keys[p.i], [&](std::string_view k, std::string_view v) { found(p.i, k, v); });
      if (!visited.ok()) return visited.status();
      if (*visited) continue;
      absl::Status s = first_of_next_block(p.i);
      if (!s.ok()) return s;
    }
    window.clear();
    return absl::OkStatus();
  };

  for (size_t i = 0; i < internal_keys.size(); ++i) {
    const std::string_view key = internal_keys[i];
    if (!FilterMayMatch(key)) continue;
    if (block == nullptr || CompareInternalKeys(key, index_search_.separator(block_index)) > 0) {
      const size_t b = index_search_.Find(key);
      if (b >= index_search_.size()) continue;  // past the last block: nothing >= key here
      absl::StatusOr<std::shared_ptr<const Block>> read = ReadDataBlock(options, b);
      if (!read.ok()) return read.status();
      block = *std::move(read);
      block_index = b;
      block->Prefetch();
    }
    window.push_back(Pending{i, block});
    if (window.size() == kWindow) {
      absl::Status s = search_window();
      if (!s.ok()) return s;
    }
  }
  return search_window();
}

std::unique_ptr<IndexSearch::IndexIterator> Table::NewIndexIterator() const {
  // Entries as the index block's; Seek through IndexSearch's probes.
  return index_search_.NewIterator();
}

namespace {

// One iterator's data block reads, watched for a scan streaming through more
// than the cache holds (see Table::kStreamingMisses). Such a scan also reads
// the file ahead of itself (Table::kScanReadaheadBytes at a time), so that a
// table not in memory arrives while the blocks before it are decoded. Blocks
// are told apart by their numbers in the index (neighbours lie side by side
// in the file), so that only a streaming scan loads their handles.
class StreamingScanDetector {
 public:
  static constexpr uint64_t kReadaheadBytes = Table::kScanReadaheadBytes;

  // True when block b, about to be read, continues such a scan.
  bool Streaming(size_t b) const { return streak_ >= Table::kStreamingMisses && Adjacent(b); }

  // Notes the read of the index's block b; when the scan streams and nears
  // the end of what it asked to be read ahead, returns the next range to ask
  // for.
  std::optional<std::pair<uint64_t, uint64_t>> Record(size_t b, bool hit,
                                                      const IndexSearch& index) {
    const bool forward = last_ != kNone && b == last_ + 1;
    // Misses count within one unbroken run of neighbouring blocks; a block
    // found in the cache neither counts nor breaks the run.
    if (!Adjacent(b)) streak_ = 0;
    if (!hit) ++streak_;
    last_ = b;
    if (streak_ < Table::kStreamingMisses) {
      reading_ahead_ = false;
      return std::nullopt;
    }
    const BlockHandle& h = index.handle(b);
    const uint64_t offset = h.offset();
    const uint64_t end = h.offset() + h.size() + kBlockTrailerSize;
    if (!reading_ahead_) {  // the scan starts to stream here
      ahead_ = end;
      behind_ = offset;
      reading_ahead_ = true;
    }
    if (forward && end + kReadaheadBytes / 2 > ahead_) {
      const uint64_t from = std::max(ahead_, end);
      ahead_ = from + kReadaheadBytes;
      return std::make_pair(from, kReadaheadBytes);
    }
    if (!forward && offset < behind_ + kReadaheadBytes / 2) {
      const uint64_t to = std::min(behind_, offset);
      behind_ = to > kReadaheadBytes ? to - kReadaheadBytes : 0;
      return std::make_pair(behind_, to - behind_);
    }
    return std::nullopt;
  }

 private:
  static constexpr size_t kNone = SIZE_MAX;

  // Next to the last block read, after or before it.
  bool Adjacent(size_t b) const { return last_ != kNone && (b == last_ + 1 || b + 1 == last_); }

  int streak_ = 0;       // misses in the current run of neighbouring blocks
  size_t last_ = kNone;  // the number of the last block read
  bool reading_ahead_ = false;  // ahead_ and behind_ are set for this run
  uint64_t ahead_ = 0;   // forward: asked to be read ahead up to here
  uint64_t behind_ = 0;  // backward: asked to be read ahead down to here
};

// A data block an iterator holds, counted in `pinned` while it does.
struct CountedBlock {
  CountedBlock(std::shared_ptr<const Block> b, std::atomic<int64_t>* pinned)
      : block(std::move(b)), counter(pinned), charge(static_cast<int64_t>(block->charge())) {
    counter->fetch_add(charge, std::memory_order_relaxed);
  }
  ~CountedBlock() { counter->fetch_sub(charge, std::memory_order_relaxed); }
  CountedBlock(const CountedBlock&) = delete;
  CountedBlock& operator=(const CountedBlock&) = delete;

  std::shared_ptr<const Block> block;
  std::atomic<int64_t>* const counter;
  const int64_t charge;
};

}  // namespace

std::unique_ptr<TwoLevelIterator> Table::NewIterator(const ReadOptions& options,
                                                    std::shared_ptr<const Table> pin) const {
  ReadOptions block_options;
  block_options.verify_checksums = options.verify_checksums;
  block_options.fill_cache = options.fill_cache;
  std::atomic<int64_t>* const pinned =
      options_.read_counters != nullptr ? &options_.read_counters->iterator_pinned_bytes
                                        : nullptr;
  std::unique_ptr<IndexSearch::IndexIterator> index = index_search_.NewIterator();
  const IndexSearch::IndexIterator* const index_at = index.get();
  return NewTwoLevelIterator(
      std::move(index),
      // The block opener lives as long as the iterator: holding the pin
      // there keeps the table alive without another layer of iterator. It
      // opens the block of the entry the index iterator is on.
      [this, block_options, pinned, index_at, pin = std::move(pin),
       scan = StreamingScanDetector()](const Iterator& /*index: index_at*/,
                                       BlockIter* data) mutable {
        const size_t b = index_at->position();
        bool hit;
        absl::StatusOr<std::shared_ptr<const Block>> block = ReadDataBlockAt(
            block_options, b,
            scan.Streaming(b) ? CacheFill::kOnlyIntoFreeRoom : CacheFill::kIfAdmitted, &hit);
        if (!block.ok()) {
          data->Clear(block.status());
          return;
        }
        if (auto ahead = scan.Record(b, hit, index_search_)) {
          file_->Readahead(ahead->first, ahead->second);
        }
        if (pinned == nullptr) {
          data->SetBlock(*std::move(block), KeyOrder::kInternal);
          return;
        }
        // The iterator's reference to the block also keeps it counted: an
        // aliasing pointer to the block, owned by the counting record.
        auto counted = std::make_shared<const CountedBlock>(*std::move(block), pinned);
        const Block* raw = counted->block.get();
        data->SetBlock(std::shared_ptr<const Block>(std::move(counted), raw), KeyOrder::kInternal);
      },
      // Blocks are numbered by their position in the index, so the handle
      // is loaded only on a miss or for a streaming scan's readahead.
      [index_at](const Iterator& /*index: index_at*/) -> uint64_t { return index_at->position(); });
}

uint64_t Table::ApproximateOffsetOf(std::string_view internal_key) const {
  std::unique_ptr<Iterator> index = NewIndexIterator();
  index->Seek(internal_key);
  if (index->Valid()) {
    BlockHandle h;
    std::string_view v = index->value();
    if (h.DecodeFrom(&v)) return h.offset();
  }
  // Past the last key (or a damaged index): the end of the data blocks.
  return properties_.data_size;
}

}  // namespace lsm
