// A seeded randomized model test: the same random operations (puts,
// deletes, range deletes, batches of all three) go to the DB
// and to a std::map model; every read is compared. Small memtables and files
// make flushes and compactions happen all the time. On failure the seed is
// printed; rerun with LSM_TEST_SEED=<seed> to reproduce.
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <vector>

#include "engine/db/db_test_util.h"
#include "engine/env/mem_env.h"
#include "engine/util/random.h"
#include "gtest/gtest.h"

namespace lsm {
namespace {

using Model = std::map<std::string, std::string>;

struct HeldSnapshot {
  const Snapshot* snapshot;
  Model model;
};

class ModelTest : public ::testing::TestWithParam<int> {};

std::string RandomKey(Random* rnd) {
  // A small key space so overwrites and deletes hit existing keys; some keys
  // share long prefixes, some hold zero bytes.
  const uint64_t n = rnd->Uniform(600);
  std::string k = "key" + std::to_string(n);
  if (n % 7 == 0) k += std::string("\0x", 2);
  return k;
}

// A range for DeleteRange: mostly a key and its extensions ("key12" up to
// "key13" holds key12, key120..key129, key12\0x), sometimes two random keys;
// now and then empty or reversed-then-sorted.
std::pair<std::string, std::string> RandomRange(Random* rnd) {
  std::string a = RandomKey(rnd);
  std::string b;
  if (rnd->OneIn(5)) {
    b = RandomKey(rnd);
    if (a > b) std::swap(a, b);
  } else if (rnd->OneIn(20)) {
    b = a;  // empty
  } else {
    b = a;
    b.back() = static_cast<char>(b.back() + 1);
  }
  return {a, b};
}

void EraseRange(Model* model, const std::string& begin, const std::string& end) {
  model->erase(model->lower_bound(begin), model->lower_bound(end));
}

std::string RandomValue(Random* rnd) {
  const size_t len = rnd->OneIn(50) ? rnd->Uniform(20000) : rnd->Uniform(120);
  return rnd->Bytes(len);
}

// Compares a full scan, forward or backward, optionally bounded.
void CheckScan(DB* db, const Model& model, const Snapshot* snap, Random* rnd) {
  ReadOptions ro;
  ro.snapshot = snap;
  std::optional<std::string> lo, hi;
  if (rnd->OneIn(2)) lo = RandomKey(rnd);
  if (rnd->OneIn(2)) hi = RandomKey(rnd);
  ro.lower_bound = lo;
  ro.upper_bound = hi;
  std::vector<std::pair<std::string, std::string>> expected;
  for (const auto& [k, v] : model) {
    if ((lo && k < *lo) || (hi && k >= *hi)) continue;
    expected.emplace_back(k, v);
  }
  auto it = db->NewIterator(ro);
  std::vector<std::pair<std::string, std::string>> got;
  if (rnd->OneIn(2)) {
    for (it->SeekToFirst(); it->Valid(); it->Next()) got.emplace_back(it->key(), it->value());
  } else {
    for (it->SeekToLast(); it->Valid(); it->Prev()) got.emplace_back(it->key(), it->value());
    std::reverse(got.begin(), got.end());
  }
  ASSERT_TRUE(it->status().ok()) << it->status();
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i].first, expected[i].first) << "position " << i;
    ASSERT_EQ(got[i].second, expected[i].second) << "key " << got[i].first;
  }
  // A random walk with direction changes and seeks.
  const std::string target = RandomKey(rnd);
  auto mit = model.lower_bound(std::max(target, lo.value_or("")));
  it->Seek(target);
  for (int step = 0; step < 20; ++step) {
    const bool model_valid = mit != model.end() && !(hi && mit->first >= *hi) &&
                             !(lo && mit->first < *lo);
    ASSERT_EQ(it->Valid(), model_valid) << "step " << step << " target " << target;
    if (!model_valid) break;
    ASSERT_EQ(it->key(), mit->first);
    ASSERT_EQ(it->value(), mit->second);
    if (rnd->OneIn(3) && mit != model.begin()) {
      it->Prev();
      --mit;
    } else {
      it->Next();
      ++mit;
    }
  }
}

TEST_P(ModelTest, RandomOperationsMatchAStdMap) {
  const uint64_t seed = TestSeed(1000 + GetParam());
  std::printf("seed=%llu (rerun with LSM_TEST_SEED=%llu)\n",
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed));
  SCOPED_TRACE("seed=" + std::to_string(seed));
  Random rnd(seed);
  // Half the parameters run on the real file system, where tables are
  // memory-mapped (blocks stored uncompressed are then read in place, and
  // each block is verified on its first read); the others in memory.
  const bool real_files = GetParam() / 2 % 2 == 1;
  std::unique_ptr<Env> mem_env = real_files ? nullptr : NewMemEnv(Env::Default());
  const std::string dbname =
      real_files ? testing::TempDir() + "/model_" + std::to_string(GetParam()) : "/model";
  if (real_files) std::filesystem::remove_all(dbname);
  Options options = SmallOptions(real_files ? Env::Default() : mem_env.get());
  options.compression = static_cast<Compression>(rnd.Uniform(3));
  options.bloom_bits_per_key = rnd.OneIn(3) ? 0 : 10;
  // Both memtable structures, whatever the seed.
  options.memtable_structure =
      GetParam() % 2 == 0 ? MemTableStructure::kBTree : MemTableStructure::kSkipList;
  auto opened = DB::Open(options, dbname);
  ASSERT_TRUE(opened.ok()) << opened.status();
  std::unique_ptr<DB> db = std::move(*opened);
  Model model;
  std::vector<HeldSnapshot> snapshots;
  WriteOptions wo;

  constexpr int kOps = 6000;
  for (int op = 0; op < kOps; ++op) {
    SCOPED_TRACE("op " + std::to_string(op));
    const uint64_t choice = rnd.Uniform(1000);
    if (choice < 380) {
      const std::string k = RandomKey(&rnd), v = RandomValue(&rnd);
      ASSERT_TRUE(db->Put(wo, k, v).ok());
      model[k] = v;
    } else if (choice < 400) {
      const auto [b, e] = RandomRange(&rnd);
      ASSERT_TRUE(db->DeleteRange(wo, b, e).ok());
      EraseRange(&model, b, e);
    } else if (choice < 520) {
      const std::string k = RandomKey(&rnd);
      ASSERT_TRUE(db->Delete(wo, k).ok());
      model.erase(k);
    } else if (choice < 600) {
      WriteBatch batch;
      Model next = model;
      for (int i = 0, n = 1 + rnd.Uniform(20); i < n; ++i) {
        const std::string k = RandomKey(&rnd);
        if (rnd.OneIn(15)) {
          const auto [b, e] = RandomRange(&rnd);
          batch.DeleteRange(b, e);
          EraseRange(&next, b, e);
        } else if (rnd.OneIn(3)) {
          batch.Delete(k);
          next.erase(k);
        } else {
          const std::string v = RandomValue(&rnd);
          batch.Put(k, v);
          next[k] = v;
        }
      }
      ASSERT_TRUE(db->Write(wo, &batch).ok());
      model = std::move(next);
    } else if (choice < 850) {
      const std::string k = RandomKey(&rnd);
      const HeldSnapshot* held =
          !snapshots.empty() && rnd.OneIn(3) ? &snapshots[rnd.Uniform(snapshots.size())] : nullptr;
      const Model& m = held ? held->model : model;
      ReadOptions ro;
      ro.snapshot = held ? held->snapshot : nullptr;
      if (rnd.OneIn(4)) {
        // A MultiGet of k and more random keys (repeats included).
        std::vector<std::string> keys = {k};
        for (int i = 0, n = rnd.Uniform(30); i < n; ++i) {
          keys.push_back(rnd.OneIn(5) ? keys[rnd.Uniform(keys.size())] : RandomKey(&rnd));
        }
        const std::vector<std::string_view> views(keys.begin(), keys.end());
        const std::vector<absl::StatusOr<std::string>> got = db->MultiGet(ro, views);
        ASSERT_EQ(got.size(), keys.size());
        for (size_t i = 0; i < keys.size(); ++i) {
          auto it = m.find(keys[i]);
          if (it == m.end()) {
            ASSERT_TRUE(absl::IsNotFound(got[i].status())) << keys[i] << ": " << got[i].status();
          } else {
            ASSERT_TRUE(got[i].ok()) << keys[i] << ": " << got[i].status();
            ASSERT_EQ(*got[i], it->second) << keys[i];
          }
        }
      } else {
        std::string v;
        absl::Status s = db->Get(ro, k, &v);
        auto it = m.find(k);
        if (it == m.end()) {
          ASSERT_TRUE(absl::IsNotFound(s)) << k << ": " << s;
        } else {
          ASSERT_TRUE(s.ok()) << k << ": " << s;
          ASSERT_EQ(v, it->second) << k;
        }
      }
    } else if (choice < 880) {
      const HeldSnapshot* held =
          !snapshots.empty() && rnd.OneIn(2) ? &snapshots[rnd.Uniform(snapshots.size())] : nullptr;
      CheckScan(db.get(), held ? held->model : model, held ? held->snapshot : nullptr, &rnd);
      if (HasFatalFailure()) return;
    } else if (choice < 910) {
      if (snapshots.size() < 5) {
        snapshots.push_back({db->GetSnapshot(), model});
      }
    } else if (choice < 935) {
      if (!snapshots.empty()) {
        const size_t i = rnd.Uniform(snapshots.size());
        db->ReleaseSnapshot(snapshots[i].snapshot);
        snapshots.erase(snapshots.begin() + i);
      }
    } else if (choice < 955) {
      absl::Status fs = db->Flush();
      ASSERT_TRUE(fs.ok()) << fs;
    } else if (choice < 965) {
      std::string a = RandomKey(&rnd), b = RandomKey(&rnd);
      if (a > b) std::swap(a, b);
      std::string_view av(a), bv(b);
      absl::Status cs = db->CompactRange(rnd.OneIn(4) ? nullptr : &av, rnd.OneIn(4) ? nullptr : &bv);
      ASSERT_TRUE(cs.ok()) << cs;
    } else if (choice < 975) {
      // Reopen: snapshots do not survive it.
      for (auto& h : snapshots) db->ReleaseSnapshot(h.snapshot);
      snapshots.clear();
      db.reset();
      auto re = DB::Open(options, dbname);
      ASSERT_TRUE(re.ok()) << re.status();
      db = std::move(*re);
    }
  }
  ASSERT_TRUE(Impl(db.get())->TEST_WaitForBackgroundWork().ok());
  CheckScan(db.get(), model, nullptr, &rnd);
  EXPECT_EQ(ReadAll(db.get()), model);
  for (auto& h : snapshots) {
    EXPECT_EQ(ReadAll(db.get(), h.snapshot), h.model);
    db->ReleaseSnapshot(h.snapshot);
  }
  std::printf("final: %s\n", db->GetProperty("lsm.stats")->c_str());
}

INSTANTIATE_TEST_SUITE_P(Seeds, ModelTest, ::testing::Range(0, 8));

}  // namespace
}  // namespace lsm
