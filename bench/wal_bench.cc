// WAL micro-benchmarks: the cost of log::Writer::AddRecord through the POSIX
// Env, without sync and with Sync() after every record, beside the physical
// floor measured in the same run: a bare write(2) of the same number of bytes
// followed by fdatasync(2) on a plain file descriptor.
//
// Files go to $LSM_BENCH_DIR, else the directory `bazel run` was started
// from ($BUILD_WORKING_DIRECTORY), else the current directory: put them on
// the disk you want to measure (not tmpfs). They are removed at the end.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>

#include "bench/bench_path.h"
#include "benchmark/benchmark.h"
#include "engine/util/random.h"
#include "engine/wal/log_format.h"
#include "engine/wal/log_writer.h"
#include "lsm/env.h"

namespace lsm {
namespace {

// A log file is restarted when it grows past this, to bound disk use.
constexpr uint64_t kMaxFileSize = 256ull << 20;

// How BM_WalAppend writes its log: write(2) (the POSIX file), or through a
// memory mapping of preallocated space as the DB's WAL does by default, with
// or without the zero fill ahead of the appends.
struct WalFile {
  bool mapped = false;
  bool zero_fill = false;
};

void BM_WalAppend(benchmark::State& state, bool sync, WalFile how) {
  const size_t record_size = static_cast<size_t>(state.range(0));
  WritableFileOptions file_options;
  file_options.mmap_preallocated = how.mapped;
  file_options.zero_fill_after_sync = how.zero_fill;
  const std::string record = Random(1).Bytes(record_size);
  const std::string path = BenchPath("wal_bench.log");
  Env* env = Env::Default();
  std::unique_ptr<WritableFile> file;
  std::unique_ptr<log::Writer> writer;
  auto reopen = [&] {
    writer.reset();
    if (file != nullptr) (void)file->Close();
    auto f = env->NewWritableFile(path, file_options);
    if (!f.ok()) {
      state.SkipWithError(std::string(f.status().message()).c_str());
      return false;
    }
    file = std::move(*f);
    writer = std::make_unique<log::Writer>(file.get());
    return true;
  };
  if (!reopen()) return;
  for (auto _ : state) {
    if (writer->FileSize() > kMaxFileSize) {
      state.PauseTiming();
      const bool ok = reopen();
      state.ResumeTiming();
      if (!ok) break;
    }
    absl::Status s = writer->AddRecord(record);
    if (s.ok() && sync) s = writer->Sync();
    if (!s.ok()) {
      state.SkipWithError(std::string(s.message()).c_str());
      break;
    }
  }
  writer.reset();
  if (file != nullptr) (void)file->Close();
  (void)env->RemoveFile(path);
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * record_size);
}
BENCHMARK_CAPTURE(BM_WalAppend, nosync, false, WalFile{})
    ->Arg(128)->Arg(4096)->Arg(65536)->UseRealTime();
BENCHMARK_CAPTURE(BM_WalAppend, sync, true, WalFile{})->Arg(128)->Arg(4096)->UseRealTime();
// The mapped WAL synced after every record of 128 bytes (one write) or 1200
// (a group of 8): without zero fill, the first write-back of each 4 KiB block
// of reserved space also writes file system metadata.
BENCHMARK_CAPTURE(BM_WalAppend, sync_mmap, true, WalFile{true, false})
    ->Arg(128)->Arg(1200)->UseRealTime();
BENCHMARK_CAPTURE(BM_WalAppend, sync_mmap_zero_fill, true, WalFile{true, true})
    ->Arg(128)->Arg(1200)->UseRealTime();

// The floor: what one durable append of the same bytes (payload and one
// record header) costs with nothing in between.
void BM_RawWriteFdatasync(benchmark::State& state) {
  const size_t bytes = static_cast<size_t>(state.range(0)) + log::kHeaderSize;
  const std::string data = Random(1).Bytes(bytes);
  const std::string path = BenchPath("wal_bench.raw");
  int fd = -1;
  uint64_t size = 0;
  auto reopen = [&] {
    if (fd >= 0) ::close(fd);
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    size = 0;
    if (fd < 0) state.SkipWithError("open failed");
    return fd >= 0;
  };
  if (!reopen()) return;
  for (auto _ : state) {
    if (size > kMaxFileSize) {
      state.PauseTiming();
      const bool ok = reopen();
      state.ResumeTiming();
      if (!ok) break;
    }
    if (::write(fd, data.data(), data.size()) != static_cast<ssize_t>(data.size()) ||
        ::fdatasync(fd) != 0) {
      state.SkipWithError("write or fdatasync failed");
      break;
    }
    size += data.size();
  }
  if (fd >= 0) ::close(fd);
  ::unlink(path.c_str());
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * (bytes - log::kHeaderSize));
}
BENCHMARK(BM_RawWriteFdatasync)->Arg(128)->Arg(4096)->UseRealTime();

// The two durable appends alternated in one loop, so that both see the same
// disk at the same moment (a shared or virtual disk drifts a lot between
// separate runs). Counters: mean microseconds of each, and their ratio.
void BM_SyncPair(benchmark::State& state) {
  const size_t record_size = static_cast<size_t>(state.range(0));
  const std::string record = Random(1).Bytes(record_size);
  const std::string raw_data = Random(2).Bytes(record_size + log::kHeaderSize);
  const std::string wal_path = BenchPath("wal_bench_pair.log");
  const std::string raw_path = BenchPath("wal_bench_pair.raw");
  Env* env = Env::Default();
  auto file = env->NewWritableFile(wal_path);
  if (!file.ok()) {
    state.SkipWithError(std::string(file.status().message()).c_str());
    return;
  }
  log::Writer writer(file->get());
  const int fd = ::open(raw_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
                        0644);
  if (fd < 0) {
    state.SkipWithError("open failed");
    return;
  }
  double wal_seconds = 0, raw_seconds = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    absl::Status s = writer.AddRecord(record);
    if (s.ok()) s = writer.Sync();
    const auto t1 = std::chrono::steady_clock::now();
    const bool raw_ok = ::write(fd, raw_data.data(), raw_data.size()) ==
                            static_cast<ssize_t>(raw_data.size()) &&
                        ::fdatasync(fd) == 0;
    const auto t2 = std::chrono::steady_clock::now();
    if (!s.ok() || !raw_ok) {
      state.SkipWithError("append or sync failed");
      break;
    }
    wal_seconds += std::chrono::duration<double>(t1 - t0).count();
    raw_seconds += std::chrono::duration<double>(t2 - t1).count();
  }
  (void)(*file)->Close();
  ::close(fd);
  (void)env->RemoveFile(wal_path);
  ::unlink(raw_path.c_str());
  const double n = static_cast<double>(state.iterations());
  state.counters["wal_us"] = wal_seconds / n * 1e6;
  state.counters["raw_us"] = raw_seconds / n * 1e6;
  state.counters["wal/raw"] = raw_seconds > 0 ? wal_seconds / raw_seconds : 0;
}
BENCHMARK(BM_SyncPair)->Arg(128)->Arg(4096)->UseRealTime();

}  // namespace
}  // namespace lsm
