// db_bench: LevelDB-style macro benchmark comparing our engine with LevelDB,
// RocksDB, LMDB and WiredTiger through one adapter interface
// (bench/engines/engine.h).
//
//   db_bench --engine=lsm,leveldb,rocksdb,lmdb,wiredtiger --num=1000000
//            --benchmarks=fillseq,fillrandom,readrandom --json=out.json
//
// Engines in a comma list run one after another in this process, so their
// ratios come from the same run on the same machine. Each engine works in its
// own subdirectory of --db (default: a temporary directory removed at exit).
// See bench/README.md and bench/db_bench_runner.h for the workloads.
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "bench/db_bench_runner.h"
#include "bench/db_bench_util.h"
#include "bench/engines/engine.h"
#include "nlohmann/json.hpp"
#include "tools/tool_util.h"

ABSL_FLAG(std::string, engine, "",
          "Comma-separated engines to run in turn (lsm, leveldb, rocksdb, lmdb, wiredtiger); "
          "empty: every engine built in");
ABSL_FLAG(std::string, benchmarks,
          "fillseq,fillsync,fillrandom,overwrite,readrandom,readmissing,readseq,readreverse,"
          "seekrandom,readwhilewriting,deleterandom",
          "Comma-separated workloads, run in order; name:N runs that one with N threads "
          "(e.g. fillsync:8). Also: compact");
ABSL_FLAG(uint64_t, num, 1000000, "Number of keys (and of puts in the fill workloads)");
ABSL_FLAG(int64_t, reads, -1, "Operations of the read workloads; -1: --num");
ABSL_FLAG(int64_t, sync_num, -1, "Puts of fillsync; -1: max(1, num / 100)");
ABSL_FLAG(int32_t, key_size, 16, "Key size in bytes (decimal, zero-padded)");
ABSL_FLAG(int32_t, value_size, 100, "Value size in bytes");
ABSL_FLAG(double, compression_ratio, 0.5, "Fraction of a value that is random (compressibility)");
ABSL_FLAG(int32_t, threads, 1, "Threads per workload (readers in readwhilewriting)");
ABSL_FLAG(int32_t, batch_size, 1, "Puts per write batch in the fill workloads");
ABSL_FLAG(uint64_t, seed, 301, "Seed of keys and values");
ABSL_FLAG(std::string, db, "", "Base directory; empty: a temporary directory removed at exit");
ABSL_FLAG(bool, use_existing_db, false,
          "Reuse the databases under --db; skips the fresh-DB workloads (fill*)");
ABSL_FLAG(std::string, json, "", "Write all results as JSON to this file");
ABSL_FLAG(bool, stats, false, "Print each engine's statistics after its run");
ABSL_FLAG(uint64_t, write_buffer_size, 4 << 20, "Memtable size in bytes");
ABSL_FLAG(uint64_t, target_file_size, 2 << 20,
          "Size at which a compaction starts a new table (LevelDB: max_file_size)");
ABSL_FLAG(uint64_t, max_bytes_for_level_base, 10 << 20,
          "Target size of level 1, deeper levels 10x each (lsm, RocksDB; LevelDB's is 10 MiB)");
ABSL_FLAG(uint64_t, block_size, 4096, "Data block size in bytes");
ABSL_FLAG(uint64_t, cache_size, 8 << 20, "Block cache capacity in bytes");
ABSL_FLAG(int32_t, bloom_bits, 10, "Bloom filter bits per key; 0 disables");
ABSL_FLAG(std::string, compression, "snappy", "snappy or none");
ABSL_FLAG(int32_t, max_background_jobs, 2,
          "Background threads (lsm, rocksdb; wiredtiger's LSM workers, at least 3)");
ABSL_FLAG(bool, engine_defaults, false,
          "Each engine with its own default options (only --bloom_bits still applies, where "
          "the engine has bloom filters); the shape flags above are then ignored");
ABSL_FLAG(int32_t, open_files, 1000, "max_open_files");
ABSL_FLAG(std::string, lsm_memtable, "btree",
          "lsm's memtable structure, btree (its default) or skiplist; applies in both modes");
ABSL_FLAG(std::string, lsm_compression, "",
          "lsm's block compression, none, snappy or zstd (any case), in both modes; empty "
          "keeps the mode's (--compression, or lsm's default with --engine_defaults)");

namespace lsm {
namespace bench {
namespace {

constexpr char kRocksDBNote[] =
    "Debian's RocksDB (librocksdb) is built with assertions enabled, so its numbers "
    "understate a release build of RocksDB.";

constexpr char kLmdbNote[] =
    "LMDB is a B+tree with a single writer (writers queue on one lock), updated in place: it "
    "has no memtable, block cache, bloom filter, compression or compaction, so the shared "
    "shape does not apply to it and compact is not supported. Each write is one write "
    "transaction, MDB_NOSYNC unless the write asks for sync (then mdb_env_sync).";

constexpr char kWiredTigerNote[] =
    "WiredTiger's commit durability: its log is enabled with transaction_sync=(enabled=true,"
    "method=none), so a commit returns once its log record is written to the OS, without "
    "fsync (it survives a crash of the process, not of the machine, like a non-sync write of "
    "the other engines); a write that asks for sync (fillsync) also calls "
    "log_flush(sync=on), which fsyncs the log before returning.";

// What a report must say about an engine beyond its description.
const char* EngineNote(std::string_view name) {
  if (name == "rocksdb") return kRocksDBNote;
  if (name == "lmdb") return kLmdbNote;
  if (name == "wiredtiger") return kWiredTigerNote;
  return nullptr;
}

int Fail(const absl::Status& s) {
  std::cerr << "db_bench: " << s << "\n";
  return 1;
}

std::string NowIso8601() {
  const std::time_t now = std::time(nullptr);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return buf;
}

std::vector<std::string> EnginesToRun(const std::string& flag) {
  if (!flag.empty()) {
    return absl::StrSplit(flag, ',', absl::SkipWhitespace());
  }
  std::vector<std::string> names;
  const std::vector<std::string> preferred = {"lsm", "leveldb", "rocksdb", "lmdb", "wiredtiger"};
  for (const std::string& p : preferred) {
    for (const std::string& registered : RegisteredEngines()) {
      if (registered == p) names.push_back(registered);
    }
  }
  for (const std::string& registered : RegisteredEngines()) {
    if (std::find(preferred.begin(), preferred.end(), registered) == preferred.end()) {
      names.push_back(registered);
    }
  }
  return names;
}

nlohmann::json ResultToJson(const WorkloadResult& r) {
  if (!r.unsupported.empty()) {
    return {{"engine", r.engine},       {"workload", r.workload}, {"label", r.label},
            {"threads", r.threads},     {"ops", 0},               {"unsupported", r.unsupported},
            {"extra", nlohmann::json::object()}};
  }
  nlohmann::json extra = nlohmann::json::object();
  for (const auto& [name, value] : r.extra) extra[name] = value;
  return {
      {"engine", r.engine},
      {"workload", r.workload},
      {"label", r.label},
      {"threads", r.threads},
      {"ops", r.ops},
      {"seconds", r.seconds},
      {"micros_per_op", r.micros_per_op()},
      {"ops_per_sec", r.ops_per_sec()},
      {"mb_per_sec", r.mb_per_sec()},
      {"p50", r.latency_ns.Percentile(50) / 1e3},
      {"p99", r.latency_ns.Percentile(99) / 1e3},
      {"p999", r.latency_ns.Percentile(99.9) / 1e3},
      {"max", r.latency_ns.Max() / 1e3},
      {"extra", extra},
  };
}

void PrintHeader(const BenchConfig& config, const std::vector<std::string>& engines,
                 const MachineInfo& machine, const std::string& dir) {
  const double entry = config.key_size + config.value_size;
  const double compressed = config.key_size + config.value_size * config.compression_ratio;
  std::printf("Engines:    %s\n", absl::StrJoin(engines, ", ").c_str());
  std::printf("Keys:       %d bytes each\n", config.key_size);
  std::printf("Values:     %d bytes each (%d bytes after compression)\n", config.value_size,
              static_cast<int>(config.value_size * config.compression_ratio + 0.5));
  std::printf("Entries:    %llu\n", static_cast<unsigned long long>(config.num));
  std::printf("RawSize:    %.1f MB (estimated)\n", entry * config.num / 1048576.0);
  std::printf("FileSize:   %.1f MB (estimated)\n", compressed * config.num / 1048576.0);
  const EngineOptions& o = config.engine_options;
  if (o.engine_defaults) {
    std::printf("Options:    each engine's own defaults; bloom %d bits/key\n",
                o.bloom_bits_per_key);
  } else {
    std::printf(
        "Options:    write buffer %zu KiB, tables %zu KiB, L1 %llu KiB, block %zu B, cache %zu "
        "KiB, bloom %d bits/key, %s, %d background jobs\n",
        o.write_buffer_size >> 10, o.target_file_size >> 10,
        static_cast<unsigned long long>(o.max_bytes_for_level_base >> 10), o.block_size,
        o.block_cache_bytes >> 10, o.bloom_bits_per_key,
        o.compression ? "snappy" : "no compression", o.max_background_jobs);
  }
  std::printf("CPU:        %d * %s (load average %.2f)\n", machine.nproc,
              machine.cpu_model.c_str(), machine.load_average);
  std::printf("Directory:  %s\n", dir.c_str());
  for (const std::string& e : engines) {
    if (e == "rocksdb") std::printf("WARNING:    %s\n", kRocksDBNote);
    if (e == "lmdb" || e == "wiredtiger") std::printf("NOTE:       %s\n", EngineNote(e));
  }
  std::printf("------------------------------------------------\n");
  std::fflush(stdout);
}

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "db_bench-style comparison of lsm, LevelDB, RocksDB, LMDB and WiredTiger.\n"
      "  db_bench --engine=lsm,leveldb,rocksdb,lmdb,wiredtiger --num=200000 --json=out.json");
  absl::ParseCommandLine(argc, argv);

  BenchConfig config;
  absl::StatusOr<std::vector<WorkloadSpec>> workloads =
      ParseBenchmarks(absl::GetFlag(FLAGS_benchmarks));
  if (!workloads.ok()) return Fail(workloads.status());
  config.workloads = *workloads;
  config.num = absl::GetFlag(FLAGS_num);
  config.reads = absl::GetFlag(FLAGS_reads);
  config.sync_num = absl::GetFlag(FLAGS_sync_num);
  config.key_size = absl::GetFlag(FLAGS_key_size);
  config.value_size = absl::GetFlag(FLAGS_value_size);
  config.compression_ratio = absl::GetFlag(FLAGS_compression_ratio);
  config.threads = absl::GetFlag(FLAGS_threads);
  config.batch_size = absl::GetFlag(FLAGS_batch_size);
  config.seed = absl::GetFlag(FLAGS_seed);
  config.use_existing_db = absl::GetFlag(FLAGS_use_existing_db);
  EngineOptions& o = config.engine_options;
  o.write_buffer_size = absl::GetFlag(FLAGS_write_buffer_size);
  o.target_file_size = absl::GetFlag(FLAGS_target_file_size);
  o.max_bytes_for_level_base = absl::GetFlag(FLAGS_max_bytes_for_level_base);
  o.block_size = absl::GetFlag(FLAGS_block_size);
  o.block_cache_bytes = absl::GetFlag(FLAGS_cache_size);
  o.bloom_bits_per_key = absl::GetFlag(FLAGS_bloom_bits);
  o.max_background_jobs = absl::GetFlag(FLAGS_max_background_jobs);
  o.max_open_files = absl::GetFlag(FLAGS_open_files);
  o.engine_defaults = absl::GetFlag(FLAGS_engine_defaults);
  const std::string compression = absl::GetFlag(FLAGS_compression);
  if (compression != "snappy" && compression != "none") {
    return Fail(absl::InvalidArgumentError("--compression must be snappy or none"));
  }
  o.compression = compression == "snappy";
  const std::string lsm_memtable = absl::GetFlag(FLAGS_lsm_memtable);
  if (lsm_memtable != "btree" && lsm_memtable != "skiplist") {
    return Fail(absl::InvalidArgumentError("--lsm_memtable must be btree or skiplist"));
  }
  o.lsm_skiplist_memtable = lsm_memtable == "skiplist";
  o.lsm_compression = absl::GetFlag(FLAGS_lsm_compression);
  if (!o.lsm_compression.empty()) {
    // The adapter parses it again at Open; a bad name fails here, before
    // anything runs.
    absl::StatusOr<Compression> c = tools::ParseCompression(o.lsm_compression);
    if (!c.ok()) {
      return Fail(absl::InvalidArgumentError(
          absl::StrCat("--lsm_compression: ", c.status().message())));
    }
  }
  if (config.key_size < 1 || config.value_size < 0 ||
      static_cast<size_t>(config.value_size) > ValueGenerator::kPoolSize || config.threads < 1 ||
      config.batch_size < 1 || config.compression_ratio <= 0 || config.compression_ratio > 1) {
    return Fail(absl::InvalidArgumentError(
        "need key_size >= 1, 0 <= value_size <= 1 MiB, threads >= 1, batch_size >= 1, "
        "0 < compression_ratio <= 1"));
  }

  // LevelDB clamps max_file_size to [1 MiB, 1 GiB]: outside it the engines
  // would not run with the same shape.
  if (o.target_file_size < (1 << 20) || o.target_file_size > (1 << 30) ||
      o.max_bytes_for_level_base < (1 << 20)) {
    return Fail(absl::InvalidArgumentError(
        "need 1 MiB <= target_file_size <= 1 GiB and max_bytes_for_level_base >= 1 MiB"));
  }

  const std::vector<std::string> engines = EnginesToRun(absl::GetFlag(FLAGS_engine));
  for (const std::string& name : engines) {
    absl::StatusOr<std::unique_ptr<Engine>> engine = NewEngine(name);
    if (!engine.ok()) return Fail(engine.status());
  }
  if (engines.empty()) return Fail(absl::InvalidArgumentError("no engine given"));

  std::string base = absl::GetFlag(FLAGS_db);
  const bool temporary = base.empty();
  if (temporary) {
    if (config.use_existing_db) {
      return Fail(absl::InvalidArgumentError("--use_existing_db needs --db"));
    }
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl = absl::StrCat(tmp != nullptr && *tmp ? tmp : "/tmp", "/db_bench.XXXXXX");
    if (mkdtemp(tmpl.data()) == nullptr) {
      return Fail(absl::InternalError(absl::StrCat("mkdtemp ", tmpl, " failed")));
    }
    base = tmpl;
  }

  const MachineInfo machine = GetMachineInfo();
  PrintHeader(config, engines, machine, base);

  nlohmann::json doc;
  doc["tool"] = "db_bench";
  doc["date"] = NowIso8601();
  doc["machine"] = {{"nproc", machine.nproc},
                    {"cpu_model", machine.cpu_model},
                    {"memory_bytes", machine.memory_bytes},
                    {"kernel", machine.kernel},
                    {"load_average_at_start", machine.load_average}};
  std::vector<std::string> benchmark_names;
  for (const WorkloadSpec& w : config.workloads) {
    benchmark_names.push_back(w.threads > 0 ? absl::StrCat(w.name, ":", w.threads) : w.name);
  }
  doc["config"] = {{"num", config.num},
                   {"reads", config.reads},
                   {"sync_num", config.sync_num},
                   {"key_size", config.key_size},
                   {"value_size", config.value_size},
                   {"compression_ratio", config.compression_ratio},
                   {"threads", config.threads},
                   {"batch_size", config.batch_size},
                   {"seed", config.seed},
                   {"benchmarks", benchmark_names},
                   {"write_buffer_size", o.write_buffer_size},
                   {"target_file_size", o.target_file_size},
                   {"max_bytes_for_level_base", o.max_bytes_for_level_base},
                   {"block_size", o.block_size},
                   {"cache_size", o.block_cache_bytes},
                   {"bloom_bits", o.bloom_bits_per_key},
                   {"compression", compression},
                   {"max_background_jobs", o.max_background_jobs},
                   {"engine_defaults", o.engine_defaults},
                   {"lsm_memtable", lsm_memtable},
                   {"lsm_compression", o.lsm_compression},
                   {"max_open_files", o.max_open_files}};
  doc["notes"] = nlohmann::json::array();
  doc["engines"] = nlohmann::json::array();
  doc["results"] = nlohmann::json::array();

  int rc = 0;
  for (const std::string& name : engines) {
    if (const char* note = EngineNote(name)) doc["notes"].push_back(note);
    absl::StatusOr<std::unique_ptr<Engine>> probe = NewEngine(name);
    std::printf("== %s: %s\n", name.c_str(), (*probe)->Description().c_str());
    std::fflush(stdout);
    absl::StatusOr<EngineRun> run =
        RunEngine(name, config, base + "/" + name, [](const WorkloadResult& r) {
          std::printf("%s\n", FormatResultLine(r).c_str());
          std::fflush(stdout);
        });
    if (!run.ok()) {
      std::cerr << "db_bench: " << name << ": " << run.status() << "\n";
      rc = 1;
      break;
    }
    if (run->skipped_fresh) {
      std::printf("(fresh-DB workloads skipped: --use_existing_db)\n");
    }
    bool parsed_amp = false;
    for (const WorkloadResult& r : run->results) {
      doc["results"].push_back(ResultToJson(r));
      parsed_amp |= r.extra.count("write_amp") > 0 || r.extra.count("read_amp") > 0;
    }
    doc["engines"].push_back({{"name", name},
                              {"description", run->description},
                              {"final_stats", run->final_stats}});
    // For lsm the amplification comes from its stats; when they cannot be
    // parsed, show them raw so nothing is lost.
    if (absl::GetFlag(FLAGS_stats) || (name == "lsm" && !parsed_amp)) {
      std::printf("-- %s stats --\n%s\n", name.c_str(), run->final_stats.c_str());
    }
    std::fflush(stdout);
  }

  const std::string json_path = absl::GetFlag(FLAGS_json);
  if (!json_path.empty()) {
    std::ofstream out(json_path);
    out << doc.dump(2) << "\n";
    out.close();
    if (!out) {
      std::cerr << "db_bench: cannot write " << json_path << "\n";
      rc = 1;
    }
  }
  if (temporary) {
    std::error_code ec;
    std::filesystem::remove_all(base, ec);
  }
  return rc;
}

}  // namespace
}  // namespace bench
}  // namespace lsm

int main(int argc, char** argv) { return lsm::bench::Main(argc, argv); }
