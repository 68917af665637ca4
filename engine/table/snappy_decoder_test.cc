#include "engine/table/snappy_decoder.h"

#include <snappy.h>

#include <cstdint>
#include <memory>
#include <string>

#include "engine/util/coding.h"
#include "engine/util/random.h"
#include "engine/util/test_seed.h"
#include "gtest/gtest.h"

namespace lsm {
namespace {

std::string Compress(const std::string& raw) {
  std::string out;
  snappy::Compress(raw.data(), raw.size(), &out);
  return out;
}

// Decodes with this decoder into a buffer of exactly the declared length (so
// AddressSanitizer sees any write past it); nullopt if it refuses.
std::optional<std::string> Decode(const std::string& compressed) {
  const std::optional<size_t> len = SnappyUncompressedLength(compressed);
  if (!len.has_value() || *len > (size_t{1} << 20)) return std::nullopt;
  std::unique_ptr<char[]> out(new char[*len == 0 ? 1 : *len]);
  if (!SnappyDecode(compressed, out.get(), *len)) return std::nullopt;
  return std::string(out.get(), *len);
}

// libsnappy's verdict on the same stream.
std::optional<std::string> DecodeWithLibsnappy(const std::string& compressed) {
  size_t len = 0;
  if (!snappy::GetUncompressedLength(compressed.data(), compressed.size(), &len) ||
      len > (size_t{1} << 20)) {
    return std::nullopt;
  }
  std::string out(len, '\0');
  if (!snappy::RawUncompress(compressed.data(), compressed.size(), out.data())) {
    return std::nullopt;
  }
  return out;
}

// Text shaped like an SST data block: runs of random bytes (literals), bytes
// repeated from 1..70000 back (copies of every offset width), short periods
// (overlapping copies), and long random stretches (literals over 60 bytes).
std::string BlockLikeText(Random* rnd, size_t size) {
  std::string s;
  while (s.size() < size) {
    switch (rnd->Uniform(5)) {
      case 0:
      case 1: {  // random bytes
        const size_t n = 1 + rnd->Uniform(rnd->Uniform(4) == 0 ? 300 : 40);
        for (size_t i = 0; i < n; ++i) s.push_back(static_cast<char>(rnd->Next()));
        break;
      }
      case 2:  // something said before
        if (!s.empty()) {
          const size_t back = 1 + rnd->Uniform(s.size());
          const size_t n = 1 + rnd->Uniform(100);
          for (size_t i = 0; i < n; ++i) s.push_back(s[s.size() - back]);
        }
        break;
      case 3: {  // a short period
        const size_t period = 1 + rnd->Uniform(20);
        std::string unit;
        for (size_t i = 0; i < period; ++i) unit.push_back(static_cast<char>('a' + rnd->Uniform(3)));
        const size_t n = 1 + rnd->Uniform(200);
        for (size_t i = 0; i < n; ++i) s.push_back(unit[i % period]);
        break;
      }
      default:  // decimal keys, as the benchmarks write them
        s += std::to_string(10000000000000000ull + rnd->Uniform(1000000));
        break;
    }
  }
  s.resize(size);
  return s;
}

TEST(SnappyDecoderTest, DecodesWhatLibsnappyCompresses) {
  const uint64_t seed = NewTestSeed();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  Random rnd(seed);
  for (size_t size : {0, 1, 15, 16, 17, 63, 64, 65, 100, 4096, 16384, 70000, 200000}) {
    for (int i = 0; i < 20; ++i) {
      SCOPED_TRACE("size=" + std::to_string(size));
      const std::string raw = BlockLikeText(&rnd, size);
      const std::optional<std::string> got = Decode(Compress(raw));
      ASSERT_TRUE(got.has_value());
      ASSERT_EQ(raw, *got);
    }
  }
}

TEST(SnappyDecoderTest, HandWrittenElements) {
  // "abcd", then a copy of 10 bytes from 4 back (an overlapping run), then a
  // literal whose length needs one extra byte (61 bytes).
  std::string s;
  PutVarint32(&s, 4 + 10 + 61);
  s += static_cast<char>((4 - 1) << 2);
  s += "abcd";
  s += static_cast<char>(((10 - 4) << 2) | 1);  // copy, 1-byte offset, length 10
  s += static_cast<char>(4);
  s += static_cast<char>(60 << 2);  // literal, length - 1 in the next byte
  s += static_cast<char>(61 - 1);
  s += std::string(61, 'z');
  const std::optional<std::string> got = Decode(s);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ("abcdabcdabcdab" + std::string(61, 'z'), *got);
}

TEST(SnappyDecoderTest, RefusesMalformedStreams) {
  auto stream = [](uint32_t declared, const std::string& body) {
    std::string s;
    PutVarint32(&s, declared);
    return s + body;
  };
  const std::string lit_ab = std::string(1, static_cast<char>((2 - 1) << 2)) + "ab";
  EXPECT_TRUE(Decode(stream(2, lit_ab)).has_value());
  EXPECT_FALSE(Decode(stream(3, lit_ab)).has_value()) << "output shorter than declared";
  EXPECT_FALSE(Decode(stream(1, lit_ab)).has_value()) << "output longer than declared";
  EXPECT_FALSE(Decode(stream(2, lit_ab.substr(0, 2))).has_value()) << "literal cut short";
  // A copy from before the start of the output, and one of offset 0.
  EXPECT_FALSE(Decode(stream(6, lit_ab + std::string{static_cast<char>(1), 3})).has_value());
  EXPECT_FALSE(Decode(stream(6, lit_ab + std::string{static_cast<char>(1), 0})).has_value());
  // A copy whose offset bytes are missing.
  EXPECT_FALSE(Decode(stream(6, lit_ab + std::string{static_cast<char>(2), 2})).has_value());
  EXPECT_FALSE(Decode("\xff\xff\xff\xff\xff").has_value()) << "preamble overflows 32 bits";
  EXPECT_FALSE(Decode("").has_value());
}

// Damaged streams: the decoder must stay inside its buffers (AddressSanitizer
// checks that under --config=asan) and agree with libsnappy on every verdict
// and every byte.
TEST(SnappyDecoderTest, AgreesWithLibsnappyOnDamagedStreams) {
  const uint64_t seed = NewTestSeed();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  Random rnd(seed);
  int refused = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string s = Compress(BlockLikeText(&rnd, 1 + rnd.Uniform(5000)));
    switch (rnd.Uniform(3)) {
      case 0:  // flip a few bytes
        for (int k = 0, n = 1 + static_cast<int>(rnd.Uniform(4)); k < n; ++k) {
          s[rnd.Uniform(s.size())] ^= static_cast<char>(1 + rnd.Uniform(255));
        }
        break;
      case 1:  // cut it short
        s.resize(rnd.Uniform(s.size()));
        break;
      default:  // splice in random bytes
        s.insert(rnd.Uniform(s.size() + 1), std::string(1 + rnd.Uniform(8), static_cast<char>(rnd.Next())));
        break;
    }
    SCOPED_TRACE("case " + std::to_string(i));
    const std::optional<std::string> ours = Decode(s);
    const std::optional<std::string> theirs = DecodeWithLibsnappy(s);
    ASSERT_EQ(theirs.has_value(), ours.has_value());
    if (ours.has_value()) {
      ASSERT_EQ(*theirs, *ours);
    } else {
      ++refused;
    }
  }
  EXPECT_GT(refused, 1000) << "the damage should break most streams";
}

}  // namespace
}  // namespace lsm
