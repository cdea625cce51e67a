// A fixed set of worker threads that run parallel loops for the caller. The calling thread takes part, so a pool of
// N threads starts N-1 workers.
//
// Thread-safety: ParallelFor may be called from one thread at a time (the pool's owner).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace cairn {

class WorkerPool {
 public:
  // threads >= 1; values < 1 are treated as 1.
  explicit WorkerPool(int threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  int threads() const { return static_cast<int>(workers_.size()) + 1; }

  // Runs fn(i) for every i in [0, n), spread over the pool; returns when all are done. fn must not throw.
  void ParallelFor(std::size_t n, const std::function<void(std::size_t)>& fn);

 private:
  void WorkerLoop();
  void RunItems(std::unique_lock<std::mutex>& lock);  // REQUIRES: lock holds mu_

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_work_;
  std::condition_variable cv_done_;
  const std::function<void(std::size_t)>* fn_ = nullptr;
  std::size_t n_ = 0;
  std::size_t next_ = 0;
  std::size_t done_ = 0;
  std::size_t generation_ = 0;
  bool stop_ = false;
};

}  // namespace cairn
