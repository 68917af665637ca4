#include "engine/util/latency_histogram.h"

#include <chrono>
#include <thread>
#include <vector>

#include "engine/util/random.h"
#include "gtest/gtest.h"

namespace lsm {
namespace {

TEST(LatencyHistogramTest, EveryDurationFallsInsideItsBucket) {
  Random rnd(3);
  for (int i = 0; i < 200000; ++i) {
    const uint64_t n = rnd.Next64() >> rnd.Uniform(64);
    const int b = LatencyHistogram::BucketFor(n);
    ASSERT_GE(b, 0);
    ASSERT_LT(b, LatencyHistogram::kBuckets);
    if (b == LatencyHistogram::kBuckets - 1) continue;  // the overflow bucket
    ASSERT_LE(n, LatencyHistogram::BucketUpperBound(b)) << n;
    if (b > 0) {
      ASSERT_GT(n, LatencyHistogram::BucketUpperBound(b - 1)) << n;
    }
  }
  // Buckets are at most a quarter of their lower bound wide (above 8 ns).
  for (int b = 8; b < LatencyHistogram::kBuckets; ++b) {
    const double lo = LatencyHistogram::BucketUpperBound(b - 1) + 1.0;
    const double hi = LatencyHistogram::BucketUpperBound(b);
    ASSERT_LE(hi - lo + 1, lo / 4 + 1) << b;
  }
}

TEST(LatencyHistogramTest, SummarizesAKnownDistribution) {
  LatencyHistogram h;
  EXPECT_EQ(h.Summarize().count, 0u);
  EXPECT_EQ(h.Summarize(1.0).count, 0u);
  // 990 samples of 1 us, 9 of 100 us, 1 of 10 ms.
  for (int i = 0; i < 990; ++i) h.Record(1000);
  for (int i = 0; i < 9; ++i) h.Record(100000);
  h.Record(10000000);
  const LatencySummary s = h.Summarize(/*nanos_per_tick=*/1.0);
  EXPECT_EQ(s.count, 1000u);
  EXPECT_NEAR(s.mean, (990 * 1.0 + 9 * 100.0 + 10000.0) / 1000, 1e-9);
  EXPECT_NEAR(s.p50, 1.0, 0.25);
  EXPECT_NEAR(s.p99, 1.0, 0.25);
  EXPECT_NEAR(s.p999, 100.0, 25.0);
  EXPECT_DOUBLE_EQ(s.max, 10000.0);
}

// Ticks become time at the rate measured since construction.
TEST(LatencyHistogramTest, TicksConvertToWallTime) {
  LatencyHistogram h;
  const auto start = std::chrono::steady_clock::now();
  const uint64_t t0 = LatencyHistogram::Now();
  while (std::chrono::steady_clock::now() - start < std::chrono::milliseconds(20)) {
  }
  h.Record(LatencyHistogram::Now() - t0);
  const LatencySummary s = h.Summarize();
  // About 20 ms; generous bounds for a busy machine (a histogram bucket is 19%).
  EXPECT_GT(s.max, 15000.0);
  EXPECT_LT(s.max, 200000.0);
}

TEST(LatencyHistogramTest, ConcurrentRecordsAreAllCounted) {
  LatencyHistogram h;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&h, t] {
      for (int i = 0; i < 100000; ++i) h.Record(static_cast<uint64_t>(t * 1000 + i % 997));
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(h.Summarize().count, 400000u);
  EXPECT_DOUBLE_EQ(h.Summarize(1.0).max, (3 * 1000 + 996) / 1000.0);
}

}  // namespace
}  // namespace lsm
