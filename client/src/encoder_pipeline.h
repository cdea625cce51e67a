// The multi-threaded encode: `threads` workers each take the next batch of the stream (reading it under a lock, so
// batches are numbered in stream order), seal it and mark it ready, then go straight on to the next one; the calling
// thread writes the ready batches in order through a ShardOutput. Batch i lives in slot i mod slots: a worker waits
// for its slot to be written before reading into it, which bounds memory to `slots` batches and is the only wait a
// worker has besides the read lock (no barrier per round). A failure anywhere (read, seal, sink, segment_done,
// cancel) ends Run with that status, and the workers stop after at most the batch each one is sealing.
//
// Thread-safety: Run is called once, from the thread that owns the sink and the callbacks.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "encoder_batch.h"
#include "encoder_output.h"

namespace cairn::client {

class EncodePipeline {
 public:
  // REQUIRES: threads >= 1, slots >= threads + 1 (one batch being written while every worker holds one).
  EncodePipeline(BatchReader& reader, const StripeLayout& layout, std::size_t stripes_per_batch, int threads,
                 std::size_t slots, ByteSpan key, const StreamHeader& header, const ErasureCoder& ec);
  ~EncodePipeline();  // stops and joins the workers
  EncodePipeline(const EncodePipeline&) = delete;
  EncodePipeline& operator=(const EncodePipeline&) = delete;

  // Starts the workers and writes every batch through `out` until the input ends or something fails.
  Status Run(ShardOutput& out);

 private:
  enum class SlotState { kFree, kBusy, kReady };
  struct Slot {
    Slot(const StripeLayout& layout, std::size_t stripes) : batch(layout, stripes) {}
    EncodeBatch batch;
    std::uint64_t seq = 0;                // guarded by mu_
    SlotState state = SlotState::kFree;   // guarded by mu_
  };

  void Work();
  void Stop();

  BatchReader& reader_;
  const StripeLayout& layout_;
  const int threads_;
  const ByteSpan key_;
  const StreamHeader& header_;
  const ErasureCoder& ec_;
  std::vector<std::unique_ptr<Slot>> slots_;

  std::mutex read_mu_;  // held while a worker claims a slot and reads a batch into it
  std::uint64_t next_read_ = 0;
  bool read_done_ = false;

  std::mutex mu_;
  std::condition_variable slot_freed_;  // at most one waiter: the worker holding read_mu_
  std::condition_variable slot_ready_;  // the writer waits here for slot next_write_
  std::uint64_t next_write_ = 0;
  bool stop_ = false;

  std::vector<std::thread> workers_;
};

}  // namespace cairn::client
