#include "engine/util/arena.h"

#include <cstdint>
#include <cstdio>
#include <utility>
#include <vector>

#include "engine/util/random.h"
#include "gtest/gtest.h"

namespace lsm {
namespace {

TEST(ArenaTest, EmptyUsesNoMemory) {
  Arena arena;
  EXPECT_EQ(arena.MemoryUsage(), 0u);
}

// Many allocations of random sizes keep their contents and stay aligned.
TEST(ArenaTest, AllocationsKeepTheirBytes) {
  const uint64_t seed = 301;
  std::printf("seed=%llu\n", static_cast<unsigned long long>(seed));
  Random rnd(seed);
  Arena arena;
  std::vector<std::pair<size_t, char*>> allocated;
  size_t bytes = 0;
  for (int i = 0; i < 20000; ++i) {
    size_t s = rnd.OneIn(4000) ? rnd.Uniform(60000) + 1 : rnd.Skewed(10) + 1;
    char* p = rnd.OneIn(10) ? arena.AllocateAligned(s) : arena.Allocate(s);
    if (i % 10 == 0) {
      ASSERT_EQ(reinterpret_cast<uintptr_t>(arena.AllocateAligned(8)) % 8, 0u);
    }
    for (size_t b = 0; b < s; ++b) p[b] = static_cast<char>(i % 256);
    bytes += s;
    allocated.emplace_back(s, p);
    ASSERT_GE(arena.MemoryUsage(), bytes);
    ASSERT_LE(arena.MemoryUsage(), bytes * 1.1 + (64 << 10) + 16 * i);
  }
  for (size_t i = 0; i < allocated.size(); ++i) {
    for (size_t b = 0; b < allocated[i].first; ++b) {
      ASSERT_EQ(allocated[i].second[b] & 0xff, static_cast<int>(i % 256)) << i;
    }
  }
}

}  // namespace
}  // namespace lsm
