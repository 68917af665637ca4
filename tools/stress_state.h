// The expected state of an lsm-stress run, and the keys and values it writes.
//
// Every key of the key space [0, num_keys) has two 32-bit slots:
//   acked    the latest state whose write the DB acknowledged
//   pending  the state being written now (set before the write is issued)
// A state is 0 (never written), a version v (the key holds StressValue(k, v))
// or v | kDeletedBit (deleted by the write of version v). Between writes the
// two slots are equal; while a write is in flight they differ, and after a
// crash the DB may hold either (the write may or may not have landed).
//
// With a file (crash mode) the slots live in a MAP_SHARED mapping of
// DIR/expected_state, so every store is in the page cache the moment it is
// made and survives a kill -9 of the process without any fsync. It does NOT
// survive a power loss or an OS crash: that would need an msync after each
// pending/acked update (and the writes synced too), which crash tests by
// process kill do not need.
//
// File layout (little endian):
//   header (4096 bytes): magic "LSMSTRS1", format:u32 (1), key_size:u32,
//                        value_size:u32, reserved:u32, num_keys:u64, zeros
//   slots: num_keys × (acked:u32, pending:u32)
//
// Values are derived from (key index, version) alone, so a verifier recomputes
// them: value := version:u32 index:u32 filler, where the filler is letters
// from a generator seeded by (index, version).
//
// Thread safety: slot reads and writes are atomic (relaxed); lsm-stress gives
// every key exactly one writing thread, so the slots of a key change only in
// program order of that thread. Open/Create are not thread-safe.
#ifndef LSM_TOOLS_STRESS_STATE_H_
#define LSM_TOOLS_STRESS_STATE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace lsm::tools {

inline constexpr uint32_t kDeletedBit = 1u << 31;
inline bool IsLive(uint32_t state) { return state != 0 && (state & kDeletedBit) == 0; }
inline uint32_t VersionOf(uint32_t state) { return state & ~kDeletedBit; }
// "v17", "deleted@v17", "never written".
std::string DescribeState(uint32_t state);

struct StressShape {
  uint64_t num_keys = 0;
  uint32_t key_size = 0;
  uint32_t value_size = 0;
};

// Digits needed for the largest index of a key space of num_keys keys.
uint32_t MinKeySize(uint64_t num_keys);
// The key of index: decimal, zero-padded to key_size.
// REQUIRES: key_size >= MinKeySize(index + 1)
std::string StressKey(uint64_t index, uint32_t key_size);
// True when key is StressKey(i, shape.key_size) for some i < shape.num_keys.
bool ParseStressKey(std::string_view key, const StressShape& shape, uint64_t* index);
// REQUIRES: value_size >= 8
std::string StressValue(uint64_t index, uint32_t version, uint32_t value_size);
// What a DB value is, for mismatch reports: "v17 of key 0042", "a damaged
// value (...)", or "a 5-byte value lsm-stress never writes ('hello')".
std::string DescribeValue(std::string_view value, const StressShape& shape);

class ExpectedState {
 public:
  static constexpr char kFileName[] = "expected_state";

  // Anonymous memory, every key never written.
  static absl::StatusOr<std::unique_ptr<ExpectedState>> CreateInMemory(const StressShape& shape);
  // Opens DIR/expected_state, or creates it for `shape` when absent and
  // create is true (then *created is set). Holds an flock on it while open:
  // FailedPrecondition when another process holds it. InvalidArgument when the
  // file is not an expected-state file; NotFound when absent and !create.
  static absl::StatusOr<std::unique_ptr<ExpectedState>> Open(const std::string& dir,
                                                             const StressShape& shape,
                                                             bool create, bool* created);

  ExpectedState(const ExpectedState&) = delete;
  ExpectedState& operator=(const ExpectedState&) = delete;
  ~ExpectedState();

  const StressShape& shape() const { return shape_; }
  const std::string& path() const { return path_; }

  uint32_t acked(uint64_t k) const { return Slot(k, 0).load(std::memory_order_acquire); }
  uint32_t pending(uint64_t k) const { return Slot(k, 1).load(std::memory_order_acquire); }
  void SetPending(uint64_t k, uint32_t state) {
    Slot(k, 1).store(state, std::memory_order_release);
  }
  void SetAcked(uint64_t k, uint32_t state) { Slot(k, 0).store(state, std::memory_order_release); }
  // The state of the next write of key k: a version above both slots.
  uint32_t NextVersion(uint64_t k) const {
    const uint32_t a = VersionOf(acked(k)), p = VersionOf(pending(k));
    return (a > p ? a : p) + 1;
  }

 private:
  ExpectedState(StressShape shape, std::string path, int fd, char* base, size_t size)
      : shape_(shape), path_(std::move(path)), fd_(fd), base_(base), size_(size) {}
  // REQUIRES: k < shape().num_keys
  std::atomic_ref<uint32_t> Slot(uint64_t k, int which) const {
    return std::atomic_ref<uint32_t>(
        *reinterpret_cast<uint32_t*>(base_ + kHeaderSize + k * 8 + which * 4));
  }

  static constexpr size_t kHeaderSize = 4096;

  const StressShape shape_;
  const std::string path_;  // empty: in memory
  const int fd_;            // -1: in memory
  char* const base_;
  const size_t size_;
};

}  // namespace lsm::tools

#endif  // LSM_TOOLS_STRESS_STATE_H_
