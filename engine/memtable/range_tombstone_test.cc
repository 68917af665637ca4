#include "engine/memtable/range_tombstone.h"

#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace lsm {
namespace {

RangeTombstone T(std::string b, std::string e, SequenceNumber s) {
  return RangeTombstone{std::move(b), std::move(e), s};
}

TEST(FragmentedRangeTombstonesTest, EmptyAndReversedRangesCoverNothing) {
  FragmentedRangeTombstones none;
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(none.MaxCoveringSequence("a", kMaxSequenceNumber), 0u);
  FragmentedRangeTombstones f({T("c", "c", 5), T("d", "b", 6)});
  EXPECT_TRUE(f.empty());
}

TEST(FragmentedRangeTombstonesTest, BeginIsInclusiveEndIsExclusive) {
  FragmentedRangeTombstones f({T("b", "d", 7)});
  EXPECT_EQ(f.MaxCoveringSequence("a", 100), 0u);
  EXPECT_EQ(f.MaxCoveringSequence("b", 100), 7u);
  EXPECT_EQ(f.MaxCoveringSequence("c\xff", 100), 7u);
  EXPECT_EQ(f.MaxCoveringSequence("d", 100), 0u);
  EXPECT_EQ(f.MaxCoveringSequence(std::string("b\0", 2), 100), 7u);
}

TEST(FragmentedRangeTombstonesTest, SnapshotSeesOnlyOlderTombstones) {
  FragmentedRangeTombstones f({T("a", "z", 10), T("f", "h", 20), T("g", "m", 15)});
  EXPECT_EQ(f.MaxCoveringSequence("g", 100), 20u);
  EXPECT_EQ(f.MaxCoveringSequence("g", 19), 15u);
  EXPECT_EQ(f.MaxCoveringSequence("g", 14), 10u);
  EXPECT_EQ(f.MaxCoveringSequence("g", 9), 0u);
  EXPECT_EQ(f.MaxCoveringSequence("h", 100), 15u);
  EXPECT_EQ(f.MaxCoveringSequence("m", 100), 10u);
  EXPECT_EQ(f.MaxCoveringSequence("z", 100), 0u);
}

// Against a brute force over random tombstones and keys of a small alphabet.
TEST(FragmentedRangeTombstonesTest, MatchesBruteForce) {
  const unsigned seed = std::random_device{}();
  std::printf("seed %u\n", seed);
  std::mt19937 rng(seed);
  auto key = [&rng]() { return std::string(1 + rng() % 3, static_cast<char>('a' + rng() % 6)); };
  for (int round = 0; round < 200; ++round) {
    std::vector<RangeTombstone> ts;
    const int n = static_cast<int>(rng() % 12);
    for (int i = 0; i < n; ++i) ts.push_back(T(key(), key(), 1 + rng() % 50));
    FragmentedRangeTombstones f(ts);
    for (int q = 0; q < 50; ++q) {
      const std::string k = key();
      const SequenceNumber snap = rng() % 60;
      SequenceNumber want = 0;
      for (const RangeTombstone& t : ts) {
        if (t.sequence <= snap && t.Covers(k)) want = std::max(want, t.sequence);
      }
      ASSERT_EQ(f.MaxCoveringSequence(k, snap), want) << "seed " << seed << " key " << k;
    }
  }
}

TEST(ClipRangeTombstonesTest, KeepsThePartInsideTheInterval) {
  const std::vector<RangeTombstone> ts = {T("a", "f", 3), T("g", "k", 4), T("m", "p", 5)};
  const std::string lo = "c", hi = "h";
  const std::vector<RangeTombstone> clipped = ClipRangeTombstones(ts, &lo, &hi);
  ASSERT_EQ(clipped.size(), 2u);
  EXPECT_EQ(clipped[0].begin, "c");
  EXPECT_EQ(clipped[0].end, "f");
  EXPECT_EQ(clipped[0].sequence, 3u);
  EXPECT_EQ(clipped[1].begin, "g");
  EXPECT_EQ(clipped[1].end, "h");
  EXPECT_EQ(ClipRangeTombstones(ts, nullptr, nullptr).size(), 3u);
  const std::string at = "k";
  EXPECT_EQ(ClipRangeTombstones(ts, &at, nullptr).size(), 1u);  // [g,k) ends at k
}

TEST(RangeTombstoneKeysTest, EndKeySortsBeforeEveryEntryOfItsUserKey) {
  const std::string end = RangeTombstoneEndKey("k");
  EXPECT_LT(CompareInternalKeys(end, MakeInternalKey("k", kMaxSequenceNumber, ValueType::kValue)),
            0);
  EXPECT_GT(CompareInternalKeys(end, MakeInternalKey("j\xff", 0, ValueType::kDeletion)), 0);
  ParsedInternalKey p;
  EXPECT_FALSE(ParseInternalKey(RangeTombstoneKey(T("a", "b", 3)), &p))
      << "a tombstone key is not a point entry";
}

}  // namespace
}  // namespace lsm
