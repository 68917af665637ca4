// sst_gen: writes a small, known SST for lsm_dump_test.sh (test-only).
//
//   sst_gen OUT.sst
//
// Entries: a few named keys (one binary, one deletion, one long value), then
// key00000..key00499 so the table spans several data blocks.
#include <cstdio>
#include <string>

#include "engine/memtable/dbformat.h"
#include "engine/table/table_builder.h"
#include "lsm/env.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: sst_gen OUT.sst\n");
    return 2;
  }
  lsm::Env* env = lsm::Env::Default();
  auto file = env->NewWritableFile(argv[1]);
  if (!file.ok()) {
    std::fprintf(stderr, "sst_gen: %s\n", std::string(file.status().message()).c_str());
    return 1;
  }
  lsm::TableOptions options;
  options.block_size = 1024;
  options.compression = lsm::Compression::kSnappy;
  lsm::TableBuilder b(options, file->get());
  using lsm::MakeInternalKey;
  using lsm::ValueType;
  b.Add(MakeInternalKey(std::string("\x00\x01" "bin", 5), 7, ValueType::kValue), "binary key");
  b.Add(MakeInternalKey("apple", 3, ValueType::kValue), "red");
  b.Add(MakeInternalKey("banana", 9, ValueType::kDeletion), "");
  b.Add(MakeInternalKey("banana", 4, ValueType::kValue), "yellow");
  b.Add(MakeInternalKey("cherry", 5, ValueType::kValue), std::string(100, 'x'));
  for (int i = 0; i < 500; ++i) {
    char key[16];
    std::snprintf(key, sizeof(key), "key%05d", i);
    b.Add(MakeInternalKey(key, 100 + i, ValueType::kValue), "value-" + std::to_string(i));
  }
  b.AddRangeTombstone(lsm::RangeTombstone{"cherry", "key00010", 12});
  absl::Status s = b.Finish();
  if (s.ok()) s = (*file)->Sync();
  if (s.ok()) s = (*file)->Close();
  if (!s.ok()) {
    std::fprintf(stderr, "sst_gen: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  return 0;
}
