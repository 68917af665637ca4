// The same semantics from every adapter, in both modes of the comparison (the
// shared shape and each engine's own defaults): what db_bench's workloads rely
// on when they count found keys and scanned entries.
#include "bench/engines/engine.h"

#include <filesystem>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"

namespace lsm {
namespace bench {
namespace {

std::string Key(int i) { return absl::StrFormat("key%06d", i); }
std::string Value(int i, int version = 0) { return absl::StrCat("value-", i, "-", version); }

class EngineTest : public testing::TestWithParam<std::tuple<std::string, bool>> {
 protected:
  void SetUp() override {
    dir_ = absl::StrCat(testing::TempDir(), "/engine_test_", Name(), "_", Defaults() ? "d" : "s",
                        "_", testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    options_.engine_defaults = Defaults();
    // Small enough that a few thousand keys leave the memtable / chunk.
    options_.write_buffer_size = 1 << 20;
    ASSERT_TRUE(Open().ok());
  }

  static std::string Name() { return std::get<0>(GetParam()); }
  static bool Defaults() { return std::get<1>(GetParam()); }

  absl::Status Open(bool must_exist = false) {
    absl::StatusOr<std::unique_ptr<Engine>> engine = NewEngine(Name());
    if (!engine.ok()) return engine.status();
    engine_ = std::move(*engine);
    EngineOptions options = options_;
    options.must_exist = must_exist;
    return engine_->Open(dir_, options);
  }

  std::string Get(const std::string& key) {
    std::string value;
    absl::Status s = engine_->Get(key, &value);
    if (absl::IsNotFound(s)) return "(absent)";
    EXPECT_TRUE(s.ok()) << s;
    return value;
  }

  std::vector<std::string> ScanForward() {
    std::vector<std::string> keys;
    std::unique_ptr<EngineIterator> it = engine_->NewIterator();
    for (it->SeekToFirst(); it->Valid(); it->Next()) keys.emplace_back(it->key());
    EXPECT_TRUE(it->status().ok()) << it->status();
    return keys;
  }

  std::string dir_;
  EngineOptions options_;
  std::unique_ptr<Engine> engine_;
};

TEST_P(EngineTest, PutGetOverwriteDelete) {
  EXPECT_EQ(engine_->name(), Name());
  EXPECT_EQ(Get("a"), "(absent)");
  ASSERT_TRUE(engine_->Put("a", "1", false).ok());
  ASSERT_TRUE(engine_->Put("b", "2", /*sync=*/true).ok());
  EXPECT_EQ(Get("a"), "1");
  EXPECT_EQ(Get("b"), "2");
  ASSERT_TRUE(engine_->Put("a", "one", false).ok());
  EXPECT_EQ(Get("a"), "one");
  ASSERT_TRUE(engine_->Delete("a", false).ok());
  EXPECT_EQ(Get("a"), "(absent)");
  EXPECT_TRUE(engine_->Delete("never-written", true).ok());
  EXPECT_EQ(Get("b"), "2");
  // An empty value is a value, not an absence.
  ASSERT_TRUE(engine_->Put("empty", "", false).ok());
  EXPECT_EQ(Get("empty"), "");
}

TEST_P(EngineTest, WritePutsAppliesTheWholeBatch) {
  std::vector<std::string> keys, values;
  for (int i = 0; i < 50; ++i) {
    keys.push_back(Key(i));
    values.push_back(Value(i));
  }
  std::vector<KeyValue> puts;
  for (int i = 0; i < 50; ++i) puts.push_back(KeyValue{keys[i], values[i]});
  ASSERT_TRUE(engine_->WritePuts(puts, /*sync=*/true).ok());
  for (int i = 0; i < 50; ++i) EXPECT_EQ(Get(Key(i)), Value(i)) << i;
  EXPECT_EQ(ScanForward().size(), 50u);
}

TEST_P(EngineTest, IteratorOrderSeekAndReverse) {
  // Written out of order, every third key missing.
  for (int i = 299; i >= 0; --i) {
    if (i % 3 != 0) {
      ASSERT_TRUE(engine_->Put(Key(i), Value(i), false).ok());
    }
  }
  std::vector<std::string> keys = ScanForward();
  ASSERT_EQ(keys.size(), 200u);
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
  EXPECT_EQ(keys.front(), Key(1));
  EXPECT_EQ(keys.back(), Key(299));

  std::unique_ptr<EngineIterator> it = engine_->NewIterator();
  it->Seek(Key(3));  // absent: lands on the next key
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), Key(4));
  EXPECT_EQ(it->value(), Value(4));
  it->Seek(Key(4));  // present: lands on it
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), Key(4));
  it->Prev();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), Key(2));
  it->Seek("key999999");  // past the last key
  EXPECT_FALSE(it->Valid());
  it->Seek("");  // before the first
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), Key(1));

  int n = 0;
  std::string previous;
  for (it->SeekToLast(); it->Valid(); it->Prev(), ++n) {
    if (n > 0) {
      EXPECT_LT(it->key(), previous);
    }
    previous = std::string(it->key());
  }
  EXPECT_EQ(n, 200);
  EXPECT_TRUE(it->status().ok()) << it->status();
}

// A thread may read and write while it holds an iterator (the LMDB and
// WiredTiger adapters give iterators handles apart from the thread's own).
TEST_P(EngineTest, GetsAndPutsBesideAnOpenIterator) {
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(engine_->Put(Key(i), Value(i), false).ok());
  std::unique_ptr<EngineIterator> it = engine_->NewIterator();
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(Get(Key(5)), Value(5));
  ASSERT_TRUE(engine_->Put(Key(100), Value(100), false).ok());
  EXPECT_EQ(Get(Key(100)), Value(100));
  std::unique_ptr<EngineIterator> second = engine_->NewIterator();
  second->Seek(Key(100));
  ASSERT_TRUE(second->Valid());
  EXPECT_EQ(second->key(), Key(100));
  it->Next();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), Key(1));
}

TEST_P(EngineTest, ConcurrentWritersAndReaders) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 500;
  std::vector<std::thread> threads;
  std::vector<absl::Status> status(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::string value;
      for (int i = t; i < kThreads * kPerThread && status[t].ok(); i += kThreads) {
        status[t] = engine_->Put(Key(i), Value(i), false);
        if (status[t].ok()) status[t] = engine_->Get(Key(i), &value);
        if (status[t].ok() && value != Value(i)) status[t] = absl::InternalError(Key(i));
        // Everyone writes one key too: conflicting writers must all succeed.
        if (status[t].ok()) status[t] = engine_->Put("shared", Value(i, t), false);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_TRUE(status[t].ok()) << t << ": " << status[t];
  EXPECT_EQ(ScanForward().size(), static_cast<size_t>(kThreads * kPerThread + 1));
  // The last write of one of the threads.
  const std::string shared = Get("shared");
  bool is_a_last_write = false;
  for (int t = 0; t < kThreads; ++t) {
    is_a_last_write |= shared == Value(kThreads * kPerThread - kThreads + t, t);
  }
  EXPECT_TRUE(is_a_last_write) << shared;
}

TEST_P(EngineTest, DataOutlivesFlushCompactAndReopen) {
  for (int i = 0; i < 3000; ++i) ASSERT_TRUE(engine_->Put(Key(i), Value(i), false).ok());
  for (int i = 0; i < 3000; i += 2) ASSERT_TRUE(engine_->Delete(Key(i), false).ok());
  ASSERT_TRUE(engine_->Flush().ok());
  absl::Status compact = engine_->CompactAll();
  if (Name() == "lmdb") {
    EXPECT_EQ(compact.code(), absl::StatusCode::kUnimplemented) << compact;
  } else {
    EXPECT_TRUE(compact.ok()) << compact;
  }
  EXPECT_EQ(ScanForward().size(), 1500u);
  ASSERT_TRUE(engine_->Close().ok());
  EXPECT_TRUE(engine_->Close().ok());  // closing twice is fine

  ASSERT_TRUE(Open(/*must_exist=*/true).ok());
  EXPECT_EQ(Get(Key(1)), Value(1));
  EXPECT_EQ(Get(Key(2)), "(absent)");
  EXPECT_EQ(ScanForward().size(), 1500u);
  EXPECT_FALSE(engine_->Stats().empty() && (Name() == "lmdb" || Name() == "wiredtiger"));
  ASSERT_TRUE(engine_->Close().ok());

  // must_exist on a directory without a database fails.
  std::filesystem::remove_all(dir_ + "_none");
  absl::StatusOr<std::unique_ptr<Engine>> fresh = NewEngine(Name());
  ASSERT_TRUE(fresh.ok());
  EngineOptions options = options_;
  options.must_exist = true;
  EXPECT_FALSE((*fresh)->Open(dir_ + "_none", options).ok());
}

// lsm_compression picks lsm's block compression in either mode: the tables of
// each are readable, an uncompressed DB is larger, and a bad name fails Open.
TEST(LsmEngineTest, CompressionOverrideAppliesInBothModes) {
  for (bool defaults : {false, true}) {
    std::vector<uintmax_t> sizes;
    for (const char* compression : {"none", "snappy", "zstd"}) {
      SCOPED_TRACE(absl::StrCat(compression, defaults ? ", engine defaults" : ", shared shape"));
      const std::string dir = absl::StrCat(testing::TempDir(), "/lsm_compression_", compression,
                                           defaults ? "_d" : "_s");
      std::filesystem::remove_all(dir);
      std::filesystem::create_directories(dir);
      absl::StatusOr<std::unique_ptr<Engine>> engine = NewEngine("lsm");
      ASSERT_TRUE(engine.ok());
      EngineOptions options;
      options.engine_defaults = defaults;
      options.lsm_compression = compression;
      ASSERT_TRUE((*engine)->Open(dir, options).ok());
      // Values that compress well: 1 KiB of one repeated digit.
      for (int i = 0; i < 2000; ++i) {
        ASSERT_TRUE((*engine)->Put(Key(i), std::string(1024, '0' + i % 10), false).ok());
      }
      ASSERT_TRUE((*engine)->CompactAll().ok());
      std::string value;
      ASSERT_TRUE((*engine)->Get(Key(1234), &value).ok());
      EXPECT_EQ(value, std::string(1024, '4'));
      ASSERT_TRUE((*engine)->Close().ok());
      uintmax_t bytes = 0;
      for (const auto& f : std::filesystem::directory_iterator(dir)) {
        if (f.path().extension() == ".sst") bytes += f.file_size();
      }
      sizes.push_back(bytes);
    }
    EXPECT_GT(sizes[0], 2 * sizes[1]) << "none vs snappy";
    EXPECT_GT(sizes[0], 2 * sizes[2]) << "none vs zstd";
  }
  absl::StatusOr<std::unique_ptr<Engine>> engine = NewEngine("lsm");
  ASSERT_TRUE(engine.ok());
  EngineOptions options;
  options.lsm_compression = "lz4";
  const std::string dir = absl::StrCat(testing::TempDir(), "/lsm_compression_bad");
  std::filesystem::remove_all(dir);
  absl::Status s = (*engine)->Open(dir, options);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
}

// Debian's engines are not built for ThreadSanitizer (see
// db_bench_runner_test.cc): under TSan only lsm runs.
#if defined(__SANITIZE_THREAD__)
#define LSM_ENGINE_TEST_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LSM_ENGINE_TEST_UNDER_TSAN 1
#endif
#endif

#ifdef LSM_ENGINE_TEST_UNDER_TSAN
#define LSM_ENGINE_TEST_ENGINES testing::Values("lsm")
#else
#define LSM_ENGINE_TEST_ENGINES \
  testing::Values("lsm", "leveldb", "rocksdb", "lmdb", "wiredtiger")
#endif

INSTANTIATE_TEST_SUITE_P(
    Engines, EngineTest, testing::Combine(LSM_ENGINE_TEST_ENGINES, testing::Bool()),
    [](const testing::TestParamInfo<std::tuple<std::string, bool>>& info) {
      return std::get<0>(info.param) + (std::get<1>(info.param) ? "_defaults" : "_shared_shape");
    });

}  // namespace
}  // namespace bench
}  // namespace lsm
