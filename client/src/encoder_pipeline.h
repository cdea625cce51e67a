// The multi-threaded encode, with no barrier between batches. Batches are numbered in stream order as they are read
// (under a lock held only while reading); batch i lives in slot i mod slots. Every thread loops on: claim the next
// batch if its slot is free, read it straight into its units (or borrow it: encoder_batch.h), seal it (AEAD, RS,
// hashes) and mark it ready. The calling thread is one of the `threads`: before claiming a batch it writes every ready
// batch in order through its ShardOutput, and when it can claim none it sleeps until the next batch to write is ready.
// So `threads` threads encode, the sink and callbacks only see the caller, and memory is bounded by the slots; a helper
// waits only for the read lock or for a free slot (when the writer is `slots` batches behind).
//
// A failure anywhere (read, seal, sink, segment_done, cancel) ends Run with that status; the helpers then stop after
// at most the batch each one is sealing, and the destructor joins them.
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
  // REQUIRES: threads >= 2, slots >= threads + 1.
  EncodePipeline(BatchReader& reader, const StripeLayout& layout, std::size_t stripes_per_batch, int threads,
                 std::size_t slots, ByteSpan key, const StreamHeader& header, const ErasureCoder& ec);
  ~EncodePipeline();  // stops and joins the helper threads
  EncodePipeline(const EncodePipeline&) = delete;
  EncodePipeline& operator=(const EncodePipeline&) = delete;

  // Starts threads - 1 helpers and encodes with them, writing every batch through `out`, until the input ends or
  // something fails.
  Status Run(ShardOutput& out);

 private:
  enum class SlotState { kFree, kBusy, kReady };
  struct Slot {
    Slot(const StripeLayout& layout, std::size_t stripes) : batch(layout, stripes) {}
    EncodeBatch batch;
    std::uint64_t seq = 0;               // guarded by mu_
    SlotState state = SlotState::kFree;  // guarded by mu_
  };
  enum class Claim { kClaimed, kSlotBusy, kDone };

  // Claims the next batch if its slot is free and reads it. Takes read_mu_ then mu_.
  Claim ClaimAndRead(Slot*& slot);
  // Seals a claimed batch and marks it ready, waking the writer if it waits for this one.
  void SealAndPublish(Slot& slot, BatchSealer& sealer);
  void Help();
  void Stop();

  BatchReader& reader_;
  const StripeLayout& layout_;
  const int threads_;
  const std::size_t upcoming_after_;  // plaintext of the batches the other threads take before this thread's next
  const ByteSpan key_;
  const StreamHeader& header_;
  const ErasureCoder& ec_;
  std::vector<std::unique_ptr<Slot>> slots_;

  std::mutex read_mu_;  // held only while claiming and reading a batch: never while waiting for anything else
  std::uint64_t next_read_ = 0;
  bool read_done_ = false;

  std::mutex mu_;
  std::condition_variable slot_freed_;  // helpers wait here for the slot of next_read_
  std::condition_variable slot_ready_;  // the writer waits here for the slot of next_write_
  std::uint64_t next_write_ = 0;
  bool writer_waiting_ = false;
  bool stop_ = false;

  std::vector<std::thread> helpers_;
};

}  // namespace cairn::client
