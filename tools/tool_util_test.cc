#include "tools/tool_util.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace lsm::tools {
namespace {

std::vector<std::string> Texts(std::string_view line) {
  auto tokens = Tokenize(line);
  EXPECT_TRUE(tokens.ok()) << tokens.status();
  std::vector<std::string> r;
  if (tokens.ok()) {
    for (const Token& t : *tokens) r.push_back(t.text);
  }
  return r;
}

TEST(EscapeBytes, PrintableAsIsOthersAsHex) {
  EXPECT_EQ(EscapeBytes("hello world"), "hello world");
  EXPECT_EQ(EscapeBytes(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(EscapeBytes("tab\there\n"), "tab\\x09here\\x0a");
  EXPECT_EQ(EscapeBytes("back\\slash"), "back\\\\slash");
  EXPECT_EQ(EscapeBytes("\x7f\x80\xff"), "\\x7f\\x80\\xff");
  EXPECT_EQ(EscapeBytes("\"q\""), "\\\"q\\\"");
  EXPECT_EQ(EscapeBytes(""), "");
}

TEST(Tokenize, SplitsAtBlanks) {
  EXPECT_EQ(Texts("  put  k\tv  "), (std::vector<std::string>{"put", "k", "v"}));
  EXPECT_TRUE(Texts("").empty());
  EXPECT_TRUE(Texts("   \t ").empty());
}

TEST(Tokenize, QuotesKeepBlanksAndMarkTokens) {
  auto tokens = Tokenize("put \"a b\" c\"d e\"f \"\" --limit");
  ASSERT_TRUE(tokens.ok());
  ASSERT_EQ(tokens->size(), 5u);
  EXPECT_EQ((*tokens)[1].text, "a b");
  EXPECT_TRUE((*tokens)[1].quoted);
  EXPECT_EQ((*tokens)[2].text, "cd ef");
  EXPECT_EQ((*tokens)[3].text, "");  // an empty quoted token is a token
  EXPECT_TRUE((*tokens)[3].quoted);
  EXPECT_EQ((*tokens)[4].text, "--limit");
  EXPECT_FALSE((*tokens)[4].quoted);
}

TEST(Tokenize, Escapes) {
  EXPECT_EQ(Texts("\\x00\\xFf\\x41"), (std::vector<std::string>{std::string("\0\xff" "A", 3)}));
  EXPECT_EQ(Texts("\"\\n\\t\\r\\0\\\\\\\"\\'\""),
            (std::vector<std::string>{std::string("\n\t\r\0\\\"'", 7)}));
  EXPECT_EQ(Texts("a\\ b c"), (std::vector<std::string>{"a b", "c"}));
  auto escaped = Tokenize("\\x2d-limit");
  ASSERT_TRUE(escaped.ok());
  EXPECT_EQ((*escaped)[0].text, "--limit");
  EXPECT_TRUE((*escaped)[0].quoted);  // escaped: data, not an option
}

TEST(Tokenize, RoundTripsEscapeBytes) {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  auto tokens = Tokenize("\"" + EscapeBytes(all) + "\"");
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  ASSERT_EQ(tokens->size(), 1u);
  EXPECT_EQ((*tokens)[0].text, all);
}

TEST(Tokenize, Errors) {
  EXPECT_TRUE(absl::IsInvalidArgument(Tokenize("put \"open").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(Tokenize("a\\").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(Tokenize("\\q").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(Tokenize("\\x4").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(Tokenize("\\xg0").status()));
}

TEST(UnescapeArgument, QuotesAndBlanksAreLiteral) {
  auto t = UnescapeArgument("a \"b\"\\x00");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->text, std::string("a \"b\"\0", 6));
  auto empty = UnescapeArgument("");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->text, "");
  EXPECT_FALSE(UnescapeArgument("\\z").ok());
}

TEST(ParseCompression, NamesAndErrors) {
  EXPECT_EQ(*ParseCompression("none"), Compression::kNone);
  EXPECT_EQ(*ParseCompression("Snappy"), Compression::kSnappy);
  EXPECT_EQ(*ParseCompression("ZSTD"), Compression::kZstd);
  EXPECT_FALSE(ParseCompression("lz4").ok());
  EXPECT_STREQ(CompressionName(Compression::kZstd), "zstd");
}

TEST(HumanBytes, Units) {
  EXPECT_EQ(HumanBytes(0), "0 B");
  EXPECT_EQ(HumanBytes(1023), "1023 B");
  EXPECT_EQ(HumanBytes(1536), "1.5 KiB");
  EXPECT_EQ(HumanBytes(4 << 20), "4.0 MiB");
}

TEST(StatusLine, OneLine) {
  EXPECT_EQ(StatusLine(absl::OkStatus()), "OK");
  EXPECT_EQ(StatusLine(absl::DataLossError("bad\ncrc")), "bad crc");
  EXPECT_EQ(StatusLine(absl::Status(absl::StatusCode::kInternal, "")), "INTERNAL");
}

}  // namespace
}  // namespace lsm::tools
