#include "encoder_pipeline.h"

#include <system_error>

namespace cairn::client {

EncodePipeline::EncodePipeline(BatchReader& reader, const StripeLayout& layout, std::size_t stripes_per_batch,
                               int threads, std::size_t slots, ByteSpan key, const StreamHeader& header,
                               const ErasureCoder& ec)
    : reader_(reader), layout_(layout), threads_(threads), key_(key), header_(header), ec_(ec) {
  for (std::size_t i = 0; i < slots; ++i) slots_.push_back(std::make_unique<Slot>(layout, stripes_per_batch));
}

EncodePipeline::~EncodePipeline() { Stop(); }

void EncodePipeline::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  slot_freed_.notify_all();
  for (std::thread& t : workers_) t.join();
  workers_.clear();
}

void EncodePipeline::Work() {
  BatchSealer sealer(key_, header_, layout_, ec_);
  for (;;) {
    Slot* slot = nullptr;
    {
      std::lock_guard<std::mutex> read_lock(read_mu_);
      if (read_done_) return;
      slot = slots_[next_read_ % slots_.size()].get();
      {
        std::unique_lock<std::mutex> lock(mu_);
        slot_freed_.wait(lock, [&] { return stop_ || slot->state == SlotState::kFree; });
        if (stop_) return;
        slot->state = SlotState::kBusy;
        slot->seq = next_read_;
      }
      ++next_read_;
      EncodeBatch& b = slot->batch;
      b.status = reader_.Next(b);
      if (!b.status.ok() || b.input_ends) read_done_ = true;
    }
    if (slot->batch.status.ok()) slot->batch.status = sealer.Seal(slot->batch);
    bool wake = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      slot->state = SlotState::kReady;
      wake = slot->seq == next_write_;
    }
    if (wake) slot_ready_.notify_one();
  }
}

Status EncodePipeline::Run(ShardOutput& out) {
  try {
    for (int i = 0; i < threads_; ++i) workers_.emplace_back([this] { Work(); });
  } catch (const std::system_error& e) {
    return Status(Code::kResourceExhausted, std::string("cannot start an encoder thread: ") + e.what());
  }
  for (;;) {
    Slot* slot = nullptr;
    {
      std::unique_lock<std::mutex> lock(mu_);
      slot = slots_[next_write_ % slots_.size()].get();
      slot_ready_.wait(lock, [&] { return slot->state == SlotState::kReady; });
    }
    CAIRN_RETURN_IF_ERROR(out.Write(slot->batch));
    if (slot->batch.input_ends) return Status::Ok();
    {
      std::lock_guard<std::mutex> lock(mu_);
      slot->state = SlotState::kFree;
      ++next_write_;
    }
    slot_freed_.notify_one();
  }
}

}  // namespace cairn::client
