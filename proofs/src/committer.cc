#include "committer.h"

namespace cairn::proofs {

Committer::Committer(bool background) {
  if (background) helper_ = std::thread([this] { HelperLoop(); });
}

Committer::~Committer() {
  if (!helper_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    queue_.clear();
  }
  cv_.notify_all();
  helper_.join();
}

Status Committer::Run(CommitJob& job) {
  for (StagedFile& f : job.files) CAIRN_RETURN_IF_ERROR(f.Commit());
  for (const auto& [path, bytes] : job.records) CAIRN_RETURN_IF_ERROR(WriteFileAtomic(path, bytes));
  return Status::Ok();
}

Status Committer::Submit(CommitJob job) {
  if (!helper_.joinable()) {
    if (!first_error_.ok()) return first_error_;
    first_error_ = Run(job);
    return first_error_;
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (!first_error_.ok()) return first_error_;
  queue_.push_back(std::move(job));
  cv_.notify_all();
  return Status::Ok();
}

Status Committer::Drain() {
  if (!helper_.joinable()) return first_error_;
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return queue_.empty() && !running_; });
  return first_error_;
}

void Committer::HelperLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (stop_) return;
    CommitJob job = std::move(queue_.front());
    queue_.pop_front();
    running_ = true;
    Status s;
    if (first_error_.ok()) {  // after a failure later jobs are dropped
      lock.unlock();
      s = Run(job);
      lock.lock();
    }
    running_ = false;
    if (first_error_.ok()) first_error_ = s;
    cv_.notify_all();
  }
}

}  // namespace cairn::proofs
