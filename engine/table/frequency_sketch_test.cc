#include "engine/table/frequency_sketch.h"

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "engine/util/hash.h"
#include "engine/util/random.h"
#include "engine/util/test_seed.h"
#include "gtest/gtest.h"

namespace lsm {
namespace {

uint64_t KeyHash(uint64_t key) { return FMix64(key + 1); }

TEST(FrequencySketchTest, NeverUnderestimatesAndRarelyOverestimates) {
  const uint64_t seed = NewTestSeed();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  Random rnd(seed);
  // 200 keys counted 0..12 times each: 1.3k counts, under the 10 per key of
  // the 1000 keys the table is sized for, so no halving happens.
  FrequencySketch sketch(1000);
  std::map<uint64_t, int> counts;
  for (uint64_t key = 0; key < 200; ++key) {
    const int n = static_cast<int>(rnd.Uniform(13));
    counts[key] = n;
    for (int i = 0; i < n; ++i) sketch.Increment(KeyHash(key));
  }
  int exact = 0;
  for (const auto& [key, n] : counts) {
    const int estimate = sketch.Estimate(KeyHash(key));
    ASSERT_GE(estimate, n) << "key " << key;
    if (estimate == n) ++exact;
  }
  // Four rows of 16 counters per key slot: a key loses its exact count only
  // if each of its four counters is shared.
  EXPECT_GE(exact, 190);
  EXPECT_EQ(0, sketch.Estimate(KeyHash(123456)) > 12 ? 1 : 0);
}

TEST(FrequencySketchTest, CountsSaturateAtTheLimit) {
  FrequencySketch sketch(1000);
  for (int i = 0; i < 40; ++i) sketch.Increment(KeyHash(7));
  EXPECT_EQ(FrequencySketch::kMaxCount, sketch.Estimate(KeyHash(7)));
  // Saturated increments do not count towards the halving period: a
  // thousand more change nothing.
  for (int i = 0; i < 1000; ++i) sketch.Increment(KeyHash(7));
  EXPECT_EQ(FrequencySketch::kMaxCount, sketch.Estimate(KeyHash(7)));
}

TEST(FrequencySketchTest, CountsHalveAfterTenSamplesPerKey) {
  constexpr size_t kKeys = 64;
  FrequencySketch sketch(kKeys);
  for (int i = 0; i < 12; ++i) sketch.Increment(KeyHash(1));
  for (int i = 0; i < 5; ++i) sketch.Increment(KeyHash(2));
  ASSERT_EQ(12, sketch.Estimate(KeyHash(1)));
  ASSERT_EQ(5, sketch.Estimate(KeyHash(2)));
  // The 17 counts above plus these make 10 * kKeys - 1: no halving yet.
  size_t counted = 17;
  uint64_t other = 1000;
  while (counted < FrequencySketch::kSamplesPerKey * kKeys - 1) {
    sketch.Increment(KeyHash(other++));
    ++counted;
  }
  // Other keys share some counters of 1 and 2 by now (the table is small).
  const int before1 = sketch.Estimate(KeyHash(1));
  const int before2 = sketch.Estimate(KeyHash(2));
  EXPECT_GE(before1, 12);
  EXPECT_GE(before2, 5);
  // The next count completes the period: every counter halves (that count
  // may have added one to a counter of 1 or 2 first).
  sketch.Increment(KeyHash(other++));
  for (const auto& [after, before] : {std::pair{sketch.Estimate(KeyHash(1)), before1},
                                      std::pair{sketch.Estimate(KeyHash(2)), before2}}) {
    EXPECT_GE(after, before / 2);
    EXPECT_LE(after, (before + 1) / 2);
  }
}

TEST(FrequencySketchTest, ResetForgets) {
  FrequencySketch sketch(100);
  for (int i = 0; i < 5; ++i) sketch.Increment(KeyHash(3));
  sketch.Reset(4000);
  EXPECT_EQ(0, sketch.Estimate(KeyHash(3)));
  EXPECT_EQ(4096 * sizeof(uint64_t), sketch.MemoryUsage());
}

}  // namespace
}  // namespace lsm
