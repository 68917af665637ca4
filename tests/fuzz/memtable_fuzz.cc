// Fuzz target: an operation sequence applied to two memtables, one of each
// sorted structure (MemTableStructure::kBTree and kSkipList), and to a
// std::map model. Invariants:
//   - Get at any snapshot gives the model's answer (value, deletion or
//     nothing, and the sequence found) in both memtables;
//   - Seek and SeekForPrev to any internal key land where the model's
//     lower_bound / upper_bound do, in both;
//   - a full scan, forward or backward, gives the model's entries in order.
//
// Keys are a stem picked by one byte (stems share long prefixes, are
// prefixes of one another, and hold 0x00 and 0xff bytes: what the B+tree's
// 8-byte key windows must get right) followed by a few bytes of the input,
// so the same user keys come back with new sequence numbers.
//
// Input: a sequence of one-byte opcodes, each followed by its operands.
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "engine/memtable/dbformat.h"
#include "engine/memtable/memtable.h"
#include "lsm/iterator.h"
#include "lsm/options.h"
#include "tests/fuzz/fuzz_util.h"

namespace lsm::fuzz {
namespace {

struct ModelEntry {
  ValueType type;
  std::string value;
};
using Model = std::map<std::string, ModelEntry, InternalKeyLess>;

std::string UserKey(FuzzInput* in) {
  static const std::string_view kStems[] = {
      "",
      "a",
      "user/",
      "user/00000000",
      "user/000000000000",
      std::string_view("k\0\0\0\0\0\0\0\0", 9),
      "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
      "orders/2026-12-02/customer-",
  };
  std::string key(kStems[in->Byte() % std::size(kStems)]);
  key += in->String(10);
  return key;
}

// The memtable's iterator and the model's position must name the same
// entry, or both be past the end.
void CheckSame(const Iterator& it, const Model& model, Model::const_iterator pos) {
  FUZZ_CHECK(it.Valid() == (pos != model.end()));
  if (pos == model.end()) return;
  FUZZ_CHECK(it.key() == pos->first);
  if (pos->second.type == ValueType::kValue) FUZZ_CHECK(it.value() == pos->second.value);
}

void CheckGet(const MemTable& mem, const Model& model, const std::string& user_key,
              SequenceNumber snapshot) {
  std::string value;
  SequenceNumber found_seq = 0;
  const MemTable::GetResult got = mem.Get(user_key, snapshot, &value, &found_seq);
  const auto pos = model.lower_bound(MakeLookupKey(user_key, snapshot));
  if (pos == model.end() || ExtractUserKey(pos->first) != user_key) {
    FUZZ_CHECK(got == MemTable::GetResult::kNotPresent);
    return;
  }
  FUZZ_CHECK(found_seq == (ExtractTrailer(pos->first) >> 8));
  if (pos->second.type == ValueType::kDeletion) {
    FUZZ_CHECK(got == MemTable::GetResult::kDeleted);
  } else {
    FUZZ_CHECK(got == MemTable::GetResult::kFound);
    FUZZ_CHECK(value == pos->second.value);
  }
}

void CheckScan(const MemTable& mem, const Model& model, bool forward) {
  std::unique_ptr<Iterator> it = mem.NewIterator();
  if (forward) {
    it->SeekToFirst();
    for (auto pos = model.begin(); pos != model.end(); ++pos, it->Next()) CheckSame(*it, model, pos);
  } else {
    it->SeekToLast();
    for (auto pos = model.rbegin(); pos != model.rend(); ++pos, it->Prev()) {
      CheckSame(*it, model, std::prev(pos.base()));
    }
  }
  FUZZ_CHECK(!it->Valid());
}

}  // namespace
}  // namespace lsm::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lsm;
  using namespace lsm::fuzz;
  FuzzInput in(data, size);
  MemTable btree(0, MemTableStructure::kBTree);
  MemTable skiplist(0, MemTableStructure::kSkipList);
  const MemTable* const mems[] = {&btree, &skiplist};
  Model model;
  SequenceNumber seq = 0;
  while (!in.empty()) {
    const uint8_t op = in.Byte();
    switch (op % 6) {
      case 0:
      case 1: {  // put or delete: a new sequence number every time
        const std::string key = UserKey(&in);
        const ValueType type = op % 6 == 0 ? ValueType::kValue : ValueType::kDeletion;
        const std::string value = type == ValueType::kValue ? in.String(20) : "";
        ++seq;
        btree.Add(seq, type, key, value);
        skiplist.Add(seq, type, key, value);
        model[MakeInternalKey(key, seq, type)] = ModelEntry{type, value};
        break;
      }
      case 2: {  // get at a snapshot at or below the last sequence
        const std::string key = UserKey(&in);
        const SequenceNumber snapshot = seq == 0 ? 0 : in.Uint16() % (seq + 1);
        for (const MemTable* mem : mems) CheckGet(*mem, model, key, snapshot);
        break;
      }
      case 3:
      case 4: {  // seek / seek for prev to an internal key
        const std::string target =
            MakeLookupKey(UserKey(&in), seq == 0 ? 0 : in.Uint16() % (seq + 2));
        for (const MemTable* mem : mems) {
          std::unique_ptr<Iterator> it = mem->NewIterator();
          if (op % 6 == 3) {
            it->Seek(target);
            CheckSame(*it, model, model.lower_bound(target));
          } else {
            it->SeekForPrev(target);
            auto pos = model.upper_bound(target);
            CheckSame(*it, model, pos == model.begin() ? model.end() : std::prev(pos));
          }
        }
        break;
      }
      case 5:  // a full scan
        for (const MemTable* mem : mems) CheckScan(*mem, model, (op & 0x80) == 0);
        break;
    }
  }
  for (const MemTable* mem : mems) {
    CheckScan(*mem, model, true);
    CheckScan(*mem, model, false);
  }
  return 0;
}
