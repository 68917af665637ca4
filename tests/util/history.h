// History: the acknowledged writes of a test workload, as a sequence of
// atomic batches in commit order, and the checks the whole-system tests make
// against it after a crash, a fault or a corruption:
//   - is a recovered state exactly the state after some prefix of the history
//     (no holes, no resurrected deletes, no torn batches)?
//   - was a value read for a key ever written for that key (no garbage)?
//
// Thread safety: not thread-safe; one thread at a time.
#ifndef LSM_TESTS_UTIL_HISTORY_H_
#define LSM_TESTS_UTIL_HISTORY_H_

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lsm/db.h"
#include "lsm/write_batch.h"

namespace lsm::testing {

// One update of a batch: a put (value set), a delete (value empty), or a
// range deletion of [key, range_end) (range_end set, value empty).
struct Update {
  std::string key;
  std::optional<std::string> value;
  std::optional<std::string> range_end;
};
using Batch = std::vector<Update>;
using State = std::map<std::string, std::string>;

// The lsm::WriteBatch that applies batch.
inline WriteBatch ToWriteBatch(const Batch& batch) {
  WriteBatch wb;
  for (const Update& u : batch) {
    if (u.range_end) {
      wb.DeleteRange(u.key, *u.range_end);
    } else if (u.value) {
      wb.Put(u.key, *u.value);
    } else {
      wb.Delete(u.key);
    }
  }
  return wb;
}

// The keys of state that update u changes (all of its range for a range
// deletion, else its one key).
inline std::vector<std::string> KeysTouched(const Update& u, const State& state) {
  if (!u.range_end) return {u.key};
  std::vector<std::string> keys;
  for (auto it = state.lower_bound(u.key); it != state.end() && it->first < *u.range_end; ++it) {
    keys.push_back(it->first);
  }
  return keys;
}

inline void Apply(const Update& u, State* state) {
  if (u.range_end) {
    state->erase(state->lower_bound(u.key), state->lower_bound(*u.range_end));
  } else if (u.value) {
    (*state)[u.key] = *u.value;
  } else {
    state->erase(u.key);
  }
}

inline void Apply(const Batch& batch, State* state) {
  for (const Update& u : batch) Apply(u, state);
}

class History {
 public:
  // Appends an acknowledged batch.
  void Add(Batch batch) {
    for (const Update& u : batch) {
      keys_.insert(u.key);
      if (u.value) written_.emplace(u.key, *u.value);
    }
    Apply(batch, &final_);
    batches_.push_back(std::move(batch));
  }

  // Drops the batches from index k on (e.g. ones whose fate is unknown).
  // REQUIRES: k <= size()
  void Truncate(size_t k) {
    batches_.resize(k);
    final_ = StateAt(k);
  }

  size_t size() const { return batches_.size(); }
  const Batch& batch(size_t i) const { return batches_[i]; }
  const State& final_state() const { return final_; }
  // Every key ever written or deleted.
  const std::set<std::string>& keys() const { return keys_; }

  // The state after the first k batches. REQUIRES: k <= size()
  State StateAt(size_t k) const {
    State s;
    for (size_t i = 0; i < k; ++i) Apply(batches_[i], &s);
    return s;
  }

  // True when value was written for key by some batch.
  bool WasWritten(std::string_view key, std::string_view value) const {
    return written_.count({std::string(key), std::string(value)}) > 0;
  }

  // The largest k in [lo, hi] such that state == StateAt(k), if any.
  // O(ops in the first hi batches + |state|).
  std::optional<size_t> MatchPrefix(const State& state, size_t lo, size_t hi) const {
    if (hi > size()) hi = size();
    if (lo > hi) return std::nullopt;
    State cur = StateAt(lo);
    // Keys whose value in cur differs from state.
    std::set<std::string> diff;
    for (const auto& [k, v] : cur) {
      auto it = state.find(k);
      if (it == state.end() || it->second != v) diff.insert(k);
    }
    for (const auto& [k, v] : state) {
      if (!cur.count(k)) diff.insert(k);
    }
    std::optional<size_t> match;
    if (diff.empty()) match = lo;
    for (size_t k = lo; k < hi; ++k) {
      for (const Update& u : batches_[k]) {
        // Keys a range deletion does not find in cur stay as they were.
        const std::vector<std::string> touched = KeysTouched(u, cur);
        Apply(u, &cur);
        for (const std::string& key : touched) {
          auto want = state.find(key);
          auto have = cur.find(key);
          const bool same = (want == state.end())
                                ? have == cur.end()
                                : (have != cur.end() && have->second == want->second);
          if (same) {
            diff.erase(key);
          } else {
            diff.insert(key);
          }
        }
      }
      if (diff.empty()) match = k + 1;
    }
    return match;
  }

 private:
  std::vector<Batch> batches_;
  State final_;
  std::set<std::string> keys_;
  std::set<std::pair<std::string, std::string>> written_;
};

// The whole state a DB shows through an iterator; *status is the iterator's.
inline State ReadState(DB* db, absl::Status* status) {
  State m;
  std::unique_ptr<Iterator> it = db->NewIterator(ReadOptions());
  for (it->SeekToFirst(); it->Valid(); it->Next()) m.emplace(it->key(), it->value());
  *status = it->status();
  return m;
}

// A test parameter from the environment ($LSM_TEST_SEED and the like), or def.
inline uint64_t EnvNumber(const char* name, uint64_t def) {
  const char* s = std::getenv(name);
  return s != nullptr && *s != '\0' ? std::strtoull(s, nullptr, 10) : def;
}

// Describes how state differs from want, in at most max_lines lines.
inline std::string DescribeDiff(const State& state, const State& want, int max_lines = 5) {
  std::string out;
  int lines = 0;
  auto note = [&](const std::string& line) {
    if (lines++ < max_lines) out += line + "\n";
  };
  for (const auto& [k, v] : want) {
    auto it = state.find(k);
    if (it == state.end()) {
      note("missing " + k);
    } else if (it->second != v) {
      note("stale " + k + " = " + it->second.substr(0, 40) + " (want " + v.substr(0, 40) + ")");
    }
  }
  for (const auto& [k, v] : state) {
    if (!want.count(k)) note("extra " + k + " = " + v.substr(0, 40));
  }
  if (lines > max_lines) out += "... " + std::to_string(lines - max_lines) + " more\n";
  return out;
}

}  // namespace lsm::testing

#endif  // LSM_TESTS_UTIL_HISTORY_H_
