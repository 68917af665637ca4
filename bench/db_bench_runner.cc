#include "bench/db_bench_runner.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <latch>
#include <memory>
#include <system_error>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/ascii.h"
#include "bench/db_bench_util.h"
#include "engine/util/latency_histogram.h"
#include "engine/util/random.h"

namespace lsm {
namespace bench {

namespace {

using Clock = std::chrono::steady_clock;

enum class Kind {
  kFillSeq,
  kFillSync,
  kFillRandom,
  kOverwrite,
  kReadRandom,
  kReadMissing,
  kReadSeq,
  kReadReverse,
  kSeekRandom,
  kReadWhileWriting,
  kDeleteRandom,
  kCompact,
};

struct WorkloadInfo {
  const char* name;
  Kind kind;
  bool fresh_db;  // starts from an empty database
  bool writes;    // bytes counts user bytes written (for the I/O write amp)
};

// In the default order: fillsync before fillrandom (it starts fresh and
// leaves few keys), the reads after the fills, deletes last.
constexpr WorkloadInfo kWorkloads[] = {
    {"fillseq", Kind::kFillSeq, true, true},
    {"fillsync", Kind::kFillSync, true, true},
    {"fillrandom", Kind::kFillRandom, true, true},
    {"overwrite", Kind::kOverwrite, false, true},
    {"readrandom", Kind::kReadRandom, false, false},
    {"readmissing", Kind::kReadMissing, false, false},
    {"readseq", Kind::kReadSeq, false, false},
    {"readreverse", Kind::kReadReverse, false, false},
    {"seekrandom", Kind::kSeekRandom, false, false},
    {"readwhilewriting", Kind::kReadWhileWriting, false, false},
    {"deleterandom", Kind::kDeleteRandom, false, true},
    {"compact", Kind::kCompact, false, false},
};

const WorkloadInfo* FindWorkload(std::string_view name) {
  for (const WorkloadInfo& w : kWorkloads) {
    if (name == w.name) return &w;
  }
  return nullptr;
}

constexpr double kMiB = 1048576.0;

// What one thread of a workload owns.
struct ThreadState {
  ThreadState(int tid, const BenchConfig& config, uint64_t workload_seed)
      : tid(tid),
        rng(workload_seed * 7919 + tid),
        keys(config.key_size),
        values(workload_seed * 104729 + tid, config.compression_ratio) {}

  int tid;
  Random rng;
  KeyFormatter keys;
  ValueGenerator values;
  Histogram latency_ns;
  uint64_t ops = 0;
  uint64_t bytes = 0;
  uint64_t found = 0;
  double seconds = 0;  // this thread's own running time
  absl::Status status;
};

double NanosSince(Clock::time_point t0) {
  return std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
}

// Times single operations in ticks of the CPU's time-stamp counter
// (LatencyHistogram::Now), converted to whole nanoseconds. Reading
// steady_clock costs about 22 ns here and every operation reads it twice, a
// cost every engine pays alike but that squeezed the ratios of the fastest
// workloads (a fifth of a 140 ns readseq step); the counter costs about 10.
// Whole workloads are still timed with steady_clock.
class OpClock {
 public:
  // Measures the counter's rate against steady_clock over `calibration`.
  explicit OpClock(std::chrono::milliseconds calibration = std::chrono::milliseconds(20)) {
    const Clock::time_point c0 = Clock::now();
    const uint64_t t0 = LatencyHistogram::Now();
    while (Clock::now() - c0 < calibration) {
    }
    const uint64_t ticks = LatencyHistogram::Now() - t0;
    nanos_per_tick_ = ticks > 0 ? bench::NanosSince(c0) / static_cast<double>(ticks) : 1.0;
  }

  static uint64_t Now() { return LatencyHistogram::Now(); }
  double NanosSince(uint64_t t0) const {
    return static_cast<double>(
        static_cast<uint64_t>(static_cast<double>(Now() - t0) * nanos_per_tick_ + 0.5));
  }

 private:
  double nanos_per_tick_ = 1.0;
};

class Runner {
 public:
  Runner(Engine* engine, const BenchConfig& config, const std::string& dir)
      : engine_(engine), config_(config), dir_(dir) {}

  absl::Status OpenFresh() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    if (ec) return absl::InternalError(absl::StrCat("cannot remove ", dir_, ": ", ec.message()));
    std::filesystem::create_directories(dir_, ec);
    if (ec) return absl::InternalError(absl::StrCat("cannot create ", dir_, ": ", ec.message()));
    return engine_->Open(dir_, config_.engine_options);
  }

  absl::Status OpenExisting() {
    EngineOptions options = config_.engine_options;
    options.must_exist = true;
    return engine_->Open(dir_, options);
  }

  absl::StatusOr<WorkloadResult> Run(const WorkloadInfo& info, int threads, uint64_t seed) {
    if (info.fresh_db) {
      absl::Status s = engine_->Close();
      if (s.ok()) s = OpenFresh();
      if (!s.ok()) return s;
    }
    const IoCounters io_before = ReadIoCounters();
    const uint64_t rss_start = CurrentRssBytes();
    ResetPeakRss();

    const int nthreads = info.kind == Kind::kCompact ? 1 : threads;
    std::vector<std::unique_ptr<ThreadState>> states;
    for (int t = 0; t < nthreads; ++t) {
      states.push_back(std::make_unique<ThreadState>(t, config_, seed));
    }
    std::unique_ptr<ThreadState> writer;
    if (info.kind == Kind::kReadWhileWriting) {
      writer = std::make_unique<ThreadState>(nthreads, config_, seed);
    }
    const double seconds = RunThreads(info, states, writer.get());

    WorkloadResult result;
    result.engine = std::string(engine_->name());
    result.workload = info.name;
    result.threads = nthreads;
    result.label = nthreads > 1 ? absl::StrCat(info.name, "/", nthreads, "t") : info.name;
    result.seconds = seconds;
    uint64_t found = 0;
    for (const auto& st : states) {
      if (absl::IsUnimplemented(st->status)) {
        result.unsupported = std::string(st->status.message());
        result.seconds = 0;
        return result;
      }
      if (!st->status.ok()) {
        return absl::Status(st->status.code(),
                            absl::StrCat(info.name, " on ", result.engine, ": ",
                                         std::string(st->status.message())));
      }
      result.ops += st->ops;
      result.bytes += st->bytes;
      found += st->found;
      result.latency_ns.Merge(st->latency_ns);
    }
    if (writer != nullptr) {
      if (!writer->status.ok()) return writer->status;
      result.extra["writer_ops"] = writer->ops;
      result.extra["writer_ops_per_sec"] = writer->seconds > 0 ? writer->ops / writer->seconds : 0;
    }
    switch (info.kind) {
      case Kind::kReadRandom:
      case Kind::kReadMissing:
      case Kind::kSeekRandom:
      case Kind::kReadWhileWriting:
        result.extra["found"] = found;
        result.extra["found_pct"] = result.ops ? 100.0 * found / result.ops : 0;
        break;
      default:
        break;
    }

    const IoCounters io_after = ReadIoCounters();
    const uint64_t written = io_after.wchar - io_before.wchar;
    result.extra["io_write_mb"] = written / kMiB;
    result.extra["io_read_mb"] = (io_after.rchar - io_before.rchar) / kMiB;
    if (info.writes && result.bytes > 0) {
      result.extra["io_write_amp"] = static_cast<double>(written) / result.bytes;
    }
    result.extra["peak_rss_mb"] = PeakRssBytes() / kMiB;
    result.extra["rss_start_mb"] = rss_start / kMiB;
    result.extra["db_size_mb"] = DirectorySize(dir_) / kMiB;
    if (engine_->name() == "lsm") {
      const Amplification amp = ParseAmplification(engine_->Stats());
      if (amp.write_amp) result.extra["write_amp"] = *amp.write_amp;
      if (amp.read_amp) result.extra["read_amp"] = *amp.read_amp;
    }
    return result;
  }

 private:
  uint64_t Reads() const {
    return config_.reads >= 0 ? static_cast<uint64_t>(config_.reads) : config_.num;
  }
  uint64_t SyncNum() const {
    return config_.sync_num >= 0 ? static_cast<uint64_t>(config_.sync_num)
                                 : std::max<uint64_t>(1, config_.num / 100);
  }
  uint64_t RandomKey(ThreadState& s) { return s.rng.Uniform(std::max<uint64_t>(config_.num, 1)); }

  // Runs the workload's threads from a common start; returns the wall time
  // until the last measured thread ends. A writer (readwhilewriting) runs
  // beside them until they are done.
  double RunThreads(const WorkloadInfo& info, std::vector<std::unique_ptr<ThreadState>>& states,
                    ThreadState* writer) {
    const int n = static_cast<int>(states.size());
    std::latch start(n + (writer ? 1 : 0) + 1);
    std::atomic<bool> readers_done{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < n; ++t) {
      threads.emplace_back([&, t] {
        ThreadState& s = *states[t];
        start.arrive_and_wait();
        const Clock::time_point t0 = Clock::now();
        RunThread(info, s, n);
        s.seconds = NanosSince(t0) / 1e9;
      });
    }
    std::thread writer_thread;
    if (writer != nullptr) {
      writer_thread = std::thread([&] {
        start.arrive_and_wait();
        const Clock::time_point t0 = Clock::now();
        while (!readers_done.load(std::memory_order_acquire) && writer->status.ok()) {
          WriteOne(*writer, RandomKey(*writer), false);
        }
        writer->seconds = NanosSince(t0) / 1e9;
      });
    }
    start.arrive_and_wait();
    const Clock::time_point t0 = Clock::now();
    for (std::thread& t : threads) t.join();
    const double seconds = NanosSince(t0) / 1e9;
    readers_done.store(true, std::memory_order_release);
    if (writer_thread.joinable()) writer_thread.join();
    return seconds;
  }

  // The share of `total` ops that thread s of n runs: [begin, end).
  static std::pair<uint64_t, uint64_t> Share(uint64_t total, const ThreadState& s, int n) {
    return {total * s.tid / n, total * (s.tid + 1) / n};
  }

  void RunThread(const WorkloadInfo& info, ThreadState& s, int n) {
    switch (info.kind) {
      case Kind::kFillSeq:
        return DoWrite(s, Share(config_.num, s, n), /*sequential=*/true, /*sync=*/false);
      case Kind::kFillRandom:
      case Kind::kOverwrite:
        return DoWrite(s, Share(config_.num, s, n), false, false);
      case Kind::kFillSync:
        return DoWrite(s, Share(SyncNum(), s, n), false, /*sync=*/true);
      case Kind::kReadRandom:
      case Kind::kReadWhileWriting:
        return DoReadRandom(s, Share(Reads(), s, n), /*missing=*/false);
      case Kind::kReadMissing:
        return DoReadRandom(s, Share(Reads(), s, n), /*missing=*/true);
      case Kind::kReadSeq:
        return DoScan(s, Share(Reads(), s, n), /*forward=*/true);
      case Kind::kReadReverse:
        return DoScan(s, Share(Reads(), s, n), /*forward=*/false);
      case Kind::kSeekRandom:
        return DoSeekRandom(s, Share(Reads(), s, n));
      case Kind::kDeleteRandom:
        return DoDeleteRandom(s, Share(config_.num, s, n));
      case Kind::kCompact: {
        const uint64_t t0 = op_clock_.Now();
        s.status = engine_->CompactAll();
        s.latency_ns.Add(op_clock_.NanosSince(t0));
        s.ops = 1;
        return;
      }
    }
  }

  void WriteOne(ThreadState& s, uint64_t k, bool sync) {
    const std::string_view key = s.keys.Format(k);
    const std::string_view value = s.values.Next(config_.value_size);
    const uint64_t t0 = op_clock_.Now();
    s.status = engine_->Put(key, value, sync);
    s.latency_ns.Add(op_clock_.NanosSince(t0));
    s.ops++;
    s.bytes += key.size() + value.size();
  }

  void DoWrite(ThreadState& s, std::pair<uint64_t, uint64_t> range, bool sequential, bool sync) {
    const uint64_t batch = std::max(config_.batch_size, 1);
    std::vector<std::string> keys;
    std::vector<KeyValue> puts;
    for (uint64_t i = range.first; i < range.second && s.status.ok(); i += batch) {
      if (batch == 1) {
        WriteOne(s, sequential ? i : RandomKey(s), sync);
        continue;
      }
      const uint64_t count = std::min(batch, range.second - i);
      keys.resize(count);
      puts.resize(count);
      for (uint64_t j = 0; j < count; ++j) {
        keys[j] = s.keys.Format(sequential ? i + j : RandomKey(s));
        puts[j] = KeyValue{keys[j], s.values.Next(config_.value_size)};
        s.bytes += keys[j].size() + config_.value_size;
      }
      const uint64_t t0 = op_clock_.Now();
      s.status = engine_->WritePuts(puts, sync);
      s.latency_ns.Add(op_clock_.NanosSince(t0));
      s.ops += count;
    }
  }

  void DoReadRandom(ThreadState& s, std::pair<uint64_t, uint64_t> range, bool missing) {
    std::string value;
    for (uint64_t i = range.first; i < range.second; ++i) {
      const uint64_t k = RandomKey(s);
      const std::string_view key = missing ? s.keys.FormatMissing(k) : s.keys.Format(k);
      const uint64_t t0 = op_clock_.Now();
      const absl::Status st = engine_->Get(key, &value);
      s.latency_ns.Add(op_clock_.NanosSince(t0));
      s.ops++;
      if (st.ok()) {
        s.found++;
        s.bytes += key.size() + value.size();
      } else if (!absl::IsNotFound(st)) {
        s.status = st;
        return;
      }
    }
  }

  void DoScan(ThreadState& s, std::pair<uint64_t, uint64_t> range, bool forward) {
    const uint64_t limit = range.second - range.first;
    std::unique_ptr<EngineIterator> it = engine_->NewIterator();
    uint64_t t0 = op_clock_.Now();
    if (forward) {
      it->SeekToFirst();
    } else {
      it->SeekToLast();
    }
    while (it->Valid() && s.ops < limit) {
      s.bytes += it->key().size() + it->value().size();
      if (forward) {
        it->Next();
      } else {
        it->Prev();
      }
      s.latency_ns.Add(op_clock_.NanosSince(t0));
      s.ops++;
      t0 = op_clock_.Now();
    }
    s.status = it->status();
  }

  void DoSeekRandom(ThreadState& s, std::pair<uint64_t, uint64_t> range) {
    std::unique_ptr<EngineIterator> it = engine_->NewIterator();
    for (uint64_t i = range.first; i < range.second; ++i) {
      const std::string_view key = s.keys.Format(RandomKey(s));
      const uint64_t t0 = op_clock_.Now();
      it->Seek(key);
      const bool valid = it->Valid();
      if (valid && it->key() == key) {
        s.found++;
        s.bytes += key.size() + it->value().size();
      }
      s.latency_ns.Add(op_clock_.NanosSince(t0));
      s.ops++;
      if (!valid && !it->status().ok()) {
        s.status = it->status();
        return;
      }
    }
  }

  void DoDeleteRandom(ThreadState& s, std::pair<uint64_t, uint64_t> range) {
    for (uint64_t i = range.first; i < range.second && s.status.ok(); ++i) {
      const std::string_view key = s.keys.Format(RandomKey(s));
      const uint64_t t0 = op_clock_.Now();
      s.status = engine_->Delete(key, false);
      s.latency_ns.Add(op_clock_.NanosSince(t0));
      s.ops++;
      s.bytes += key.size();
    }
  }

  Engine* const engine_;
  const BenchConfig& config_;
  const std::string dir_;
  const OpClock op_clock_;
};

}  // namespace

std::vector<std::string> KnownWorkloads() {
  std::vector<std::string> names;
  for (const WorkloadInfo& w : kWorkloads) names.push_back(w.name);
  return names;
}

absl::StatusOr<std::vector<WorkloadSpec>> ParseBenchmarks(std::string_view list) {
  std::vector<WorkloadSpec> specs;
  const absl::string_view text(list.data(), list.size());
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    item = absl::StripAsciiWhitespace(item);
    std::vector<absl::string_view> parts = absl::StrSplit(item, ':');
    WorkloadSpec spec;
    spec.name = std::string(parts[0]);
    if (FindWorkload(spec.name) == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("unknown benchmark \"", spec.name,
                                                     "\"; known: ",
                                                     absl::StrJoin(KnownWorkloads(), ",")));
    }
    if (parts.size() > 2 ||
        (parts.size() == 2 && (!absl::SimpleAtoi(parts[1], &spec.threads) || spec.threads < 1 ||
                               spec.threads > 1024))) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad benchmark \"", std::string(item), "\"; expected name or name:threads"));
    }
    specs.push_back(spec);
  }
  if (specs.empty()) return absl::InvalidArgumentError("no benchmarks given");
  return specs;
}

absl::StatusOr<EngineRun> RunEngine(std::string_view engine_name, const BenchConfig& config,
                                    const std::string& dir,
                                    const std::function<void(const WorkloadResult&)>& on_result) {
  absl::StatusOr<std::unique_ptr<Engine>> engine = NewEngine(engine_name);
  if (!engine.ok()) return engine.status();
  Runner runner(engine->get(), config, dir);
  EngineRun run;
  run.engine = std::string(engine_name);
  run.description = (*engine)->Description();
  absl::Status s = config.use_existing_db ? runner.OpenExisting() : runner.OpenFresh();
  if (!s.ok()) return s;
  uint64_t seed = config.seed;
  for (const WorkloadSpec& spec : config.workloads) {
    const WorkloadInfo* info = FindWorkload(spec.name);
    if (info == nullptr) return absl::InvalidArgumentError("unknown benchmark " + spec.name);
    if (info->fresh_db && config.use_existing_db) {
      run.skipped_fresh = true;
      continue;
    }
    absl::StatusOr<WorkloadResult> result =
        runner.Run(*info, spec.threads > 0 ? spec.threads : std::max(config.threads, 1), ++seed);
    if (!result.ok()) return result.status();
    if (on_result) on_result(*result);
    run.results.push_back(std::move(*result));
  }
  run.final_stats = (*engine)->Stats();
  s = (*engine)->Close();
  if (!s.ok()) return s;
  return run;
}

std::string FormatResultLine(const WorkloadResult& r) {
  if (!r.unsupported.empty()) {
    return absl::StrFormat("%-20s : not supported by %s: %s", r.label, r.engine, r.unsupported);
  }
  std::string line = absl::StrFormat(
      "%-20s : %10.3f micros/op; %8.1f MB/s; %10.0f ops/s; p50 %.2f p99 %.2f p99.9 %.2f us",
      r.label, r.micros_per_op(), r.mb_per_sec(), r.ops_per_sec(),
      r.latency_ns.Percentile(50) / 1e3, r.latency_ns.Percentile(99) / 1e3,
      r.latency_ns.Percentile(99.9) / 1e3);
  auto extra = [&](const char* name) -> const double* {
    auto it = r.extra.find(name);
    return it == r.extra.end() ? nullptr : &it->second;
  };
  if (const double* found = extra("found")) {
    absl::StrAppendFormat(&line, "; (%.0f of %d found)", *found, r.ops);
  }
  if (const double* w = extra("writer_ops_per_sec")) {
    absl::StrAppendFormat(&line, "; writer %.0f ops/s", *w);
  }
  if (const double* amp = extra("write_amp")) absl::StrAppendFormat(&line, "; w-amp %.2f", *amp);
  if (const double* amp = extra("read_amp")) absl::StrAppendFormat(&line, "; r-amp %.2f", *amp);
  if (const double* rss = extra("peak_rss_mb")) absl::StrAppendFormat(&line, "; rss %.0f MB", *rss);
  return line;
}

}  // namespace bench
}  // namespace lsm
