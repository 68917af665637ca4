// Options::memory_budget measured: a process reading a DB three times larger
// than the budget, with 200 iterators open, keeps its resident memory within
// the budget + 20%. Each phase runs in a child process of its own (fork), so
// that what one phase allocated never counts in another's resident set; the
// parent touches no DB (a forked child would inherit a background thread
// pool without its threads).
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "engine/env/test_util.h"
#include "engine/util/random.h"
#include "gtest/gtest.h"
#include "lsm/db.h"

namespace lsm {
namespace {

std::string Key(uint64_t i) { return absl::StrFormat("key%010d", i); }

// Resident set size of this process, in bytes.
uint64_t ProcessRss() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

constexpr uint64_t kKeys = 100000;
constexpr size_t kValueSize = 1000;  // random bytes: 100 MB that do not compress

// Runs fn in a child process and returns what it wrote to the pipe (the child
// exits 0 on success).
std::string InChild(const std::function<std::string()>& fn) {
  int fds[2];
  if (pipe(fds) != 0) return "pipe failed";
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    const std::string out = fn();
    if (write(fds[1], out.data(), out.size()) != static_cast<ssize_t>(out.size())) _exit(3);
    _exit(0);
  }
  close(fds[1]);
  std::string out;
  char buf[512];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) out = "child failed: " + out;
  return out;
}

// Opens the DB with o, reads random keys, then holds 200 iterators at random
// places while reading more; returns "rss_growth_bytes" or an error.
std::string ReadWorkload(const Options& o, const std::string& path) {
  const uint64_t base = ProcessRss();
  auto db = DB::Open(o, path);
  if (!db.ok()) return "open: " + std::string(db.status().message());
  Random rnd(11);
  std::string value;
  for (int i = 0; i < 150000; ++i) {
    absl::Status s = (*db)->Get(ReadOptions(), Key(rnd.Uniform(kKeys)), &value);
    if (!s.ok()) return "get: " + std::string(s.message());
  }
  std::vector<std::unique_ptr<Iterator>> its;
  for (int i = 0; i < 200; ++i) {
    its.push_back((*db)->NewIterator(ReadOptions()));
    its.back()->Seek(Key(rnd.Uniform(kKeys)));
    for (int n = 0; n < 50 && its.back()->Valid(); ++n) its.back()->Next();
  }
  for (int i = 0; i < 100000; ++i) {
    absl::Status s = (*db)->Get(ReadOptions(), Key(rnd.Uniform(kKeys)), &value);
    if (!s.ok()) return "get: " + std::string(s.message());
  }
  const uint64_t peak = ProcessRss();
  const std::string memory = (*db)->GetProperty("lsm.memory").value_or("");
  its.clear();
  return absl::StrFormat("%d\n%s", peak > base ? peak - base : 0, memory);
}

TEST(MemoryBudgetTest, ResidentMemoryStaysWithinTheBudget) {
  const std::string dir = NewTestTempDir("memory_budget");
  const std::string path = dir + "/db";
  // Build the DB in a child, so nothing the writes allocated stays in this
  // process's resident set.
  const std::string built = InChild([&]() -> std::string {
    Options o;
    o.create_if_missing = true;
    auto db = DB::Open(o, path);
    if (!db.ok()) return std::string(db.status().message());
    Random rnd(3);
    for (uint64_t i = 0; i < kKeys; ++i) {
      absl::Status s = (*db)->Put(WriteOptions(), Key(i), rnd.Bytes(kValueSize));
      if (!s.ok()) return std::string(s.message());
    }
    absl::Status s = (*db)->CompactRange(nullptr, nullptr);
    return s.ok() ? "ok" : std::string(s.message());
  });
  ASSERT_EQ(built, "ok");

  constexpr size_t kBudget = 32 << 20;
  Options budgeted;
  budgeted.memory_budget = kBudget;
  const std::string with = InChild([&] { return ReadWorkload(budgeted, path); });
  const std::string without = InChild([&] { return ReadWorkload(Options(), path); });
  ASSERT_FALSE(with.empty());
  ASSERT_TRUE(isdigit(static_cast<unsigned char>(with[0]))) << with;
  ASSERT_TRUE(isdigit(static_cast<unsigned char>(without[0]))) << without;
  const uint64_t rss_with = std::stoull(with);
  const uint64_t rss_without = std::stoull(without);
  std::printf("DB of %llu MB; RSS growth reading it with 200 iterators open:\n"
              "  memory_budget 32 MiB: %.1f MiB (limit %.1f MiB)\n  lsm.memory:\n%s\n"
              "  defaults (64 MiB cache, mmap reads): %.1f MiB\n",
              static_cast<unsigned long long>(kKeys * kValueSize >> 20), rss_with / 1048576.0,
              kBudget * 1.2 / 1048576.0, with.substr(with.find('\n') + 1).c_str(),
              rss_without / 1048576.0);
  EXPECT_LE(rss_with, kBudget * 12 / 10);
  RemoveDirRecursively(Env::Default(), dir);
}

}  // namespace
}  // namespace lsm
