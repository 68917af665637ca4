// LatencyHistogram: a histogram of durations that many threads record into
// without a lock (relaxed atomic adds), for statistics that stay on in
// production. Durations are in ticks of Now(): the CPU's time-stamp counter
// on x86-64 (about 10 ns to read, against about 22 for steady_clock here), so
// timing a call costs little; Summarize converts ticks to time with the rate
// it measures between the histogram's construction and the summary. Buckets
// are powers of two split in four (about 19% wide), up to 2^40 ticks.
//
// Thread safety: Record may run concurrently with anything; Summarize reads a
// snapshot that may miss samples recorded meanwhile.
#ifndef LSM_ENGINE_UTIL_LATENCY_HISTOGRAM_H_
#define LSM_ENGINE_UTIL_LATENCY_HISTOGRAM_H_

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

#include "lsm/statistics.h"

namespace lsm {

class LatencyHistogram {
 public:
  LatencyHistogram();

  // The current time in ticks.
  static uint64_t Now() {
#if defined(__x86_64__)
    return __rdtsc();
#else
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
#endif
  }

  // Records a duration of `ticks` (a difference of two Now()).
  void Record(uint64_t ticks) {
    buckets_[BucketFor(ticks)].fetch_add(1, std::memory_order_relaxed);
    sum_ticks_.fetch_add(ticks, std::memory_order_relaxed);
    uint64_t max = max_ticks_.load(std::memory_order_relaxed);
    while (ticks > max && !max_ticks_.compare_exchange_weak(max, ticks, std::memory_order_relaxed)) {
    }
  }

  // Count, mean, percentiles (each the upper bound of its bucket, clamped to
  // the maximum) and maximum, in microseconds.
  LatencySummary Summarize() const;
  // As Summarize, with a known rate (tests).
  LatencySummary Summarize(double nanos_per_tick) const;

  static constexpr int kSubBuckets = 4;
  static constexpr int kBuckets = 40 * kSubBuckets;
  // The bucket of a duration; exposed for tests.
  static int BucketFor(uint64_t ticks) {
    if (ticks < kSubBuckets) return static_cast<int>(ticks);
    const int log2 = 63 - __builtin_clzll(ticks);
    const int sub = static_cast<int>((ticks >> (log2 - 2)) & (kSubBuckets - 1));
    const int b = (log2 - 1) * kSubBuckets + sub;
    return b < kBuckets ? b : kBuckets - 1;
  }
  // The largest duration (ticks) in bucket b.
  static uint64_t BucketUpperBound(int b);

 private:
  std::array<std::atomic<uint64_t>, kBuckets> buckets_{};
  std::atomic<uint64_t> sum_ticks_{0};
  std::atomic<uint64_t> max_ticks_{0};
  // Where the tick rate is measured from.
  const uint64_t origin_ticks_;
  const std::chrono::steady_clock::time_point origin_time_;
};

// Records the duration of its scope into a histogram; nothing when it is
// nullptr.
class ScopedLatency {
 public:
  explicit ScopedLatency(LatencyHistogram* h)
      : h_(h), start_(h != nullptr ? LatencyHistogram::Now() : 0) {}
  ~ScopedLatency() {
    if (h_ != nullptr) h_->Record(LatencyHistogram::Now() - start_);
  }
  ScopedLatency(const ScopedLatency&) = delete;
  ScopedLatency& operator=(const ScopedLatency&) = delete;

 private:
  LatencyHistogram* const h_;
  const uint64_t start_;
};

}  // namespace lsm

#endif  // LSM_ENGINE_UTIL_LATENCY_HISTOGRAM_H_
