// lsm-dump: prints an SST as a table of KEY, SEQ, TYPE, VALUE; with --stats
// its blocks, sizes, compression ratio, filter and properties; with --verify
// it reads every block and checks every checksum. --json for machines.
//
// Exit codes: 0 OK; 1 the file is damaged (the message names the block's
// offset); 2 bad usage, a bad path, or a file that is not an SST.
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/memtable/dbformat.h"
#include "engine/table/format.h"
#include "engine/table/table.h"
#include "lsm/env.h"
#include "lsm/status.h"
#include "nlohmann/json.hpp"

ABSL_FLAG(bool, stats, false, "print blocks, sizes, compression ratio, filter and properties");
ABSL_FLAG(bool, verify, false,
          "read every block and check every checksum; exit 1 at the first damage");
ABSL_FLAG(bool, json, false, "print JSON instead of text");

namespace lsm {
namespace {

constexpr char kUsage[] =
    "Usage: lsm-dump [--stats] [--verify] [--json] FILE.sst\n"
    "\n"
    "Prints the entries of an SST file as a table: KEY, SEQ, TYPE, VALUE (values\n"
    "truncated to 40 characters; bytes outside printable ASCII as \\xNN).\n"
    "\n"
    "  --stats   blocks, sizes, compression ratio, filter bits/key, properties\n"
    "  --verify  read every block and check every checksum; exit 1 at the first\n"
    "            damage, naming the block's offset\n"
    "  --json    machine-readable output (one JSON object)\n"
    "  --help    this message\n"
    "\n"
    "Exit status: 0 OK, 1 damaged file, 2 bad usage, bad path or not an SST.\n";

constexpr size_t kValueWidth = 40;

enum ExitCode { kExitOk = 0, kExitDamaged = 1, kExitUsage = 2 };

std::string Escape(std::string_view s, size_t max_width = std::string::npos) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (out.size() >= max_width) {
      absl::StrAppend(&out, "... (", s.size(), " bytes)");
      break;
    }
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\\') {
      out += "\\\\";
    } else if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      absl::StrAppendFormat(&out, "\\x%02x", c);
    }
  }
  return out;
}

struct Failure {
  ExitCode code;
  std::string message;
};

class Dumper {
 public:
  Dumper(std::string path, bool json) : path_(std::move(path)), json_(json) {}

  std::optional<Failure> Open() {
    Env* env = Env::Default();
    absl::StatusOr<uint64_t> size = env->GetFileSize(path_);
    if (!size.ok()) return Failure{kExitUsage, std::string(size.status().message())};
    absl::StatusOr<std::unique_ptr<RandomAccessFile>> file = env->NewRandomAccessFile(path_);
    if (!file.ok()) return Failure{kExitUsage, std::string(file.status().message())};
    // Tell "not an SST at all" (exit 2) from "a damaged SST" (exit 1).
    if (*size < Footer::kEncodedLength) {
      return Failure{kExitUsage, absl::StrCat("not an SST file (", *size, " bytes)")};
    }
    char magic_buf[8];
    std::string_view magic;
    absl::Status s = (*file)->Read(*size - 8, 8, &magic, magic_buf);
    if (!s.ok()) return Failure{kExitUsage, std::string(s.message())};
    if (magic.size() != 8 || DecodeFixed64(magic.data()) != kTableMagicNumber) {
      return Failure{kExitUsage, "not an SST file (no SST magic number at its end)"};
    }
    file_size_ = *size;
    absl::StatusOr<std::unique_ptr<Table>> table =
        Table::Open(TableOptions(), *std::move(file), *size, /*file_number=*/0, nullptr);
    if (!table.ok()) return Failure{FailureCode(table.status()), Message(table.status())};
    table_ = *std::move(table);
    return std::nullopt;
  }

  std::optional<Failure> DumpEntries() {
    ReadOptions ro;
    ro.fill_cache = false;
    std::unique_ptr<Iterator> it = table_->NewIterator(ro);
    uint64_t n = 0;
    if (!json_) std::printf("%-32s %12s  %-4s  %s\n", "KEY", "SEQ", "TYPE", "VALUE");
    nlohmann::json entries = nlohmann::json::array();
    for (it->SeekToFirst(); it->Valid(); it->Next(), ++n) {
      ParsedInternalKey p;
      const bool ok = ParseInternalKey(it->key(), &p);
      const std::string key = ok ? Escape(p.user_key) : Escape(it->key());
      const std::string type = !ok ? "BAD" : (p.type == ValueType::kValue ? "PUT" : "DEL");
      if (json_) {
        entries.push_back({{"key", key},
                           {"seq", ok ? p.sequence : 0},
                           {"type", type},
                           {"value", Escape(it->value())}});
      } else {
        std::printf("%-32s %12llu  %-4s  %s\n", key.c_str(),
                    static_cast<unsigned long long>(ok ? p.sequence : 0), type.c_str(),
                    Escape(it->value(), kValueWidth).c_str());
      }
    }
    // Range tombstones follow the point entries, as DELRANGE rows whose
    // value is the range's (exclusive) end.
    const auto& tombstones = table_->range_tombstones();
    for (const RangeTombstone& t : tombstones) {
      if (json_) {
        entries.push_back({{"key", Escape(t.begin)},
                           {"seq", t.sequence},
                           {"type", "DELRANGE"},
                           {"end", Escape(t.end)}});
      } else {
        std::printf("%-32s %12llu  %-4s  %s\n", Escape(t.begin).c_str(),
                    static_cast<unsigned long long>(t.sequence), "DELRANGE",
                    Escape(t.end, kValueWidth).c_str());
      }
    }
    if (json_) {
      out_["entries"] = std::move(entries);
    } else if (tombstones.empty()) {
      std::printf("(%llu entries)\n", static_cast<unsigned long long>(n));
    } else {
      std::printf("(%llu entries, %zu range tombstones)\n", static_cast<unsigned long long>(n),
                  tombstones.size());
    }
    if (!it->status().ok()) return Failure{FailureCode(it->status()), Message(it->status())};
    return std::nullopt;
  }

  void DumpStats() {
    const TableProperties& p = table_->properties();
    uint64_t blocks = 0, stored = 0, min_size = UINT64_MAX, max_size = 0;
    std::unique_ptr<Iterator> index = table_->NewIndexIterator();
    for (index->SeekToFirst(); index->Valid(); index->Next()) {
      BlockHandle h;
      std::string_view v = index->value();
      if (!h.DecodeFrom(&v)) break;
      ++blocks;
      stored += h.size();
      min_size = std::min(min_size, h.size());
      max_size = std::max(max_size, h.size());
    }
    if (blocks == 0) min_size = 0;
    const double ratio = p.data_size > 0 ? static_cast<double>(p.raw_data_size) /
                                               static_cast<double>(p.data_size)
                                         : 1.0;
    const BloomFilter* f = table_->filter();
    const double bits_per_entry =
        f != nullptr && p.num_entries > 0
            ? static_cast<double>(f->num_lines()) * 512.0 / static_cast<double>(p.num_entries)
            : 0.0;
    if (json_) {
      nlohmann::json s;
      s["file_size"] = file_size_;
      s["data_blocks"] = blocks;
      s["data_block_stored_bytes"] = stored;
      s["data_block_min_bytes"] = min_size;
      s["data_block_max_bytes"] = max_size;
      s["compression_ratio"] = ratio;
      s["index_bytes"] = p.index_size;
      s["filter"] = f == nullptr ? nlohmann::json(nullptr)
                                 : nlohmann::json{{"bytes", p.filter_size},
                                                  {"lines", f->num_lines()},
                                                  {"probes", f->num_probes()},
                                                  {"bits_per_entry", bits_per_entry},
                                                  {"ok", f->status().ok()}};
      nlohmann::json props;
      for (const auto& [k, v] : p.ToStrings()) props[k] = v;
      s["properties"] = std::move(props);
      out_["stats"] = std::move(s);
      return;
    }
    std::printf("file:             %s (%llu bytes, format version %u)\n", path_.c_str(),
                static_cast<unsigned long long>(file_size_), table_->footer().format_version);
    std::printf("data blocks:      %llu, %llu bytes stored (min %llu, avg %llu, max %llu)\n",
                static_cast<unsigned long long>(blocks), static_cast<unsigned long long>(stored),
                static_cast<unsigned long long>(min_size),
                static_cast<unsigned long long>(blocks ? stored / blocks : 0),
                static_cast<unsigned long long>(max_size));
    std::printf("compression:      %s, %llu of %llu blocks compressed, ratio %.2f (%llu -> %llu bytes)\n",
                CompressionName(p.compression).c_str(),
                static_cast<unsigned long long>(p.num_compressed_blocks),
                static_cast<unsigned long long>(p.num_data_blocks), ratio,
                static_cast<unsigned long long>(p.raw_data_size),
                static_cast<unsigned long long>(p.data_size));
    std::printf("index block:      %llu bytes\n", static_cast<unsigned long long>(p.index_size));
    if (f == nullptr) {
      std::printf("filter:           none\n");
    } else {
      std::printf("filter:           %llu bytes, %u lines of 64 bytes, %d probes, %.2f bits/entry "
                  "(configured %llu bits/key)%s\n",
                  static_cast<unsigned long long>(p.filter_size), f->num_lines(), f->num_probes(),
                  bits_per_entry, static_cast<unsigned long long>(p.filter_bits_per_key),
                  f->status().ok() ? "" : absl::StrCat(" MALFORMED: ", f->status().message()).c_str());
    }
    std::printf("properties:\n");
    for (const auto& [k, v] : p.ToStrings()) std::printf("  %-28s %s\n", k.c_str(), v.c_str());
  }

  // Reads every data block with its checksum verified and parses every entry:
  // keys must be well-formed internal keys in strictly increasing order, and
  // within their index separators.
  std::optional<Failure> Verify() {
    ReadOptions ro;
    ro.verify_checksums = true;
    ro.fill_cache = false;
    uint64_t blocks = 0, entries = 0;
    std::string prev_key;
    std::optional<Failure> failure;
    if (table_->filter() != nullptr && !table_->filter()->status().ok()) {
      failure = Failure{kExitDamaged,
                        absl::StrCat("filter block at offset ", table_->filter_handle()->offset(),
                                     ": ", table_->filter()->status().message())};
    }
    auto index = table_->NewIndexIterator();
    for (index->SeekToFirst(); !failure && index->Valid(); index->Next()) {
      BlockHandle h;
      std::string_view v = index->value();
      if (!h.DecodeFrom(&v)) {
        failure = Failure{kExitDamaged, "index: malformed block handle"};
        break;
      }
      absl::StatusOr<std::shared_ptr<const Block>> block =
          table_->ReadDataBlock(ro, index->position());
      if (!block.ok()) {
        failure = Failure{FailureCode(block.status()), Message(block.status())};
        break;
      }
      ++blocks;
      std::unique_ptr<Iterator> it = (*block)->NewIterator(KeyOrder::kInternal);
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        ParsedInternalKey p;
        std::string what;
        if (!ParseInternalKey(it->key(), &p)) {
          what = "malformed internal key";
        } else if (entries > 0 && CompareInternalKeys(prev_key, it->key()) >= 0) {
          what = "keys out of order";
        } else if (CompareInternalKeys(it->key(), index->key()) > 0) {
          what = "key beyond its index separator";
        }
        if (!what.empty()) {
          failure = Failure{kExitDamaged, absl::StrCat("block at offset ", h.offset(), ": ", what)};
          break;
        }
        prev_key.assign(it->key().data(), it->key().size());
        ++entries;
      }
      if (!failure && !it->status().ok()) {
        failure = Failure{kExitDamaged, absl::StrCat("block at offset ", h.offset(), ": ",
                                                     it->status().message())};
      }
    }
    if (!failure && !index->status().ok()) {
      failure = Failure{kExitDamaged, absl::StrCat("index: ", index->status().message())};
    }
    if (!failure && entries != table_->properties().num_entries) {
      failure = Failure{kExitDamaged,
                        absl::StrCat("properties say ", table_->properties().num_entries,
                                     " entries, the data blocks hold ", entries)};
    }
    if (json_) {
      out_["verify"] = {{"ok", !failure.has_value()},
                        {"data_blocks", blocks},
                        {"entries", entries},
                        {"error", failure ? failure->message : ""}};
    } else if (!failure) {
      std::printf("OK: %llu data blocks, %llu entries; every checksum verified\n",
                  static_cast<unsigned long long>(blocks),
                  static_cast<unsigned long long>(entries));
    }
    return failure;
  }

  void FinishJson(const std::optional<Failure>& failure) {
    if (!json_) return;
    out_["file"] = path_;
    if (failure) out_["error"] = failure->message;
    std::cout << out_.dump(2) << "\n";
  }

 private:
  static ExitCode FailureCode(const absl::Status& s) {
    return s.code() == absl::StatusCode::kDataLoss ? kExitDamaged : kExitUsage;
  }
  static std::string Message(const absl::Status& s) { return std::string(s.message()); }

  const std::string path_;
  const bool json_;
  uint64_t file_size_ = 0;
  std::unique_ptr<Table> table_;
  nlohmann::json out_ = nlohmann::json::object();
};

int Main(int argc, char** argv) {
  // --help and unknown flags are handled here so that they exit 0 and 2.
  static const std::set<std::string> kKnown = {"stats", "nostats", "verify", "noverify",
                                               "json", "nojson"};
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--help" || a == "-h" || a == "--helpfull") {
      std::fputs(kUsage, stdout);
      return kExitOk;
    }
    if (a == "--") break;
    if (a.size() > 1 && a[0] == '-') {
      std::string_view name = a.substr(a.size() > 2 && a[1] == '-' ? 2 : 1);
      name = name.substr(0, name.find('='));
      if (kKnown.count(std::string(name)) == 0) {
        std::fprintf(stderr, "lsm-dump: unknown flag %s (see --help)\n", argv[i]);
        return kExitUsage;
      }
    }
  }
  absl::SetProgramUsageMessage(kUsage);
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() != 2) {
    std::fprintf(stderr, "lsm-dump: expected one FILE.sst argument (see --help)\n");
    return kExitUsage;
  }
  const std::string path = args[1];
  const bool stats = absl::GetFlag(FLAGS_stats);
  const bool verify = absl::GetFlag(FLAGS_verify);
  Dumper d(path, absl::GetFlag(FLAGS_json));

  std::optional<Failure> failure = d.Open();
  if (!failure) {
    if (!stats && !verify) failure = d.DumpEntries();
    if (!failure && stats) d.DumpStats();
    if (!failure && verify) failure = d.Verify();
  }
  if (!failure || failure->code != kExitUsage) d.FinishJson(failure);
  if (failure) {
    std::fflush(stdout);
    // Env errors already name the path.
    if (failure->message.find(path) == std::string::npos) {
      std::fprintf(stderr, "lsm-dump: %s: %s\n", path.c_str(), failure->message.c_str());
    } else {
      std::fprintf(stderr, "lsm-dump: %s\n", failure->message.c_str());
    }
    return failure->code;
  }
  return kExitOk;
}

}  // namespace
}  // namespace lsm

int main(int argc, char** argv) { return lsm::Main(argc, argv); }
