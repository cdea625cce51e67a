// The encoder: plaintext stream -> segments -> AEAD chunks -> Reed-Solomon stripes -> k+m shard outputs, with each
// shard's comm_d computed on the fly. Memory stays bounded by a batch of stripes whatever the file size; stripes of a
// batch are processed on all the pool's threads, and outputs are written in order by the calling thread.
//
// Thread-safety: one Encode call per Encoder object at a time.
#pragma once

#include <atomic>
#include <functional>

#include "cairn/core/worker_pool.h"
#include "coding.h"
#include "shard_io.h"

namespace cairn::client {

struct EncodeOptions {
  CodingParams params;
  int threads = 2;
  // Stripes handed out per round. Small batches keep a stripe's plaintext and units in cache between the AEAD, RS
  // and hashing passes: 10+4, one thread: 2 -> 0.75-0.81 GB/s, 16 -> 0.67-0.68, 64 -> 0.38-0.39 (same runs).
  std::size_t stripes_per_batch = 2;
  // Called after each batch with the plaintext bytes consumed so far. May be empty.
  std::function<void(std::uint64_t)> progress;
  // Called once each segment's shards are committed to the sink, with the segment's coding, before the next segment
  // starts; an error stops the encoding with that error. May block (the caller's back-pressure). May be empty.
  std::function<Status(std::uint32_t segment, const SegmentCoding& coding)> segment_done;
  // When set and true, encoding stops with kCancelled at the next batch.
  const std::atomic<bool>* cancel = nullptr;
};

// Encodes `in` under `file_key` (kAeadKeySize bytes) with a fresh random stream nonce. `size_hint` is the expected
// plaintext size (only used to choose the unit size when params.unit_size is 0; the stream may be any length).
Result<FileCoding> EncodeFile(InputStream& in, std::uint64_t size_hint, ByteSpan file_key,
                              const EncodeOptions& options, ShardSink& sink);

// Same with a caller-chosen stream header (golden vectors and tests). REQUIRES: header.chunk_size matches the unit.
Result<FileCoding> EncodeFileWithHeader(InputStream& in, ByteSpan file_key, const StreamHeader& header,
                                        const EncodeOptions& options, ShardSink& sink);

}  // namespace cairn::client
