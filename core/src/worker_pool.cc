#include "cairn/core/worker_pool.h"

namespace cairn {

WorkerPool::WorkerPool(int threads) {
  for (int i = 1; i < threads; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_work_.notify_all();
  for (auto& t : workers_) t.join();
}

// Claims and runs items until none is left; the lock is dropped while an item runs.
void WorkerPool::RunItems(std::unique_lock<std::mutex>& lock) {
  while (next_ < n_) {
    std::size_t i = next_++;
    const auto* fn = fn_;
    lock.unlock();
    (*fn)(i);
    lock.lock();
    if (++done_ == n_) cv_done_.notify_all();
  }
}

void WorkerPool::WorkerLoop() {
  std::size_t seen = 0;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_work_.wait(lock, [&] { return stop_ || generation_ != seen; });
    if (stop_) return;
    seen = generation_;
    RunItems(lock);
  }
}

void WorkerPool::ParallelFor(std::size_t n, const std::function<void(std::size_t)>& fn) {
  if (n == 0) return;
  if (workers_.empty() || n == 1) {
    for (std::size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::unique_lock<std::mutex> lock(mu_);
  fn_ = &fn;
  n_ = n;
  next_ = 0;
  done_ = 0;
  ++generation_;
  cv_work_.notify_all();
  RunItems(lock);
  cv_done_.wait(lock, [&] { return done_ == n_; });
  fn_ = nullptr;
  n_ = 0;
  next_ = 0;
  done_ = 0;
}

void WorkerPool::Start(std::size_t n, std::function<void(std::size_t)> fn) {
  std::unique_lock<std::mutex> lock(mu_);
  owned_fn_ = std::move(fn);
  fn_ = &owned_fn_;
  n_ = n;
  next_ = 0;
  done_ = 0;
  ++generation_;
  cv_work_.notify_all();
}

void WorkerPool::Wait() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_done_.wait(lock, [&] { return done_ == n_; });
  fn_ = nullptr;
  owned_fn_ = nullptr;
  n_ = 0;
  next_ = 0;
  done_ = 0;
}

}  // namespace cairn
