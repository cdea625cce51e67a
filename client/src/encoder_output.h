// The encoder's writing end: takes sealed batches in stream order, appends their units to the k+m shards of their
// segment, folds the units' subtree roots into each shard's comm_d, commits each segment and reports it
// (EncodeOptions::segment_done, progress, cancel), and assembles the FileCoding.
//
// Thread-safety: one thread (the caller of EncodeFile) makes every call, so the sink and the callbacks only ever see
// that thread.
#pragma once

#include <memory>
#include <vector>

#include "cairn/core/merkle.h"
#include "encoder.h"
#include "encoder_batch.h"

namespace cairn::client {

class ShardOutput {
 public:
  ShardOutput(const EncodeOptions& options, const StripeLayout& layout, const StreamHeader& header, ShardSink& sink);

  // Writes the next batch. Opens a segment's shards at its first batch, commits them and calls segment_done at its
  // last; reports progress after every batch; returns kCancelled when cancelled, checked after each batch and before a
  // segment's shards are created.
  Status Write(const EncodeBatch& b);

  // REQUIRES: the batch that ends the input was written.
  FileCoding Finish() { return std::move(coding_); }

 private:
  Status OpenSegment(std::uint32_t segment);
  Status CloseSegment(std::uint32_t segment);
  bool cancelled() const { return options_.cancel != nullptr && options_.cancel->load(); }

  const EncodeOptions& options_;
  const StripeLayout& layout_;
  ShardSink& sink_;
  FileCoding coding_;
  std::vector<std::unique_ptr<ShardWriter>> writers_;
  std::vector<MerkleBuilder> trees_;
  std::uint64_t segment_plaintext_ = 0;
};

}  // namespace cairn::client
