#include "engine/table/two_level_iterator.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/memtable/dbformat.h"
#include "engine/table/block.h"
#include "engine/table/block_builder.h"
#include "gtest/gtest.h"

namespace lsm {
namespace {

std::string IK(const std::string& user, SequenceNumber seq = 1) {
  return MakeInternalKey(user, seq, ValueType::kValue);
}

std::shared_ptr<const Block> BlockOf(const std::vector<std::string>& users) {
  BlockBuilder b(2);
  for (const std::string& u : users) b.Add(IK(u), "v" + u);
  BlockContents c;
  c.data = BlockBuffer(b.Finish());
  return std::make_shared<Block>(std::move(c));
}

// Index entries name blocks by id; "bad" ids open as errors. With the
// parameter true, the iterator tells blocks apart by a number (the order in
// which they were added), as a table's does, rather than by index value.
class TwoLevelTest : public testing::TestWithParam<bool> {
 protected:
  void Add(const std::string& id, const std::string& separator,
           const std::vector<std::string>& users) {
    blocks_[id] = users;
    numbers_[id] = numbers_.size();
    index_.Add(IK(separator, kMaxSequenceNumber), id);
  }

  std::unique_ptr<Iterator> Make() {
    BlockContents c;
    c.data = BlockBuffer(index_.Finish());
    index_block_ = std::make_shared<Block>(std::move(c));
    auto index = std::make_unique<BlockIter>();
    index->SetBlock(index_block_, KeyOrder::kInternal);
    BlockNumberOf number_of = nullptr;
    if (GetParam()) {
      number_of = [this](const Iterator& index) {
        ++numberings_;
        return numbers_.at(std::string(index.value()));
      };
    }
    return NewTwoLevelIterator(
        std::move(index),
        [this](const Iterator& index, BlockIter* data) {
          ++opens_;
          const std::string_view id = index.value();
          if (id.substr(0, 3) == "bad") {
            data->Clear(absl::DataLossError("bad block"));
            return;
          }
          data->SetBlock(BlockOf(blocks_.at(std::string(id))), KeyOrder::kInternal);
        },
        std::move(number_of));
  }

  static std::string User(const Iterator& it) { return std::string(ExtractUserKey(it.key())); }

  BlockBuilder index_{1};
  std::shared_ptr<const Block> index_block_;
  std::map<std::string, std::vector<std::string>> blocks_;
  std::map<std::string, uint64_t> numbers_;
  int opens_ = 0;
  int numberings_ = 0;
};

TEST_P(TwoLevelTest, SkipsEmptyBlocksBothWays) {
  Add("1", "b", {"a", "b"});
  Add("2", "c", {});
  Add("3", "e", {"d", "e"});
  Add("4", "f", {});
  std::unique_ptr<Iterator> it = Make();
  std::string fwd;
  for (it->SeekToFirst(); it->Valid(); it->Next()) fwd += User(*it);
  EXPECT_EQ(fwd, "abde");
  std::string bwd;
  for (it->SeekToLast(); it->Valid(); it->Prev()) bwd += User(*it);
  EXPECT_EQ(bwd, "edba");
  it->Seek(IK("c"));
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(User(*it), "d");
  it->SeekForPrev(IK("c"));
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(User(*it), "b");
  it->SeekForPrev(IK("zz"));
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(User(*it), "e");
  it->Seek(IK("zz"));
  EXPECT_FALSE(it->Valid());
  it->SeekForPrev(IK("0"));
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().ok());
}

TEST_P(TwoLevelTest, SeekForPrevIntoEarlierBlock) {
  // The separator of block 2 is >= "bb" but block 2's keys are all > "bb".
  Add("1", "b", {"a", "b"});
  Add("2", "d", {"c", "d"});
  std::unique_ptr<Iterator> it = Make();
  it->SeekForPrev(IK("bb"));
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(User(*it), "b");
  it->Next();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(User(*it), "c");
}

TEST_P(TwoLevelTest, ReusesTheOpenBlock) {
  Add("1", "c", {"a", "b", "c"});
  std::unique_ptr<Iterator> it = Make();
  it->Seek(IK("a"));
  it->Seek(IK("b"));
  it->Seek(IK("c"));
  EXPECT_EQ(opens_, 1);
  // By number, the iterator asked for the number of each block a seek landed
  // on: two (c@1 sorts after the separator c@max, past every block).
  EXPECT_EQ(numberings_, GetParam() ? 2 : 0);
}

TEST_P(TwoLevelTest, ABadBlockStopsIterationWithItsError) {
  Add("1", "b", {"a", "b"});
  Add("bad", "d", {});
  Add("3", "f", {"e", "f"});
  std::unique_ptr<Iterator> it = Make();
  std::string fwd;
  for (it->SeekToFirst(); it->Valid(); it->Next()) fwd += User(*it);
  EXPECT_EQ(fwd, "ab");
  EXPECT_EQ(it->status().code(), absl::StatusCode::kDataLoss);
  std::string bwd;
  for (it->SeekToLast(); it->Valid(); it->Prev()) bwd += User(*it);
  EXPECT_EQ(bwd, "fe");
  EXPECT_EQ(it->status().code(), absl::StatusCode::kDataLoss);
  // A seek elsewhere recovers.
  it->Seek(IK("e"));
  ASSERT_TRUE(it->Valid());
  EXPECT_TRUE(it->status().ok());
}

INSTANTIATE_TEST_SUITE_P(ByValueAndByNumber, TwoLevelTest, testing::Bool());

}  // namespace
}  // namespace lsm
