#include "lsm/write_batch.h"

#include <iostream>
#include <string>
#include <vector>

#include "engine/memtable/memtable.h"
#include "engine/util/coding.h"
#include "engine/util/random.h"
#include "engine/wal/write_batch_internal.h"
#include "gtest/gtest.h"

namespace lsm {
namespace {

using namespace std::string_literals;

// Renders the entries of a batch as "Put(k, v)Delete(k)...".
class Printer : public WriteBatch::Handler {
 public:
  void Put(std::string_view key, std::string_view value) override {
    out += "Put(" + std::string(key) + ", " + std::string(value) + ")";
  }
  void Delete(std::string_view key) override { out += "Delete(" + std::string(key) + ")"; }
  void DeleteRange(std::string_view begin, std::string_view end) override {
    out += "DeleteRange(" + std::string(begin) + ", " + std::string(end) + ")";
  }
  std::string out;
};

// A handler written before range deletions: keeps the default DeleteRange.
class PointOnlyHandler : public WriteBatch::Handler {
 public:
  void Put(std::string_view, std::string_view) override { ++entries; }
  void Delete(std::string_view) override { ++entries; }
  int entries = 0;
};

std::string Print(const WriteBatch& b) {
  Printer p;
  absl::Status s = b.Iterate(&p);
  if (!s.ok()) return "error: " + std::string(s.message());
  return p.out;
}

TEST(WriteBatchTest, Empty) {
  WriteBatch b;
  EXPECT_EQ(b.Count(), 0u);
  EXPECT_EQ(b.ApproximateSize(), WriteBatch::kHeaderSize);
  EXPECT_EQ(b.rep(), std::string(12, '\0'));
  EXPECT_EQ(Print(b), "");
}

// The exact encoding of a small batch (the worked example of FORMAT.md).
TEST(WriteBatchTest, Encoding) {
  WriteBatch b;
  b.set_sequence(0x0102030405060708ull);
  b.Put("k1", "v1");
  b.Delete("k2");
  const std::string want =
      "\x08\x07\x06\x05\x04\x03\x02\x01"  // sequence
      "\x02\x00\x00\x00"                  // count
      "\x01\x02\x00\x00\x00\x02\x00\x00\x00k1v1"  // Put
      "\x00\x02\x00\x00\x00\x00\x00\x00\x00k2"s;  // Delete
  EXPECT_EQ(std::string(b.rep()), want);
  EXPECT_EQ(b.Count(), 2u);
  EXPECT_EQ(b.sequence(), 0x0102030405060708ull);
  EXPECT_EQ(b.ApproximateSize(), want.size());
  EXPECT_EQ(Print(b), "Put(k1, v1)Delete(k2)");
}

// A range deletion is one entry: type 2, key = begin, value = end.
TEST(WriteBatchTest, DeleteRangeEncoding) {
  WriteBatch b;
  b.DeleteRange("a", "kz");
  const std::string want =
      "\x00\x00\x00\x00\x00\x00\x00\x00"            // sequence
      "\x01\x00\x00\x00"                                // count
      "\x02\x01\x00\x00\x00\x02\x00\x00\x00" "akz"s;  // DeleteRange
  EXPECT_EQ(std::string(b.rep()), want);
  EXPECT_EQ(Print(b), "DeleteRange(a, kz)");
  WriteBatch copy;
  ASSERT_TRUE(copy.SetContents(b.rep()).ok());
  EXPECT_EQ(Print(copy), "DeleteRange(a, kz)");
}

TEST(WriteBatchTest, HandlerWithoutDeleteRangeGetsUnimplemented) {
  WriteBatch b;
  b.Put("k", "v");
  PointOnlyHandler h;
  ASSERT_TRUE(b.Iterate(&h).ok());
  b.DeleteRange("a", "b");
  absl::Status s = b.Iterate(&h);
  EXPECT_TRUE(absl::IsUnimplemented(s)) << s;
  EXPECT_NE(s.message().find("DeleteRange"), std::string_view::npos) << s;
}

TEST(WriteBatchTest, RangeDeletionsGoToTheMemTablesTombstoneList) {
  WriteBatch b;
  b.set_sequence(10);
  b.Put("b", "1");
  b.DeleteRange("a", "c");
  b.DeleteRange("x", "x");  // empty: uses a sequence, adds nothing
  b.Put("y", "2");
  MemTable mem;
  ASSERT_TRUE(InsertBatchIntoMemTable(b, &mem).ok());
  std::string v;
  SequenceNumber seq = 0;
  EXPECT_EQ(mem.Get("b", 100, &v, &seq), MemTable::GetResult::kFound);
  EXPECT_EQ(seq, 10u);
  EXPECT_EQ(mem.Get("y", 100, &v, &seq), MemTable::GetResult::kFound);
  EXPECT_EQ(seq, 13u);
  ASSERT_EQ(mem.NumRangeDeletions(), 1u);
  std::vector<RangeTombstone> list;
  mem.AppendRangeTombstones(&list);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].begin, "a");
  EXPECT_EQ(list[0].end, "c");
  EXPECT_EQ(list[0].sequence, 11u);
  EXPECT_EQ(mem.RangeTombstones()->MaxCoveringSequence("b", 100), 11u);
  EXPECT_EQ(mem.RangeTombstones()->MaxCoveringSequence("b", 10), 0u);
}

TEST(WriteBatchTest, BinaryAndEmpty) {
  WriteBatch b;
  b.Put("a\0b"s, "\0"s);
  b.Put("", "");
  b.Delete("\xff\0"s);
  EXPECT_EQ(Print(b), "Put(a\0b, \0)Put(, )Delete(\xff\0)"s);
  WriteBatch copy;
  ASSERT_TRUE(copy.SetContents(b.rep()).ok());
  EXPECT_EQ(Print(copy), Print(b));
}

TEST(WriteBatchTest, AppendAndClear) {
  WriteBatch a, b;
  a.set_sequence(200);
  a.Put("a", "1");
  b.set_sequence(300);
  b.Delete("b");
  b.Put("c", "3");
  a.Append(b);
  EXPECT_EQ(a.Count(), 3u);
  EXPECT_EQ(a.sequence(), 200u);  // keeps its own sequence
  EXPECT_EQ(Print(a), "Put(a, 1)Delete(b)Put(c, 3)");
  a.Append(WriteBatch());
  EXPECT_EQ(a.Count(), 3u);
  a.Clear();
  EXPECT_EQ(a.Count(), 0u);
  EXPECT_EQ(a.sequence(), 0u);
  EXPECT_EQ(Print(a), "");
  WriteBatch moved = std::move(b);
  b.Put("x", "y");  // a moved-from batch is usable again
  EXPECT_EQ(Print(b), "Put(x, y)");
  EXPECT_EQ(b.Count(), 1u);
}

// Damaged encodings: each is rejected with DataLoss and this message.
TEST(WriteBatchTest, DamagedEncodings) {
  auto header = [](uint32_t count) {
    std::string s(8, '\0');
    PutFixed32(&s, count);
    return s;
  };
  auto entry = [](uint8_t type, uint32_t klen, uint32_t vlen, std::string_view bytes) {
    std::string s(1, static_cast<char>(type));
    PutFixed32(&s, klen);
    PutFixed32(&s, vlen);
    s.append(bytes.data(), bytes.size());
    return s;
  };
  const std::string good = entry(1, 1, 1, "kv");
  struct Case {
    std::string encoded;
    std::string message;
  };
  const Case cases[] = {
      {"", "write batch of 0 bytes is shorter than its 12-byte header"},
      {std::string(11, '\0'), "write batch of 11 bytes is shorter than its 12-byte header"},
      {header(1), "write batch count is 1 but it holds 0 entries"},
      {header(0) + good, "write batch count is 0 but it holds more entries"},
      {header(3) + good + good, "write batch count is 3 but it holds 2 entries"},
      {header(2) + good + "\x01\x00\x00"s, "write batch entry 1: entry header needs 9 bytes, only 3 remain"},
      {header(1) + entry(7, 1, 1, "kv"), "write batch entry 0: unknown type 7"},
      {header(4) + good + good + good + entry(1, 400, 0, std::string(12, 'x')),
       "write batch entry 3: key length 400 exceeds remaining 12 bytes"},
      {header(1) + entry(1, 2, 0xffffffffu, "kkv"),
       "write batch entry 0: value length 4294967295 exceeds remaining 1 bytes"},
      {header(1) + entry(0, 1, 1, "kv"), "write batch entry 0: deletion with a value of length 1"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.message);
    WriteBatch b;
    b.Put("keep", "me");
    const absl::Status s = b.SetContents(c.encoded);
    EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
    EXPECT_EQ(std::string(s.message()), c.message);
    EXPECT_EQ(Print(b), "Put(keep, me)");  // unchanged on failure
    EXPECT_EQ(ValidateWriteBatch(c.encoded).code(), absl::StatusCode::kDataLoss);
  }
}

// Every truncation and every byte flip of an encoded batch is either
// rejected or decodes without reading out of bounds (ASan checks the
// latter).
TEST(WriteBatchTest, EveryTruncationAndFlip) {
  WriteBatch b;
  b.set_sequence(77);
  b.Put("key-one", "value-one");
  b.Delete("key-two");
  b.Put("", "x");
  const std::string rep(b.rep());
  for (size_t len = 0; len < rep.size(); ++len) {
    WriteBatch t;
    EXPECT_FALSE(t.SetContents(rep.substr(0, len)).ok()) << len;
  }
  for (size_t p = 0; p < rep.size(); ++p) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string damaged = rep;
      damaged[p] = static_cast<char>(damaged[p] ^ (1 << bit));
      WriteBatch t;
      if (t.SetContents(damaged).ok()) Print(t);
    }
  }
}

TEST(WriteBatchTest, InsertIntoMemTableAssignsSequences) {
  WriteBatch b;
  b.set_sequence(100);
  b.Put("a", "va");
  b.Put("b", "vb");
  b.Delete("a");
  MemTable mem;
  ASSERT_TRUE(InsertBatchIntoMemTable(b, &mem).ok());
  EXPECT_EQ(mem.NumEntries(), 3u);
  EXPECT_EQ(mem.SmallestSequence(), 100u);
  EXPECT_EQ(mem.LargestSequence(), 102u);
  std::string v;
  EXPECT_EQ(mem.Get("a", 100, &v), MemTable::GetResult::kFound);
  EXPECT_EQ(v, "va");
  EXPECT_EQ(mem.Get("a", 102, &v), MemTable::GetResult::kDeleted);
  EXPECT_EQ(mem.Get("b", 100, &v), MemTable::GetResult::kNotPresent);
  EXPECT_EQ(mem.Get("b", 101, &v), MemTable::GetResult::kFound);
  EXPECT_EQ(v, "vb");

  b.set_sequence(kMaxSequenceNumber - 1);  // three entries do not fit
  EXPECT_EQ(InsertBatchIntoMemTable(b, &mem).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(mem.NumEntries(), 3u);
}

TEST(WriteBatchTest, RandomRoundTrip) {
  const uint64_t seed = 2024;
  std::cerr << "seed=" << seed << "\n";
  Random rnd(seed);
  for (int iter = 0; iter < 100; ++iter) {
    WriteBatch b;
    std::string expected;
    const int n = static_cast<int>(rnd.Uniform(50));
    for (int i = 0; i < n; ++i) {
      const std::string key = rnd.Bytes(rnd.Uniform(20));
      if (rnd.OneIn(3)) {
        b.Delete(key);
        expected += "Delete(" + key + ")";
      } else {
        const std::string value = rnd.Bytes(rnd.Skewed(10));
        b.Put(key, value);
        expected += "Put(" + key + ", " + value + ")";
      }
    }
    WriteBatch copy;
    ASSERT_TRUE(copy.SetContents(b.rep()).ok());
    EXPECT_EQ(copy.Count(), static_cast<size_t>(n));
    EXPECT_EQ(Print(copy), expected);
  }
}

}  // namespace
}  // namespace lsm
