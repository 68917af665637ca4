#include "tools/stress_state.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace lsm::tools {
namespace {

std::string TestDir(const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string dir = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/", name, "-", getpid());
  return dir;
}

TEST(StressKeys, FixedWidthDecimalAndParse) {
  StressShape shape{1000, 6, 16};
  EXPECT_EQ(MinKeySize(1000), 3u);
  EXPECT_EQ(MinKeySize(1001), 4u);
  EXPECT_EQ(MinKeySize(1), 1u);
  EXPECT_EQ(StressKey(0, 6), "000000");
  EXPECT_EQ(StressKey(42, 6), "000042");
  EXPECT_EQ(StressKey(999, 3), "999");
  uint64_t k;
  ASSERT_TRUE(ParseStressKey("000042", shape, &k));
  EXPECT_EQ(k, 42u);
  EXPECT_FALSE(ParseStressKey("001000", shape, &k));  // outside the key space
  EXPECT_FALSE(ParseStressKey("00042", shape, &k));   // wrong width
  EXPECT_FALSE(ParseStressKey("0000x2", shape, &k));
  // Key order is index order.
  EXPECT_LT(StressKey(9, 6), StressKey(10, 6));
}

TEST(StressValues, DeterministicDistinctAndDescribed) {
  StressShape shape{100, 3, 40};
  const std::string v = StressValue(7, 3, 40);
  EXPECT_EQ(v.size(), 40u);
  EXPECT_EQ(v, StressValue(7, 3, 40));
  EXPECT_NE(v, StressValue(7, 4, 40));
  EXPECT_NE(v, StressValue(8, 3, 40));
  EXPECT_EQ(DescribeValue(v, shape), "v3 of key 007");
  std::string damaged = v;
  damaged[20] ^= 1;
  EXPECT_NE(DescribeValue(damaged, shape).find("damaged"), std::string::npos);
  EXPECT_NE(DescribeValue("short", shape).find("5-byte value"), std::string::npos);
  EXPECT_EQ(StressValue(1, 1, 8).size(), 8u);
}

TEST(StressStates, Encoding) {
  EXPECT_FALSE(IsLive(0));
  EXPECT_TRUE(IsLive(5));
  EXPECT_FALSE(IsLive(5 | kDeletedBit));
  EXPECT_EQ(VersionOf(5 | kDeletedBit), 5u);
  EXPECT_EQ(DescribeState(0), "never written");
  EXPECT_EQ(DescribeState(5), "v5");
  EXPECT_EQ(DescribeState(5 | kDeletedBit), "deleted@v5");
}

TEST(ExpectedState, InMemorySlots) {
  auto s = ExpectedState::CreateInMemory({10, 2, 8});
  ASSERT_TRUE(s.ok());
  ExpectedState& st = **s;
  EXPECT_EQ(st.acked(9), 0u);
  EXPECT_EQ(st.NextVersion(9), 1u);
  st.SetPending(9, 1);
  EXPECT_EQ(st.NextVersion(9), 2u);  // above the in-flight version too
  st.SetAcked(9, 1);
  st.SetPending(9, 2 | kDeletedBit);
  EXPECT_EQ(st.NextVersion(9), 3u);
  EXPECT_EQ(st.acked(8), 0u);
}

TEST(ExpectedState, FileSurvivesAKilledProcess) {
  const std::string dir = TestDir("state");
  bool created = false;
  {
    auto s = ExpectedState::Open(dir, {50, 2, 16}, /*create=*/true, &created);
    ASSERT_TRUE(s.ok()) << s.status();
    EXPECT_TRUE(created);
  }
  // A child writes slots and dies by SIGKILL without any cleanup.
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    bool c;
    auto s = ExpectedState::Open(dir, {50, 2, 16}, false, &c);
    if (!s.ok()) _exit(3);
    (*s)->SetAcked(7, 11);
    (*s)->SetPending(7, 12 | kDeletedBit);
    (*s)->SetAcked(49, 3);
    kill(getpid(), SIGKILL);
    _exit(4);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status));

  // The shape comes from the file, whatever the caller passes.
  auto s = ExpectedState::Open(dir, {1, 1, 8}, /*create=*/false, &created);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_FALSE(created);
  EXPECT_EQ((*s)->shape().num_keys, 50u);
  EXPECT_EQ((*s)->shape().key_size, 2u);
  EXPECT_EQ((*s)->shape().value_size, 16u);
  EXPECT_EQ((*s)->acked(7), 11u);
  EXPECT_EQ((*s)->pending(7), 12u | kDeletedBit);
  EXPECT_EQ((*s)->acked(49), 3u);
  EXPECT_EQ((*s)->acked(0), 0u);

  // Locked while open: another process cannot open it.
  const pid_t pid2 = fork();
  ASSERT_GE(pid2, 0);
  if (pid2 == 0) {
    bool c;
    auto other = ExpectedState::Open(dir, {50, 2, 16}, false, &c);
    _exit(absl::IsFailedPrecondition(other.status()) ? 0 : 5);
  }
  ASSERT_EQ(waitpid(pid2, &status, 0), pid2);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(ExpectedState, RejectsOtherFiles) {
  const std::string dir = TestDir("bad");
  bool created;
  EXPECT_TRUE(absl::IsNotFound(ExpectedState::Open(dir, {10, 2, 8}, false, &created).status()));
  ASSERT_EQ(system(absl::StrCat("mkdir -p ", dir).c_str()), 0);
  { std::ofstream(dir + "/expected_state") << "not a state file at all"; }
  EXPECT_TRUE(
      absl::IsInvalidArgument(ExpectedState::Open(dir, {10, 2, 8}, true, &created).status()));
  // A valid header whose size disagrees with the file.
  const std::string good = TestDir("good");
  {
    auto s = ExpectedState::Open(good, {10, 2, 8}, true, &created);
    ASSERT_TRUE(s.ok());
  }
  ASSERT_EQ(truncate((good + "/expected_state").c_str(), 4096 + 40), 0);
  EXPECT_TRUE(
      absl::IsInvalidArgument(ExpectedState::Open(good, {10, 2, 8}, false, &created).status()));
}

}  // namespace
}  // namespace lsm::tools
