#include "engine/table/merging_iterator.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/memtable/dbformat.h"
#include "engine/table/iterator_util.h"
#include "engine/util/random.h"
#include "engine/util/test_seed.h"
#include "gtest/gtest.h"

namespace lsm {
namespace {

using Entry = std::pair<std::string, std::string>;  // internal key, value

// An iterator over a vector of entries sorted by CompareInternalKeys. After
// `fail_after` positioning calls it turns invalid with a DataLoss status.
class VectorIterator final : public Iterator {
 public:
  explicit VectorIterator(std::vector<Entry> entries, int fail_after = -1)
      : entries_(std::move(entries)), fail_after_(fail_after) {
    for (size_t i = 1; i < entries_.size(); ++i) {
      EXPECT_LT(CompareInternalKeys(entries_[i - 1].first, entries_[i].first), 0);
    }
  }

  bool Valid() const override { return status_.ok() && pos_ < entries_.size(); }
  void SeekToFirst() override {
    if (Step()) pos_ = 0;
  }
  void SeekToLast() override {
    if (Step()) pos_ = entries_.empty() ? kInvalid : entries_.size() - 1;
  }
  void Seek(std::string_view target) override {
    if (!Step()) return;
    pos_ = std::lower_bound(entries_.begin(), entries_.end(), target,
                            [](const Entry& e, std::string_view t) {
                              return CompareInternalKeys(e.first, t) < 0;
                            }) -
           entries_.begin();
  }
  void SeekForPrev(std::string_view target) override {
    if (!Step()) return;
    const size_t after = std::upper_bound(entries_.begin(), entries_.end(), target,
                                          [](std::string_view t, const Entry& e) {
                                            return CompareInternalKeys(t, e.first) < 0;
                                          }) -
                         entries_.begin();
    pos_ = after == 0 ? kInvalid : after - 1;
  }
  void Next() override {
    ASSERT_TRUE(Valid());
    if (Step()) ++pos_;
  }
  void Prev() override {
    ASSERT_TRUE(Valid());
    if (Step()) pos_ = pos_ == 0 ? kInvalid : pos_ - 1;
  }
  std::string_view key() const override {
    EXPECT_TRUE(Valid());
    return entries_[pos_].first;
  }
  std::string_view value() const override {
    EXPECT_TRUE(Valid());
    return entries_[pos_].second;
  }
  absl::Status status() const override { return status_; }

 private:
  static constexpr size_t kInvalid = static_cast<size_t>(-1);

  // Counts one positioning call; false once the iterator has failed.
  bool Step() {
    if (!status_.ok()) return false;
    if (fail_after_ >= 0 && steps_++ >= fail_after_) {
      status_ = absl::DataLossError("injected child failure");
      pos_ = kInvalid;
      return false;
    }
    return true;
  }

  const std::vector<Entry> entries_;
  size_t pos_ = kInvalid;
  const int fail_after_;
  int steps_ = 0;
  absl::Status status_;
};

std::string IKey(std::string_view user_key, SequenceNumber seq,
                 ValueType type = ValueType::kValue) {
  return MakeInternalKey(user_key, seq, type);
}

std::unique_ptr<Iterator> NewMerged(const std::vector<std::vector<Entry>>& inputs) {
  std::vector<std::unique_ptr<Iterator>> children;
  for (const auto& in : inputs) children.push_back(std::make_unique<VectorIterator>(in));
  return NewMergingIterator(std::move(children));
}

// "userkey@seq=value" for every entry, forward.
std::vector<std::string> ScanForward(Iterator* it) {
  std::vector<std::string> out;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ParsedInternalKey p;
    EXPECT_TRUE(ParseInternalKey(it->key(), &p));
    out.push_back(std::string(p.user_key) + "@" + std::to_string(p.sequence) + "=" +
                  std::string(it->value()));
  }
  return out;
}

std::vector<std::string> ScanBackward(Iterator* it) {
  std::vector<std::string> out;
  for (it->SeekToLast(); it->Valid(); it->Prev()) {
    ParsedInternalKey p;
    EXPECT_TRUE(ParseInternalKey(it->key(), &p));
    out.push_back(std::string(p.user_key) + "@" + std::to_string(p.sequence) + "=" +
                  std::string(it->value()));
  }
  return out;
}

TEST(MergingIteratorTest, NoChildrenIsEmpty) {
  auto it = NewMergingIterator({});
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  it->SeekToLast();
  EXPECT_FALSE(it->Valid());
  it->Seek(IKey("a", 1));
  EXPECT_FALSE(it->Valid());
  it->SeekForPrev(IKey("a", 1));
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().ok());
}

TEST(MergingIteratorTest, SingleChildIsPassedThrough) {
  auto child = std::make_unique<VectorIterator>(std::vector<Entry>{{IKey("a", 1), "x"}});
  Iterator* raw = child.get();
  std::vector<std::unique_ptr<Iterator>> children;
  children.push_back(std::move(child));
  auto it = NewMergingIterator(std::move(children));
  EXPECT_EQ(raw, it.get());
  EXPECT_EQ(std::vector<std::string>{"a@1=x"}, ScanForward(it.get()));
}

TEST(MergingIteratorTest, EmptyChildren) {
  auto it = NewMerged({{}, {}, {}});
  EXPECT_TRUE(ScanForward(it.get()).empty());
  EXPECT_TRUE(ScanBackward(it.get()).empty());
  EXPECT_TRUE(it->status().ok());

  // Empty children among non-empty ones are simply skipped.
  auto it2 = NewMerged({{}, {{IKey("b", 2), "b"}}, {}, {{IKey("a", 1), "a"}}, {}});
  EXPECT_EQ((std::vector<std::string>{"a@1=a", "b@2=b"}), ScanForward(it2.get()));
  EXPECT_EQ((std::vector<std::string>{"b@2=b", "a@1=a"}), ScanBackward(it2.get()));
}

TEST(MergingIteratorTest, MergesByInternalKeyOrder) {
  // Versions of one user key in different children: newest (highest
  // sequence) first, as a compaction of L0 files sees them.
  auto it = NewMerged({
      {{IKey("a", 3), "a3"}, {IKey("c", 1), "c1"}},
      {{IKey("a", 5), "a5"}, {IKey("b", 4, ValueType::kDeletion), ""}},
      {{IKey("a", 1), "a1"}, {IKey("b", 2), "b2"}, {IKey("d", 9), "d9"}},
  });
  const std::vector<std::string> expected = {"a@5=a5", "a@3=a3", "a@1=a1", "b@4=",
                                             "b@2=b2", "c@1=c1", "d@9=d9"};
  EXPECT_EQ(expected, ScanForward(it.get()));
  EXPECT_EQ(std::vector<std::string>(expected.rbegin(), expected.rend()),
            ScanBackward(it.get()));

  // Seek to a lookup key: the newest version at or below sequence 4.
  it->Seek(MakeLookupKey("a", 4));
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("a3", it->value());
  it->SeekForPrev(MakeLookupKey("b", 3));
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(IKey("b", 4, ValueType::kDeletion), it->key());
  // Direction switches in the middle of one user key's versions.
  it->Seek(IKey("a", 3));
  ASSERT_TRUE(it->Valid());
  it->Prev();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("a5", it->value());
  it->Next();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("a3", it->value());
  it->Next();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("a1", it->value());
  it->Prev();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("a3", it->value());
  // Off both ends.
  it->SeekToFirst();
  it->Prev();
  EXPECT_FALSE(it->Valid());
  it->SeekToLast();
  it->Next();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().ok());
}

TEST(MergingIteratorTest, EqualKeysOrderByChildIndex) {
  const std::string k = IKey("k", 7);
  auto it = NewMerged({
      {{k, "0"}},
      {{IKey("a", 1), "a"}, {k, "1"}},
      {{k, "2"}, {IKey("z", 1), "z"}},
  });
  EXPECT_EQ((std::vector<std::string>{"a@1=a", "k@7=0", "k@7=1", "k@7=2", "z@1=z"}),
            ScanForward(it.get()));
  EXPECT_EQ((std::vector<std::string>{"z@1=z", "k@7=2", "k@7=1", "k@7=0", "a@1=a"}),
            ScanBackward(it.get()));
  it->Seek(k);
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("0", it->value());
  it->Next();
  EXPECT_EQ("1", it->value());
  it->Prev();
  EXPECT_EQ("0", it->value());
  it->Next();
  it->Next();
  EXPECT_EQ("2", it->value());
  it->Prev();
  EXPECT_EQ("1", it->value());
  it->SeekForPrev(k);
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("2", it->value());
}

TEST(MergingIteratorTest, ErrorIteratorChildStopsTheMerge) {
  std::vector<std::unique_ptr<Iterator>> children;
  children.push_back(std::make_unique<VectorIterator>(std::vector<Entry>{{IKey("a", 1), "a"}}));
  children.push_back(NewErrorIterator(absl::DataLossError("bad block")));
  children.push_back(NewEmptyIterator());
  auto it = NewMergingIterator(std::move(children));
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(absl::IsDataLoss(it->status()));
  EXPECT_EQ("bad block", std::string(it->status().message()));
  it->SeekForPrev(IKey("z", 1));
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(absl::IsDataLoss(it->status()));
}

TEST(MergingIteratorTest, ChildFailingMidwayStopsTheMerge) {
  std::vector<Entry> a, b;
  for (int i = 0; i < 10; ++i) {
    a.push_back({IKey("a" + std::to_string(i), 1), "a"});
    b.push_back({IKey("b" + std::to_string(i), 1), "b"});
  }
  // Forward: child 0 fails on its 4th call (SeekToFirst + 3 Next).
  {
    std::vector<std::unique_ptr<Iterator>> children;
    children.push_back(std::make_unique<VectorIterator>(a, 3));
    children.push_back(std::make_unique<VectorIterator>(b));
    auto it = NewMergingIterator(std::move(children));
    int n = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
    EXPECT_EQ(3, n);  // a0 a1 a2, then the failure: no b key leaks through
    EXPECT_TRUE(absl::IsDataLoss(it->status()));
  }
  // Backward, and the failure hit while switching direction.
  {
    std::vector<std::unique_ptr<Iterator>> children;
    children.push_back(std::make_unique<VectorIterator>(a));
    children.push_back(std::make_unique<VectorIterator>(b, 3));  // SeekToLast, Prev, Prev
    auto it = NewMergingIterator(std::move(children));
    it->SeekToLast();
    ASSERT_TRUE(it->Valid());
    it->Prev();
    it->Prev();
    ASSERT_TRUE(it->Valid());
    EXPECT_EQ(IKey("b7", 1), it->key());
    it->Next();  // b is the current child: it moves, and fails
    EXPECT_FALSE(it->Valid());
    EXPECT_TRUE(absl::IsDataLoss(it->status()));
  }
  {
    std::vector<std::unique_ptr<Iterator>> children;
    children.push_back(std::make_unique<VectorIterator>(a, 1));  // fails on its 2nd call
    children.push_back(std::make_unique<VectorIterator>(b));
    auto it = NewMergingIterator(std::move(children));
    it->SeekToLast();
    ASSERT_TRUE(it->Valid());
    EXPECT_EQ(IKey("b9", 1), it->key());
    it->Next();  // switching to forward re-seeks child 0, which fails
    EXPECT_FALSE(it->Valid());
    EXPECT_TRUE(absl::IsDataLoss(it->status()));
  }
}

TEST(MergingIteratorTest, StatusIsFirstFailingChild) {
  std::vector<std::unique_ptr<Iterator>> children;
  children.push_back(NewEmptyIterator());
  children.push_back(NewErrorIterator(absl::UnavailableError("io")));
  children.push_back(NewErrorIterator(absl::DataLossError("crc")));
  auto it = NewMergingIterator(std::move(children));
  EXPECT_TRUE(absl::IsUnavailable(it->status()));
}

// The model: every (key, child, value), sorted by (internal key, child).
struct ModelEntry {
  std::string key;
  uint32_t child;
  std::string value;
};
bool ModelLess(const ModelEntry& a, const ModelEntry& b) {
  const int r = CompareInternalKeys(a.key, b.key);
  return r != 0 ? r < 0 : a.child < b.child;
}

std::string RandomUserKey(Random* rnd) {
  // A small alphabet and short keys: many shared user keys and prefixes.
  std::string k(1 + rnd->Uniform(3), 'a');
  for (char& c : k) c = static_cast<char>('a' + rnd->Uniform(4));
  return k;
}

std::string RandomInternalKey(Random* rnd) {
  return IKey(RandomUserKey(rnd), rnd->Uniform(20),
              rnd->OneIn(3) ? ValueType::kDeletion : ValueType::kValue);
}

TEST(MergingIteratorTest, RandomizedAgainstSortedUnion) {
  const uint64_t seed = NewTestSeed();  // a new one each run; LSM_TEST_SEED reproduces one
  SCOPED_TRACE("seed=" + std::to_string(seed));
  Random rnd(seed);

  for (int round = 0; round < 200; ++round) {
    SCOPED_TRACE("round=" + std::to_string(round));
    const uint32_t num_children = 2 + rnd.Uniform(9);
    std::vector<std::vector<Entry>> inputs(num_children);
    std::vector<ModelEntry> model;
    const int num_keys = static_cast<int>(rnd.Uniform(120));
    // In half the rounds one child holds most keys, as the last level does in
    // a DB: long stretches of the merge then stay in that child.
    const bool skewed = rnd.OneIn(2);
    for (int i = 0; i < num_keys; ++i) {
      const std::string key = RandomInternalKey(&rnd);
      // Usually in one child; sometimes the same key in several (ties).
      const int copies = rnd.OneIn(10) ? 2 + rnd.Uniform(3) : 1;
      for (int c = 0; c < copies; ++c) {
        const uint32_t child = skewed && rnd.Uniform(10) < 8 ? 0 : rnd.Uniform(num_children);
        bool present = false;
        for (const Entry& e : inputs[child]) present |= e.first == key;
        if (present) continue;
        const std::string value = std::to_string(i) + "/" + std::to_string(child);
        inputs[child].push_back({key, value});
        model.push_back({key, child, value});
      }
    }
    for (auto& in : inputs) {
      std::sort(in.begin(), in.end(), [](const Entry& a, const Entry& b) {
        return CompareInternalKeys(a.first, b.first) < 0;
      });
    }
    std::sort(model.begin(), model.end(), ModelLess);
    auto it = NewMerged(inputs);

    // Full scans both ways.
    std::vector<std::string> expected;
    for (const ModelEntry& e : model) expected.push_back(e.value);
    std::vector<std::string> got;
    for (it->SeekToFirst(); it->Valid(); it->Next()) got.push_back(std::string(it->value()));
    ASSERT_EQ(expected, got);
    got.clear();
    for (it->SeekToLast(); it->Valid(); it->Prev()) got.push_back(std::string(it->value()));
    std::reverse(got.begin(), got.end());
    ASSERT_EQ(expected, got);

    // A random walk: seeks and steps with direction changes, checking the
    // position against the model after every step. pos == model.size()
    // stands for "not valid".
    const size_t kEnd = model.size();
    size_t pos = kEnd;
    for (int step = 0; step < 300; ++step) {
      const uint64_t op = rnd.Uniform(100);
      std::string what;
      if (op < 5) {
        it->SeekToFirst();
        pos = model.empty() ? kEnd : 0;
        what = "SeekToFirst";
      } else if (op < 10) {
        it->SeekToLast();
        pos = model.empty() ? kEnd : model.size() - 1;
        what = "SeekToLast";
      } else if (op < 20) {
        // Targets both from the data (exact hits) and from anywhere.
        const std::string target = !model.empty() && rnd.OneIn(2)
                                       ? model[rnd.Uniform(model.size())].key
                                       : RandomInternalKey(&rnd);
        it->Seek(target);
        pos = std::lower_bound(model.begin(), model.end(), ModelEntry{target, 0, ""}, ModelLess) -
              model.begin();
        what = "Seek";
      } else if (op < 30) {
        const std::string target = !model.empty() && rnd.OneIn(2)
                                       ? model[rnd.Uniform(model.size())].key
                                       : RandomInternalKey(&rnd);
        it->SeekForPrev(target);
        // Last entry <= target: among equal keys, the highest child.
        const size_t after =
            std::upper_bound(model.begin(), model.end(), ModelEntry{target, UINT32_MAX, ""},
                             ModelLess) -
            model.begin();
        pos = after == 0 ? kEnd : after - 1;
        what = "SeekForPrev";
      } else if (pos == kEnd) {
        continue;  // Next/Prev need a valid position
      } else if (op < 65) {
        it->Next();
        ++pos;
        what = "Next";
      } else {
        it->Prev();
        pos = pos == 0 ? kEnd : pos - 1;
        what = "Prev";
      }
      SCOPED_TRACE("step " + std::to_string(step) + " " + what);
      ASSERT_EQ(pos != kEnd, it->Valid());
      if (pos != kEnd) {
        ASSERT_EQ(model[pos].key, it->key());
        ASSERT_EQ(model[pos].value, it->value());
      }
    }
    ASSERT_TRUE(it->status().ok());
  }
}

}  // namespace
}  // namespace lsm
