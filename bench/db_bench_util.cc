#include "bench/db_bench_util.h"

#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <system_error>
#include <thread>

#include "engine/util/random.h"

namespace lsm {
namespace bench {

std::string_view KeyFormatter::Format(uint64_t k) {
  char digits[20];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), k);
  const size_t n = end - digits;
  buffer_.assign(key_size_ > n ? key_size_ - n : 0, '0');
  buffer_.append(digits, n);
  return buffer_;
}

std::string_view KeyFormatter::FormatMissing(uint64_t k) {
  Format(k);
  buffer_.push_back('.');
  return buffer_;
}

ValueGenerator::ValueGenerator(uint64_t seed, double compression_ratio) {
  Random rnd(seed);
  const size_t raw = std::clamp<size_t>(static_cast<size_t>(kPieceSize * compression_ratio), 1,
                                        kPieceSize);
  pool_.reserve(kPoolSize + kPieceSize);
  while (pool_.size() < kPoolSize) {
    const std::string prefix = rnd.Bytes(raw);
    for (size_t i = 0; i < kPieceSize; ++i) pool_.push_back(prefix[i % raw]);
  }
  pool_.resize(kPoolSize);
}

std::string_view ValueGenerator::Next(size_t len) {
  if (pos_ + len > pool_.size()) pos_ = 0;
  std::string_view v(pool_.data() + pos_, len);
  pos_ += len;
  return v;
}

namespace {

// The number after "Field:" in a /proc file of "Field: value" lines; nullopt
// if the file or the field is missing.
std::optional<uint64_t> ReadProcField(const char* path, std::string_view field) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > field.size() && line.compare(0, field.size(), field) == 0 &&
        line[field.size()] == ':') {
      return std::strtoull(line.c_str() + field.size() + 1, nullptr, 10);
    }
  }
  return std::nullopt;
}

}  // namespace

uint64_t PeakRssBytes() {
  if (std::optional<uint64_t> kb = ReadProcField("/proc/self/status", "VmHWM")) {
    return *kb * 1024;
  }
  struct rusage usage;
  if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  return static_cast<uint64_t>(usage.ru_maxrss) * 1024;  // Linux: kilobytes
}

uint64_t CurrentRssBytes() {
  return ReadProcField("/proc/self/status", "VmRSS").value_or(0) * 1024;
}

bool ResetPeakRss() {
  std::FILE* f = std::fopen("/proc/self/clear_refs", "w");
  if (f == nullptr) return false;
  const bool ok = std::fputs("5", f) >= 0;
  return std::fclose(f) == 0 && ok;
}

IoCounters ReadIoCounters() {
  IoCounters io;
  io.rchar = ReadProcField("/proc/self/io", "rchar").value_or(0);
  io.wchar = ReadProcField("/proc/self/io", "wchar").value_or(0);
  io.read_bytes = ReadProcField("/proc/self/io", "read_bytes").value_or(0);
  io.write_bytes = ReadProcField("/proc/self/io", "write_bytes").value_or(0);
  return io;
}

uint64_t DirectorySize(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  uint64_t total = 0;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec)) {
      const uintmax_t size = it->file_size(size_ec);
      if (!size_ec) total += size;
    }
  }
  return total;
}

Amplification ParseAmplification(std::string_view stats) {
  static const std::regex kPattern(
      R"(\b(write|read|w(?=-)|r(?=-))[-_ ]?amp(lification)?[ \t]*[:=]?[ \t]*([0-9]+(\.[0-9]+)?))",
      std::regex::icase);
  Amplification amp;
  const std::string text(stats);
  for (std::sregex_iterator it(text.begin(), text.end(), kPattern), end; it != end; ++it) {
    const std::string which = (*it)[1].str();
    const double value = std::strtod((*it)[3].str().c_str(), nullptr);
    const bool is_write = which[0] == 'w' || which[0] == 'W';
    std::optional<double>& slot = is_write ? amp.write_amp : amp.read_amp;
    if (!slot.has_value()) slot = value;
  }
  return amp;
}

MachineInfo GetMachineInfo() {
  MachineInfo info;
  info.nproc = static_cast<int>(std::thread::hardware_concurrency());
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos) {
        info.cpu_model = line.substr(line.find_first_not_of(" \t", colon + 1));
      }
      break;
    }
  }
  info.memory_bytes = ReadProcField("/proc/meminfo", "MemTotal").value_or(0) * 1024;
  std::ifstream loadavg("/proc/loadavg");
  loadavg >> info.load_average;
  struct utsname uts;
  if (uname(&uts) == 0) {
    info.kernel = std::string(uts.sysname) + " " + uts.release + " " + uts.machine;
    info.hostname = uts.nodename;
  }
  return info;
}

}  // namespace bench
}  // namespace lsm
