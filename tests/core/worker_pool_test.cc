#include "cairn/core/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

namespace cairn {
namespace {

TEST(WorkerPoolTest, RunsEveryItemExactlyOnce) {
  WorkerPool pool(3);
  for (std::size_t n : {0u, 1u, 2u, 7u, 1000u}) {
    std::vector<std::atomic<int>> hits(n);
    pool.ParallelFor(n, [&](std::size_t i) { hits[i].fetch_add(1); });
    for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(hits[i].load(), 1) << "n=" << n << " i=" << i;
  }
}

TEST(WorkerPoolTest, UsesMoreThanOneThread) {
  WorkerPool pool(2);
  std::mutex mu;
  std::set<std::thread::id> ids;
  std::atomic<int> arrived{0};
  // Two items that each wait for the other: only completes if two threads run them at once.
  pool.ParallelFor(2, [&](std::size_t) {
    {
      std::lock_guard<std::mutex> l(mu);
      ids.insert(std::this_thread::get_id());
    }
    arrived.fetch_add(1);
    while (arrived.load() < 2) std::this_thread::yield();
  });
  EXPECT_EQ(ids.size(), 2u);
}

TEST(WorkerPoolTest, SingleThreadPoolRunsInline) {
  WorkerPool pool(1);
  EXPECT_EQ(pool.threads(), 1);
  std::size_t sum = 0;
  pool.ParallelFor(10, [&](std::size_t i) { sum += i; });
  EXPECT_EQ(sum, 45u);
}

TEST(WorkerPoolTest, StartRunsOnWorkersWhileTheCallerWorks) {
  WorkerPool pool(3);
  const std::thread::id caller = std::this_thread::get_id();
  for (int round = 0; round < 20; ++round) {
    std::vector<std::atomic<int>> hits(50);
    std::atomic<bool> on_caller{false};
    pool.Start(hits.size(), [&](std::size_t i) {
      if (std::this_thread::get_id() == caller) on_caller = true;
      hits[i].fetch_add(1);
    });
    pool.Wait();
    for (std::size_t i = 0; i < hits.size(); ++i) ASSERT_EQ(hits[i].load(), 1) << "round " << round << " i " << i;
    EXPECT_FALSE(on_caller.load());
  }
  pool.Wait();  // nothing started: returns at once
  std::atomic<int> n{0};
  pool.ParallelFor(8, [&](std::size_t) { n.fetch_add(1); });  // the synchronous form still works after Start
  EXPECT_EQ(n.load(), 8);
}

}  // namespace
}  // namespace cairn
