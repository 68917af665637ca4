// lsm-stress: threads of mixed operations against a DB, every read checked
// against an expected state (as RocksDB's db_stress does), with a progress
// line, latency percentiles, and a crash mode whose expected state survives a
// kill -9 so a restarted run can verify every acknowledged write. See kUsage
// and tools/stress_state.h.
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/util/histogram.h"
#include "engine/util/mutex.h"
#include "engine/util/random.h"
#include "lsm/db.h"
#include "lsm/status.h"
#include "tools/stress_state.h"
#include "tools/tool_util.h"

ABSL_FLAG(int, threads, 4,
          "Worker threads. Key k is written only by thread (k / B) % threads, where B = "
          "min(16, keys / threads) keys form one block.");
ABSL_FLAG(double, duration, 0,
          "Seconds to run; 0 is no limit. With neither --duration nor --ops: 10 seconds.");
ABSL_FLAG(uint64_t, ops, 0, "Operations to run in total; 0 is no limit.");
ABSL_FLAG(uint64_t, keys, 100000, "Size of the key space.");
ABSL_FLAG(uint32_t, key_size, 16, "Key length in bytes (decimal key index, zero-padded).");
ABSL_FLAG(uint32_t, value_size, 100, "Value length in bytes (at least 8).");
ABSL_FLAG(int, put_pct, 40, "Percent of operations that are puts.");
ABSL_FLAG(int, get_pct, 35, "Percent of operations that are gets.");
ABSL_FLAG(int, delete_pct, 8, "Percent of operations that are deletes.");
ABSL_FLAG(int, delete_range_pct, 2,
          "Percent of operations that are range deletions (DeleteRange over 1 to 16 "
          "consecutive keys of one block).");
ABSL_FLAG(int, scan_pct, 5, "Percent of operations that are scans (--scan_length entries).");
ABSL_FLAG(int, batch_pct, 10,
          "Percent of operations that are write batches (--batch_size puts and deletes, "
          "and now and then a range deletion).");
ABSL_FLAG(int, scan_length, 20, "Entries read by one scan.");
ABSL_FLAG(int, batch_size, 8, "Updates in one write batch.");
ABSL_FLAG(int, sync_pct, 0, "Percent of writes made with WriteOptions::sync (fdatasync).");
ABSL_FLAG(std::string, db, "",
          "DB directory. Default: DIR/db with --expected_state_dir, else a fresh temporary "
          "directory removed at the end (unless --keep). Without --expected_state_dir the DB "
          "must not exist yet.");
ABSL_FLAG(bool, keep, false, "Keep the temporary DB directory at the end.");
ABSL_FLAG(std::string, expected_state_dir, "",
          "Crash mode: keep the expected state in DIR/expected_state (mmap'ed, survives kill "
          "-9). A later run with the same DIR first verifies the DB, then continues.");
ABSL_FLAG(bool, verify_only, false,
          "With --expected_state_dir: only verify that the DB holds every acknowledged write "
          "(each key is at its acknowledged or its in-flight state), then exit 0 or 1.");
ABSL_FLAG(uint64_t, seed, 0, "Random seed; 0 picks one from the clock (printed).");
ABSL_FLAG(double, report_interval, 5,
          "Seconds between progress lines when stderr is not a terminal; 0 disables them.");
ABSL_FLAG(uint64_t, write_buffer_size, 4 << 20, "Options::write_buffer_size (memtable bytes).");
ABSL_FLAG(uint64_t, target_file_size, 2 << 20, "Options::target_file_size.");
ABSL_FLAG(uint64_t, max_bytes_for_level_base, 8 << 20, "Options::max_bytes_for_level_base.");
ABSL_FLAG(uint64_t, block_size, 4096, "Options::block_size.");
ABSL_FLAG(uint64_t, block_cache_size, 8 << 20, "Options::block_cache_capacity.");
ABSL_FLAG(int, bloom_bits, 10, "Options::bloom_bits_per_key (0: no filters).");
ABSL_FLAG(int, max_background_jobs, 2, "Options::max_background_jobs.");
ABSL_FLAG(std::string, compression, "snappy", "Options::compression: none, snappy or zstd.");
ABSL_FLAG(std::string, memtable, "btree", "Options::memtable_structure: btree or skiplist.");

namespace lsm::tools {
namespace {

constexpr char kUsage[] = R"USAGE(lsm-stress: a verified, multi-threaded load test of an lsm DB.

Usage:
  lsm-stress                         a 10-second demo on a temporary DB, then the report
  lsm-stress --threads 8 --duration 30 --put_pct 50 --get_pct 50 --delete_pct 0 \
             --delete_range_pct 0 --scan_pct 0 --batch_pct 0
  lsm-stress --expected_state_dir S --ops 1000000      (crash mode; kill -9 it any time)
  lsm-stress --expected_state_dir S --verify_only      (after the kill: check the DB)

Every key has one writing thread, so the expected value of every key is exact: a get
must return the latest value its thread wrote; a scan must return well-formed values
in order, and exactly its own thread's keys; at the end every key is checked with
both a get and a full scan. Values encode (key, version) and are recomputed, never
stored. Any mismatch prints the key, what was expected and what was read, keeps the
DB, and exits 1.

Progress goes to stderr (a live line on a terminal); the report to stdout:
throughput and p50/p99/p99.9/max latency per operation type, then lsm.stats.

Crash mode: the expected state lives in a MAP_SHARED mmap of DIR/expected_state with
two slots per key, the acknowledged state and the in-flight one (set before the
write is issued). A kill -9 loses no store to it, so --verify_only accepts, per key,
exactly the acknowledged or the in-flight state. It is not fsynced: surviving a
power loss would need an msync per update (and --sync_pct=100).

Exit status: 0 when everything verified; 1 on a mismatch or a DB error (including a
DB locked by another process); 2 for bad flags.
)USAGE";

enum OpType { kPut, kGet, kDelete, kScan, kBatch, kDeleteRange, kNumOpTypes };
constexpr const char* kOpNames[kNumOpTypes] = {"put",  "get",  "delete",
                                               "scan", "batch", "delete_range"};

// Keys are owned by threads in blocks of consecutive keys, so a range
// deletion inside one block touches only its owner's keys.
uint64_t OwnershipBlock(uint64_t num_keys, int threads) {
  return std::max<uint64_t>(1, std::min<uint64_t>(16, num_keys / threads));
}

struct Config {
  int threads;
  double duration;  // seconds; 0: none
  uint64_t ops;     // 0: none
  int pct[kNumOpTypes];
  int scan_length;
  int batch_size;
  int sync_pct;
  uint64_t seed;
  double report_interval;
};

double NowSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// State shared by the workers and the main thread.
class Shared {
 public:
  Shared(DB* db, ExpectedState* state, const Config& cfg) : db(db), state(state), cfg(cfg) {}

  DB* const db;
  ExpectedState* const state;
  const Config& cfg;
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> ops_claimed{0};
  std::atomic<uint64_t> ops_done{0};
  std::atomic<int> running{0};

  void ReportFailure(const std::string& message) {
    MutexLock l(&mu_);
    ++failure_count_;
    if (failures_.size() < 20) failures_.push_back(message);
    failed_.store(true);
    stop.store(true);
  }
  bool failed() const { return failed_.load(); }
  // REQUIRES: the workers have finished.
  void PrintFailures() {
    MutexLock l(&mu_);
    for (const std::string& f : failures_) std::cerr << "MISMATCH " << f << "\n";
    if (failure_count_ > failures_.size()) {
      std::cerr << "... and " << failure_count_ - failures_.size() << " more\n";
    }
  }

 private:
  Mutex mu_;
  std::vector<std::string> failures_;  // guarded by mu_
  uint64_t failure_count_ = 0;         // guarded by mu_
  std::atomic<bool> failed_{false};
};

struct ThreadStats {
  Histogram latency[kNumOpTypes];  // microseconds
  uint64_t gets_found = 0;
};

class Worker {
 public:
  Worker(Shared* shared, int tid)
      : s_(shared),
        shape_(shared->state->shape()),
        tid_(tid),
        nthreads_(shared->cfg.threads),
        block_(OwnershipBlock(shape_.num_keys, nthreads_)),
        num_blocks_((shape_.num_keys + block_ - 1) / block_),
        own_blocks_((num_blocks_ - tid + nthreads_ - 1) / nthreads_),
        rnd_(shared->cfg.seed * 1000003 + tid) {
    for (uint64_t b = tid; b < num_blocks_; b += nthreads_) {
      own_keys_ += std::min(shape_.num_keys, (b + 1) * block_) - b * block_;
    }
  }

  void Run() {
    const Config& cfg = s_->cfg;
    while (!s_->stop.load(std::memory_order_relaxed)) {
      if (cfg.ops > 0 && s_->ops_claimed.fetch_add(1) >= cfg.ops) break;
      const OpType op = PickOp();
      const double start = NowSeconds();
      switch (op) {
        case kPut: DoWrite(/*del=*/false); break;
        case kDelete: DoWrite(/*del=*/true); break;
        case kGet: DoGet(); break;
        case kScan: DoScan(); break;
        case kBatch: DoBatch(); break;
        case kDeleteRange: DoDeleteRange(); break;
        default: break;
      }
      stats_.latency[op].Add((NowSeconds() - start) * 1e6);
      s_->ops_done.fetch_add(1, std::memory_order_relaxed);
    }
  }

  const ThreadStats& stats() const { return stats_; }

 private:
  OpType PickOp() {
    int r = static_cast<int>(rnd_.Uniform(100));
    for (int op = 0; op < kNumOpTypes; ++op) {
      if (r < s_->cfg.pct[op]) return static_cast<OpType>(op);
      r -= s_->cfg.pct[op];
    }
    return kGet;
  }
  bool Owns(uint64_t k) const { return (k / block_) % nthreads_ == static_cast<uint64_t>(tid_); }
  uint64_t OwnBlock() { return tid_ + nthreads_ * rnd_.Uniform(own_blocks_); }
  // Keys [first, end) of block b (the last block may be short).
  uint64_t BlockEnd(uint64_t b) const { return std::min(shape_.num_keys, (b + 1) * block_); }
  uint64_t OwnKey() {
    const uint64_t b = OwnBlock();
    return b * block_ + rnd_.Uniform(BlockEnd(b) - b * block_);
  }
  // A random run of consecutive own keys [*first, *end) inside one block.
  void OwnRun(uint64_t* first, uint64_t* end) {
    const uint64_t b = OwnBlock();
    const uint64_t lo = b * block_, hi = BlockEnd(b);
    *first = lo + rnd_.Uniform(hi - lo);
    *end = *first + 1 + rnd_.Uniform(hi - *first);
  }
  // The range deletion of keys [first, end): from Key(first) to just after
  // Key(end - 1) (the next key of the space may not fit --key_size).
  std::pair<std::string, std::string> RangeOf(uint64_t first, uint64_t end) const {
    return {Key(first), Key(end - 1) + std::string(1, '\0')};
  }
  WriteOptions WriteOpts() {
    WriteOptions w;
    w.sync = static_cast<int>(rnd_.Uniform(100)) < s_->cfg.sync_pct;
    return w;
  }
  std::string Key(uint64_t k) const { return StressKey(k, shape_.key_size); }

  // Checks a read of key k (found, value) against its expected state.
  bool Check(const char* how, uint64_t k, bool found, std::string_view value) {
    const uint32_t expected = s_->state->acked(k);
    const bool ok = IsLive(expected) ? found && value == StressValue(k, VersionOf(expected),
                                                                     shape_.value_size)
                                     : !found;
    if (!ok) {
      s_->ReportFailure(absl::StrCat(how, " key ", Key(k), ": expected ", DescribeState(expected),
                                     ", got ",
                                     found ? DescribeValue(value, shape_) : "not found"));
    }
    return ok;
  }

  void DoWrite(bool del) {
    const uint64_t k = OwnKey();
    const uint32_t v = s_->state->NextVersion(k);
    const uint32_t next = del ? (v | kDeletedBit) : v;
    s_->state->SetPending(k, next);
    const std::string key = Key(k);
    absl::Status st = del ? s_->db->Delete(WriteOpts(), key)
                          : s_->db->Put(WriteOpts(), key, StressValue(k, v, shape_.value_size));
    if (!st.ok()) {
      s_->ReportFailure(absl::StrCat(del ? "delete" : "put", " key ", key, ": ", st.ToString()));
      return;
    }
    s_->state->SetAcked(k, next);
  }

  void DoGet() {
    const uint64_t k = OwnKey();
    std::string value;
    absl::Status st = s_->db->Get(ReadOptions(), Key(k), &value);
    if (!st.ok() && !absl::IsNotFound(st)) {
      s_->ReportFailure(absl::StrCat("get key ", Key(k), ": ", st.ToString()));
      return;
    }
    if (st.ok()) ++stats_.gets_found;
    Check("get", k, st.ok(), value);
  }

  // Deletes a run of own keys with one range tombstone.
  void DoDeleteRange() {
    uint64_t first, end;
    OwnRun(&first, &end);
    std::vector<uint32_t> next;
    for (uint64_t k = first; k < end; ++k) {
      next.push_back(s_->state->NextVersion(k) | kDeletedBit);
      s_->state->SetPending(k, next.back());
    }
    const auto [from, to] = RangeOf(first, end);
    absl::Status st = s_->db->DeleteRange(WriteOpts(), from, to);
    if (!st.ok()) {
      s_->ReportFailure(absl::StrCat("delete_range ", Key(first), "..", Key(end - 1), ": ",
                                     st.ToString()));
      return;
    }
    for (uint64_t k = first; k < end; ++k) s_->state->SetAcked(k, next[k - first]);
  }

  void DoBatch() {
    const int n = static_cast<int>(std::min<uint64_t>(s_->cfg.batch_size, own_keys_));
    std::vector<uint64_t> keys;
    while (static_cast<int>(keys.size()) < n) {
      const uint64_t k = OwnKey();
      if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
    }
    WriteBatch batch;
    // One batch in four starts with a range deletion; the puts and deletes
    // after it win over it for their keys.
    std::vector<uint64_t> ranged;
    std::vector<uint32_t> ranged_next;
    if (rnd_.OneIn(4)) {
      uint64_t first, end;
      OwnRun(&first, &end);
      for (uint64_t k = first; k < end; ++k) {
        if (std::find(keys.begin(), keys.end(), k) != keys.end()) continue;
        ranged.push_back(k);
        ranged_next.push_back(s_->state->NextVersion(k) | kDeletedBit);
        s_->state->SetPending(k, ranged_next.back());
      }
      const auto [from, to] = RangeOf(first, end);
      batch.DeleteRange(from, to);
    }
    std::vector<uint32_t> next(keys.size());
    for (size_t i = 0; i < keys.size(); ++i) {
      const uint32_t v = s_->state->NextVersion(keys[i]);
      const bool del = rnd_.OneIn(4);
      next[i] = del ? (v | kDeletedBit) : v;
      s_->state->SetPending(keys[i], next[i]);
      if (del) {
        batch.Delete(Key(keys[i]));
      } else {
        batch.Put(Key(keys[i]), StressValue(keys[i], v, shape_.value_size));
      }
    }
    absl::Status st = s_->db->Write(WriteOpts(), &batch);
    if (!st.ok()) {
      s_->ReportFailure(absl::StrCat("batch of ", keys.size(), ": ", st.ToString()));
      return;
    }
    for (size_t i = 0; i < keys.size(); ++i) s_->state->SetAcked(keys[i], next[i]);
    for (size_t i = 0; i < ranged.size(); ++i) s_->state->SetAcked(ranged[i], ranged_next[i]);
  }

  // Reads up to scan_length entries from a random key. Every entry must be a
  // well-formed value of its key, in order; this thread's keys (which nobody
  // else changes) must be exactly as expected, the absent ones included.
  void DoScan() {
    const uint64_t start = rnd_.Uniform(shape_.num_keys);
    std::unique_ptr<Iterator> it = s_->db->NewIterator(ReadOptions());
    it->Seek(Key(start));
    std::vector<uint64_t> seen;
    bool reached_end = true;
    for (int n = 0; it->Valid(); it->Next(), ++n) {
      if (n == s_->cfg.scan_length) {
        reached_end = false;
        break;
      }
      uint64_t k;
      if (!ParseStressKey(it->key(), shape_, &k)) {
        s_->ReportFailure(absl::StrCat("scan from ", Key(start), " returned key '",
                                       EscapeBytes(it->key()), "' outside the key space"));
        return;
      }
      if (k < start || (!seen.empty() && k <= seen.back())) {
        s_->ReportFailure(absl::StrCat("scan from ", Key(start), " returned ", Key(k),
                                       " out of order"));
        return;
      }
      seen.push_back(k);
      const std::string_view value = it->value();
      if (Owns(k)) {
        if (!Check("scan", k, true, value)) return;
      } else if (value.size() < 8 ||
                 value != StressValue(k, DecodeFixed32(value.data()), shape_.value_size)) {
        s_->ReportFailure(absl::StrCat("scan key ", Key(k), ": malformed value (",
                                       DescribeValue(value, shape_), ")"));
        return;
      }
    }
    if (!it->status().ok()) {
      s_->ReportFailure(absl::StrCat("scan from ", Key(start), ": ", it->status().ToString()));
      return;
    }
    // Own keys in the covered range that the scan skipped must be absent.
    const uint64_t end = reached_end ? shape_.num_keys : seen.back() + 1;
    size_t i = 0;
    for (uint64_t k = start; k < end; ++k) {
      if (!Owns(k)) continue;
      while (i < seen.size() && seen[i] < k) ++i;
      if (i < seen.size() && seen[i] == k) continue;
      if (!Check("scan", k, false, "")) return;
    }
  }

  static uint32_t DecodeFixed32(const char* p) {
    return static_cast<uint32_t>(static_cast<unsigned char>(p[0])) |
           (static_cast<uint32_t>(static_cast<unsigned char>(p[1])) << 8) |
           (static_cast<uint32_t>(static_cast<unsigned char>(p[2])) << 16) |
           (static_cast<uint32_t>(static_cast<unsigned char>(p[3])) << 24);
  }

  Shared* const s_;
  const StressShape shape_;
  const int tid_;
  const int nthreads_;
  const uint64_t block_;       // keys per ownership block
  const uint64_t num_blocks_;
  const uint64_t own_blocks_;  // blocks tid_, tid_ + nthreads_, ...
  uint64_t own_keys_ = 0;
  Random rnd_;
  ThreadStats stats_;
};

// ---------------------------------------------------------------------------
// Whole-DB verification

struct VerifyResult {
  uint64_t keys = 0;
  uint64_t live = 0;
  uint64_t in_flight_landed = 0;  // keys found at their in-flight state
  uint64_t mismatches = 0;
  std::vector<std::string> reports;  // the first few
};

// Checks every key with a full scan and with a Get: each must find the
// acknowledged state or (when a write was in flight) the pending one, and both
// must agree. With reconcile, both slots are set to the state found, so a
// resumed run continues from it.
VerifyResult VerifyAll(DB* db, ExpectedState* state, bool reconcile) {
  const StressShape shape = state->shape();
  VerifyResult r;
  r.keys = shape.num_keys;
  auto mismatch = [&](std::string m) {
    ++r.mismatches;
    if (r.reports.size() < 20) r.reports.push_back(std::move(m));
  };
  auto matches = [&](uint64_t k, uint32_t s, bool found, std::string_view value) {
    return IsLive(s) ? found && value == StressValue(k, VersionOf(s), shape.value_size) : !found;
  };
  auto expectation = [&](uint64_t k) {
    const uint32_t a = state->acked(k), p = state->pending(k);
    if (a == p) return DescribeState(a);
    return absl::StrCat(DescribeState(a), " (acknowledged) or ", DescribeState(p),
                        " (in flight)");
  };
  // Which slot key k's read matched: 0 acked, 1 pending, -1 neither.
  auto classify = [&](uint64_t k, bool found, std::string_view value) {
    if (matches(k, state->acked(k), found, value)) return 0;
    if (matches(k, state->pending(k), found, value)) return 1;
    return -1;
  };

  std::vector<int8_t> via_scan(shape.num_keys, -1);
  std::unique_ptr<Iterator> it = db->NewIterator(ReadOptions());
  uint64_t next = 0;  // keys below it are done
  auto absent_until = [&](uint64_t limit) {
    for (; next < limit; ++next) {
      via_scan[next] = static_cast<int8_t>(classify(next, false, ""));
      if (via_scan[next] < 0) {
        mismatch(absl::StrCat("key ", StressKey(next, shape.key_size), ": expected ",
                              expectation(next), ", the scan did not find it"));
      }
    }
  };
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    uint64_t k;
    if (!ParseStressKey(it->key(), shape, &k) || k < next) {
      mismatch(absl::StrCat("the scan found key '", EscapeBytes(it->key()),
                            "', which lsm-stress never wrote (or out of order)"));
      continue;
    }
    absent_until(k);
    via_scan[k] = static_cast<int8_t>(classify(k, true, it->value()));
    if (via_scan[k] < 0) {
      mismatch(absl::StrCat("key ", StressKey(k, shape.key_size), ": expected ", expectation(k),
                            ", the scan found ", DescribeValue(it->value(), shape)));
    }
    next = k + 1;
  }
  if (!it->status().ok()) {
    mismatch(absl::StrCat("full scan failed: ", it->status().ToString()));
  } else {
    absent_until(shape.num_keys);
  }
  it.reset();

  for (uint64_t k = 0; k < shape.num_keys; ++k) {
    std::string value;
    const std::string key = StressKey(k, shape.key_size);
    absl::Status st = db->Get(ReadOptions(), key, &value);
    if (!st.ok() && !absl::IsNotFound(st)) {
      mismatch(absl::StrCat("get key ", key, ": ", st.ToString()));
      continue;
    }
    const int c = classify(k, st.ok(), value);
    if (c < 0) {
      mismatch(absl::StrCat("key ", key, ": expected ", expectation(k), ", get found ",
                            st.ok() ? DescribeValue(value, shape) : "nothing"));
      continue;
    }
    if (via_scan[k] >= 0 && via_scan[k] != c) {
      mismatch(absl::StrCat("key ", key, ": get and scan disagree"));
      continue;
    }
    if (st.ok()) ++r.live;
    if (c == 1 && state->acked(k) != state->pending(k)) ++r.in_flight_landed;
    if (reconcile) {
      const uint32_t found = c == 0 ? state->acked(k) : state->pending(k);
      state->SetAcked(k, found);
      state->SetPending(k, found);
    }
  }
  return r;
}

std::string Thousands(uint64_t n) {
  const std::string digits = absl::StrCat(n);
  std::string r;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) r += ',';
    r += digits[i];
  }
  return r;
}

// Prints the verification result; true when it passed.
bool PrintVerify(const char* what, const VerifyResult& r) {
  for (const std::string& m : r.reports) std::cerr << "MISMATCH " << m << "\n";
  if (r.mismatches > r.reports.size()) {
    std::cerr << "... and " << r.mismatches - r.reports.size() << " more\n";
  }
  std::cout << what << ": verified " << Thousands(r.keys) << " keys (" << Thousands(r.live)
            << " present";
  if (r.in_flight_landed > 0) {
    std::cout << ", " << Thousands(r.in_flight_landed) << " at their in-flight write";
  }
  std::cout << "): ";
  if (r.mismatches == 0) {
    std::cout << "OK\n";
  } else {
    std::cout << r.mismatches << " MISMATCHES\n";
  }
  std::cout.flush();
  return r.mismatches == 0;
}

// ---------------------------------------------------------------------------
// Flags, setup, report

int IntFlagIn(const char* name, int value, int lo, int hi) {
  if (value < lo || value > hi) {
    Fail(kExitUsage, absl::StrFormat("--%s must be in [%d, %d], not %d", name, lo, hi, value));
  }
  return value;
}

std::string Seconds(double s) {
  if (s < 60) return absl::StrFormat("%.1fs", s);
  return absl::StrFormat("%dm%02ds", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
}

// Runs the workers, printing progress, until the limits are reached or a
// check fails. Returns the elapsed seconds.
double RunWorkload(Shared* shared, std::vector<std::unique_ptr<Worker>>* workers) {
  const Config& cfg = shared->cfg;
  const bool tty = isatty(STDERR_FILENO);
  const double start = NowSeconds();
  std::vector<std::thread> threads;
  shared->running.store(cfg.threads);
  for (int t = 0; t < cfg.threads; ++t) {
    workers->push_back(std::make_unique<Worker>(shared, t));
    threads.emplace_back([shared, w = (*workers)[t].get()] {
      w->Run();
      shared->running.fetch_sub(1);
    });
  }
  double last_report = start;
  while (shared->running.load() > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const double now = NowSeconds();
    const double elapsed = now - start;
    if (cfg.duration > 0 && elapsed >= cfg.duration) shared->stop.store(true);
    const double interval = tty ? 0.25 : cfg.report_interval;
    if (interval <= 0 || now - last_report < interval) continue;
    last_report = now;
    const uint64_t done = shared->ops_done.load();
    const double rate = elapsed > 0 ? done / elapsed : 0;
    double eta = 0;
    if (cfg.duration > 0) eta = std::max(0.0, cfg.duration - elapsed);
    if (cfg.ops > 0 && rate > 0) {
      const double by_ops = (cfg.ops > done ? cfg.ops - done : 0) / rate;
      eta = cfg.duration > 0 ? std::min(eta, by_ops) : by_ops;
    }
    const std::string line =
        absl::StrFormat("%s ops  %s ops/s  elapsed %s  ETA %s", Thousands(done),
                        Thousands(static_cast<uint64_t>(rate)), Seconds(elapsed), Seconds(eta));
    if (tty) {
      std::fprintf(stderr, "\r\033[K%s", line.c_str());
    } else {
      std::fprintf(stderr, "progress: %s\n", line.c_str());
    }
    std::fflush(stderr);
  }
  for (std::thread& t : threads) t.join();
  if (tty) std::fprintf(stderr, "\r\033[K");
  return NowSeconds() - start;
}

void PrintReport(const Config& cfg, const std::vector<std::unique_ptr<Worker>>& workers,
                 double elapsed) {
  ThreadStats total;
  for (const auto& w : workers) {
    for (int op = 0; op < kNumOpTypes; ++op) total.latency[op].Merge(w->stats().latency[op]);
    total.gets_found += w->stats().gets_found;
  }
  uint64_t ops = 0;
  for (int op = 0; op < kNumOpTypes; ++op) ops += total.latency[op].Count();
  std::cout << absl::StrFormat("\n%s ops in %.1f s: %s ops/s\n\n", Thousands(ops), elapsed,
                               Thousands(static_cast<uint64_t>(ops / std::max(elapsed, 1e-9))));
  std::cout << absl::StrFormat("%-7s %10s %10s %9s %9s %9s %10s %10s\n", "op", "count", "ops/s",
                               "avg(us)", "p50(us)", "p99(us)", "p99.9(us)", "max(us)");
  for (int op = 0; op < kNumOpTypes; ++op) {
    const Histogram& h = total.latency[op];
    if (h.Count() == 0) continue;
    std::cout << absl::StrFormat("%-7s %10s %10s %9.1f %9.1f %9.1f %10.1f %10.1f\n", kOpNames[op],
                                 Thousands(h.Count()),
                                 Thousands(static_cast<uint64_t>(h.Count() / elapsed)),
                                 h.Average(), h.Percentile(50), h.Percentile(99),
                                 h.Percentile(99.9), h.Max());
  }
  if (total.latency[kGet].Count() > 0) {
    std::cout << absl::StrFormat("gets that found their key: %.1f%%\n",
                                 100.0 * total.gets_found / total.latency[kGet].Count());
  }
}

int Main(int argc, char** argv) {
  const std::vector<std::string> args = ParseFlagsOrExit(argc, argv, kUsage);
  if (!args.empty()) Fail(kExitUsage, absl::StrCat("unexpected argument '", args[0], "'"));

  Config cfg;
  cfg.threads = IntFlagIn("threads", absl::GetFlag(FLAGS_threads), 1, 1024);
  cfg.duration = absl::GetFlag(FLAGS_duration);
  cfg.ops = absl::GetFlag(FLAGS_ops);
  if (cfg.duration < 0) Fail(kExitUsage, "--duration must not be negative");
  if (cfg.duration == 0 && cfg.ops == 0) cfg.duration = 10;
  cfg.pct[kPut] = IntFlagIn("put_pct", absl::GetFlag(FLAGS_put_pct), 0, 100);
  cfg.pct[kGet] = IntFlagIn("get_pct", absl::GetFlag(FLAGS_get_pct), 0, 100);
  cfg.pct[kDelete] = IntFlagIn("delete_pct", absl::GetFlag(FLAGS_delete_pct), 0, 100);
  cfg.pct[kScan] = IntFlagIn("scan_pct", absl::GetFlag(FLAGS_scan_pct), 0, 100);
  cfg.pct[kBatch] = IntFlagIn("batch_pct", absl::GetFlag(FLAGS_batch_pct), 0, 100);
  cfg.pct[kDeleteRange] =
      IntFlagIn("delete_range_pct", absl::GetFlag(FLAGS_delete_range_pct), 0, 100);
  int sum = 0;
  for (int p : cfg.pct) sum += p;
  if (sum != 100) {
    Fail(kExitUsage, absl::StrCat("--put_pct, --get_pct, --delete_pct, --delete_range_pct, "
                                  "--scan_pct and --batch_pct must add up to 100, not ",
                                  sum));
  }
  cfg.scan_length = IntFlagIn("scan_length", absl::GetFlag(FLAGS_scan_length), 1, 1 << 20);
  cfg.batch_size = IntFlagIn("batch_size", absl::GetFlag(FLAGS_batch_size), 1, 1 << 16);
  cfg.sync_pct = IntFlagIn("sync_pct", absl::GetFlag(FLAGS_sync_pct), 0, 100);
  cfg.seed = absl::GetFlag(FLAGS_seed);
  if (cfg.seed == 0) cfg.seed = std::chrono::system_clock::now().time_since_epoch().count();
  cfg.report_interval = absl::GetFlag(FLAGS_report_interval);

  StressShape shape;
  shape.num_keys = absl::GetFlag(FLAGS_keys);
  shape.key_size = absl::GetFlag(FLAGS_key_size);
  shape.value_size = absl::GetFlag(FLAGS_value_size);
  if (shape.num_keys < static_cast<uint64_t>(cfg.threads) || shape.num_keys > (1ull << 32)) {
    Fail(kExitUsage, "--keys must be at least --threads and at most 2^32");
  }
  if (shape.key_size < MinKeySize(shape.num_keys) || shape.key_size > kMaxKeySize) {
    Fail(kExitUsage, absl::StrCat("--key_size must be in [", MinKeySize(shape.num_keys), ", ",
                                  kMaxKeySize, "] for ", shape.num_keys, " keys"));
  }
  if (shape.value_size < 8 || shape.value_size > (64u << 20)) {
    Fail(kExitUsage, "--value_size must be in [8, 64 MiB]");
  }

  Options options;
  auto compression = ParseCompression(absl::GetFlag(FLAGS_compression));
  if (!compression.ok()) Fail(kExitUsage, StatusLine(compression.status()));
  options.compression = *compression;
  const std::string memtable = absl::GetFlag(FLAGS_memtable);
  if (memtable != "btree" && memtable != "skiplist") {
    Fail(kExitUsage, "--memtable must be btree or skiplist");
  }
  options.memtable_structure =
      memtable == "btree" ? MemTableStructure::kBTree : MemTableStructure::kSkipList;
  options.write_buffer_size = absl::GetFlag(FLAGS_write_buffer_size);
  options.target_file_size = absl::GetFlag(FLAGS_target_file_size);
  options.max_bytes_for_level_base = absl::GetFlag(FLAGS_max_bytes_for_level_base);
  options.block_size = absl::GetFlag(FLAGS_block_size);
  options.block_cache_capacity = absl::GetFlag(FLAGS_block_cache_size);
  options.bloom_bits_per_key = IntFlagIn("bloom_bits", absl::GetFlag(FLAGS_bloom_bits), 0, 64);
  options.max_background_jobs =
      IntFlagIn("max_background_jobs", absl::GetFlag(FLAGS_max_background_jobs), 1, 64);
  if (options.write_buffer_size < (16 << 10) || options.target_file_size < (16 << 10) ||
      options.block_size < 256) {
    Fail(kExitUsage, "--write_buffer_size and --target_file_size must be at least 16 KiB, "
                     "--block_size at least 256");
  }

  const std::string state_dir = absl::GetFlag(FLAGS_expected_state_dir);
  const bool verify_only = absl::GetFlag(FLAGS_verify_only);
  if (verify_only && state_dir.empty()) {
    Fail(kExitUsage, "--verify_only needs --expected_state_dir");
  }

  // The expected state.
  std::unique_ptr<ExpectedState> state;
  bool resumed = false;
  if (!state_dir.empty()) {
    bool created = false;
    auto s = ExpectedState::Open(state_dir, shape, /*create=*/!verify_only, &created);
    if (!s.ok()) {
      Fail(absl::IsInvalidArgument(s.status()) ? kExitUsage : kExitError,
           StatusLine(s.status()));
    }
    state = std::move(*s);
    resumed = !created;
    const StressShape& f = state->shape();
    auto set_to_other = [](const char* name, uint64_t file_value) {
      const absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
      return flag->CurrentValue() != flag->DefaultValue() &&
             flag->CurrentValue() != absl::StrCat(file_value);
    };
    if (resumed && (set_to_other("keys", f.num_keys) || set_to_other("key_size", f.key_size) ||
                    set_to_other("value_size", f.value_size))) {
      std::cerr << "note: using the key space of " << state->path() << ": " << f.num_keys
                << " keys of " << f.key_size << " bytes, values of " << f.value_size
                << " bytes\n";
    }
    shape = f;
    if (shape.num_keys < static_cast<uint64_t>(cfg.threads)) {
      Fail(kExitUsage, "--threads exceeds the key space of the expected state");
    }
  } else {
    auto s = ExpectedState::CreateInMemory(shape);
    if (!s.ok()) Fail(kExitError, StatusLine(s.status()));
    state = std::move(*s);
  }

  // The DB directory.
  std::string db_path = absl::GetFlag(FLAGS_db);
  bool temporary = false;
  if (db_path.empty()) {
    if (!state_dir.empty()) {
      db_path = state_dir + "/db";
    } else {
      const char* tmp = std::getenv("TEST_TMPDIR");
      if (tmp == nullptr || *tmp == '\0') tmp = std::getenv("TMPDIR");
      std::string templ = absl::StrCat(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp",
                                       "/lsm-stress-XXXXXX");
      if (mkdtemp(templ.data()) == nullptr) {
        Fail(kExitError, absl::StrCat("cannot create a temporary directory ", templ));
      }
      db_path = templ;
      temporary = true;
    }
  }
  options.create_if_missing = !verify_only;
  // A fresh expected state needs a fresh DB: old keys would fail verification.
  options.error_if_exists = !resumed && !verify_only;
  auto opened = DB::Open(options, db_path);
  if (!opened.ok()) {
    std::string hint;
    if (options.error_if_exists && absl::IsFailedPrecondition(opened.status()) &&
        std::filesystem::exists(db_path + "/CURRENT")) {
      hint = " (lsm-stress needs a fresh DB unless it resumes an --expected_state_dir)";
    }
    Fail(kExitError, absl::StrCat("cannot open DB: ", StatusLine(opened.status()), hint));
  }
  std::unique_ptr<DB> db = std::move(*opened);

  auto cleanup = [&](bool keep) {
    db.reset();
    if (!temporary) return;
    if (keep) {
      std::cerr << "DB kept at " << db_path << "\n";
      return;
    }
    DestroyDB(db_path, Options()).IgnoreError();
    std::error_code ec;
    std::filesystem::remove_all(db_path, ec);
  };

  if (verify_only || resumed) {
    const VerifyResult r = VerifyAll(db.get(), state.get(), /*reconcile=*/!verify_only);
    const bool ok = PrintVerify(verify_only ? "verify" : "resume", r);
    if (verify_only || !ok) {
      cleanup(true);
      return ok ? kExitOk : kExitError;
    }
  }

  std::cout << absl::StrFormat(
      "lsm-stress: %d threads, %s, seed %d\n"
      "  key space %s keys of %d bytes, values of %d bytes\n"
      "  mix put %d%% get %d%% delete %d%% scan %d%% (x%d) batch %d%% (x%d), sync %d%%\n"
      "  DB %s%s\n"
      "  write_buffer_size %s (%s memtables), target_file_size %s, L1 %s, compression %s\n",
      cfg.threads,
      cfg.ops > 0 ? absl::StrCat(Thousands(cfg.ops), " ops") : absl::StrCat(cfg.duration, " s"),
      cfg.seed, Thousands(shape.num_keys), shape.key_size, shape.value_size, cfg.pct[kPut],
      cfg.pct[kGet], cfg.pct[kDelete], cfg.pct[kScan], cfg.scan_length, cfg.pct[kBatch],
      cfg.batch_size, cfg.sync_pct, db_path,
      temporary ? (absl::GetFlag(FLAGS_keep) ? " (temporary, kept)" : " (temporary)") : "",
      HumanBytes(options.write_buffer_size), memtable, HumanBytes(options.target_file_size),
      HumanBytes(options.max_bytes_for_level_base), CompressionName(options.compression));
  if (state_dir.empty()) {
    std::cout << "  expected state in memory\n";
  } else {
    std::cout << "  expected state " << state->path() << (resumed ? " (resumed)" : "") << "\n";
  }
  std::cout.flush();

  Shared shared(db.get(), state.get(), cfg);
  std::vector<std::unique_ptr<Worker>> workers;
  const double elapsed = RunWorkload(&shared, &workers);
  if (shared.failed()) {
    shared.PrintFailures();
    std::cout << "FAILED: a read did not match the expected state (seed " << cfg.seed << ")\n";
    cleanup(true);
    return kExitError;
  }
  PrintReport(cfg, workers, elapsed);

  const double verify_start = NowSeconds();
  const VerifyResult r = VerifyAll(db.get(), state.get(), /*reconcile=*/false);
  std::cout << "\n";
  const bool ok = PrintVerify(
      absl::StrFormat("final check (%.1f s)", NowSeconds() - verify_start).c_str(), r);
  if (std::optional<std::string> stats = db->GetProperty("lsm.stats")) {
    std::cout << "\nlsm.stats:\n" << *stats;
    if (stats->empty() || stats->back() != '\n') std::cout << "\n";
  }
  std::cout.flush();
  cleanup(!ok || absl::GetFlag(FLAGS_keep));
  return ok ? kExitOk : kExitError;
}

}  // namespace
}  // namespace lsm::tools

int main(int argc, char** argv) { return lsm::tools::Main(argc, argv); }
