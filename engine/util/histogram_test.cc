#include "engine/util/histogram.h"

#include <cmath>

#include "gtest/gtest.h"

namespace lsm {
namespace {

TEST(HistogramTest, EmptyIsAllZero) {
  Histogram h;
  EXPECT_EQ(h.Count(), 0u);
  EXPECT_EQ(h.Percentile(50), 0);
  EXPECT_EQ(h.Average(), 0);
}

TEST(HistogramTest, UniformPercentilesAreWithinBucketWidth) {
  Histogram h;
  for (int i = 1; i <= 10000; ++i) h.Add(i);
  EXPECT_EQ(h.Count(), 10000u);
  EXPECT_EQ(h.Min(), 1);
  EXPECT_EQ(h.Max(), 10000);
  EXPECT_NEAR(h.Average(), 5000.5, 1e-9);
  // Buckets are 4% wide, so a percentile is within ~4% of the exact value.
  EXPECT_NEAR(h.Percentile(50), 5000, 5000 * 0.05);
  EXPECT_NEAR(h.Percentile(99), 9900, 9900 * 0.05);
  EXPECT_LE(h.Percentile(100), 10000);
  EXPECT_NEAR(h.StandardDeviation(), 2886.8, 1.0);
}

TEST(HistogramTest, MergeEqualsAddingEverything) {
  Histogram a, b, all;
  for (int i = 0; i < 1000; ++i) {
    (i % 2 ? a : b).Add(i * 3.5);
    all.Add(i * 3.5);
  }
  a.Merge(b);
  EXPECT_EQ(a.Count(), all.Count());
  EXPECT_EQ(a.Percentile(90), all.Percentile(90));
  EXPECT_EQ(a.Min(), all.Min());
  EXPECT_EQ(a.Max(), all.Max());
}

TEST(HistogramTest, SingleValueIsEveryPercentile) {
  Histogram h;
  h.Add(42);
  EXPECT_EQ(h.Percentile(0.1), 42);
  EXPECT_EQ(h.Percentile(99.9), 42);
  EXPECT_NE(h.Summary().find("p99 42.0"), std::string::npos) << h.Summary();
}

TEST(HistogramTest, WholeNumberTableAgreesWithTheLogarithm) {
  for (uint32_t v = 0; v < Histogram::kSmallWhole; ++v) {
    ASSERT_EQ(Histogram::BucketForSmallWhole(v), Histogram::BucketFor(v)) << v;
  }
}

}  // namespace
}  // namespace lsm
