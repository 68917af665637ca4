#include "tools/tool_util.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lsm/status.h"

namespace lsm::tools {

namespace {

std::string& MutableProgramName() {
  static std::string* name = new std::string("lsm-tool");
  return *name;
}

// Prints the usage message and the flags defined by the tool's own sources.
void PrintHelp(std::string_view usage) {
  std::vector<absl::CommandLineFlag*> flags;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (absl::StrContains(flag->Filename(), "tools/")) flags.push_back(flag);
  }
  std::sort(flags.begin(), flags.end(), [](absl::CommandLineFlag* a, absl::CommandLineFlag* b) {
    return a->Name() < b->Name();
  });
  std::cout << usage;
  if (!usage.empty() && usage.back() != '\n') std::cout << "\n";
  if (!flags.empty()) std::cout << "\nFlags:\n";
  for (absl::CommandLineFlag* f : flags) {
    std::string def = f->DefaultValue();
    if (f->IsOfType<std::string>()) def = absl::StrCat("\"", def, "\"");
    std::cout << "  --" << f->Name() << " (default " << def << ")\n      " << f->Help() << "\n";
  }
  std::cout << "\n  --help  this text\n";
}

}  // namespace

const std::string& ProgramName() { return MutableProgramName(); }

void Fail(int exit_code, std::string_view message) {
  std::fflush(stdout);
  std::string line = absl::StrCat(ProgramName(), ": ", ToAbsl(message));
  while (!line.empty() && line.back() == '\n') line.pop_back();
  // One line, whatever the message holds.
  std::replace(line.begin(), line.end(), '\n', ' ');
  std::fprintf(stderr, "%s\n", line.c_str());
  std::exit(exit_code);
}

std::vector<std::string> ParseFlagsOrExit(int argc, char** argv, std::string_view usage,
                                          bool stop_at_first_positional) {
  if (argc > 0 && argv[0] != nullptr) {
    std::string_view prog = argv[0];
    const size_t slash = prog.rfind('/');
    if (slash != std::string_view::npos) prog.remove_prefix(slash + 1);
    if (!prog.empty()) MutableProgramName() = std::string(prog);
  }
  absl::SetProgramUsageMessage(ToAbsl(usage));

  std::vector<std::string> positional;
  bool help = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--") {
      for (++i; i < argc; ++i) positional.emplace_back(argv[i]);
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      if (stop_at_first_positional) {
        for (; i < argc; ++i) positional.emplace_back(argv[i]);
        break;
      }
      positional.emplace_back(arg);
      continue;
    }
    std::string_view body = arg.substr(arg[1] == '-' ? 2 : 1);
    std::string_view name = body;
    std::string_view value;
    bool has_value = false;
    if (const size_t eq = body.find('='); eq != std::string_view::npos) {
      name = body.substr(0, eq);
      value = body.substr(eq + 1);
      has_value = true;
    }
    if (name == "help" || name == "h" || name == "helpfull" || name == "helpshort") {
      help = true;
      continue;
    }
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(ToAbsl(name));
    bool negated = false;
    if (flag == nullptr && name.substr(0, 2) == "no") {
      flag = absl::FindCommandLineFlag(ToAbsl(name.substr(2)));
      if (flag != nullptr && flag->IsOfType<bool>()) {
        negated = true;
      } else {
        flag = nullptr;
      }
    }
    if (flag == nullptr || flag->IsRetired() || !absl::StrContains(flag->Filename(), "tools/")) {
      Fail(kExitUsage, absl::StrCat("unknown flag --", ToAbsl(name), " (see --help)"));
    }
    std::string v;
    if (flag->IsOfType<bool>()) {
      if (negated && has_value) {
        Fail(kExitUsage, absl::StrCat("flag --", ToAbsl(name), " takes no value"));
      }
      v = negated ? "false" : (has_value ? std::string(value) : "true");
    } else if (has_value) {
      v = std::string(value);
    } else {
      if (i + 1 >= argc) {
        Fail(kExitUsage, absl::StrCat("flag --", ToAbsl(name), " needs a value"));
      }
      v = argv[++i];
    }
    std::string error;
    if (!flag->ParseFrom(v, &error)) {
      Fail(kExitUsage, absl::StrCat("bad value '", v, "' for --", flag->Name(), ": ", error));
    }
  }
  if (help) {
    PrintHelp(usage);
    std::exit(kExitOk);
  }
  return positional;
}

std::string EscapeBytes(std::string_view bytes) {
  std::string r;
  r.reserve(bytes.size());
  for (const char ch : bytes) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c == '\\') {
      r += "\\\\";
    } else if (c == '"') {
      r += "\\\"";
    } else if (c >= 0x20 && c < 0x7f) {
      r += ch;
    } else {
      absl::StrAppendFormat(&r, "\\x%02x", c);
    }
  }
  return r;
}

namespace {

// Tokenize, or with split_on_blanks false one token for the whole input, in
// which double quotes are ordinary characters.
absl::StatusOr<std::vector<Token>> TokenizeImpl(std::string_view line, bool split_on_blanks) {
  std::vector<Token> tokens;
  Token current;
  bool in_token = false;
  bool in_quotes = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (split_on_blanks && !in_quotes && (c == ' ' || c == '\t' || c == '\r' || c == '\n')) {
      if (in_token) tokens.push_back(std::move(current));
      current = Token();
      in_token = false;
      continue;
    }
    in_token = true;
    if (c == '"' && split_on_blanks) {
      in_quotes = !in_quotes;
      current.quoted = true;
      continue;
    }
    if (c != '\\') {
      current.text += c;
      continue;
    }
    if (i + 1 >= line.size()) return absl::InvalidArgumentError("a lone '\\' ends the line");
    const char e = line[++i];
    current.quoted = true;
    switch (e) {
      case 'n': current.text += '\n'; break;
      case 't': current.text += '\t'; break;
      case 'r': current.text += '\r'; break;
      case '0': current.text += '\0'; break;
      case '\\': current.text += '\\'; break;
      case '"': current.text += '"'; break;
      case '\'': current.text += '\''; break;
      case ' ': current.text += ' '; break;
      case 'x': {
        int byte = 0;
        for (int d = 0; d < 2; ++d) {
          const char h = i + 1 < line.size() ? line[i + 1] : '\0';
          if (!absl::ascii_isxdigit(static_cast<unsigned char>(h))) {
            return absl::InvalidArgumentError("\\x needs two hex digits");
          }
          ++i;
          byte = byte * 16 + (absl::ascii_isdigit(static_cast<unsigned char>(h))
                                  ? h - '0'
                                  : absl::ascii_tolower(static_cast<unsigned char>(h)) - 'a' + 10);
        }
        current.text += static_cast<char>(byte);
        break;
      }
      default:
        return absl::InvalidArgumentError(absl::StrCat("unknown escape '\\", std::string(1, e),
                                                       "' (use \\xNN for a byte)"));
    }
  }
  if (in_quotes) return absl::InvalidArgumentError("unterminated double quote");
  if (in_token || !split_on_blanks) tokens.push_back(std::move(current));
  return tokens;
}

}  // namespace

absl::StatusOr<std::vector<Token>> Tokenize(std::string_view line) {
  return TokenizeImpl(line, /*split_on_blanks=*/true);
}

absl::StatusOr<Token> UnescapeArgument(std::string_view arg) {
  auto tokens = TokenizeImpl(arg, /*split_on_blanks=*/false);
  if (!tokens.ok()) return tokens.status();
  return std::move((*tokens)[0]);
}

absl::StatusOr<Compression> ParseCompression(std::string_view name) {
  const std::string n = absl::AsciiStrToLower(ToAbsl(name));
  if (n == "none") return Compression::kNone;
  if (n == "snappy") return Compression::kSnappy;
  if (n == "zstd") return Compression::kZstd;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown compression '", n, "' (none, snappy or zstd)"));
}

const char* CompressionName(Compression c) {
  switch (c) {
    case Compression::kNone: return "none";
    case Compression::kSnappy: return "snappy";
    case Compression::kZstd: return "zstd";
  }
  return "unknown";
}

std::string HumanBytes(uint64_t bytes) {
  if (bytes < 1024) return absl::StrCat(bytes, " B");
  const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  double v = bytes / 1024.0;
  int u = 0;
  while (v >= 1024 && u < 3) {
    v /= 1024;
    ++u;
  }
  return absl::StrFormat("%.1f %s", v, units[u]);
}

std::string StatusLine(const absl::Status& s) {
  if (s.ok()) return "OK";
  std::string r = s.message().empty() ? absl::StatusCodeToString(s.code())
                                      : std::string(s.message());
  std::replace(r.begin(), r.end(), '\n', ' ');
  return r;
}

}  // namespace lsm::tools
