#include "engine/util/coding.h"

#include <limits>
#include <vector>

#include "gtest/gtest.h"

namespace lsm {
namespace {

TEST(CodingTest, FixedRoundTripsAndIsLittleEndian) {
  std::string s;
  PutFixed32(&s, 0x04030201u);
  PutFixed64(&s, 0x0807060504030201ull);
  PutFixed16(&s, 0x0201);
  ASSERT_EQ(s.size(), 14u);
  EXPECT_EQ(s.substr(0, 4), std::string("\x01\x02\x03\x04", 4));
  EXPECT_EQ(DecodeFixed32(s.data()), 0x04030201u);
  EXPECT_EQ(DecodeFixed64(s.data() + 4), 0x0807060504030201ull);
  EXPECT_EQ(DecodeFixed16(s.data() + 12), 0x0201);
}

// Every power-of-two boundary (and its neighbours) of both widths.
TEST(CodingTest, Varint64RoundTripsAtEveryBoundary) {
  std::vector<uint64_t> values = {0, 1, std::numeric_limits<uint64_t>::max()};
  for (int bit = 0; bit < 64; ++bit) {
    const uint64_t p = uint64_t{1} << bit;
    values.insert(values.end(), {p - 1, p, p + 1});
  }
  std::string s;
  for (uint64_t v : values) PutVarint64(&s, v);
  std::string_view in(s);
  for (uint64_t v : values) {
    uint64_t got;
    ASSERT_TRUE(GetVarint64(&in, &got));
    EXPECT_EQ(got, v);
  }
  EXPECT_TRUE(in.empty());
}

TEST(CodingTest, Varint32RoundTripsAndLengths) {
  for (uint32_t bit = 0; bit < 32; ++bit) {
    for (uint32_t v : {(1u << bit) - 1, 1u << bit, (1u << bit) + 1}) {
      std::string s;
      PutVarint32(&s, v);
      EXPECT_EQ(static_cast<int>(s.size()), VarintLength(v)) << v;
      std::string_view in(s);
      uint32_t got;
      ASSERT_TRUE(GetVarint32(&in, &got));
      EXPECT_EQ(got, v);
    }
  }
}

TEST(CodingTest, TruncatedVarintsAreRejected) {
  std::string s;
  PutVarint64(&s, std::numeric_limits<uint64_t>::max());
  for (size_t len = 0; len < s.size(); ++len) {
    std::string_view in(s.data(), len);
    uint64_t v;
    EXPECT_FALSE(GetVarint64(&in, &v)) << len;
  }
}

TEST(CodingTest, OverlongVarintsAreRejected) {
  // 11 continuation bytes never end a varint64; 0x10 in the 5th byte overflows 32 bits.
  std::string too_long(11, '\x80');
  std::string_view in(too_long);
  uint64_t v64;
  EXPECT_FALSE(GetVarint64(&in, &v64));
  std::string overflow32("\xff\xff\xff\xff\x10", 5);
  std::string_view in32(overflow32);
  uint32_t v32;
  EXPECT_FALSE(GetVarint32(&in32, &v32));
}

TEST(CodingTest, LengthPrefixedSlices) {
  std::string s;
  PutLengthPrefixed(&s, "");
  PutLengthPrefixed(&s, std::string_view("a\0b", 3));
  PutLengthPrefixed(&s, std::string(300, 'x'));
  std::string_view in(s), out;
  ASSERT_TRUE(GetLengthPrefixed(&in, &out));
  EXPECT_EQ(out, "");
  ASSERT_TRUE(GetLengthPrefixed(&in, &out));
  EXPECT_EQ(out, std::string_view("a\0b", 3));
  ASSERT_TRUE(GetLengthPrefixed(&in, &out));
  EXPECT_EQ(out.size(), 300u);
  EXPECT_FALSE(GetLengthPrefixed(&in, &out));
}

TEST(CodingTest, LengthPrefixLongerThanInputIsRejected) {
  std::string s;
  PutVarint32(&s, 10);
  s += "abc";
  std::string_view in(s), out;
  EXPECT_FALSE(GetLengthPrefixed(&in, &out));
}

}  // namespace
}  // namespace lsm
