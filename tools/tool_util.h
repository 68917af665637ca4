// Helpers shared by the command-line tools (lsm-cli, lsm-stress,
// lsm-manifest-dump): exit codes, one-line error reporting, strict flag
// parsing that turns every bad argument into a usage error (exit 2), and the
// escaping rules that let binary keys and values travel through a terminal.
//
// Escaping, both ways:
//   output  printable ASCII as is, except a backslash as \\ and a double
//           quote as \"; any other byte as \xNN
//   input   tokens split at blanks; "double quotes" group blanks; escapes
//           \xNN \n \t \r \0 \\ \" \' and "\ " are valid inside and outside
//           quotes, so "<whatever EscapeBytes printed>" types the bytes back.
//
// Thread safety: the functions are thread-safe except ParseFlagsOrExit, which
// must be called once at the start of main.
#ifndef LSM_TOOLS_TOOL_UTIL_H_
#define LSM_TOOLS_TOOL_UTIL_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lsm/options.h"

namespace lsm::tools {

// Exit statuses of every tool.
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;  // the tool ran and something failed
inline constexpr int kExitUsage = 2;  // bad arguments or a path that is not what it should be

// The program's short name (basename of argv[0]); "lsm-tool" before
// ParseFlagsOrExit ran.
const std::string& ProgramName();

// Prints "PROGRAM: message" as one line on stderr and exits with exit_code.
[[noreturn]] void Fail(int exit_code, std::string_view message);

// Parses abseil flags strictly, then returns the positional arguments (not
// argv[0]). Unlike absl::ParseCommandLine, an unknown flag, a missing or
// malformed value is one line on stderr and exit kExitUsage. --help prints
// `usage` and the tool's own flags (those defined under tools/) and exits 0.
// When stop_at_first_positional, everything from the first positional
// argument on is returned as is (so "lsm-cli --db D scan --limit 3" keeps
// "--limit 3" for the command).
std::vector<std::string> ParseFlagsOrExit(int argc, char** argv, std::string_view usage,
                                          bool stop_at_first_positional = false);

// Printable form of arbitrary bytes (see the file comment).
std::string EscapeBytes(std::string_view bytes);

// One token of a command line. `quoted` is true when any part of it was inside
// double quotes or escaped, so "--limit" (or \x2d-limit) is a key, not an
// option.
struct Token {
  std::string text;
  bool quoted = false;
};

// Splits a line into tokens, decoding quotes and escapes. InvalidArgument for
// an unterminated quote, an unknown escape or a malformed \x escape.
absl::StatusOr<std::vector<Token>> Tokenize(std::string_view line);

// Decodes the escapes of one command-line argument. The shell has already
// split the words and removed its quotes, so blanks and double quotes in it
// are ordinary characters.
absl::StatusOr<Token> UnescapeArgument(std::string_view arg);

// "none" | "snappy" | "zstd" (case-insensitive).
absl::StatusOr<Compression> ParseCompression(std::string_view name);
const char* CompressionName(Compression c);

// "12.3 KiB", "4.0 MiB": for reports.
std::string HumanBytes(uint64_t bytes);

// The status as one line: its message, or the code name when it has none.
std::string StatusLine(const absl::Status& s);

}  // namespace lsm::tools

#endif  // LSM_TOOLS_TOOL_UTIL_H_
