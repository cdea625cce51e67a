// Makes a seal's files durable in order, either inline or on one helper thread, so that the labelling loop need not
// wait for the disk: a commit is a few fsyncs, and under a busy disk each can take tens of milliseconds.
//
// A job publishes staged files (StagedFile::Commit: fsync, rename, fsync of the directory), then writes and
// publishes whole files handed over as memory (FileWrite: a replica and its tree), then writes small records
// atomically (a seal state naming the layer just made durable, or a replica's meta). Jobs run in submission order;
// once one fails the later ones are dropped (a state must never name a layer that is not durable), and the first
// error is reported by every later Submit and by WaitFor / Drain.
//
// Thread-safety: one owner thread calls Submit and Drain. With a helper, a submitted job's files and records belong
// to the helper until Drain returns.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "cairn/core/bytes.h"
#include "cairn/core/status.h"
#include "file_io.h"

namespace cairn::proofs {

// A whole file the job writes itself (WriteFilePieces): `head`, then `pieces`, which must stay valid and unchanged
// until the job has run (Committer::WaitFor).
struct FileWrite {
  std::filesystem::path path;
  Bytes head;
  std::vector<ByteSpan> pieces;
  bool direct = false;  // O_DIRECT where possible: no page-cache copy, and nothing cached for a later reader
};

struct CommitJob {
  std::vector<StagedFile> files;                                 // committed first, in order
  std::vector<FileWrite> writes;                                 // then written and committed, in order
  std::vector<std::pair<std::filesystem::path, Bytes>> records;  // then written with WriteFileAtomic, in order
};

class Committer {
 public:
  // background: run jobs on a helper thread started here (the caller's choice: SealOptions).
  explicit Committer(bool background);
  // Drops jobs not yet started, waits for the running one.
  ~Committer();
  Committer(const Committer&) = delete;
  Committer& operator=(const Committer&) = delete;

  bool background() const { return helper_.joinable(); }

  // Inline: runs the job now and returns its status. Background: queues it and returns at once, with the first
  // error of an earlier job if there was one. Jobs are numbered 1, 2, ... in submission order.
  Status Submit(CommitJob job);
  // The number of the last job submitted (0 before the first).
  std::uint64_t submitted() const { return submitted_; }
  // Waits until jobs 1..job have run (or one failed); returns the first error. Drain waits for all of them.
  Status WaitFor(std::uint64_t job);
  Status Drain() { return WaitFor(submitted_); }

 private:
  static Status Run(CommitJob& job);
  void HelperLoop();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<CommitJob> queue_;
  std::uint64_t submitted_ = 0;  // owner thread only
  std::uint64_t finished_ = 0;   // jobs run or dropped, under mu_
  bool stop_ = false;
  Status first_error_;
  std::thread helper_;
};

}  // namespace cairn::proofs
