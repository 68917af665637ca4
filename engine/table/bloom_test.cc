#include "engine/table/bloom.h"

#include <cstdio>
#include <string>

#include "engine/util/coding.h"
#include "gtest/gtest.h"

namespace lsm {
namespace {

std::string Key(uint64_t i) {
  std::string k;
  PutFixed64(&k, i);
  return "user" + k;
}

TEST(BloomTest, FalsePositiveRateAtTenBitsPerKey) {
  constexpr int kKeys = 100000;
  BloomFilterBuilder b(10);
  for (int i = 0; i < kKeys; ++i) b.AddKey(Key(i));
  BloomFilter f(BlockBuffer(b.Finish()));
  ASSERT_TRUE(f.status().ok()) << f.status();
  // About 10 bits per key (rounded up to whole 64-byte lines).
  EXPECT_NEAR(static_cast<double>(f.size() * 8) / kKeys, 10.0, 0.1);
  for (int i = 0; i < kKeys; ++i) ASSERT_TRUE(f.MayMatch(Key(i))) << "false negative " << i;
  int fp = 0;
  constexpr int kAbsent = 100000;
  for (int i = 0; i < kAbsent; ++i) fp += f.MayMatch(Key(kKeys + 1000000 + i));
  const double rate = static_cast<double>(fp) / kAbsent;
  std::printf("bloom: 10 bits/key, k=%d, %d keys: false-positive rate %.3f%% (%d of %d)\n",
              f.num_probes(), kKeys, rate * 100, fp, kAbsent);
  EXPECT_LE(rate, 0.012);
}

TEST(BloomTest, VariousSizesHaveNoFalseNegatives) {
  for (int bits : {1, 4, 10, 20}) {
    for (int n : {1, 2, 10, 100, 1000, 5000}) {
      BloomFilterBuilder b(bits);
      for (int i = 0; i < n; ++i) b.AddKey(std::to_string(i * 7919));
      BloomFilter f(BlockBuffer(b.Finish()));
      ASSERT_TRUE(f.status().ok());
      for (int i = 0; i < n; ++i) {
        ASSERT_TRUE(f.MayMatch(std::to_string(i * 7919))) << bits << " " << n << " " << i;
      }
      if (bits >= 10 && n >= 1000) {
        int fp = 0;
        for (int i = 0; i < 10000; ++i) fp += f.MayMatch("absent" + std::to_string(i));
        EXPECT_LT(fp, 300) << bits << " bits, " << n << " keys";  // < 3%
      }
    }
  }
}

TEST(BloomTest, RepeatedKeysCountOnce) {
  BloomFilterBuilder b(10);
  for (int v = 0; v < 5; ++v) b.AddKey("same");
  b.AddKey("other");
  EXPECT_EQ(b.num_keys(), 2u);
}

TEST(BloomTest, EmptyAndBinaryKeys) {
  BloomFilterBuilder b(10);
  b.AddKey("");
  b.AddKey(std::string("\0\0", 2));
  b.AddKey(std::string(1000, '\xff'));
  BloomFilter f(BlockBuffer(b.Finish()));
  EXPECT_TRUE(f.MayMatch(""));
  EXPECT_TRUE(f.MayMatch(std::string("\0\0", 2)));
  EXPECT_TRUE(f.MayMatch(std::string(1000, '\xff')));
}

TEST(BloomTest, HashIsStable) {
  // The hash is persisted through the filter's bits: it must never change.
  EXPECT_EQ(BloomHash(""), BloomHash(""));
  EXPECT_NE(BloomHash("a"), BloomHash("b"));
  EXPECT_NE(BloomHash(std::string("\0", 1)), BloomHash(""));
  EXPECT_NE(BloomHash(std::string(8, '\0')), BloomHash(std::string(9, '\0')));
  const uint64_t golden = BloomHash("hello, world");
  std::printf("BloomHash(\"hello, world\") = %016llx\n", static_cast<unsigned long long>(golden));
  EXPECT_EQ(golden, BloomHash(std::string("hello, world")));
}

TEST(BloomTest, MalformedFilterMatchesEverythingAndSaysWhy) {
  BloomFilterBuilder b(10);
  for (int i = 0; i < 100; ++i) b.AddKey(Key(i));
  const std::string good = b.Finish();
  std::vector<std::string> bad = {"", "short", good.substr(0, good.size() - 1)};
  std::string s = good;
  s[s.size() - 4] = 0;  // zero probes
  bad.push_back(s);
  s = good;
  s[s.size() - 3] = 9;  // unknown kind
  bad.push_back(s);
  s = good;
  EncodeFixed32(s.data() + s.size() - 8, 12345);  // wrong line count
  bad.push_back(s);
  for (const std::string& data : bad) {
    BloomFilter f{BlockBuffer(data)};
    EXPECT_EQ(f.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_TRUE(f.MayMatch("anything"));
    EXPECT_TRUE(f.MayMatch(Key(5000)));
  }
}

}  // namespace
}  // namespace lsm
