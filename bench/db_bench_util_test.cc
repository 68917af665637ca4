#include "bench/db_bench_util.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "engine/util/random.h"
#include "gtest/gtest.h"
#include "snappy.h"

namespace lsm {
namespace bench {
namespace {

TEST(KeyFormatterTest, PadsToKeySize) {
  KeyFormatter keys(16);
  EXPECT_EQ(keys.Format(0), "0000000000000000");
  EXPECT_EQ(keys.Format(42), "0000000000000042");
  EXPECT_EQ(keys.Format(9999999999999999ull), "9999999999999999");
  EXPECT_EQ(keys.FormatMissing(42), "0000000000000042.");
}

TEST(KeyFormatterTest, LongNumbersKeepTheirDigits) {
  KeyFormatter keys(4);
  EXPECT_EQ(keys.Format(7), "0007");
  EXPECT_EQ(keys.Format(123456), "123456");
}

TEST(KeyFormatterTest, NumericOrderIsKeyOrder) {
  const uint64_t seed = 20240611;
  SCOPED_TRACE(testing::Message() << "seed=" << seed);
  Random rnd(seed);
  KeyFormatter keys(16);
  for (int i = 0; i < 10000; ++i) {
    const uint64_t a = rnd.Uniform(1000000000);
    const uint64_t b = rnd.Uniform(1000000000);
    const std::string ka(keys.Format(a));
    const std::string kb(keys.Format(b));
    ASSERT_EQ(a < b, ka < kb) << a << " " << b;
    // The missing key sorts strictly between a and a + 1.
    const std::string missing(keys.FormatMissing(a));
    ASSERT_LT(ka, missing);
    ASSERT_LT(missing, std::string(keys.Format(a + 1)));
  }
}

double SnappyRatio(double compression_ratio) {
  ValueGenerator values(7, compression_ratio);
  std::string all;
  for (int i = 0; i < 10000; ++i) all.append(values.Next(100));
  std::string compressed;
  snappy::Compress(all.data(), all.size(), &compressed);
  return static_cast<double>(compressed.size()) / all.size();
}

TEST(ValueGeneratorTest, CompressesToTheRequestedRatio) {
  EXPECT_NEAR(SnappyRatio(0.5), 0.5, 0.08);
  EXPECT_NEAR(SnappyRatio(0.25), 0.25, 0.08);
  EXPECT_GT(SnappyRatio(1.0), 0.95);
}

TEST(ValueGeneratorTest, ValuesHaveTheRequestedSizeAndDiffer) {
  ValueGenerator values(11, 0.5);
  const std::string first(values.Next(100));
  const std::string second(values.Next(100));
  EXPECT_EQ(first.size(), 100u);
  EXPECT_NE(first, second);
  // Wraps around at the end of the pool without reading past it.
  for (int i = 0; i < 20000; ++i) ASSERT_EQ(values.Next(1000).size(), 1000u);
  EXPECT_EQ(values.Next(ValueGenerator::kPoolSize).size(), ValueGenerator::kPoolSize);
}

TEST(ValueGeneratorTest, SameSeedSameValues) {
  ValueGenerator a(5, 0.5), b(5, 0.5), c(6, 0.5);
  const std::string va(a.Next(500)), vb(b.Next(500)), vc(c.Next(500));
  EXPECT_EQ(va, vb);
  EXPECT_NE(va, vc);
}

TEST(ParseAmplificationTest, AcceptedForms) {
  struct Case {
    const char* text;
    std::optional<double> write_amp, read_amp;
  };
  const Case cases[] = {
      {"write amplification: 2.5\nread amplification: 1.25\n", 2.5, 1.25},
      {"Write-Amp 3 Read-Amp 4.5", 3.0, 4.5},
      {"W-Amp=1.75 R-Amp=2", 1.75, 2.0},
      {"write_amp: 10.0", 10.0, std::nullopt},
      {"read amplification 7", std::nullopt, 7.0},
      // Column headers without numbers, and words that merely end in "ramp".
      {"Level Files Size W-Amp Comp(sec)\nramp 3", std::nullopt, std::nullopt},
      {"", std::nullopt, std::nullopt},
      // The first occurrence wins (a total usually comes first).
      {"write-amp: 2.0\nL0 write-amp: 9.0", 2.0, std::nullopt},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    const Amplification amp = ParseAmplification(c.text);
    EXPECT_EQ(amp.write_amp, c.write_amp);
    EXPECT_EQ(amp.read_amp, c.read_amp);
  }
}

std::string TempDir(const char* name) {
  const std::string dir = testing::TempDir() + "/db_bench_util_test_" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

TEST(DirectorySizeTest, SumsRegularFilesRecursively) {
  const std::string dir = TempDir("size");
  std::filesystem::create_directories(dir + "/sub");
  std::ofstream(dir + "/a") << std::string(1000, 'a');
  std::ofstream(dir + "/sub/b") << std::string(234, 'b');
  EXPECT_EQ(DirectorySize(dir), 1234u);
  EXPECT_EQ(DirectorySize(dir + "/absent"), 0u);
}

TEST(ProcessStatsTest, PeakRssSeesATouchedAllocation) {
  ResetPeakRss();
  constexpr size_t kBytes = 64 << 20;
  std::vector<char> block(kBytes);
  std::memset(block.data(), 1, block.size());
  EXPECT_GE(PeakRssBytes(), kBytes);
  EXPECT_GE(PeakRssBytes(), CurrentRssBytes());
  EXPECT_GE(CurrentRssBytes(), kBytes);
  EXPECT_EQ(block[kBytes / 2], 1);
}

TEST(ProcessStatsTest, WcharCountsWrites) {
  const IoCounters before = ReadIoCounters();
  if (before.wchar == 0) GTEST_SKIP() << "/proc/self/io is not readable here";
  const std::string path = TempDir("io") + "/f";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  const std::string data(1 << 20, 'x');
  ASSERT_EQ(::write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  ::close(fd);
  EXPECT_GE(ReadIoCounters().wchar - before.wchar, data.size());
}

TEST(MachineInfoTest, DescribesThisMachine) {
  const MachineInfo info = GetMachineInfo();
  EXPECT_GE(info.nproc, 1);
  EXPECT_GT(info.memory_bytes, 0u);
  EXPECT_FALSE(info.kernel.empty());
}

}  // namespace
}  // namespace bench
}  // namespace lsm
