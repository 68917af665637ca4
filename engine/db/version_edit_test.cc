#include "engine/db/version_edit.h"

#include "gtest/gtest.h"

namespace lsm {
namespace {

VersionEdit Sample() {
  VersionEdit e;
  e.SetLogNumber(9);
  e.SetNextFileNumber(42);
  e.SetLastSequence(1ull << 50);
  e.SetCompactPointer(2, MakeInternalKey("m", 5, ValueType::kValue));
  e.RemoveFile(1, 7);
  FileMetaData f;
  f.number = 11;
  f.file_size = 4096;
  f.smallest = MakeInternalKey("a", 3, ValueType::kValue);
  f.largest = MakeInternalKey(std::string("z\0z", 3), 8, ValueType::kDeletion);
  f.smallest_seq = 3;
  f.largest_seq = 8;
  f.num_entries = 6;
  f.num_deletions = 1;
  e.AddFile(3, f);
  return e;
}

TEST(VersionEditTest, EncodeDecodeRoundTrip) {
  std::string encoded;
  Sample().EncodeTo(&encoded);
  VersionEdit parsed;
  ASSERT_TRUE(parsed.DecodeFrom(encoded).ok());
  std::string again;
  parsed.EncodeTo(&again);
  EXPECT_EQ(encoded, again);
  EXPECT_EQ(*parsed.log_number(), 9u);
  EXPECT_EQ(*parsed.last_sequence(), 1ull << 50);
  ASSERT_EQ(parsed.new_files().size(), 1u);
  EXPECT_EQ(parsed.new_files()[0].first, 3);
  EXPECT_EQ(parsed.new_files()[0].second.largest, Sample().new_files()[0].second.largest);
  EXPECT_EQ(parsed.deleted_files().count({1, 7}), 1u);
  EXPECT_NE(parsed.DebugString().find("add_file: L3 #11"), std::string::npos)
      << parsed.DebugString();
}

TEST(VersionEditTest, FileWithRangeDeletionsRoundTripsUnderItsOwnTag) {
  VersionEdit e = Sample();
  FileMetaData f = e.new_files()[0].second;
  f.number = 12;
  f.num_range_deletions = 3;
  e.AddFile(4, f);
  std::string encoded;
  e.EncodeTo(&encoded);
  VersionEdit parsed;
  ASSERT_TRUE(parsed.DecodeFrom(encoded).ok());
  ASSERT_EQ(parsed.new_files().size(), 2u);
  EXPECT_EQ(parsed.new_files()[0].second.num_range_deletions, 0u);
  EXPECT_EQ(parsed.new_files()[1].second.num_range_deletions, 3u);
  EXPECT_NE(parsed.DebugString().find("range_deletions 3"), std::string::npos)
      << parsed.DebugString();
  // A file without range deletions keeps the old tag (7), so MANIFESTs of
  // DBs that never used DeleteRange stay readable by older code; one with
  // them gets tag 8, which older code refuses.
  VersionEdit only;
  only.AddFile(1, Sample().new_files()[0].second);
  std::string one;
  only.EncodeTo(&one);
  EXPECT_EQ(one[0], '\x07');
  VersionEdit with;
  with.AddFile(1, f);
  std::string other;
  with.EncodeTo(&other);
  EXPECT_EQ(other[0], '\x08');
}

TEST(VersionEditTest, EveryTruncationIsDataLossOrAShorterValidEdit) {
  std::string encoded;
  Sample().EncodeTo(&encoded);
  for (size_t len = 0; len < encoded.size(); ++len) {
    VersionEdit parsed;
    absl::Status s = parsed.DecodeFrom(std::string_view(encoded.data(), len));
    // A cut exactly between fields decodes as a smaller edit; any other cut
    // must be reported.
    if (!s.ok()) {
      EXPECT_TRUE(absl::IsDataLoss(s)) << len << ": " << s;
    }
  }
}

TEST(VersionEditTest, BadLevelAndUnknownTagAreDataLoss) {
  VersionEdit parsed;
  EXPECT_TRUE(absl::IsDataLoss(parsed.DecodeFrom(std::string("\x06\x09\x01", 3))));  // level 9
  EXPECT_TRUE(absl::IsDataLoss(parsed.DecodeFrom(std::string("\x63", 1))));          // tag 99
}

TEST(SeekBudgetTest, AnExhaustedBudgetKeepsAskingForACompaction) {
  // Only one file waits for a seek compaction at a time, so the charge that
  // exhausts a budget may find the slot taken: every later charge must ask
  // again, or the file is never compacted for its reads.
  SeekBudget budget;
  budget.Reset(3);
  EXPECT_FALSE(budget.Charge());
  EXPECT_FALSE(budget.Charge());
  EXPECT_TRUE(budget.Charge());
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(budget.Charge()) << i;
  // A copy (a FileMetaData copied into a new version) keeps the state.
  SeekBudget copy = budget;
  EXPECT_TRUE(copy.Charge());
  copy.Reset(1);
  EXPECT_TRUE(copy.Charge());
}

}  // namespace
}  // namespace lsm
