#include "engine/db/filename.h"

#include "engine/env/mem_env.h"
#include "gtest/gtest.h"

namespace lsm {
namespace {

TEST(FileNameTest, ParsesWhatItMakes) {
  struct Case {
    std::string name;
    uint64_t number;
    FileType type;
  } cases[] = {
      {"000100.log", 100, FileType::kLog},         {"000007.sst", 7, FileType::kTable},
      {"MANIFEST-000002", 2, FileType::kDescriptor}, {"CURRENT", 0, FileType::kCurrent},
      {"LOCK", 0, FileType::kLock},                 {"000003.dbtmp", 3, FileType::kTemp},
      {"18446744073709551615.log", UINT64_MAX, FileType::kLog},
  };
  for (const auto& c : cases) {
    uint64_t n;
    FileType t;
    ASSERT_TRUE(ParseFileName(c.name, &n, &t)) << c.name;
    EXPECT_EQ(n, c.number) << c.name;
    EXPECT_EQ(t, c.type) << c.name;
  }
  EXPECT_EQ(LogFileName("/d", 5), "/d/000005.log");
  EXPECT_EQ(TableFileName("/d", 1234567), "/d/1234567.sst");
  EXPECT_EQ(DescriptorFileName("/d", 3), "/d/MANIFEST-000003");
}

TEST(FileNameTest, RejectsForeignNames) {
  for (const char* name : {"", "foo", "foo-dx-100.log", ".log", "100", "100.", "100.lop",
                           "MANIFEST", "MANIFEST-", "MANIFEST-3x", "CURRENTX",
                           "18446744073709551616.log", "100.log.bak"}) {
    uint64_t n;
    FileType t;
    EXPECT_FALSE(ParseFileName(name, &n, &t)) << name;
  }
}

TEST(FileNameTest, SetCurrentFileWritesOneLineAtomically) {
  auto env = NewMemEnv(Env::Default());
  ASSERT_TRUE(env->CreateDir("/db").ok());
  ASSERT_TRUE(SetCurrentFile(env.get(), "/db", 12).ok());
  std::string current;
  ASSERT_TRUE(ReadFileToString(env.get(), "/db/CURRENT", &current).ok());
  EXPECT_EQ(current, "MANIFEST-000012\n");
  auto name = ReadCurrentFile(env.get(), "/db");
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(*name, "MANIFEST-000012");
  EXPECT_FALSE(env->FileExists("/db/000012.dbtmp"));
}

}  // namespace
}  // namespace lsm
