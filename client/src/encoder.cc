#include "encoder.h"

#include <algorithm>

#include "encoder_batch.h"
#include "encoder_output.h"
#include "encoder_pipeline.h"

namespace cairn::client {
namespace {

// Batches in flight per thread: one being sealed and one sealed but waiting to be written (the calling thread writes
// between its own batches), plus one spare slot.
constexpr std::size_t kSlotsPerWorker = 2;

// One thread: read, seal and write each batch in turn, with no hand-off, so the figure is one core's.
Status EncodeInline(BatchReader& reader, const StripeLayout& layout, std::size_t stripes_per_batch, ByteSpan key,
                    const StreamHeader& header, const ErasureCoder& ec, ShardOutput& out) {
  EncodeBatch b(layout, stripes_per_batch);
  BatchSealer sealer(key, header, layout, ec);
  do {
    CAIRN_RETURN_IF_ERROR(reader.Next(b));
    CAIRN_RETURN_IF_ERROR(sealer.Seal(b));
    CAIRN_RETURN_IF_ERROR(out.Write(b));
  } while (!b.input_ends);
  return Status::Ok();
}

}  // namespace

Result<FileCoding> EncodeFileWithHeader(InputStream& in, ByteSpan file_key, const StreamHeader& header,
                                        const EncodeOptions& options, ShardSink& sink) {
  CAIRN_RETURN_IF_ERROR(ValidateCodingParams(options.params));
  if (file_key.size() != kAeadKeySize) return Status::InvalidArgument("file key must be 32 bytes");
  if (options.params.unit_size == 0) return Status::InvalidArgument("unit size must be chosen");
  if (header.chunk_size != options.params.unit_size - kAeadTagSize) {
    return Status::InvalidArgument("stream chunk size must be the unit size minus the tag");
  }
  CAIRN_ASSIGN_OR_RETURN(auto ec, ErasureCoder::Create(options.params.k, options.params.m));
  const StripeLayout layout(options.params);
  const std::size_t stripes = std::max<std::size_t>(1, options.stripes_per_batch);
  const int threads = std::clamp(options.threads, 1, kMaxEncodeThreads);
  BatchReader reader(in, layout);
  ShardOutput out(options, layout, header, sink);
  if (threads == 1) {
    CAIRN_RETURN_IF_ERROR(EncodeInline(reader, layout, stripes, file_key, header, *ec, out));
  } else {
    EncodePipeline pipeline(reader, layout, stripes, threads, kSlotsPerWorker * threads + 1, file_key, header, *ec);
    CAIRN_RETURN_IF_ERROR(pipeline.Run(out));
  }
  return out.Finish();
}

Result<FileCoding> EncodeFile(InputStream& in, std::uint64_t size_hint, ByteSpan file_key, const EncodeOptions& options,
                              ShardSink& sink) {
  CAIRN_RETURN_IF_ERROR(ValidateCodingParams(options.params));
  EncodeOptions o = options;
  if (o.params.unit_size == 0) o.params.unit_size = ChooseUnitSize(size_hint, o.params.k, o.params.segment_size);
  StreamHeader h;
  h.chunk_size = o.params.unit_size - static_cast<std::uint32_t>(kAeadTagSize);
  RandomBytes(h.nonce);
  return EncodeFileWithHeader(in, file_key, h, o, sink);
}

}  // namespace cairn::client
