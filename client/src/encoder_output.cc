#include "encoder_output.h"

namespace cairn::client {

ShardOutput::ShardOutput(const EncodeOptions& options, const StripeLayout& layout, const StreamHeader& header,
                         ShardSink& sink)
    : options_(options), layout_(layout), sink_(sink) {
  coding_.k = options.params.k;
  coding_.m = options.params.m;
  coding_.segment_size = options.params.segment_size;
  coding_.unit_size = layout.unit;
  coding_.header = header;
}

Status ShardOutput::Write(const EncodeBatch& b) {
  CAIRN_RETURN_IF_ERROR(b.status);
  if (b.segment_starts && !b.stripes.empty()) CAIRN_RETURN_IF_ERROR(OpenSegment(b.segment));
  const std::size_t n = static_cast<std::size_t>(layout_.n);
  for (std::size_t s = 0; s < b.stripes.size(); ++s) {
    const std::uint8_t* stripe = b.units() + s * layout_.stripe_bytes;
    for (std::size_t j = 0; j < n; ++j) {
      CAIRN_RETURN_IF_ERROR(writers_[j]->Append(ByteSpan(stripe + j * layout_.unit, layout_.unit)));
      CAIRN_RETURN_IF_ERROR(trees_[j].AddSubtreeRoot(b.roots[s * n + j], layout_.unit / 32));
    }
  }
  segment_plaintext_ += b.plaintext_size;
  coding_.size += b.plaintext_size;
  if (b.segment_ends) CAIRN_RETURN_IF_ERROR(CloseSegment(b.segment));
  if (options_.progress && !b.stripes.empty()) options_.progress(coding_.size);
  // After a segment's last batch, the next segment's opening checks (if there is one).
  if (!b.segment_ends && !b.input_ends && cancelled()) return Status::Cancelled("encoding cancelled");
  return Status::Ok();
}

Status ShardOutput::OpenSegment(std::uint32_t segment) {
  if (cancelled()) return Status::Cancelled("encoding cancelled");
  writers_.clear();
  trees_.assign(static_cast<std::size_t>(layout_.n), MerkleBuilder());
  segment_plaintext_ = 0;
  for (int j = 0; j < layout_.n; ++j) {
    CAIRN_ASSIGN_OR_RETURN(auto w, sink_.Create(segment, j));
    writers_.push_back(std::move(w));
  }
  return Status::Ok();
}

Status ShardOutput::CloseSegment(std::uint32_t segment) {
  SegmentCoding sc;
  sc.plaintext_size = segment_plaintext_;
  sc.shard_size = GeometryFor(segment_plaintext_, layout_.k, layout_.unit).shard_size;
  for (std::size_t j = 0; j < writers_.size(); ++j) {
    CAIRN_RETURN_IF_ERROR(writers_[j]->Commit());
    CAIRN_ASSIGN_OR_RETURN(Hash32 root, trees_[j].Finish());
    sc.comm_d.push_back(root);
  }
  writers_.clear();
  if (options_.segment_done) CAIRN_RETURN_IF_ERROR(options_.segment_done(segment, sc));
  coding_.segments.push_back(std::move(sc));
  return Status::Ok();
}

}  // namespace cairn::client
