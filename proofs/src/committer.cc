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
  for (const FileWrite& w : job.writes) CAIRN_RETURN_IF_ERROR(WriteFilePieces(w.path, w.head, w.pieces, w.direct));
  for (const auto& [path, bytes] : job.records) CAIRN_RETURN_IF_ERROR(WriteFileAtomic(path, bytes));
  return Status::Ok();
}

Status Committer::Submit(CommitJob job) {
  ++submitted_;
  if (!helper_.joinable()) {
    if (first_error_.ok()) first_error_ = Run(job);
    return first_error_;
  }
  std::lock_guard<std::mutex> lock(mu_);
  queue_.push_back(std::move(job));
  cv_.notify_all();
  return first_error_;
}

Status Committer::WaitFor(std::uint64_t job) {
  if (!helper_.joinable()) return first_error_;
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this, job] { return finished_ >= job || !first_error_.ok(); });
  return first_error_;
}

void Committer::HelperLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (stop_) return;
    CommitJob job = std::move(queue_.front());
    queue_.pop_front();
    if (first_error_.ok()) {  // after a failure later jobs are dropped
      lock.unlock();
      const Status s = Run(job);
      lock.lock();
      if (first_error_.ok()) first_error_ = s;
    }
    ++finished_;
    cv_.notify_all();
  }
}

}  // namespace cairn::proofs
