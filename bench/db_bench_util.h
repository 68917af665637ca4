// Pieces of bench/db_bench that do not depend on an engine: key and value
// generation, process statistics (peak RSS, I/O counters, machine info) and
// the parser that pulls amplification figures out of "lsm.stats".
//
// Thread safety: KeyFormatter and ValueGenerator are used by one thread at a
// time (give each thread its own; ValueGenerator copies share nothing). The
// free functions are thread-safe.
#ifndef LSM_BENCH_DB_BENCH_UTIL_H_
#define LSM_BENCH_DB_BENCH_UTIL_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lsm {
namespace bench {

// Formats key numbers as fixed-width decimal, zero-padded on the left to
// key_size bytes ("0000000000000042"), so that numeric order is key order.
// A number with more digits than key_size keeps all of them (the key grows).
class KeyFormatter {
 public:
  explicit KeyFormatter(size_t key_size) : key_size_(key_size) {}
  // The returned view is valid until the next call.
  std::string_view Format(uint64_t k);
  // A key that is absent but sorts between Format(k) and Format(k + 1):
  // Format(k) followed by '.' (as LevelDB's readmissing does).
  std::string_view FormatMissing(uint64_t k);

 private:
  size_t key_size_;
  std::string buffer_;
};

// Values of random bytes that compress to about compression_ratio of their
// size: each stretch of kPieceSize bytes is a random prefix of
// compression_ratio × kPieceSize bytes repeated to fill the stretch (the idea
// of db_bench's RandomGenerator). Values are views into a 1 MiB pool taken at
// a rolling offset.
class ValueGenerator {
 public:
  static constexpr size_t kPoolSize = 1 << 20;
  static constexpr size_t kPieceSize = 100;

  ValueGenerator(uint64_t seed, double compression_ratio);
  // REQUIRES: len <= kPoolSize. Valid while the generator lives.
  std::string_view Next(size_t len);

 private:
  std::string pool_;
  size_t pos_ = 0;
};

// Peak resident set size of this process in bytes since the last
// ResetPeakRss (VmHWM from /proc/self/status; getrusage's ru_maxrss, the
// process-lifetime peak, when /proc is unavailable).
uint64_t PeakRssBytes();
// Current resident set size in bytes (VmRSS); 0 when /proc is unavailable.
uint64_t CurrentRssBytes();
// Resets the peak to the current RSS (writes "5" to /proc/self/clear_refs).
// False when the kernel does not allow it; the peak then covers the whole
// process lifetime.
bool ResetPeakRss();

// This process's I/O counters from /proc/self/io: bytes passed to read-like
// and write-like system calls (all threads, any file system), and bytes that
// reached the block layer. Zeros when unavailable.
struct IoCounters {
  uint64_t rchar = 0;
  uint64_t wchar = 0;
  uint64_t read_bytes = 0;
  uint64_t write_bytes = 0;
};
IoCounters ReadIoCounters();

// Total size of the regular files under dir (recursively); 0 if absent.
uint64_t DirectorySize(const std::string& dir);

// Amplification figures found in an engine's statistics text. Accepted forms,
// case-insensitive: "write amplification: 2.5", "write-amp 2.5", "W-Amp=2.5",
// "write_amp: 2.5" (and the same with "read"). Absent fields are nullopt.
struct Amplification {
  std::optional<double> write_amp;
  std::optional<double> read_amp;
};
Amplification ParseAmplification(std::string_view stats);

// Describes the machine for reports.
struct MachineInfo {
  int nproc = 0;
  std::string cpu_model;
  uint64_t memory_bytes = 0;
  std::string kernel;
  std::string hostname;
  // 1-minute load average when asked (other work competing for the CPUs).
  double load_average = 0;
};
MachineInfo GetMachineInfo();

}  // namespace bench
}  // namespace lsm

#endif  // LSM_BENCH_DB_BENCH_UTIL_H_
