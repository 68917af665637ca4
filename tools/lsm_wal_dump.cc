// lsm-wal-dump: prints the write batches of a WAL file, one row per entry,
// and every damaged region of the file (offset, bytes, reason).
//
// The log is read in kSkipAnyCorruptedRecords mode, so everything intact is
// shown and every damaged region is reported. Exit status: 0 when the file is
// an undamaged WAL, 1 when it is a WAL with damage, 2 for bad arguments, a
// missing or unreadable file, or a file that is not a WAL (no record in it
// decodes as a write batch).
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/wal/log_reader.h"
#include "engine/wal/write_batch_internal.h"
#include "lsm/env.h"
#include "lsm/options.h"
#include "lsm/status.h"
#include "lsm/write_batch.h"
#include "nlohmann/json.hpp"
#include "tools/tool_util.h"

ABSL_FLAG(bool, json, false, "print JSON lines (one object per entry, damaged region, summary)");

namespace lsm::tools {
namespace {

constexpr char kUsage[] =
    "lsm-wal-dump [--json] FILE\n"
    "\n"
    "Prints the write batches of a WAL file: one row per entry with its sequence\n"
    "number, type, key and value (values cut at 40 characters; bytes outside\n"
    "printable ASCII as \\xNN, a backslash as \\\\), and every damaged region of\n"
    "the file with its offset, length and reason. Reading skips damaged regions\n"
    "and goes on.\n"
    "\n"
    "--json prints one JSON object per line instead: {\"kind\":\"entry\",...},\n"
    "{\"kind\":\"damage\",...} and a final {\"kind\":\"summary\",...}.\n"
    "\n"
    "Exit status: 0 an undamaged WAL; 1 a WAL with damaged regions; 2 bad\n"
    "arguments, a missing or unreadable file, or a file that is not a WAL.";

constexpr size_t kMaxShown = 40;

// Escaped, and cut to kMaxShown characters with "..." when longer.
std::string Shown(std::string_view bytes) {
  std::string s = EscapeBytes(bytes);
  if (s.size() > kMaxShown) {
    s.resize(kMaxShown);
    s += "...";
  }
  return s;
}

struct Summary {
  uint64_t records = 0;
  uint64_t entries = 0;
  uint64_t puts = 0;
  uint64_t deletes = 0;
  uint64_t range_deletes = 0;
  uint64_t min_seq = UINT64_MAX;
  uint64_t max_seq = 0;
  uint64_t damaged_regions = 0;
  uint64_t damaged_bytes = 0;
};

// Output is held back until the first write batch is found: a file without
// one is "not a WAL" (exit 2) and must print nothing but that error.
class Printer {
 public:
  explicit Printer(bool json) : json_(json) {}

  void Line(std::string line) {
    if (started_) {
      std::cout << line << '\n';
    } else {
      held_.push_back(std::move(line));
    }
  }
  void Start() {
    if (started_) return;
    started_ = true;
    for (const std::string& l : held_) std::cout << l << '\n';
    held_.clear();
  }
  bool started() const { return started_; }
  bool json() const { return json_; }

 private:
  const bool json_;
  bool started_ = false;
  std::vector<std::string> held_;
};

class DamagePrinter : public log::Reader::Reporter {
 public:
  DamagePrinter(Printer* out, Summary* summary) : out_(out), summary_(summary) {}
  void Corruption(uint64_t offset, size_t bytes, const absl::Status& reason) override {
    Report(offset, bytes, std::string(reason.message()));
  }
  void Report(uint64_t offset, uint64_t bytes, const std::string& reason) {
    ++summary_->damaged_regions;
    summary_->damaged_bytes += bytes;
    if (first_reason_.empty()) first_reason_ = absl::StrCat("at offset ", offset, ": ", reason);
    if (out_->json()) {
      nlohmann::json j = {{"kind", "damage"}, {"offset", offset}, {"bytes", bytes},
                          {"reason", reason}};
      out_->Line(j.dump());
    } else {
      out_->Line(absl::StrFormat("!! damaged region at offset %d, %d bytes: %s", offset, bytes,
                                 reason));
    }
  }
  const std::string& first_reason() const { return first_reason_; }

 private:
  Printer* const out_;
  Summary* const summary_;
  std::string first_reason_;
};

// Prints the entries of one batch.
class EntryPrinter : public WriteBatch::Handler {
 public:
  EntryPrinter(Printer* out, Summary* summary, uint64_t record_offset, uint64_t first_seq)
      : out_(out), summary_(summary), record_offset_(record_offset), seq_(first_seq) {}

  void Put(std::string_view key, std::string_view value) override {
    ++summary_->puts;
    Row("PUT", key, value);
  }
  void Delete(std::string_view key) override {
    ++summary_->deletes;
    Row("DEL", key, std::string_view());
  }
  // Shown as begin | end: the range [begin, end).
  void DeleteRange(std::string_view begin, std::string_view end) override {
    ++summary_->range_deletes;
    Row("DELRANGE", begin, end);
  }

 private:
  void Row(const char* type, std::string_view key, std::string_view value) {
    const uint64_t seq = seq_++;
    ++summary_->entries;
    if (seq < summary_->min_seq) summary_->min_seq = seq;
    if (seq > summary_->max_seq) summary_->max_seq = seq;
    if (out_->json()) {
      nlohmann::json j = {{"kind", "entry"}, {"record_offset", record_offset_},
                          {"seq", seq},      {"type", type},
                          {"key", EscapeBytes(key)}};
      if (type[0] == 'P') {
        j["value"] = EscapeBytes(value);
        j["value_size"] = value.size();
      }
      if (std::string_view(type) == "DELRANGE") j["end"] = EscapeBytes(value);
      out_->Line(j.dump());
    } else {
      out_->Line(absl::StrFormat("%-20d %-4s %-43s | %s", seq, type, Shown(key),
                                 type[0] == 'P' || std::string_view(type) == "DELRANGE"
                                     ? Shown(value)
                                     : std::string()));
    }
  }

  Printer* const out_;
  Summary* const summary_;
  const uint64_t record_offset_;
  uint64_t seq_;
};

int Run(const std::string& path, bool json) {
  Env* env = Env::Default();
  absl::StatusOr<std::unique_ptr<SequentialFile>> file = env->NewSequentialFile(path);
  if (!file.ok()) Fail(kExitUsage, absl::StrCat(path, ": ", StatusLine(file.status())));
  const absl::StatusOr<uint64_t> size = env->GetFileSize(path);

  Printer out(json);
  Summary summary;
  DamagePrinter damage(&out, &summary);
  log::Reader reader(file->get(), &damage, WalRecoveryMode::kSkipAnyCorruptedRecords);

  if (!json) {
    out.Line(absl::StrCat("--- Dumping WAL: ", path,
                          size.ok() ? absl::StrCat(" (", *size, " bytes)") : "", " ---"));
    out.Line(absl::StrFormat("%-20s %-4s %-43s | %s", "SEQ", "TYPE", "KEY", "VALUE"));
    out.Line(std::string(90, '-'));
  }

  std::string record;
  uint64_t non_batch_records = 0;
  WriteBatch batch;
  while (reader.ReadRecord(&record)) {
    ++summary.records;
    absl::Status s = batch.SetContents(record);
    if (!s.ok()) {
      // The framing is intact but the payload is not a write batch.
      ++non_batch_records;
      damage.Report(reader.LastRecordOffset(), record.size(),
                    absl::StrCat("record is not a write batch: ", s.message()));
      continue;
    }
    out.Start();
    EntryPrinter entries(&out, &summary, reader.LastRecordOffset(), batch.sequence());
    s = batch.Iterate(&entries);  // validated by SetContents: cannot fail
    if (!s.ok()) Fail(kExitError, StatusLine(s));
  }
  if (!reader.status().ok()) {
    // An I/O error (a directory, a file that went away): reading is over.
    Fail(out.started() ? kExitError : kExitUsage,
         absl::StrCat(path, ": ", StatusLine(reader.status())));
  }
  if (!out.started()) {
    if (summary.damaged_regions > 0) {
      Fail(kExitUsage,
           absl::StrCat(path, ": not a WAL file (no write batch in it; ",
                        non_batch_records > 0
                            ? absl::StrCat(non_batch_records, " log records that are not batches")
                            : absl::StrCat("damage ", damage.first_reason()),
                        ")"));
    }
    out.Start();  // an empty WAL
  }

  if (json) {
    nlohmann::json j = {{"kind", "summary"},
                        {"file", EscapeBytes(path)},
                        {"records", summary.records},
                        {"entries", summary.entries},
                        {"puts", summary.puts},
                        {"deletes", summary.deletes},
                        {"range_deletes", summary.range_deletes},
                        {"damaged_regions", summary.damaged_regions},
                        {"damaged_bytes", summary.damaged_bytes}};
    if (summary.entries > 0) {
      j["min_seq"] = summary.min_seq;
      j["max_seq"] = summary.max_seq;
    }
    out.Line(j.dump());
  } else {
    std::string seqs = summary.entries > 0
                           ? absl::StrCat(", sequences ", summary.min_seq, "..", summary.max_seq)
                           : "";
    out.Line(absl::StrCat("--- ", summary.records, " records, ", summary.entries, " entries (",
                          summary.puts, " puts, ", summary.deletes, " deletes",
                          summary.range_deletes > 0
                              ? absl::StrCat(", ", summary.range_deletes, " range deletes")
                              : "",
                          ")", seqs, ", ",
                          summary.damaged_regions, " damaged regions (", summary.damaged_bytes,
                          " bytes) ---"));
  }
  std::cout.flush();
  return summary.damaged_regions > 0 ? kExitError : kExitOk;
}

}  // namespace
}  // namespace lsm::tools

int main(int argc, char** argv) {
  using namespace lsm::tools;
  const std::vector<std::string> args = ParseFlagsOrExit(argc, argv, kUsage);
  if (args.size() != 1) Fail(kExitUsage, "expected exactly one FILE (see --help)");
  return Run(args[0], absl::GetFlag(FLAGS_json));
}
