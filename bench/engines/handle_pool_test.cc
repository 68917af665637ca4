#include "bench/engines/handle_pool.h"

#include <latch>
#include <set>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace lsm {
namespace bench {
namespace {

// Handles are ints numbered from 1; closed ones are recorded.
struct Counter {
  std::mutex mu;
  int made = 0;
  std::multiset<int> closed;
};

std::shared_ptr<HandlePool> NewPool(Counter* counter) {
  return HandlePool::Create(
      [counter]() -> absl::StatusOr<void*> {
        std::lock_guard<std::mutex> lock(counter->mu);
        return static_cast<void*>(new int(++counter->made));
      },
      [counter](void* h) {
        std::unique_ptr<int> handle(static_cast<int*>(h));
        std::lock_guard<std::mutex> lock(counter->mu);
        counter->closed.insert(*handle);
      });
}

int Id(absl::StatusOr<void*> h) {
  EXPECT_TRUE(h.ok()) << h.status();
  return h.ok() ? *static_cast<int*>(*h) : -1;
}

TEST(HandlePoolTest, OneHandlePerThreadKeptUntilItExits) {
  Counter counter;
  std::shared_ptr<HandlePool> pool = NewPool(&counter);
  const int mine = Id(pool->ForThisThread());
  EXPECT_EQ(Id(pool->ForThisThread()), mine);

  // Two threads alive at once get handles of their own.
  std::latch both(2);
  int a = 0, b = 0;
  std::thread ta([&] {
    a = Id(pool->ForThisThread());
    both.arrive_and_wait();
  });
  std::thread tb([&] {
    b = Id(pool->ForThisThread());
    both.arrive_and_wait();
  });
  ta.join();
  tb.join();
  EXPECT_NE(a, b);
  EXPECT_NE(a, mine);
  EXPECT_NE(b, mine);
  EXPECT_EQ(pool->HandlesMade(), 3u);

  // Threads that come later, one at a time, reuse what exited threads left.
  for (int i = 0; i < 5; ++i) {
    std::thread t([&] {
      const int h = Id(pool->ForThisThread());
      EXPECT_TRUE(h == a || h == b) << h;
    });
    t.join();
  }
  EXPECT_EQ(pool->HandlesMade(), 3u);
  EXPECT_EQ(Id(pool->ForThisThread()), mine);
}

TEST(HandlePoolTest, AcquireLendsAHandleUntilRelease) {
  Counter counter;
  std::shared_ptr<HandlePool> pool = NewPool(&counter);
  const int mine = Id(pool->ForThisThread());
  absl::StatusOr<void*> lent = pool->Acquire();
  ASSERT_TRUE(lent.ok());
  EXPECT_NE(Id(lent), mine);
  absl::StatusOr<void*> second = pool->Acquire();
  EXPECT_NE(Id(second), Id(lent));
  pool->Release(*lent);
  EXPECT_EQ(Id(pool->Acquire()), Id(lent));
  EXPECT_EQ(pool->HandlesMade(), 3u);
}

TEST(HandlePoolTest, CloseReleasesEveryHandleOnce) {
  Counter counter;
  std::shared_ptr<HandlePool> pool = NewPool(&counter);
  ASSERT_TRUE(pool->ForThisThread().ok());
  absl::StatusOr<void*> lent = pool->Acquire();
  ASSERT_TRUE(lent.ok());

  // A thread still holding its handle when the pool closes.
  std::latch got(1), closed(1);
  std::thread t([&] {
    EXPECT_TRUE(pool->ForThisThread().ok());
    got.count_down();
    closed.wait();
  });
  got.wait();
  pool->Close();
  closed.count_down();
  t.join();  // its exit must not hand the closed handle back
  pool->Release(*lent);
  pool->Close();
  EXPECT_EQ(counter.closed, (std::multiset<int>{1, 2, 3}));
  EXPECT_EQ(pool->HandlesMade(), 0u);
  EXPECT_EQ(pool->ForThisThread().status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(pool->Acquire().status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(HandlePoolTest, AFailedMakeIsReturned) {
  std::shared_ptr<HandlePool> pool = HandlePool::Create(
      []() -> absl::StatusOr<void*> { return absl::ResourceExhaustedError("no handles"); },
      [](void*) {});
  EXPECT_EQ(pool->ForThisThread().status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(pool->HandlesMade(), 0u);
}

}  // namespace
}  // namespace bench
}  // namespace lsm
