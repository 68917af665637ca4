// Shared helpers for the DB tests: options for tiny memtables and files (so
// that a few thousand writes exercise flushes and compactions), and reading
// a whole DB into a map.
#ifndef LSM_ENGINE_DB_DB_TEST_UTIL_H_
#define LSM_ENGINE_DB_DB_TEST_UTIL_H_

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/db/db_impl.h"
#include "engine/db/filename.h"
#include "gtest/gtest.h"
#include "lsm/db.h"

namespace lsm {

// Small everything: 64 KiB memtables, 64 KiB files, 256 KiB L1.
inline Options SmallOptions(Env* env) {
  Options o;
  o.env = env;
  o.write_buffer_size = 64 << 10;
  o.target_file_size = 64 << 10;
  o.max_bytes_for_level_base = 256 << 10;
  o.level_size_multiplier = 4;
  o.block_size = 1024;
  o.block_cache_capacity = 1 << 20;
  o.level0_compaction_trigger = 2;
  o.level0_slowdown_writes_trigger = 8;
  o.level0_stop_writes_trigger = 12;
  return o;
}

// Every live key/value the DB's iterator yields, in order.
inline std::map<std::string, std::string> ReadAll(DB* db, const Snapshot* snap = nullptr) {
  std::map<std::string, std::string> m;
  ReadOptions ro;
  ro.snapshot = snap;
  auto it = db->NewIterator(ro);
  for (it->SeekToFirst(); it->Valid(); it->Next()) m.emplace(it->key(), it->value());
  EXPECT_TRUE(it->status().ok()) << it->status();
  return m;
}

// The seed for randomized tests: $LSM_TEST_SEED if set, else a fixed default.
inline uint64_t TestSeed(uint64_t default_seed) {
  const char* env = std::getenv("LSM_TEST_SEED");
  return env ? std::strtoull(env, nullptr, 10) : default_seed;
}

// Paths of dir's files of one type, in ascending file number.
inline std::vector<std::string> FilesOfType(Env* env, const std::string& dir, FileType type) {
  std::vector<std::pair<uint64_t, std::string>> found;
  auto children = env->GetChildren(dir);
  EXPECT_TRUE(children.ok()) << children.status();
  if (!children.ok()) return {};
  for (const std::string& name : *children) {
    uint64_t number;
    FileType t;
    if (ParseFileName(name, &number, &t) && t == type) found.emplace_back(number, dir + "/" + name);
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> paths;
  for (auto& [number, path] : found) paths.push_back(std::move(path));
  return paths;
}

inline DBImpl* Impl(DB* db) { return static_cast<DBImpl*>(db); }

// The number lsm.stats prints right after label ("WAL syncs: "), or nullopt
// when the label is missing.
inline std::optional<uint64_t> StatAfter(DB* db, const std::string& label) {
  const std::string stats = db->GetProperty("lsm.stats").value_or("");
  const size_t at = stats.find(label);
  if (at == std::string::npos) return std::nullopt;
  return std::strtoull(stats.c_str() + at + label.size(), nullptr, 10);
}

}  // namespace lsm

#endif  // LSM_ENGINE_DB_DB_TEST_UTIL_H_
