#include "engine/table/iterator_util.h"

#include <string>

#include "gtest/gtest.h"

namespace lsm {
namespace {

TEST(IteratorUtilTest, EmptyIteratorIsNeverValid) {
  auto it = NewEmptyIterator();
  EXPECT_FALSE(it->Valid());
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  it->SeekToLast();
  EXPECT_FALSE(it->Valid());
  it->Seek("a");
  EXPECT_FALSE(it->Valid());
  it->SeekForPrev("z");
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().ok());
}

TEST(IteratorUtilTest, EmptyIteratorCarriesItsStatus) {
  auto it = NewEmptyIterator(absl::NotFoundError("no such file"));
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(absl::IsNotFound(it->status()));
}

TEST(IteratorUtilTest, ErrorIteratorReportsItsError) {
  auto it = NewErrorIterator(absl::DataLossError("bad checksum"));
  EXPECT_FALSE(it->Valid());
  it->Seek("k");
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(absl::IsDataLoss(it->status()));
  EXPECT_EQ("bad checksum", std::string(it->status().message()));
}

}  // namespace
}  // namespace lsm
