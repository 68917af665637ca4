// lsm-manifest-dump: prints the VersionEdits of a MANIFEST and the levels
// they add up to, replaying them as recovery does. See kUsage.
#include <sys/stat.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/db/filename.h"
#include "engine/db/version_edit.h"
#include "engine/memtable/dbformat.h"
#include "engine/wal/log_reader.h"
#include "lsm/env.h"
#include "lsm/status.h"
#include "nlohmann/json.hpp"
#include "tools/tool_util.h"

ABSL_FLAG(bool, json, false, "Print one JSON document instead of text.");

namespace lsm::tools {
namespace {

constexpr char kUsage[] = R"USAGE(lsm-manifest-dump: the MANIFEST of an lsm DB, edit by edit, and the levels it describes.

Usage:
  lsm-manifest-dump DB_DIR            the MANIFEST that DB_DIR/CURRENT names
  lsm-manifest-dump MANIFEST_FILE     any MANIFEST file (an old one too)
  lsm-manifest-dump --json ...        one JSON document (keys escaped as \xNN)

Prints every VersionEdit (log number, next file number, last sequence, compaction
pointers, files removed and added per level), then replays them in order, as recovery
does, and prints each level's files: number, size, user-key range, sequence range,
entries. Damaged regions of the file are reported with their offset and reason and
skipped; edits that remove a file that is not there, add one that already is, or
leave overlapping files in a level >= 1 are reported as problems.

Exit status: 0 when the MANIFEST is intact and consistent; 1 when it is damaged or
inconsistent (or CURRENT is damaged); 2 for bad arguments, a missing path, or a file
or directory that is not a MANIFEST or a DB.
)USAGE";

using Json = nlohmann::ordered_json;

struct Damage {
  uint64_t offset;
  uint64_t bytes;
  std::string reason;
};

class CollectingReporter : public log::Reader::Reporter {
 public:
  void Corruption(uint64_t offset, size_t bytes, const absl::Status& reason) override {
    damage.push_back({offset, bytes, StatusLine(reason)});
  }
  std::vector<Damage> damage;
};

struct Edit {
  uint64_t offset;
  VersionEdit edit;
};

// A user key and sequence from an internal key, for display.
struct KeyView {
  std::string user_key;  // escaped
  std::optional<uint64_t> sequence;
  std::string type;
};

KeyView ViewKey(const std::string& ikey) {
  ParsedInternalKey p;
  if (!ParseInternalKey(ikey, &p)) return {EscapeBytes(ikey), std::nullopt, "malformed"};
  return {EscapeBytes(p.user_key), p.sequence, p.type == ValueType::kValue ? "value" : "deletion"};
}

Json FileJson(int level, const FileMetaData& f) {
  const KeyView s = ViewKey(f.smallest), l = ViewKey(f.largest);
  Json j;
  j["level"] = level;
  j["number"] = f.number;
  j["size"] = f.file_size;
  j["smallest_key"] = s.user_key;
  j["largest_key"] = l.user_key;
  j["smallest_seq"] = f.smallest_seq;
  j["largest_seq"] = f.largest_seq;
  j["num_entries"] = f.num_entries;
  j["num_deletions"] = f.num_deletions;
  return j;
}

Json EditJson(const Edit& e) {
  Json j;
  j["offset"] = e.offset;
  if (e.edit.log_number()) j["log_number"] = *e.edit.log_number();
  if (e.edit.next_file_number()) j["next_file_number"] = *e.edit.next_file_number();
  if (e.edit.last_sequence()) j["last_sequence"] = *e.edit.last_sequence();
  Json cps = Json::array();
  for (const auto& [level, key] : e.edit.compact_pointers()) {
    cps.push_back({{"level", level}, {"key", ViewKey(key).user_key}});
  }
  j["compact_pointers"] = cps;
  Json removed = Json::array();
  for (const auto& [level, number] : e.edit.deleted_files()) {
    removed.push_back({{"level", level}, {"number", number}});
  }
  j["removed_files"] = removed;
  Json added = Json::array();
  for (const auto& [level, f] : e.edit.new_files()) added.push_back(FileJson(level, f));
  j["added_files"] = added;
  return j;
}

bool IsDirectory(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Resolves the argument to a MANIFEST path; exits on a bad argument.
// *named_manifest: the file name says MANIFEST-NNNNNN.
std::string ResolveManifest(Env* env, const std::string& arg, bool* named_manifest) {
  std::string path = arg;
  if (IsDirectory(arg)) {
    if (!env->FileExists(CurrentFileName(arg))) {
      Fail(kExitUsage, absl::StrCat(arg, ": not a DB directory (it has no CURRENT file)"));
    }
    auto name = ReadCurrentFile(env, arg);
    if (!name.ok()) Fail(kExitError, absl::StrCat("CURRENT: ", StatusLine(name.status())));
    path = absl::StrCat(arg, "/", *name);
    if (!env->FileExists(path)) {
      Fail(kExitError, absl::StrCat(path, ": named by CURRENT but missing"));
    }
  } else if (!env->FileExists(arg)) {
    Fail(kExitUsage, absl::StrCat(arg, ": no such file or directory"));
  }
  std::string_view base = path;
  if (const size_t slash = base.rfind('/'); slash != std::string_view::npos) {
    base.remove_prefix(slash + 1);
  }
  uint64_t number;
  FileType type;
  *named_manifest = ParseFileName(base, &number, &type) && type == FileType::kDescriptor;
  return path;
}

int Main(int argc, char** argv) {
  const std::vector<std::string> args = ParseFlagsOrExit(argc, argv, kUsage);
  if (args.size() != 1) {
    Fail(kExitUsage, "expected one argument, a DB directory or a MANIFEST file (see --help)");
  }
  const bool json = absl::GetFlag(FLAGS_json);
  Env* env = Env::Default();
  bool named_manifest = false;
  const std::string path = ResolveManifest(env, args[0], &named_manifest);

  auto size = env->GetFileSize(path);
  auto file = env->NewSequentialFile(path);
  if (!size.ok() || !file.ok()) {
    Fail(kExitUsage, absl::StrCat(path, ": ", StatusLine(!size.ok() ? size.status()
                                                                     : file.status())));
  }

  CollectingReporter reporter;
  log::Reader reader(file->get(), &reporter, WalRecoveryMode::kSkipAnyCorruptedRecords);
  std::vector<Edit> edits;
  std::string record;
  while (reader.ReadRecord(&record)) {
    Edit e{reader.LastRecordOffset(), VersionEdit()};
    absl::Status s = e.edit.DecodeFrom(record);
    if (!s.ok()) {
      reporter.damage.push_back({e.offset, record.size(),
                                 absl::StrCat("record is not a VersionEdit: ", StatusLine(s))});
      continue;
    }
    edits.push_back(std::move(e));
  }
  if (!reader.status().ok()) {
    Fail(kExitError, absl::StrCat(path, ": read failed: ", StatusLine(reader.status())));
  }
  if (!named_manifest && edits.empty()) {
    Fail(kExitUsage, absl::StrCat(path, ": not a MANIFEST (no VersionEdit record in it)"));
  }

  // Replay.
  std::map<int, std::map<uint64_t, FileMetaData>> levels;
  std::optional<uint64_t> log_number, next_file_number, last_sequence;
  std::vector<std::string> problems;
  for (size_t i = 0; i < edits.size(); ++i) {
    const VersionEdit& e = edits[i].edit;
    if (e.log_number()) log_number = e.log_number();
    if (e.next_file_number()) next_file_number = e.next_file_number();
    if (e.last_sequence()) last_sequence = e.last_sequence();
    for (const auto& [level, number] : e.deleted_files()) {
      if (levels[level].erase(number) == 0) {
        problems.push_back(absl::StrFormat("edit %d (offset %d) removes L%d #%d, which is not there",
                                           i + 1, edits[i].offset, level, number));
      }
    }
    for (const auto& [level, f] : e.new_files()) {
      for (const auto& [l, files] : levels) {
        if (files.count(f.number)) {
          problems.push_back(absl::StrFormat(
              "edit %d (offset %d) adds #%d to L%d, but L%d already has it", i + 1,
              edits[i].offset, f.number, level, l));
        }
      }
      levels[level][f.number] = f;
    }
  }
  for (const auto& [level, files] : levels) {
    if (level == 0) continue;
    std::vector<const FileMetaData*> sorted;
    for (const auto& [n, f] : files) sorted.push_back(&f);
    std::sort(sorted.begin(), sorted.end(), [](const FileMetaData* a, const FileMetaData* b) {
      return CompareInternalKeys(a->smallest, b->smallest) < 0;
    });
    for (size_t i = 1; i < sorted.size(); ++i) {
      if (CompareUserKeys(ExtractUserKey(sorted[i - 1]->largest),
                          ExtractUserKey(sorted[i]->smallest)) >= 0) {
        problems.push_back(absl::StrFormat("L%d: #%d and #%d overlap", level, sorted[i - 1]->number,
                                           sorted[i]->number));
      }
    }
  }
  if (edits.empty()) problems.push_back("the MANIFEST holds no edit at all");
  const bool clean = reporter.damage.empty() && problems.empty();

  if (json) {
    Json j;
    j["manifest"] = path;
    j["size"] = *size;
    Json je = Json::array();
    for (const Edit& e : edits) je.push_back(EditJson(e));
    j["edits"] = je;
    Json state;
    if (log_number) state["log_number"] = *log_number;
    if (next_file_number) state["next_file_number"] = *next_file_number;
    if (last_sequence) state["last_sequence"] = *last_sequence;
    Json jl = Json::array();
    for (const auto& [level, files] : levels) {
      if (files.empty()) continue;
      uint64_t bytes = 0;
      Json jf = Json::array();
      for (const auto& [n, f] : files) {
        bytes += f.file_size;
        jf.push_back(FileJson(level, f));
      }
      jl.push_back({{"level", level}, {"num_files", files.size()}, {"bytes", bytes}, {"files", jf}});
    }
    state["levels"] = jl;
    j["final"] = state;
    Json jd = Json::array();
    for (const Damage& d : reporter.damage) {
      jd.push_back({{"offset", d.offset}, {"bytes", d.bytes}, {"reason", d.reason}});
    }
    j["damage"] = jd;
    j["problems"] = problems;
    j["ok"] = clean;
    std::cout << j.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
  } else {
    std::cout << path << ": " << *size << " bytes, " << edits.size() << " edits\n";
    for (size_t i = 0; i < edits.size(); ++i) {
      std::cout << "\nedit " << i + 1 << " at offset " << edits[i].offset << ":\n"
                << edits[i].edit.DebugString();
    }
    std::cout << "\nfinal state after " << edits.size() << " edits:\n";
    auto opt = [](const std::optional<uint64_t>& v) {
      return v ? absl::StrCat(*v) : std::string("(unset)");
    };
    std::cout << "  log_number " << opt(log_number) << ", next_file_number "
              << opt(next_file_number) << ", last_sequence " << opt(last_sequence) << "\n";
    bool any = false;
    for (const auto& [level, files] : levels) {
      if (files.empty()) continue;
      any = true;
      uint64_t bytes = 0;
      for (const auto& [n, f] : files) bytes += f.file_size;
      std::cout << absl::StrFormat("  L%d: %d file%s, %s\n", level, files.size(),
                                   files.size() == 1 ? "" : "s", HumanBytes(bytes));
      for (const auto& [n, f] : files) {
        const KeyView s = ViewKey(f.smallest), l = ViewKey(f.largest);
        std::cout << absl::StrFormat(
            "    #%-6d %10d bytes  '%s' .. '%s'  seq %d..%d  %d entries, %d deletions\n",
            f.number, f.file_size, s.user_key, l.user_key, f.smallest_seq, f.largest_seq,
            f.num_entries, f.num_deletions);
      }
    }
    if (!any) std::cout << "  (no files)\n";
  }
  std::cout.flush();
  for (const Damage& d : reporter.damage) {
    std::cerr << ProgramName() << ": " << path << ": damage at offset " << d.offset << " ("
              << d.bytes << " bytes): " << d.reason << "\n";
  }
  for (const std::string& p : problems) {
    std::cerr << ProgramName() << ": " << path << ": " << p << "\n";
  }
  return clean ? kExitOk : kExitError;
}

}  // namespace
}  // namespace lsm::tools

int main(int argc, char** argv) { return lsm::tools::Main(argc, argv); }
