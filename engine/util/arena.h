// Arena: bump allocation for memtable nodes, freed all at once.
//
// Thread safety: Allocate* needs external synchronization (the memtable's one
// writer); MemoryUsage may be read from any thread.
#ifndef LSM_ENGINE_UTIL_ARENA_H_
#define LSM_ENGINE_UTIL_ARENA_H_

#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

namespace lsm {

class Arena {
 public:
  Arena() = default;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // REQUIRES: bytes > 0
  char* Allocate(size_t bytes);
  // Aligned for any pointer or std::atomic<T*>.
  char* AllocateAligned(size_t bytes);
  // Bytes of every block allocated so far, bookkeeping included.
  size_t MemoryUsage() const { return memory_usage_.load(std::memory_order_relaxed); }

 private:
  // Small enough that a small write buffer is measured finely, large enough
  // that an allocation per ~80 memtable entries costs nothing measurable.
  static constexpr size_t kBlockSize = 8 << 10;
  char* AllocateFallback(size_t bytes);
  char* AllocateNewBlock(size_t bytes);

  char* alloc_ptr_ = nullptr;
  size_t alloc_bytes_remaining_ = 0;
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::atomic<size_t> memory_usage_{0};
};

inline char* Arena::Allocate(size_t bytes) {
  if (bytes <= alloc_bytes_remaining_) {
    char* result = alloc_ptr_;
    alloc_ptr_ += bytes;
    alloc_bytes_remaining_ -= bytes;
    return result;
  }
  return AllocateFallback(bytes);
}

}  // namespace lsm

#endif  // LSM_ENGINE_UTIL_ARENA_H_
