#include "engine/util/crc32c.h"

#include <cstdio>
#include <string>

#include "engine/util/random.h"
#include "gtest/gtest.h"

namespace lsm::crc32c {
namespace {

// RFC 3720, appendix B.4 test vectors.
TEST(Crc32cTest, Rfc3720Vectors) {
  char buf[32];
  memset(buf, 0, sizeof(buf));
  EXPECT_EQ(0x8a9136aau, Value(buf, sizeof(buf)));
  memset(buf, 0xff, sizeof(buf));
  EXPECT_EQ(0x62a8ab43u, Value(buf, sizeof(buf)));
  for (int i = 0; i < 32; ++i) buf[i] = static_cast<char>(i);
  EXPECT_EQ(0x46dd794eu, Value(buf, sizeof(buf)));
  for (int i = 0; i < 32; ++i) buf[i] = static_cast<char>(31 - i);
  EXPECT_EQ(0x113fdb5cu, Value(buf, sizeof(buf)));
  EXPECT_EQ(0xe3069283u, Value("123456789"));
}

TEST(Crc32cTest, ExtendEqualsOneShot) {
  const std::string s = "hello world, this is a longer string";
  for (size_t split = 0; split <= s.size(); ++split) {
    EXPECT_EQ(Value(s), Extend(Value(s.data(), split), s.data() + split, s.size() - split));
  }
}

TEST(Crc32cTest, HardwareMatchesPortableOnRandomData) {
  if (!HardwareAvailable()) {
    std::printf("SSE4.2 not available: only the portable implementation is in use\n");
  }
  const uint64_t seed = 301;
  std::printf("seed=%llu\n", static_cast<unsigned long long>(seed));
  Random rnd(seed);
  for (int i = 0; i < 2000; ++i) {
    // Short inputs, and long ones for the three-stripe loop (768 bytes a round).
    const std::string s = rnd.Bytes(rnd.Uniform(i % 2 == 0 ? 300 : 5000));
    const uint32_t init = static_cast<uint32_t>(rnd.Next64());
    const uint32_t portable = ExtendPortable(init, s.data(), s.size());
    // Unaligned starts exercise the 8-byte loop's tails.
    if (HardwareAvailable()) {
      ASSERT_EQ(portable, ExtendHardware(init, s.data(), s.size())) << "case " << i;
    }
    ASSERT_EQ(portable, Extend(init, s.data(), s.size()));
  }
}

TEST(Crc32cTest, MaskRoundTripsAndChangesTheValue) {
  const uint32_t crc = Value("foo");
  EXPECT_NE(crc, Mask(crc));
  EXPECT_NE(crc, Mask(Mask(crc)));
  EXPECT_EQ(crc, Unmask(Mask(crc)));
  EXPECT_EQ(crc, Unmask(Unmask(Mask(Mask(crc)))));
}

TEST(Crc32cTest, DifferentInputsDiffer) {
  EXPECT_NE(Value("a"), Value("foo"));
  EXPECT_NE(Value("bar"), Value("foo"));
}

}  // namespace
}  // namespace lsm::crc32c
