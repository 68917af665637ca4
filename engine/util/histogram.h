// A latency histogram with exponentially spaced buckets (about 4% wide), for
// percentiles in tools and benchmarks.
//
// Thread safety: one Histogram per thread; Merge them at the end.
#ifndef LSM_ENGINE_UTIL_HISTOGRAM_H_
#define LSM_ENGINE_UTIL_HISTOGRAM_H_

#include <array>
#include <cstdint>
#include <string>

namespace lsm {

class Histogram {
 public:
  Histogram() { Clear(); }
  void Clear();
  void Add(double value);
  void Merge(const Histogram& other);

  uint64_t Count() const { return count_; }
  double Min() const { return count_ ? min_ : 0; }
  double Max() const { return max_; }
  double Average() const { return count_ ? sum_ / count_ : 0; }
  double StandardDeviation() const;
  // p in [0, 100]; interpolated inside the bucket, clamped to [Min, Max].
  double Percentile(double p) const;
  // "count 1000 avg 3.1 p50 2.8 p99 9.0 p99.9 12.0 max 15.0"
  std::string Summary() const;

  // The bucket of a value; exposed for tests.
  static int BucketFor(double value);
  // BucketFor of a whole number below kSmallWhole, by table lookup (Add
  // takes this path for such values).
  static constexpr uint32_t kSmallWhole = 1 << 13;
  static int BucketForSmallWhole(uint32_t value);

 private:
  static constexpr int kBuckets = 512;
  static double BucketLimit(int b);  // upper bound of bucket b

  uint64_t count_;
  double min_, max_, sum_, sum_squares_;
  std::array<uint64_t, kBuckets> buckets_;
};

}  // namespace lsm

#endif  // LSM_ENGINE_UTIL_HISTOGRAM_H_
