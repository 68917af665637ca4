// Fuzz target: bytes -> a sequence of operations on a DB in an in-memory Env
// with tiny memtables and files (so flushes and compactions happen), checked
// against a std::map model after every read:
//   put, delete, range delete, write batch, get, full scan (forward or backward), bounded
//   scan, seek, snapshot read, flush, compact range, close and reopen.
// Any disagreement with the model, any non-OK status, or a crash is a bug.
// With $FUZZ_TRACE set, every operation is printed to stderr (to turn a
// crashing input into a readable reproducer).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>

#include "engine/env/mem_env.h"
#include "lsm/db.h"
#include "tests/fuzz/fuzz_util.h"

namespace lsm::fuzz {
namespace {

using Model = std::map<std::string, std::string>;

bool Tracing() {
  static const bool on = std::getenv("FUZZ_TRACE") != nullptr;
  return on;
}

std::string Printable(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += c;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", static_cast<unsigned char>(c));
      out += buf;
    }
  }
  return out.size() > 60 ? out.substr(0, 60) + "...(" + std::to_string(s.size()) + " bytes)" : out;
}

#define TRACE(...)                          \
  do {                                      \
    if (Tracing()) {                        \
      std::fprintf(stderr, __VA_ARGS__);    \
      std::fputc('\n', stderr);             \
    }                                       \
  } while (0)

std::string Key(FuzzInput* in) {
  // Mostly a small key space (collisions), sometimes arbitrary bytes.
  const uint8_t b = in->Byte();
  if (b < 200) return "k" + std::to_string(b % 64);
  return in->String(16);
}

std::string Value(FuzzInput* in) {
  const uint8_t b = in->Byte();
  if (b < 128) return std::string(b % 32, static_cast<char>('a' + b % 26));
  if (b < 240) return in->String(40);
  return std::string(static_cast<size_t>(b) * 64, 'x');  // up to ~16 KiB
}

Options FuzzOptions(Env* env) {
  Options o;
  o.env = env;
  o.write_buffer_size = 4 << 10;
  o.target_file_size = 2 << 10;
  o.max_bytes_for_level_base = 8 << 10;
  o.level_size_multiplier = 2;
  o.block_size = 256;
  o.block_restart_interval = 2;
  o.level0_compaction_trigger = 2;
  // High enough that writers are never slowed down (each slowdown sleeps).
  o.level0_slowdown_writes_trigger = 64;
  o.level0_stop_writes_trigger = 80;
  o.block_cache_capacity = 16 << 10;
  return o;
}

void CheckScan(DB* db, const Model& model, const ReadOptions& ro, bool backward) {
  auto lo = ro.lower_bound ? model.lower_bound(*ro.lower_bound) : model.begin();
  auto hi = ro.upper_bound ? model.lower_bound(*ro.upper_bound) : model.end();
  if (ro.lower_bound && ro.upper_bound && *ro.lower_bound >= *ro.upper_bound) hi = lo;
  std::unique_ptr<Iterator> it = db->NewIterator(ro);
  size_t seen = 0;
  auto report = [&](const char* what) {
    std::fprintf(stderr, "%s scan: %s after %zu entries (model has %zu in range); status %s\n",
                 backward ? "backward" : "forward", what, seen,
                 static_cast<size_t>(std::distance(lo, hi)), it->status().ToString().c_str());
  };
  if (!backward) {
    auto m = lo;
    for (it->SeekToFirst(); it->Valid(); it->Next(), ++m, ++seen) {
      if (m == hi || it->key() != m->first || it->value() != m->second) {
        report(m == hi ? "an extra entry" : "a wrong entry");
        FUZZ_CHECK(false);
      }
    }
    if (m != hi || !it->status().ok()) {
      report("ended early");
      FUZZ_CHECK(false);
    }
  } else {
    auto m = hi;
    for (it->SeekToLast(); it->Valid(); it->Prev(), ++seen) {
      if (m == lo) {
        report("an extra entry");
        FUZZ_CHECK(false);
      }
      --m;
      if (it->key() != m->first || it->value() != m->second) {
        report("a wrong entry");
        FUZZ_CHECK(false);
      }
    }
    if (m != lo || !it->status().ok()) {
      report("ended early");
      FUZZ_CHECK(false);
    }
  }
}

}  // namespace
}  // namespace lsm::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lsm;
  using namespace lsm::fuzz;
  if (size > 4096) return 0;  // keep each run short
  FuzzInput in(data, size);
  std::unique_ptr<Env> env = NewMemEnv(Env::Default());
  const Options options = FuzzOptions(env.get());
  auto opened = DB::Open(options, "/db");
  FUZZ_CHECK(opened.ok());
  std::unique_ptr<DB> db = std::move(*opened);
  Model model;
  const Snapshot* snapshot = nullptr;
  Model snapshot_model;
  int ops = 0;
  while (!in.empty() && ops++ < 400) {
    const uint8_t op = in.Byte() % 16;
    switch (op) {
      case 0: case 1: case 2: {
        const std::string k = Key(&in), v = Value(&in);
        TRACE("put %s = %s", Printable(k).c_str(), Printable(v).c_str());
        FUZZ_CHECK(db->Put(WriteOptions(), k, v).ok());
        model[k] = v;
        break;
      }
      case 3: {
        const std::string k = Key(&in);
        if (in.Byte() % 4 == 0) {
          std::string a = k, b = Key(&in);
          if (b < a) std::swap(a, b);
          TRACE("delete_range %s %s", Printable(a).c_str(), Printable(b).c_str());
          FUZZ_CHECK(db->DeleteRange(WriteOptions(), a, b).ok());
          model.erase(model.lower_bound(a), model.lower_bound(b));
          break;
        }
        TRACE("delete %s", Printable(k).c_str());
        FUZZ_CHECK(db->Delete(WriteOptions(), k).ok());
        model.erase(k);
        break;
      }
      case 4: {
        WriteBatch batch;
        Model after = model;
        const int n = in.Byte() % 8;
        for (int i = 0; i < n; ++i) {
          const std::string k = Key(&in);
          const uint8_t kind = in.Byte();
          if (kind % 11 == 0) {
            std::string a = k, b = Key(&in);
            if (b < a) std::swap(a, b);
            TRACE("  batch delete_range %s %s", Printable(a).c_str(), Printable(b).c_str());
            batch.DeleteRange(a, b);
            after.erase(after.lower_bound(a), after.lower_bound(b));
          } else if (kind % 3 == 0) {
            TRACE("  batch delete %s", Printable(k).c_str());
            batch.Delete(k);
            after.erase(k);
          } else {
            const std::string v = Value(&in);
            TRACE("  batch put %s = %s", Printable(k).c_str(), Printable(v).c_str());
            batch.Put(k, v);
            after[k] = v;
          }
        }
        WriteOptions wo;
        wo.sync = n % 2;
        TRACE("write batch of %d (sync %d)", n, static_cast<int>(wo.sync));
        FUZZ_CHECK(db->Write(wo, &batch).ok());
        model.swap(after);
        break;
      }
      case 5: case 6: {
        const std::string k = Key(&in);
        std::string v;
        const absl::Status s = db->Get(ReadOptions(), k, &v);
        TRACE("get %s -> %s", Printable(k).c_str(), s.ok() ? Printable(v).c_str() : s.ToString().c_str());
        auto m = model.find(k);
        if (m == model.end()) {
          FUZZ_CHECK(absl::IsNotFound(s));
        } else {
          FUZZ_CHECK(s.ok());
          FUZZ_CHECK(v == m->second);
        }
        break;
      }
      case 7: {
        const bool backward = in.Byte() % 2;
        TRACE("scan %s", backward ? "backward" : "forward");
        CheckScan(db.get(), model, ReadOptions(), backward);
        break;
      }
      case 8: {
        ReadOptions ro;
        if (in.Byte() % 2) ro.lower_bound = Key(&in);
        if (in.Byte() % 2) ro.upper_bound = Key(&in);
        const bool backward = in.Byte() % 2;
        TRACE("scan %s [%s, %s)", backward ? "backward" : "forward",
              ro.lower_bound ? Printable(*ro.lower_bound).c_str() : "-",
              ro.upper_bound ? Printable(*ro.upper_bound).c_str() : "-");
        CheckScan(db.get(), model, ro, backward);
        break;
      }
      case 9: {
        const std::string k = Key(&in);
        std::unique_ptr<Iterator> it = db->NewIterator(ReadOptions());
        const bool prev = in.Byte() % 2;
        TRACE("%s %s", prev ? "seek_for_prev" : "seek", Printable(k).c_str());
        if (prev) {
          it->SeekForPrev(k);
          auto m = model.upper_bound(k);
          if (m == model.begin()) {
            FUZZ_CHECK(!it->Valid());
          } else {
            --m;
            FUZZ_CHECK(it->Valid() && it->key() == m->first && it->value() == m->second);
          }
        } else {
          it->Seek(k);
          auto m = model.lower_bound(k);
          if (m == model.end()) {
            FUZZ_CHECK(!it->Valid());
          } else {
            FUZZ_CHECK(it->Valid() && it->key() == m->first && it->value() == m->second);
            it->Next();
            ++m;
            FUZZ_CHECK(it->Valid() == (m != model.end()));
            if (it->Valid()) FUZZ_CHECK(it->key() == m->first);
          }
        }
        FUZZ_CHECK(it->status().ok());
        break;
      }
      case 10:
        if (snapshot != nullptr) db->ReleaseSnapshot(snapshot);
        TRACE("snapshot");
        snapshot = db->GetSnapshot();
        snapshot_model = model;
        break;
      case 11:
        if (snapshot != nullptr) {
          ReadOptions ro;
          ro.snapshot = snapshot;
          const bool backward = in.Byte() % 2;
          TRACE("scan snapshot %s", backward ? "backward" : "forward");
          CheckScan(db.get(), snapshot_model, ro, backward);
        }
        break;
      case 12:
        TRACE("flush");
        FUZZ_CHECK(db->Flush().ok());
        break;
      case 13: {
        const std::string a = Key(&in), b = Key(&in);
        const std::string_view va = a, vb = b;
        const uint8_t which = in.Byte() % 3;
        TRACE("compact_range %s %s", which == 0 ? "-" : Printable(a).c_str(),
              which == 1 ? "-" : Printable(b).c_str());
        FUZZ_CHECK(db->CompactRange(which == 0 ? nullptr : &va, which == 1 ? nullptr : &vb).ok());
        break;
      }
      case 14: {
        if (snapshot != nullptr) db->ReleaseSnapshot(snapshot);
        snapshot = nullptr;
        TRACE("reopen");
        db.reset();
        opened = DB::Open(options, "/db");
        FUZZ_CHECK(opened.ok());
        db = std::move(*opened);
        break;
      }
      case 15:
        FUZZ_CHECK(db->GetProperty("lsm.stats").has_value());
        break;
    }
  }
  CheckScan(db.get(), model, ReadOptions(), false);
  if (snapshot != nullptr) db->ReleaseSnapshot(snapshot);
  return 0;
}
