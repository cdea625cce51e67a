// A fixed set of worker threads that run parallel loops for the caller. In ParallelFor the calling thread takes
// part, so a pool of N threads starts N-1 workers. Start/Wait run a loop on the workers only while the caller does
// something else (e.g. I/O for the next batch).
//
// Thread-safety: ParallelFor, Start and Wait are called from one thread (the pool's owner).
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

  // Starts fn(i) for every i in [0, n) on the workers and returns at once. Wait() must be called before the next
  // Start or ParallelFor, and before anything fn uses goes away. REQUIRES: threads() >= 2.
  void Start(std::size_t n, std::function<void(std::size_t)> fn);
  // Returns once every item of the last Start has run. Returns at once when nothing was started.
  void Wait();

 private:
  void WorkerLoop();
  void RunItems(std::unique_lock<std::mutex>& lock);  // REQUIRES: lock holds mu_

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_work_;
  std::condition_variable cv_done_;
  const std::function<void(std::size_t)>* fn_ = nullptr;
  std::function<void(std::size_t)> owned_fn_;  // the loop of a Start, kept alive until Wait
  std::size_t n_ = 0;
  std::size_t next_ = 0;
  std::size_t done_ = 0;
  std::size_t generation_ = 0;
  bool stop_ = false;
};

}  // namespace cairn
