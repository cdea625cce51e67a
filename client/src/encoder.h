// The encoder: plaintext stream -> segments -> AEAD chunks -> Reed-Solomon stripes -> k+m shard outputs, with each
// shard's comm_d computed on the fly. The stream is cut into batches of a few stripes; each chunk's plaintext is read
// straight into the unit that will hold its ciphertext and sealed in place. With one thread everything runs inline on
// the calling thread. With more, that many workers read, seal, RS-encode and hash batches with no barrier between
// them (encoder_pipeline.h) while the calling thread writes finished batches in order; memory stays bounded by
// 2 x threads + 1 batches whatever the file size.
//
// The sink and the callbacks of EncodeOptions are only ever called on the calling thread; the InputStream is read by
// the workers, one at a time.
//
// Thread-safety: EncodeFile may run concurrently on distinct streams and sinks.
#pragma once

#include <atomic>
#include <functional>

#include "coding.h"
#include "shard_io.h"

namespace cairn::client {

inline constexpr int kMaxEncodeThreads = 64;

struct EncodeOptions {
  CodingParams params;
  // Encoding threads, clamped to [1, kMaxEncodeThreads]; with 1 nothing leaves the calling thread.
  int threads = 2;
  // Stripes handed out per round. Small batches keep a stripe's plaintext and units in cache between the AEAD, RS
  // and hashing passes: 10+4, one thread: 2 -> 0.75-0.81 GB/s, 16 -> 0.67-0.68, 64 -> 0.38-0.39 (same runs).
  std::size_t stripes_per_batch = 2;
  // Called after each batch is written with the plaintext bytes written so far. May be empty.
  std::function<void(std::uint64_t)> progress;
  // Called once each segment's shards are committed to the sink, with the segment's coding, before any shard of the
  // next segment is created (workers may meanwhile read and seal up to the bounded number of batches ahead); an
  // error stops the encoding with that error. May block (the caller's back-pressure). May be empty.
  std::function<Status(std::uint32_t segment, const SegmentCoding& coding)> segment_done;
  // When set and true, encoding stops with kCancelled after the batch being written (or before a segment starts).
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
