#include "bench/engines/handle_pool.h"

#include <algorithm>
#include <atomic>
#include <utility>

#include "absl/status/status.h"

namespace lsm {
namespace bench {

namespace {

std::atomic<uint64_t> next_pool_id{1};

// What one thread holds: its handle of each pool it has used.
class ThreadHandles {
 public:
  struct Entry {
    uint64_t pool_id;
    std::weak_ptr<HandlePool> pool;
    void* handle;
  };

  ~ThreadHandles() {
    for (Entry& e : entries_) {
      if (std::shared_ptr<HandlePool> pool = e.pool.lock()) pool->Release(e.handle);
    }
  }

  void* Find(uint64_t pool_id) const {
    for (const Entry& e : entries_) {
      if (e.pool_id == pool_id) return e.handle;
    }
    return nullptr;
  }

  void Add(uint64_t pool_id, std::weak_ptr<HandlePool> pool, void* handle) {
    // Forget the handles of pools that are gone.
    entries_.erase(std::remove_if(entries_.begin(), entries_.end(),
                                  [](const Entry& e) { return e.pool.expired(); }),
                   entries_.end());
    entries_.push_back(Entry{pool_id, std::move(pool), handle});
  }

 private:
  std::vector<Entry> entries_;
};

thread_local ThreadHandles this_thread_handles;

}  // namespace

std::shared_ptr<HandlePool> HandlePool::Create(std::function<absl::StatusOr<void*>()> make,
                                               std::function<void(void*)> close) {
  return std::shared_ptr<HandlePool>(new HandlePool(std::move(make), std::move(close)));
}

HandlePool::HandlePool(std::function<absl::StatusOr<void*>()> make,
                       std::function<void(void*)> close)
    : id_(next_pool_id.fetch_add(1)), make_(std::move(make)), close_(std::move(close)) {}

HandlePool::~HandlePool() { Close(); }

absl::StatusOr<void*> HandlePool::ForThisThread() {
  if (!open_.load(std::memory_order_acquire)) {
    return absl::FailedPreconditionError("handle pool closed");
  }
  if (void* handle = this_thread_handles.Find(id_)) return handle;
  absl::StatusOr<void*> handle = Acquire();
  if (!handle.ok()) return handle;
  this_thread_handles.Add(id_, weak_from_this(), *handle);
  return handle;
}

absl::StatusOr<void*> HandlePool::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!open_) return absl::FailedPreconditionError("handle pool closed");
    if (!free_.empty()) {
      void* handle = free_.back();
      free_.pop_back();
      return handle;
    }
  }
  absl::StatusOr<void*> handle = make_();
  if (!handle.ok()) return handle;
  std::lock_guard<std::mutex> lock(mu_);
  all_.push_back(*handle);
  return handle;
}

void HandlePool::Release(void* handle) {
  std::lock_guard<std::mutex> lock(mu_);
  if (open_) free_.push_back(handle);
}

void HandlePool::Close() {
  std::vector<void*> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!open_) return;
    open_.store(false, std::memory_order_release);
    all.swap(all_);
    free_.clear();
  }
  for (void* handle : all) close_(handle);
}

size_t HandlePool::HandlesMade() {
  std::lock_guard<std::mutex> lock(mu_);
  return all_.size();
}

}  // namespace bench
}  // namespace lsm
