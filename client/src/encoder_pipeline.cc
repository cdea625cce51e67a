#include "encoder_pipeline.h"

#include <system_error>

namespace cairn::client {

EncodePipeline::EncodePipeline(BatchReader& reader, const StripeLayout& layout, std::size_t stripes_per_batch,
                               int threads, std::size_t slots, ByteSpan key, const StreamHeader& header,
                               const ErasureCoder& ec)
    : reader_(reader),
      layout_(layout),
      threads_(threads),
      upcoming_after_(static_cast<std::size_t>(threads - 1) * stripes_per_batch * layout.stripe_plain),
      key_(key),
      header_(header),
      ec_(ec) {
  for (std::size_t i = 0; i < slots; ++i) slots_.push_back(std::make_unique<Slot>(layout, stripes_per_batch));
}

EncodePipeline::~EncodePipeline() { Stop(); }

void EncodePipeline::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  slot_freed_.notify_all();
  for (std::thread& t : helpers_) t.join();
  helpers_.clear();
}

EncodePipeline::Claim EncodePipeline::ClaimAndRead(Slot*& slot) {
  std::lock_guard<std::mutex> read_lock(read_mu_);
  if (read_done_) return Claim::kDone;
  slot = slots_[next_read_ % slots_.size()].get();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) return Claim::kDone;
    if (slot->state != SlotState::kFree) return Claim::kSlotBusy;
    slot->state = SlotState::kBusy;
    slot->seq = next_read_;
  }
  ++next_read_;
  EncodeBatch& b = slot->batch;
  // The threads take batches in turn, so the next batch is most likely another thread's (prefetching it here would
  // pull it into the wrong core's cache): prefetch the first stripe of the batch after those instead.
  b.status = reader_.Next(b, upcoming_after_);
  if (!b.status.ok() || b.input_ends) read_done_ = true;
  return Claim::kClaimed;
}

void EncodePipeline::SealAndPublish(Slot& slot, BatchSealer& sealer) {
  if (slot.batch.status.ok()) slot.batch.status = sealer.Seal(slot.batch);
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    slot.state = SlotState::kReady;
    wake = writer_waiting_ && slot.seq == next_write_;
  }
  if (wake) slot_ready_.notify_one();
}

void EncodePipeline::Help() {
  BatchSealer sealer(key_, header_, layout_, ec_);
  for (;;) {
    Slot* slot = nullptr;
    switch (ClaimAndRead(slot)) {
      case Claim::kDone:
        return;
      case Claim::kClaimed:
        SealAndPublish(*slot, sealer);
        break;
      case Claim::kSlotBusy: {
        // The writer is a full ring behind: wait for it to free this slot, then try again.
        std::unique_lock<std::mutex> lock(mu_);
        slot_freed_.wait(lock, [&] { return stop_ || slot->state == SlotState::kFree; });
        break;
      }
    }
  }
}

Status EncodePipeline::Run(ShardOutput& out) {
  try {
    for (int i = 1; i < threads_; ++i) helpers_.emplace_back([this] { Help(); });
  } catch (const std::system_error& e) {
    return Status(Code::kResourceExhausted, std::string("cannot start an encoder thread: ") + e.what());
  }
  BatchSealer sealer(key_, header_, layout_, ec_);
  for (;;) {
    Slot* next = nullptr;
    {
      std::lock_guard<std::mutex> lock(mu_);
      next = slots_[next_write_ % slots_.size()].get();
      if (next->state != SlotState::kReady) next = nullptr;
    }
    if (next != nullptr) {
      CAIRN_RETURN_IF_ERROR(out.Write(next->batch));
      if (next->batch.input_ends) return Status::Ok();
      {
        std::lock_guard<std::mutex> lock(mu_);
        next->state = SlotState::kFree;
        ++next_write_;
      }
      slot_freed_.notify_all();
      continue;
    }
    // Nothing to write yet: encode a batch here, or sleep until the next one to write is ready.
    Slot* mine = nullptr;
    if (ClaimAndRead(mine) == Claim::kClaimed) {
      SealAndPublish(*mine, sealer);
      continue;
    }
    std::unique_lock<std::mutex> lock(mu_);
    Slot* waited = slots_[next_write_ % slots_.size()].get();
    writer_waiting_ = true;
    slot_ready_.wait(lock, [&] { return waited->state == SlotState::kReady; });
    writer_waiting_ = false;
  }
}

}  // namespace cairn::client
