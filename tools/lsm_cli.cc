// lsm-cli: an interactive shell (libedit line editing and history), a script
// runner and a one-shot command runner over one DB directory. See kUsage.
#include <editline/readline.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lsm/db.h"
#include "lsm/status.h"
#include "tools/tool_util.h"

ABSL_FLAG(std::string, db, "", "DB directory (required).");
ABSL_FLAG(bool, create_if_missing, false,
          "Create the DB when the directory holds none (otherwise a missing DB is an error).");
ABSL_FLAG(bool, sync, false, "Sync every write to stable storage (fdatasync) before OK.");
ABSL_FLAG(std::string, compression, "snappy",
          "Compression of the tables this session writes: none, snappy or zstd.");
ABSL_FLAG(bool, stop_on_error, false,
          "Script mode: stop at the first line that fails instead of running the rest.");
ABSL_FLAG(std::string, history_file, "",
          "Interactive history file (default: $HOME/.lsm_cli_history).");

namespace lsm::tools {
namespace {

constexpr char kUsage[] = R"USAGE(lsm-cli: a shell over an lsm DB directory.

Usage:
  lsm-cli --db DIR                 interactive (stdin is a terminal) or a script
                                   read from stdin (stdin is not a terminal)
  lsm-cli --db DIR COMMAND ARGS... one command, then exit

Commands:
  put K V                      set K to V
  get K                        print the value of K; "(not found)" on stderr
  mget K...                    print "key => value" (or "key (not found)") for each K,
                               read as of one sequence number
  del K                        delete K
  scan [FROM] [TO] [--limit N] [--reverse]
                               print "key => value" for FROM <= key < TO
  batch                        start collecting put/del into one atomic batch
  commit | abort               write the batch atomically | drop it
  snapshot | release           hold a snapshot (get and scan read it) | drop it
  flush                        write the memtable to a table
  compact [FROM] [TO]          compact the key range [FROM, TO] (all when omitted)
  checkpoint DIR               write a consistent copy of the DB into the new directory
                               DIR (tables hard-linked when on the same file system)
  size FROM TO                 about how many bytes the keys in [FROM, TO) take
  stats                        print the lsm.stats property
  property NAME                print a DB property (lsm.sstables, lsm.estimate-num-keys,
                               lsm.num-files-at-level<N>, lsm.approximate-memory-usage)
  help | quit

Keys and values are split at blanks; "double quotes" keep blanks, and the escapes
\xNN \n \t \r \0 \\ \" \' work inside and outside quotes, so binary data can be typed.
A quoted or escaped token is always data, never a scan option. In one-shot mode each
argument is one token whose escapes are decoded (the shell has removed its quotes,
so a double quote there is an ordinary character).
Output shows bytes that are not printable ASCII as \xNN (a backslash as \\, a double
quote as \"), so a printed key typed back inside double quotes is the same key.
In a script, blank lines and lines starting with # are ignored.

Exit status: 0 when every command succeeded; 1 when a command failed (a get of an
absent key counts) or the DB could not be opened (missing, damaged, locked by
another process); 2 for bad flags or a malformed command. A script runs every line
(unless --stop_on_error) and exits with the worst status of its lines; errors are
reported as "lsm-cli: line N: ..." on stderr.
)USAGE";

struct CommandSpec {
  const char* name;
  int min_args;
  int max_args;  // -1: scan's own parser decides
  const char* usage;
};

constexpr CommandSpec kCommands[] = {
    {"put", 2, 2, "put K V"},
    {"get", 1, 1, "get K"},
    {"mget", 1, 1 << 20, "mget K..."},
    {"checkpoint", 1, 1, "checkpoint DIR"},
    {"size", 2, 2, "size FROM TO"},
    {"del", 1, 1, "del K"},
    {"delete", 1, 1, "delete K"},
    {"delrange", 2, 2, "delrange FROM TO"},
    {"scan", 0, -1, "scan [FROM] [TO] [--limit N] [--reverse]"},
    {"batch", 0, 0, "batch"},
    {"commit", 0, 0, "commit"},
    {"abort", 0, 0, "abort"},
    {"snapshot", 0, 0, "snapshot"},
    {"release", 0, 0, "release"},
    {"flush", 0, 0, "flush"},
    {"compact", 0, 2, "compact [FROM] [TO]"},
    {"stats", 0, 0, "stats"},
    {"property", 1, 1, "property NAME"},
    {"help", 0, 1, "help"},
    {"quit", 0, 0, "quit"},
    {"exit", 0, 0, "exit"},
};

const CommandSpec* FindCommand(std::string_view name) {
  for (const CommandSpec& c : kCommands) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

struct ScanArgs {
  std::optional<std::string> from, to;
  uint64_t limit = UINT64_MAX;
  bool reverse = false;
};

absl::StatusOr<ScanArgs> ParseScanArgs(const std::vector<Token>& tokens) {
  ScanArgs a;
  std::vector<std::string> positional;
  for (size_t i = 1; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    if (!t.quoted && t.text == "--reverse") {
      a.reverse = true;
    } else if (!t.quoted && (t.text == "--limit" || t.text.rfind("--limit=", 0) == 0)) {
      std::string n;
      if (t.text == "--limit") {
        if (i + 1 >= tokens.size()) return absl::InvalidArgumentError("--limit needs a number");
        n = tokens[++i].text;
      } else {
        n = t.text.substr(8);
      }
      if (!absl::SimpleAtoi(n, &a.limit)) {
        return absl::InvalidArgumentError(absl::StrCat("bad --limit '", EscapeBytes(n), "'"));
      }
    } else if (!t.quoted && t.text.size() > 2 && t.text.rfind("--", 0) == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown scan option '", t.text, "' (quote it to use it as a key)"));
    } else {
      positional.push_back(t.text);
    }
  }
  if (positional.size() > 2) {
    return absl::InvalidArgumentError("usage: scan [FROM] [TO] [--limit N] [--reverse]");
  }
  if (!positional.empty()) a.from = positional[0];
  if (positional.size() > 1) a.to = positional[1];
  return a;
}

// Checks a command's name and argument count. InvalidArgument with its usage
// otherwise.
absl::Status CheckSyntax(const std::vector<Token>& tokens) {
  const CommandSpec* c = FindCommand(tokens[0].text);
  if (c == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown command '", EscapeBytes(tokens[0].text), "' (try help)"));
  }
  const int nargs = static_cast<int>(tokens.size()) - 1;
  if (c->max_args < 0) return ParseScanArgs(tokens).status();
  if (nargs < c->min_args || nargs > c->max_args) {
    return absl::InvalidArgumentError(absl::StrCat("usage: ", c->usage));
  }
  return absl::OkStatus();
}

std::string Updates(size_t n) { return absl::StrCat(n, n == 1 ? " update" : " updates"); }

// Outcome of one command.
enum class Outcome { kOk, kFailed, kUsage };

// One session over an open DB: the pending batch and the held snapshot.
class Session {
 public:
  // error_prefix starts every error line (e.g. "lsm-cli: line 3: ").
  Session(DB* db, bool sync, bool interactive) : db_(db), interactive_(interactive) {
    write_options_.sync = sync;
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session() {
    if (snapshot_ != nullptr) db_->ReleaseSnapshot(snapshot_);
  }

  void set_error_prefix(std::string p) { error_prefix_ = std::move(p); }
  bool quit() const { return quit_; }
  bool in_batch() const { return in_batch_; }
  size_t batch_count() const { return batch_.Count(); }

  std::string Prompt() const {
    std::string p = "lsm";
    if (snapshot_ != nullptr) absl::StrAppend(&p, " snap@", snapshot_->sequence());
    if (in_batch_) absl::StrAppend(&p, " batch(", batch_.Count(), ")");
    return p + "> ";
  }

  Outcome Execute(const std::vector<Token>& tokens) {
    if (absl::Status s = CheckSyntax(tokens); !s.ok()) {
      Error(StatusLine(s));
      return Outcome::kUsage;
    }
    const std::string& cmd = tokens[0].text;
    auto arg = [&](size_t i) -> const std::string& { return tokens[i].text; };

    if (cmd == "put") {
      if (in_batch_) {
        batch_.Put(arg(1), arg(2));
        return Ok("(batched)");
      }
      return Check(db_->Put(write_options_, arg(1), arg(2)));
    }
    if (cmd == "del" || cmd == "delete") {
      if (in_batch_) {
        batch_.Delete(arg(1));
        return Ok("(batched)");
      }
      return Check(db_->Delete(write_options_, arg(1)));
    }
    if (cmd == "delrange") {
      if (in_batch_) {
        if (arg(1) > arg(2)) {
          return Fail(absl::StrCat("delrange: FROM '", EscapeBytes(arg(1)), "' sorts after TO '",
                                   EscapeBytes(arg(2)), "'"));
        }
        batch_.DeleteRange(arg(1), arg(2));
        return Ok("(batched)");
      }
      return Check(db_->DeleteRange(write_options_, arg(1), arg(2)));
    }
    if (cmd == "get") {
      std::string value;
      absl::Status s = db_->Get(ReadOpts(), arg(1), &value);
      if (absl::IsNotFound(s)) {
        std::cout.flush();
        std::cerr << "(not found)" << std::endl;
        return Outcome::kFailed;
      }
      if (!s.ok()) return Check(s);
      std::cout << EscapeBytes(value) << "\n";
      return Outcome::kOk;
    }
    if (cmd == "mget") {
      std::vector<std::string_view> keys;
      for (size_t i = 1; i < tokens.size(); ++i) keys.push_back(arg(i));
      const std::vector<absl::StatusOr<std::string>> values = db_->MultiGet(ReadOpts(), keys);
      Outcome outcome = Outcome::kOk;
      for (size_t i = 0; i < keys.size(); ++i) {
        if (values[i].ok()) {
          std::cout << EscapeBytes(keys[i]) << " => " << EscapeBytes(*values[i]) << "\n";
        } else if (absl::IsNotFound(values[i].status())) {
          std::cout << EscapeBytes(keys[i]) << " (not found)\n";
          outcome = Outcome::kFailed;
        } else {
          return Check(values[i].status());
        }
      }
      return outcome;
    }
    if (cmd == "checkpoint") return Check(db_->CreateCheckpoint(arg(1)));
    if (cmd == "size") {
      absl::StatusOr<uint64_t> bytes = db_->GetApproximateSize(arg(1), arg(2));
      if (!bytes.ok()) return Check(bytes.status());
      return Ok(absl::StrCat(*bytes));
    }
    if (cmd == "scan") return Scan(*ParseScanArgs(tokens));
    if (cmd == "batch") {
      if (in_batch_) return Fail("a batch is already open (commit or abort it first)");
      in_batch_ = true;
      batch_.Clear();
      return Ok("batch started: put/del are collected until commit or abort");
    }
    if (cmd == "commit" || cmd == "abort") {
      if (!in_batch_) return Fail(absl::StrCat("no batch is open (", cmd, " needs batch)"));
      const size_t n = batch_.Count();
      in_batch_ = false;
      if (cmd == "abort") {
        batch_.Clear();
        return Ok(absl::StrCat("aborted (", Updates(n), " dropped)"));
      }
      absl::Status s = db_->Write(write_options_, &batch_);
      batch_.Clear();
      if (!s.ok()) return Check(s);
      return Ok(absl::StrCat("OK (", Updates(n), ")"));
    }
    if (cmd == "snapshot") {
      if (snapshot_ != nullptr) return Fail("a snapshot is already held (release it first)");
      snapshot_ = db_->GetSnapshot();
      return Ok(absl::StrCat("snapshot at sequence ", snapshot_->sequence(),
                             " (get and scan read it until release)"));
    }
    if (cmd == "release") {
      if (snapshot_ == nullptr) return Fail("no snapshot is held");
      db_->ReleaseSnapshot(snapshot_);
      snapshot_ = nullptr;
      return Ok("OK");
    }
    if (cmd == "flush") return Check(db_->Flush());
    if (cmd == "compact") {
      std::string_view from, to;
      if (tokens.size() > 1) from = arg(1);
      if (tokens.size() > 2) to = arg(2);
      return Check(db_->CompactRange(tokens.size() > 1 ? &from : nullptr,
                                     tokens.size() > 2 ? &to : nullptr));
    }
    if (cmd == "stats") return Property("lsm.stats");
    if (cmd == "property") return Property(arg(1));
    if (cmd == "help") {
      std::cout << kUsage;
      return Outcome::kOk;
    }
    // quit / exit
    quit_ = true;
    return Outcome::kOk;
  }

 private:
  ReadOptions ReadOpts() const {
    ReadOptions r;
    r.snapshot = snapshot_;
    return r;
  }

  void Error(const std::string& message) {
    std::cout.flush();
    std::cerr << error_prefix_ << message << std::endl;
  }
  Outcome Fail(const std::string& message) {
    Error(message);
    return Outcome::kFailed;
  }
  Outcome Ok(const std::string& message) {
    std::cout << message << "\n";
    return Outcome::kOk;
  }
  Outcome Check(const absl::Status& s) {
    if (!s.ok()) return Fail(s.ToString());
    return Ok("OK");
  }

  Outcome Property(const std::string& name) {
    std::optional<std::string> v = db_->GetProperty(name);
    if (!v) return Fail(absl::StrCat("unknown property '", EscapeBytes(name), "'"));
    std::cout << *v;
    if (v->empty() || v->back() != '\n') std::cout << "\n";
    return Outcome::kOk;
  }

  Outcome Scan(const ScanArgs& a) {
    std::unique_ptr<Iterator> it = db_->NewIterator(ReadOpts());
    uint64_t n = 0;
    auto emit = [&] {
      std::cout << EscapeBytes(it->key()) << " => " << EscapeBytes(it->value()) << "\n";
      ++n;
    };
    if (!a.reverse) {
      if (a.from) {
        it->Seek(*a.from);
      } else {
        it->SeekToFirst();
      }
      for (; it->Valid() && n < a.limit; it->Next()) {
        if (a.to && it->key() >= std::string_view(*a.to)) break;
        emit();
      }
    } else {
      if (a.to) {
        it->SeekForPrev(*a.to);
        if (it->Valid() && it->key() == std::string_view(*a.to)) it->Prev();
      } else {
        it->SeekToLast();
      }
      for (; it->Valid() && n < a.limit; it->Prev()) {
        if (a.from && it->key() < std::string_view(*a.from)) break;
        emit();
      }
    }
    if (!it->status().ok()) return Fail(it->status().ToString());
    if (interactive_) std::cout << "(" << n << (n == 1 ? " entry)\n" : " entries)\n");
    return Outcome::kOk;
  }

  DB* const db_;
  const bool interactive_;
  WriteOptions write_options_;
  std::string error_prefix_;
  bool quit_ = false;
  bool in_batch_ = false;
  WriteBatch batch_;
  const Snapshot* snapshot_ = nullptr;
};

int ExitCode(Outcome o) {
  switch (o) {
    case Outcome::kOk: return kExitOk;
    case Outcome::kFailed: return kExitError;
    case Outcome::kUsage: return kExitUsage;
  }
  return kExitError;
}

std::unique_ptr<DB> OpenOrExit(const std::string& path) {
  Options options;
  options.create_if_missing = absl::GetFlag(FLAGS_create_if_missing);
  auto compression = ParseCompression(absl::GetFlag(FLAGS_compression));
  if (!compression.ok()) Fail(kExitUsage, StatusLine(compression.status()));
  options.compression = *compression;
  auto db = DB::Open(options, path);
  if (!db.ok()) {
    std::string hint;
    if (absl::IsFailedPrecondition(db.status())) hint = " (is another process using it?)";
    if (absl::IsInvalidArgument(db.status()) && !options.create_if_missing) {
      hint = " (pass --create_if_missing to create it)";
    }
    Fail(kExitError, absl::StrCat("cannot open DB: ", StatusLine(db.status()), hint));
  }
  return std::move(*db);
}

int RunInteractive(Session* session, const std::string& path) {
  std::string history = absl::GetFlag(FLAGS_history_file);
  if (history.empty()) {
    const char* home = std::getenv("HOME");
    if (home != nullptr) history = absl::StrCat(home, "/.lsm_cli_history");
  }
  using_history();
  stifle_history(1000);
  if (!history.empty()) read_history(history.c_str());
  session->set_error_prefix("error: ");
  std::cout << "lsm-cli on " << path << ": 'help' lists the commands, 'quit' or Ctrl-D leaves\n";
  while (!session->quit()) {
    const std::string prompt = session->Prompt();
    char* raw = readline(prompt.c_str());
    if (raw == nullptr) {
      std::cout << "\n";
      break;
    }
    std::string line(raw);
    std::free(raw);
    auto tokens = Tokenize(line);
    if (!tokens.ok()) {
      std::cerr << "error: " << StatusLine(tokens.status()) << std::endl;
      add_history(line.c_str());
      continue;
    }
    if (tokens->empty()) continue;
    add_history(line.c_str());
    session->Execute(*tokens);
    std::cout.flush();
  }
  if (session->in_batch()) {
    std::cerr << "note: the open batch (" << Updates(session->batch_count())
              << ") was not committed" << std::endl;
  }
  if (!history.empty()) write_history(history.c_str());
  return kExitOk;
}

int RunScript(Session* session) {
  int worst = kExitOk;
  std::string line;
  int line_number = 0;
  const bool stop = absl::GetFlag(FLAGS_stop_on_error);
  while (!session->quit() && std::getline(std::cin, line)) {
    ++line_number;
    session->set_error_prefix(absl::StrCat(ProgramName(), ": line ", line_number, ": "));
    auto tokens = Tokenize(line);
    int code;
    if (!tokens.ok()) {
      std::cout.flush();
      std::cerr << ProgramName() << ": line " << line_number << ": "
                << StatusLine(tokens.status()) << std::endl;
      code = kExitUsage;
    } else if (tokens->empty() || ((*tokens)[0].text.rfind('#', 0) == 0 && !(*tokens)[0].quoted)) {
      continue;
    } else {
      code = ExitCode(session->Execute(*tokens));
    }
    std::cout.flush();
    worst = std::max(worst, code);
    if (code != kExitOk && stop) break;
  }
  if (session->in_batch()) {
    std::cerr << ProgramName() << ": the script ended inside a batch ("
              << Updates(session->batch_count()) << " not committed)" << std::endl;
    worst = std::max(worst, kExitError);
  }
  return worst;
}

int Main(int argc, char** argv) {
  const std::vector<std::string> args =
      ParseFlagsOrExit(argc, argv, kUsage, /*stop_at_first_positional=*/true);
  const std::string path = absl::GetFlag(FLAGS_db);
  if (path.empty()) Fail(kExitUsage, "--db DIR is required (see --help)");
  if (!ParseCompression(absl::GetFlag(FLAGS_compression)).ok()) {
    Fail(kExitUsage, StatusLine(ParseCompression(absl::GetFlag(FLAGS_compression)).status()));
  }

  // One-shot: check the command before touching the DB.
  std::vector<Token> command;
  for (const std::string& a : args) {
    auto t = UnescapeArgument(a);
    if (!t.ok()) Fail(kExitUsage, StatusLine(t.status()));
    command.push_back(std::move(*t));
  }
  if (!command.empty()) {
    if (absl::Status s = CheckSyntax(command); !s.ok()) Fail(kExitUsage, StatusLine(s));
    const std::string& c = command[0].text;
    if (c == "batch" || c == "commit" || c == "abort" || c == "snapshot" || c == "release") {
      Fail(kExitUsage, absl::StrCat("'", c, "' only makes sense in a session or a script"));
    }
  }

  std::unique_ptr<DB> db = OpenOrExit(path);
  const bool interactive = command.empty() && isatty(STDIN_FILENO);
  int code;
  {
    Session session(db.get(), absl::GetFlag(FLAGS_sync), interactive);
    if (!command.empty()) {
      session.set_error_prefix(absl::StrCat(ProgramName(), ": "));
      code = ExitCode(session.Execute(command));
    } else if (interactive) {
      code = RunInteractive(&session, path);
    } else {
      code = RunScript(&session);
    }
  }
  std::cout.flush();
  db.reset();
  return code;
}

}  // namespace
}  // namespace lsm::tools

int main(int argc, char** argv) { return lsm::tools::Main(argc, argv); }
