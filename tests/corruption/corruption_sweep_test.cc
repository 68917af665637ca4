// Corruption sweep: builds a small real DB (several SSTs over two levels, a
// MANIFEST with many edits, a WAL holding unflushed batches), then, for each
// of its files and many offsets, damages one copy of it — flips a byte, zeroes
// a range, or truncates the file — and opens it in each recovery mode. The DB
// must either report DataLoss (at Open or at the read that touches the damage)
// or return only correct data:
//
//   SST, CURRENT, MANIFEST (flip, zero)  exactly the acknowledged state.
//   MANIFEST truncated                    a value that was written for the key
//                                         (an edit cut at a record boundary is
//                                         undetectable); exact loss is counted.
//   WAL, kAbsoluteConsistency            exactly the state, or a prefix of the
//                                         history when the cut is clean.
//   WAL, kTolerateCorruptedTailRecords,   a prefix of the history that keeps
//        kPointInTime                     every flushed batch.
//   WAL, kSkipAnyCorruptedRecords        per key, the flushed value or one the
//                                         WAL wrote: damaged records may vanish,
//                                         nothing else may change.
//
// Never a crash (the test also runs under ASan/UBSan), never garbage.
// $LSM_TEST_SEED picks the seed; $LSM_SWEEP_SCALE (default 1) multiplies the
// number of offsets tried per file.
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "engine/db/db_impl.h"
#include "engine/db/filename.h"
#include "engine/env/mem_env.h"
#include "engine/util/random.h"
#include "engine/wal/log_reader.h"
#include "gtest/gtest.h"
#include "lsm/db.h"
#include "tests/util/history.h"

namespace lsm {
namespace {

using testing::Batch;
using testing::History;
using testing::State;
using testing::Update;

constexpr char kDbName[] = "/db";

uint64_t Seed() {
  const char* s = std::getenv("LSM_TEST_SEED");
  return s ? std::strtoull(s, nullptr, 10) : 20240611;
}

double Scale() {
  const char* s = std::getenv("LSM_SWEEP_SCALE");
  return s ? std::max(0.01, std::atof(s)) : 1.0;
}

// Failures reported before a sweep gives up ($LSM_SWEEP_MAX_FAILURES).
int MaxFailures() {
  const char* s = std::getenv("LSM_SWEEP_MAX_FAILURES");
  return s ? std::atoi(s) : 10;
}

// The engine raises sizes below its minimums (64 KiB memtables and files),
// so the fixture makes its tables with explicit flushes.
Options BaseOptions(Env* env) {
  Options o;
  o.env = env;
  o.block_size = 1024;
  o.block_restart_interval = 4;
  o.block_cache_capacity = 64 << 10;
  // No automatic compaction: the explicit one makes L1, later flushes stay
  // in L0, so there are tables on two levels and many MANIFEST edits.
  o.level0_compaction_trigger = 100;
  o.level0_slowdown_writes_trigger = 100;
  o.level0_stop_writes_trigger = 101;
  o.compression = Compression::kSnappy;
  return o;
}

// The files of a DB directory (LOCK excluded): name -> contents.
using Files = std::map<std::string, std::string>;

Files ReadFiles(Env* env) {
  Files files;
  auto children = env->GetChildren(kDbName);
  EXPECT_TRUE(children.ok()) << children.status();
  if (!children.ok()) return files;
  for (const std::string& name : *children) {
    uint64_t number;
    FileType type;
    if (!ParseFileName(name, &number, &type) || type == FileType::kLock ||
        type == FileType::kInfoLog) {
      continue;
    }
    std::string data;
    EXPECT_TRUE(ReadFileToString(env, std::string(kDbName) + "/" + name, &data).ok());
    files[name] = data;
  }
  return files;
}

// The pristine DB every trial starts from, built once.
struct Fixture {
  Files files;
  History history;
  size_t flushed = 0;  // batches [0, flushed) are in SSTs, the rest in the WAL
  std::vector<std::string> probe_keys;  // every key written, plus absent ones
};

std::string MakeKey(Random* rnd) {
  std::string k = "key" + std::to_string(1000 + rnd->Uniform(300));
  if (rnd->OneIn(10)) k += std::string("\0bin", 4);  // embedded zero
  return k;
}

std::string MakeValue(Random* rnd, int version) {
  std::string v = "v" + std::to_string(version) + ":";
  const size_t pad = rnd->Uniform(90);
  // Half compressible, half random bytes.
  v += rnd->OneIn(2) ? std::string(pad, static_cast<char>('a' + version % 26)) : rnd->Bytes(pad);
  return v;
}

Batch RandomBatch(Random* rnd, int* version) {
  Batch b;
  const int n = rnd->OneIn(4) ? 1 + static_cast<int>(rnd->Uniform(6)) : 1;
  for (int i = 0; i < n; ++i) {
    Update u;
    u.key = MakeKey(rnd);
    if (!rnd->OneIn(6)) u.value = MakeValue(rnd, ++*version);
    b.push_back(std::move(u));
  }
  return b;
}

void ApplyToDb(DB* db, const Batch& b) {
  WriteBatch wb = testing::ToWriteBatch(b);
  ASSERT_TRUE(db->Write(WriteOptions(), &wb).ok());
}

std::unique_ptr<Fixture> BuildFixture(uint64_t seed) {
  auto fx = std::make_unique<Fixture>();
  Random rnd(seed);
  std::unique_ptr<Env> env = NewMemEnv(Env::Default());
  Options o = BaseOptions(env.get());
  auto db = DB::Open(o, kDbName);
  EXPECT_TRUE(db.ok()) << db.status();
  if (!db.ok()) return nullptr;
  int version = 0;
  // Phase 1: flushes every 100 batches, a compaction into L1 at 300, so the
  // MANIFEST has many edits.
  for (int i = 0; i < 700; ++i) {
    Batch b = RandomBatch(&rnd, &version);
    ApplyToDb(db->get(), b);
    fx->history.Add(std::move(b));
    if (i == 300) {
      EXPECT_TRUE((*db)->CompactRange(nullptr, nullptr).ok());
    } else if (i % 100 == 99) {
      EXPECT_TRUE((*db)->Flush().ok());
    }
  }
  EXPECT_TRUE((*db)->Flush().ok());
  EXPECT_TRUE(static_cast<DBImpl*>(db->get())->TEST_WaitForBackgroundWork().ok());
  fx->flushed = fx->history.size();
  // Phase 2: a WAL tail well under write_buffer_size, so it stays unflushed.
  for (int i = 0; i < 40; ++i) {
    Batch b = RandomBatch(&rnd, &version);
    ApplyToDb(db->get(), b);
    fx->history.Add(std::move(b));
  }
  db->reset();
  fx->files = ReadFiles(env.get());
  for (const std::string& k : fx->history.keys()) fx->probe_keys.push_back(k);
  fx->probe_keys.push_back("absent");
  fx->probe_keys.push_back("key0999");
  fx->probe_keys.push_back("");
  return fx;
}

enum class Damage { kFlip, kZero, kTruncate };
const char* DamageName(Damage d) {
  switch (d) {
    case Damage::kFlip: return "flip";
    case Damage::kZero: return "zero";
    case Damage::kTruncate: return "truncate";
  }
  return "?";
}

struct Mode {
  const char* name;
  WalRecoveryMode wal;
  bool paranoid;
};
const Mode kAllModes[] = {
    {"tolerate-tail", WalRecoveryMode::kTolerateCorruptedTailRecords, false},
    {"absolute", WalRecoveryMode::kAbsoluteConsistency, false},
    {"point-in-time", WalRecoveryMode::kPointInTime, false},
    {"skip-any", WalRecoveryMode::kSkipAnyCorruptedRecords, false},
    {"paranoid", WalRecoveryMode::kTolerateCorruptedTailRecords, true},
};

// Outcome counters for one (file type, damage, mode) cell of the report.
struct Counts {
  int tried = 0;
  int unchanged = 0;          // the damage left the bytes as they were
  int dataloss_at_open = 0;
  int dataloss_at_read = 0;
  int ok_exact = 0;           // opened, every read exact
  int ok_prefix = 0;          // opened, an older prefix of the history
  int ok_rolled_back = 0;     // opened, historical values but not a prefix
};

class CorruptionSweepTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    seed_ = Seed();
    std::printf("corruption sweep: seed=%llu scale=%.2f\n",
                static_cast<unsigned long long>(seed_), Scale());
    fixture_ = BuildFixture(seed_).release();
  }
  static void TearDownTestSuite() {
    delete fixture_;
    fixture_ = nullptr;
  }

  void SetUp() override { ASSERT_NE(fixture_, nullptr); }

  // Damages `name` in a fresh copy of the DB, opens it in mode and checks
  // every read. Returns false after a reported failure.
  bool Trial(const std::string& name, FileType type, Damage damage, size_t offset,
             size_t zero_len, uint8_t flip_mask, const Mode& mode, Counts* counts) {
    const Fixture& fx = *fixture_;
    std::unique_ptr<Env> env = NewMemEnv(Env::Default());
    EXPECT_TRUE(env->CreateDir(kDbName).ok());
    std::string damaged = fx.files.at(name);
    switch (damage) {
      case Damage::kFlip:
        damaged[offset] = static_cast<char>(damaged[offset] ^ flip_mask);
        break;
      case Damage::kZero:
        for (size_t i = offset; i < offset + zero_len && i < damaged.size(); ++i) damaged[i] = 0;
        break;
      case Damage::kTruncate:
        damaged.resize(offset);
        break;
    }
    ++counts->tried;
    const bool unchanged = damaged == fx.files.at(name);
    if (unchanged) ++counts->unchanged;
    for (const auto& [n, data] : fx.files) {
      EXPECT_TRUE(WriteStringToFile(env.get(), n == name ? damaged : data,
                                    std::string(kDbName) + "/" + n, false)
                      .ok());
    }
    const std::string where = name + " " + DamageName(damage) + " at " + std::to_string(offset) +
                              (damage == Damage::kZero ? "+" + std::to_string(zero_len) : "") +
                              " mode " + mode.name + " seed " + std::to_string(seed_);

    Options o = BaseOptions(env.get());
    o.create_if_missing = false;
    o.wal_recovery = mode.wal;
    o.paranoid_checks = mode.paranoid;
    auto db = DB::Open(o, kDbName);
    if (!db.ok()) {
      if (!absl::IsDataLoss(db.status()) || db.status().message().empty()) {
        ADD_FAILURE() << where << ": Open failed with a non-DataLoss error: " << db.status();
        return false;
      }
      if (unchanged) {
        ADD_FAILURE() << where << ": Open of an undamaged DB failed: " << db.status();
        return false;
      }
      if (type == FileType::kLog && mode.wal == WalRecoveryMode::kPointInTime) {
        ADD_FAILURE() << where << ": point-in-time recovery refused to open: " << db.status();
        return false;
      }
      ++counts->dataloss_at_open;
      return true;
    }

    // Point reads.
    bool read_dataloss = false;
    State by_get;
    for (const std::string& key : fx.probe_keys) {
      std::string value;
      absl::Status s = (*db)->Get(ReadOptions(), key, &value);
      if (s.ok()) {
        if (!fx.history.WasWritten(key, value)) {
          ADD_FAILURE() << where << ": Get(" << key << ") returned garbage: " << value.substr(0, 60);
          return false;
        }
        by_get[key] = value;
      } else if (absl::IsDataLoss(s)) {
        read_dataloss = true;
      } else if (!absl::IsNotFound(s)) {
        ADD_FAILURE() << where << ": Get(" << key << ") failed with " << s;
        return false;
      }
    }
    // Forward and backward scans.
    State by_scan;
    for (int dir = 0; dir < 2; ++dir) {
      State seen;
      std::unique_ptr<Iterator> it = (*db)->NewIterator(ReadOptions());
      std::string prev;
      bool first = true;
      for (dir == 0 ? it->SeekToFirst() : it->SeekToLast(); it->Valid();
           dir == 0 ? it->Next() : it->Prev()) {
        const std::string key(it->key());
        const std::string value(it->value());
        if (!fx.history.WasWritten(key, value)) {
          ADD_FAILURE() << where << ": scan returned garbage for " << key << ": "
                        << value.substr(0, 60);
          return false;
        }
        if (!first && (dir == 0 ? key <= prev : key >= prev)) {
          ADD_FAILURE() << where << ": scan out of order at " << key;
          return false;
        }
        first = false;
        prev = key;
        seen[key] = value;
      }
      if (absl::IsDataLoss(it->status())) {
        read_dataloss = true;
      } else if (!it->status().ok()) {
        ADD_FAILURE() << where << ": scan failed with " << it->status();
        return false;
      } else if (dir == 0) {
        by_scan = seen;
      } else if (!read_dataloss && seen != by_scan) {
        ADD_FAILURE() << where << ": backward scan differs from forward scan";
        return false;
      }
    }
    if (read_dataloss) {
      if (unchanged) {
        ADD_FAILURE() << where << ": DataLoss reading an undamaged DB";
        return false;
      }
      ++counts->dataloss_at_read;
      return true;
    }
    if (by_get != by_scan) {
      ADD_FAILURE() << where << ": Get and scan disagree:\n" << testing::DescribeDiff(by_get, by_scan);
      return false;
    }
    const State& want = fx.history.final_state();
    if (by_scan == want) {
      ++counts->ok_exact;
      return true;
    }
    // Opened with less than the acknowledged state: what may it be?
    const std::optional<size_t> prefix =
        fx.history.MatchPrefix(by_scan, fx.flushed, fx.history.size());
    const bool wal_damage = type == FileType::kLog && !unchanged;
    if (wal_damage && mode.wal == WalRecoveryMode::kSkipAnyCorruptedRecords) {
      // Each key: its flushed value or one a WAL batch wrote.
      const State flushed = fx.history.StateAt(fx.flushed);
      std::map<std::string, std::set<std::optional<std::string>>> allowed;
      for (const std::string& k : fx.history.keys()) {
        auto it = flushed.find(k);
        allowed[k].insert(it == flushed.end() ? std::nullopt
                                              : std::optional<std::string>(it->second));
      }
      for (size_t i = fx.flushed; i < fx.history.size(); ++i) {
        for (const Update& u : fx.history.batch(i)) allowed[u.key].insert(u.value);
      }
      for (const std::string& k : fx.history.keys()) {
        auto it = by_scan.find(k);
        const std::optional<std::string> got =
            it == by_scan.end() ? std::nullopt : std::optional<std::string>(it->second);
        if (!allowed[k].count(got)) {
          ADD_FAILURE() << where << ": skip-any recovery changed " << k
                        << " to a value the WAL did not write";
          return false;
        }
      }
      if (prefix) {
        ++counts->ok_prefix;
      } else {
        ++counts->ok_rolled_back;
      }
      return true;
    }
    if (wal_damage && prefix &&
        (mode.wal != WalRecoveryMode::kAbsoluteConsistency || damage == Damage::kTruncate)) {
      ++counts->ok_prefix;
      return true;
    }
    if (type == FileType::kDescriptor && damage == Damage::kTruncate) {
      // Every value read was written (checked above); a MANIFEST cut at a
      // record boundary reads as an older, complete MANIFEST.
      ++counts->ok_rolled_back;
      return true;
    }
    ADD_FAILURE() << where << ": opened with wrong contents (prefix match: "
                  << (prefix ? std::to_string(*prefix) : "none") << " of "
                  << fx.history.size() << ", flushed " << fx.flushed << "):\n"
                  << testing::DescribeDiff(by_scan, want);
    return false;
  }

  // Sweeps every file of `type` with each damage at the offsets chosen for its
  // size, in each of `modes`.
  void Sweep(FileType type, const std::vector<Mode>& modes, size_t every_byte_limit,
             size_t stride_offsets) {
    Random rnd(seed_ ^ (static_cast<uint64_t>(type) * 0x9e3779b97f4a7c15ull));
    std::map<std::string, Counts> cells;
    int failures = 0;
    int files = 0;
    for (const auto& [name, data] : fixture_->files) {
      uint64_t number;
      FileType t;
      if (!ParseFileName(name, &number, &t) || t != type) continue;
      ++files;
      const size_t size = data.size();
      ASSERT_GT(size, 0u) << name;
      // Offsets: every byte of a small file; else a stride, random offsets,
      // and every byte of the last 64 (a table's footer).
      std::set<size_t> offsets;
      const size_t limit = static_cast<size_t>(every_byte_limit * Scale());
      if (size <= limit) {
        for (size_t i = 0; i < size; ++i) offsets.insert(i);
      } else {
        const size_t n = std::max<size_t>(1, static_cast<size_t>(stride_offsets * Scale()));
        const size_t stride = std::max<size_t>(1, size / n);
        for (size_t i = rnd.Uniform(stride); i < size; i += stride) offsets.insert(i);
        for (size_t i = 0; i < n / 4; ++i) offsets.insert(rnd.Uniform(size));
        for (size_t i = size > 64 ? size - 64 : 0; i < size; ++i) offsets.insert(i);
      }
      for (Damage damage : {Damage::kFlip, Damage::kZero, Damage::kTruncate}) {
        for (size_t offset : offsets) {
          const size_t zero_len = 1 + rnd.Skewed(6);
          const uint8_t mask = static_cast<uint8_t>(1 + rnd.Uniform(255));
          for (const Mode& mode : modes) {
            Counts* c = &cells[std::string(DamageName(damage)) + " " + mode.name];
            if (!Trial(name, type, damage, offset, zero_len, mask, mode, c)) {
              if (++failures >= MaxFailures()) {
                FAIL() << "stopping after " << failures << " failures";
              }
            }
          }
        }
      }
    }
    ASSERT_GT(files, 0) << "the fixture has no file of this type";
    Counts total;
    std::printf("  %d file(s); damage/mode: tried unchanged | dataloss-at-open "
                "dataloss-at-read | ok-exact ok-prefix ok-rolled-back\n",
                files);
    for (const auto& [cell, c] : cells) {
      std::printf("    %-26s %6d %4d | %6d %6d | %6d %6d %6d\n", cell.c_str(), c.tried, c.unchanged,
                  c.dataloss_at_open, c.dataloss_at_read, c.ok_exact, c.ok_prefix,
                  c.ok_rolled_back);
      total.tried += c.tried;
    }
    std::printf("  total trials: %d\n", total.tried);
    std::fflush(stdout);
  }

  static uint64_t seed_;
  static Fixture* fixture_;
};

uint64_t CorruptionSweepTest::seed_ = 0;
Fixture* CorruptionSweepTest::fixture_ = nullptr;

const std::vector<Mode> kDefaultAndParanoid = {kAllModes[0], kAllModes[4]};
const std::vector<Mode> kEveryMode(std::begin(kAllModes), std::end(kAllModes));

TEST_F(CorruptionSweepTest, FixtureHasTheIntendedShape) {
  int tables = 0, logs = 0, manifests = 0, current = 0;
  for (const auto& [name, data] : fixture_->files) {
    uint64_t number;
    FileType type;
    ASSERT_TRUE(ParseFileName(name, &number, &type)) << name;
    tables += type == FileType::kTable;
    manifests += type == FileType::kDescriptor;
    current += type == FileType::kCurrent;
    if (type == FileType::kLog) {
      ++logs;
      // The WAL holds exactly the phase-2 batches, one record each.
      std::unique_ptr<Env> env = NewMemEnv(Env::Default());
      ASSERT_TRUE(env->CreateDir("/w").ok());
      ASSERT_TRUE(WriteStringToFile(env.get(), data, "/w/log", false).ok());
      auto file = env->NewSequentialFile("/w/log");
      ASSERT_TRUE(file.ok());
      log::Reader reader(file->get(), nullptr, WalRecoveryMode::kAbsoluteConsistency);
      std::string record;
      size_t records = 0;
      while (reader.ReadRecord(&record)) ++records;
      EXPECT_TRUE(reader.status().ok());
      EXPECT_EQ(records, fixture_->history.size() - fixture_->flushed);
    }
  }
  std::printf("fixture: %d tables, %d logs, %d manifests; %zu batches (%zu flushed), %zu keys\n",
              tables, logs, manifests, fixture_->history.size(), fixture_->flushed,
              fixture_->history.final_state().size());
  EXPECT_GE(tables, 3);
  EXPECT_EQ(logs, 1);
  EXPECT_EQ(manifests, 1);
  EXPECT_EQ(current, 1);
}

TEST_F(CorruptionSweepTest, Wal) { Sweep(FileType::kLog, kEveryMode, 512, 150); }
TEST_F(CorruptionSweepTest, Manifest) { Sweep(FileType::kDescriptor, kDefaultAndParanoid, 4096, 800); }
TEST_F(CorruptionSweepTest, Current) { Sweep(FileType::kCurrent, kDefaultAndParanoid, 64, 64); }
TEST_F(CorruptionSweepTest, Tables) { Sweep(FileType::kTable, kDefaultAndParanoid, 256, 60); }

}  // namespace
}  // namespace lsm
