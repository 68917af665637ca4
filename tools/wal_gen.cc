// wal_gen: writes the small known WAL that lsm_wal_dump_test.sh checks.
// Test-only.
//
//   wal_gen OUT            five batches, sequences 1..11
//   wal_gen OUT damage     the same with one byte of the third batch flipped
#include <cstdio>
#include <string>

#include "engine/wal/log_writer.h"
#include "lsm/env.h"
#include "lsm/write_batch.h"

namespace {

int Die(const absl::Status& s) {
  std::fprintf(stderr, "wal_gen: %s\n", std::string(s.message()).c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace std::string_literals;
  if (argc < 2) {
    std::fprintf(stderr, "usage: wal_gen OUT [damage]\n");
    return 2;
  }
  const std::string path = argv[1];
  const bool damage = argc > 2 && std::string(argv[2]) == "damage";
  lsm::Env* env = lsm::Env::Default();
  auto file = env->NewWritableFile(path);
  if (!file.ok()) return Die(file.status());
  lsm::log::Writer writer(file->get());

  std::vector<lsm::WriteBatch> batches(5);
  for (int i = 0; i < 5; ++i) {
    char key[16], value[32];
    std::snprintf(key, sizeof(key), "key-%03d", i);
    std::snprintf(value, sizeof(value), "value-data-block-%03d", i);
    batches[0].Put(key, value);
  }
  batches[1].Delete("key-001");
  batches[1].Put("\x00\x01"s "bin", "bin\xffvalue"s);
  batches[2].Put("long", std::string(100, 'x'));
  batches[3].Put("big", std::string(50000, 'b'));  // spans two blocks
  batches[4].Put("last", "v");
  batches[4].Delete("key-004");
  batches[4].DeleteRange("key-002", "key-004");

  uint64_t seq = 1;
  uint64_t third_start = 0, third_end = 0;
  for (size_t i = 0; i < batches.size(); ++i) {
    batches[i].set_sequence(seq);
    seq += batches[i].Count();
    if (i == 2) third_start = writer.FileSize();
    absl::Status s = writer.AddRecord(batches[i].rep());
    if (!s.ok()) return Die(s);
    if (i == 2) third_end = writer.FileSize();
  }
  absl::Status s = (*file)->Close();
  if (!s.ok()) return Die(s);

  if (damage) {
    std::string data;
    s = lsm::ReadFileToString(env, path, &data);
    if (!s.ok()) return Die(s);
    data[(third_start + third_end) / 2] ^= 0x40;
    s = lsm::WriteStringToFile(env, data, path, false);
    if (!s.ok()) return Die(s);
  }
  return 0;
}
