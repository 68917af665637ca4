#include "engine/util/random.h"

#include <vector>

#include "gtest/gtest.h"

namespace lsm {
namespace {

TEST(RandomTest, SameSeedSameSequence) {
  Random a(7), b(7), c(8);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    const uint64_t x = a.Next64();
    EXPECT_EQ(x, b.Next64());
    differs |= x != c.Next64();
  }
  EXPECT_TRUE(differs);
}

TEST(RandomTest, UniformStaysInRangeAndCoversIt) {
  Random rnd(1);
  std::vector<int> seen(10);
  for (int i = 0; i < 100000; ++i) {
    const uint64_t v = rnd.Uniform(10);
    ASSERT_LT(v, 10u);
    ++seen[v];
  }
  for (int count : seen) EXPECT_NEAR(count, 10000, 600);
}

TEST(RandomTest, ZeroSeedIsNotDegenerate) {
  Random rnd(0);
  EXPECT_NE(rnd.Next64(), rnd.Next64());
}

}  // namespace
}  // namespace lsm
