#include "tests/fuzz/corpus_gen.h"

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/db/filename.h"
#include "engine/env/mem_env.h"
#include "engine/table/block.h"
#include "engine/table/format.h"
#include "engine/table/string_file.h"
#include "engine/util/random.h"
#include "engine/wal/log_reader.h"
#include "engine/wal/log_test_util.h"
#include "lsm/db.h"
#include "tests/fuzz/fuzz_util.h"

namespace lsm::fuzz {
namespace {

struct DbFiles {
  std::vector<std::string> logs;       // WAL files
  std::vector<std::string> manifests;  // MANIFEST files
  std::vector<std::string> tables;     // SST files
};

void Check(const absl::Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "corpus_gen: %s: %s\n", what, s.ToString().c_str());
    std::abort();
  }
}

// Builds a small DB with the given compression and returns its files. The
// last writes stay in the WAL.
DbFiles BuildDb(Compression compression, uint64_t seed) {
  std::unique_ptr<Env> env = NewMemEnv(Env::Default());
  Options o;
  o.env = env.get();
  o.compression = compression;
  o.write_buffer_size = 4 << 10;
  o.target_file_size = 2 << 10;
  o.block_size = 256;
  o.block_restart_interval = 4;
  o.level0_compaction_trigger = 2;
  DbFiles files;
  {
    auto db = DB::Open(o, "/db");
    Check(db.status(), "open");
    Random rnd(seed);
    for (int i = 0; i < 300; ++i) {
      WriteBatch b;
      const int n = 1 + static_cast<int>(rnd.Uniform(3));
      for (int j = 0; j < n; ++j) {
        const std::string key = "key" + std::to_string(rnd.Uniform(120));
        if (rnd.OneIn(5)) {
          b.Delete(key);
        } else {
          b.Put(key, "value" + std::to_string(i) + std::string(rnd.Uniform(40), 'v'));
        }
      }
      Check((*db)->Write(WriteOptions(), &b), "write");
      if (i == 150) Check((*db)->CompactRange(nullptr, nullptr), "compact");
    }
  }
  auto children = env->GetChildren("/db");
  Check(children.status(), "list");
  for (const std::string& name : *children) {
    uint64_t number;
    FileType type;
    if (!ParseFileName(name, &number, &type)) continue;
    std::string data;
    Check(ReadFileToString(env.get(), "/db/" + name, &data), "read");
    if (type == FileType::kLog && !data.empty()) files.logs.push_back(data);
    if (type == FileType::kDescriptor) files.manifests.push_back(data);
    if (type == FileType::kTable) files.tables.push_back(data);
  }
  return files;
}

const std::vector<DbFiles>& AllDbs() {
  static const std::vector<DbFiles>* dbs = new std::vector<DbFiles>{
      BuildDb(Compression::kNone, 1), BuildDb(Compression::kSnappy, 2),
      BuildDb(Compression::kZstd, 3)};
  return *dbs;
}

std::vector<std::string> Records(const std::string& log) {
  log::StringSource file(log);
  log::Reader reader(&file, nullptr, WalRecoveryMode::kSkipAnyCorruptedRecords);
  std::vector<std::string> records;
  std::string r;
  while (reader.ReadRecord(&r)) records.push_back(r);
  return records;
}

// What a table's footer leads to: the uncompressed meta-index (empty if it
// does not read) and index, and the handle of every data block; nullopt when
// the footer or the index does not read.
struct TableLayout {
  std::string metaindex;
  std::string index;
  std::vector<BlockHandle> data_blocks;
};

std::optional<TableLayout> ReadLayout(const std::string& table) {
  if (table.size() < Footer::kEncodedLength) return std::nullopt;
  auto footer = Footer::DecodeFrom(
      std::string_view(table).substr(table.size() - Footer::kEncodedLength));
  if (!footer.ok()) return std::nullopt;
  StringSource file(table, /*copy_to_scratch=*/false);
  auto index = ReadBlock(&file, footer->index_handle, true);
  if (!index.ok()) return std::nullopt;
  TableLayout layout;
  auto meta = ReadBlock(&file, footer->metaindex_handle, true);
  if (meta.ok()) layout.metaindex = std::string(meta->data.view());
  layout.index = std::string(index->data.view());
  Block block(std::move(*index));
  std::unique_ptr<Iterator> it = block.NewIterator(KeyOrder::kInternal);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string_view v = it->value();
    BlockHandle h;
    if (h.DecodeFrom(&v)) layout.data_blocks.push_back(h);
  }
  return layout;
}

// Uncompressed contents of the index, meta-index and every data block.
void Blocks(const std::string& table, std::vector<std::string>* internal,
            std::vector<std::string>* bytewise) {
  const std::optional<TableLayout> layout = ReadLayout(table);
  if (!layout.has_value()) return;
  if (!layout->metaindex.empty()) bytewise->push_back(layout->metaindex);
  internal->push_back(layout->index);
  StringSource file(table, /*copy_to_scratch=*/false);
  for (const BlockHandle& h : layout->data_blocks) {
    auto data = ReadBlock(&file, h, true);
    if (data.ok()) internal->push_back(std::string(data->data.view()));
  }
}

// The stored bytes of every snappy-compressed data block.
void SnappyBlocks(const std::string& table, std::vector<std::string>* out) {
  const std::optional<TableLayout> layout = ReadLayout(table);
  if (!layout.has_value()) return;
  for (const BlockHandle& h : layout->data_blocks) {
    if (h.offset() + h.size() + kBlockTrailerSize > table.size()) continue;
    if (table[h.offset() + h.size()] != static_cast<char>(Compression::kSnappy)) continue;
    out->push_back(table.substr(h.offset(), h.size()));
  }
}

}  // namespace

const std::vector<std::string>& FuzzTargetNames() {
  static const std::vector<std::string>* names = new std::vector<std::string>{
      "wal_reader", "write_batch", "block", "snappy", "table", "version_edit", "db_ops",
      "memtable"};
  return *names;
}

std::vector<std::string> SeedCorpus(std::string_view target) {
  std::vector<std::string> seeds;
  if (target == "wal_reader") {
    for (const DbFiles& db : AllDbs()) {
      for (const auto* group : {&db.logs, &db.manifests}) {
        for (const std::string& f : *group) {
          for (char flags = 0; flags < 4; ++flags) seeds.push_back(std::string(1, flags) + f);
          // A torn tail.
          seeds.push_back(std::string(1, '\0') + f.substr(0, f.size() * 2 / 3));
        }
      }
    }
  } else if (target == "write_batch") {
    for (const DbFiles& db : AllDbs()) {
      for (const std::string& log : db.logs) {
        for (const std::string& r : Records(log)) seeds.push_back(r);
      }
    }
  } else if (target == "version_edit") {
    for (const DbFiles& db : AllDbs()) {
      for (const std::string& m : db.manifests) {
        for (const std::string& r : Records(m)) seeds.push_back(r);
      }
    }
  } else if (target == "block") {
    for (const DbFiles& db : AllDbs()) {
      for (const std::string& t : db.tables) {
        std::vector<std::string> internal, bytewise;
        Blocks(t, &internal, &bytewise);
        for (const std::string& b : internal) seeds.push_back(std::string(1, '\0') + b);
        for (const std::string& b : bytewise) seeds.push_back(std::string(1, '\1') + b);
      }
    }
  } else if (target == "snappy") {
    for (const DbFiles& db : AllDbs()) {
      for (const std::string& t : db.tables) SnappyBlocks(t, &seeds);
    }
  } else if (target == "table") {
    for (const DbFiles& db : AllDbs()) {
      for (const std::string& t : db.tables) {
        for (char flags : {0, 1, 2, 4}) seeds.push_back(std::string(1, flags) + t);
      }
    }
  } else if (target == "db_ops") {
    Random rnd(99);
    for (int i = 0; i < 16; ++i) seeds.push_back(rnd.Bytes(64 + rnd.Uniform(1500)));
  } else if (target == "memtable") {
    Random rnd(77);
    for (int i = 0; i < 16; ++i) seeds.push_back(rnd.Bytes(256 + rnd.Uniform(4000)));
  }
  return seeds;
}

}  // namespace lsm::fuzz
