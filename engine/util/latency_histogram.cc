#include "engine/util/latency_histogram.h"

#include <algorithm>

namespace lsm {

uint64_t LatencyHistogram::BucketUpperBound(int b) {
  if (b < kSubBuckets) return static_cast<uint64_t>(b);
  const int log2 = b / kSubBuckets + 1;
  const uint64_t sub = static_cast<uint64_t>(b % kSubBuckets);
  // Bucket b holds [ (4 + sub) << (log2 - 2), (5 + sub) << (log2 - 2) ).
  return ((kSubBuckets + sub + 1) << (log2 - 2)) - 1;
}

LatencyHistogram::LatencyHistogram()
    : origin_ticks_(Now()), origin_time_(std::chrono::steady_clock::now()) {}

LatencySummary LatencyHistogram::Summarize() const {
  const uint64_t ticks = Now() - origin_ticks_;
  const double nanos =
      std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - origin_time_)
          .count();
  // Until the clocks have moved measurably, assume a tick is a nanosecond.
  return Summarize(ticks > 1000000 ? nanos / static_cast<double>(ticks) : 1.0);
}

LatencySummary LatencyHistogram::Summarize(double nanos_per_tick) const {
  std::array<uint64_t, kBuckets> counts;
  uint64_t total = 0;
  for (int b = 0; b < kBuckets; ++b) {
    counts[b] = buckets_[b].load(std::memory_order_relaxed);
    total += counts[b];
  }
  LatencySummary s;
  s.count = total;
  if (total == 0) return s;
  const double micros_per_tick = nanos_per_tick / 1000.0;
  const double max_micros = max_ticks_.load(std::memory_order_relaxed) * micros_per_tick;
  s.max = max_micros;
  s.mean = sum_ticks_.load(std::memory_order_relaxed) * micros_per_tick / total;
  auto percentile = [&](uint64_t per_mille) {
    const uint64_t rank = std::max<uint64_t>(1, (per_mille * total + 999) / 1000);
    uint64_t seen = 0;
    for (int b = 0; b < kBuckets; ++b) {
      seen += counts[b];
      if (seen >= rank) return std::min(BucketUpperBound(b) * micros_per_tick, max_micros);
    }
    return max_micros;
  };
  s.p50 = percentile(500);
  s.p99 = percentile(990);
  s.p999 = percentile(999);
  return s;
}

}  // namespace lsm
