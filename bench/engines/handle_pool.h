// HandlePool: the per-thread handles of engines whose handles must not be
// shared between threads (an LMDB read transaction, a WiredTiger session with
// its cursor). Each thread that calls ForThisThread gets a handle of its own,
// made on its first call and kept until the thread exits, when it goes back to
// the pool for the next thread (so a run that starts a new thread per workload
// keeps as many handles as threads ran at once, not as threads ever ran).
// Acquire/Release lend a handle to one user, e.g. an iterator.
//
// Thread safety: ForThisThread, Acquire and Release may be called from many
// threads at once. Close must not run concurrently with them (the Engine
// contract: Close needs external synchronization); a thread exiting after
// Close finds the pool closed and leaves its handle alone.
#ifndef LSM_BENCH_ENGINES_HANDLE_POOL_H_
#define LSM_BENCH_ENGINES_HANDLE_POOL_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/status/statusor.h"

namespace lsm {
namespace bench {

class HandlePool : public std::enable_shared_from_this<HandlePool> {
 public:
  // make: a new handle. close: releases one (called by Close for every handle
  // the pool made).
  static std::shared_ptr<HandlePool> Create(std::function<absl::StatusOr<void*>()> make,
                                            std::function<void(void*)> close);

  HandlePool(const HandlePool&) = delete;
  HandlePool& operator=(const HandlePool&) = delete;
  ~HandlePool();

  // The calling thread's handle; FailedPrecondition once closed.
  absl::StatusOr<void*> ForThisThread();
  // A handle for the caller alone until Release; FailedPrecondition once
  // closed.
  absl::StatusOr<void*> Acquire();
  // Gives back a handle from Acquire (a no-op once the pool is closed: Close
  // has released it).
  void Release(void* handle);
  // Releases every handle the pool made, lent or not. Idempotent.
  void Close();

  // How many handles the pool holds, lent or not (0 once closed).
  size_t HandlesMade();

 private:
  HandlePool(std::function<absl::StatusOr<void*>()> make, std::function<void(void*)> close);

  const uint64_t id_;  // unique per pool, so a thread's stale entries never match
  const std::function<absl::StatusOr<void*>()> make_;
  const std::function<void(void*)> close_;
  std::mutex mu_;
  std::atomic<bool> open_{true};  // written under mu_
  std::vector<void*> all_;
  std::vector<void*> free_;
};

}  // namespace bench
}  // namespace lsm

#endif  // LSM_BENCH_ENGINES_HANDLE_POOL_H_
