// The encoder: plaintext stream -> segments -> AEAD chunks -> Reed-Solomon stripes -> k+m shard outputs, with each
// shard's comm_d computed on the fly. The stream is cut into batches of a few stripes; when the stream lends its bytes
// (InputStream::Borrow, e.g. MemoryInput) each chunk is sealed from the lent view straight into the unit that
// will hold its ciphertext, otherwise its plaintext is read into that unit and sealed in place. With one thread
// everything runs inline on the calling thread. With more, the calling thread and threads - 1 helpers read, seal,
// RS-encode and hash batches with no barrier between them (encoder_pipeline.h), the calling thread also writing
// finished batches in order; memory stays bounded by 2 x threads + 1 batches whatever the file size.
//
// The sink and the callbacks of EncodeOptions are only ever called on the calling thread; the InputStream is read by
// the encoding threads, one at a time.
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
  // Stripes per batch (the unit of work a thread takes). Small batches keep a stripe's units in cache between the
  // AEAD, RS and hashing passes (a 10+4 stripe of 64 KiB units is 896 KiB); 1, 2 and 4 measure within noise of each
  // other here, 16 and more lose (old encoder: 16 -> 0.86x, 64 -> 0.49x of 2).
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
Result<FileCoding> EncodeFile(InputStream& in, std::uint64_t size_hint, ByteSpan file_key, const EncodeOptions& options,
                              ShardSink& sink);

// Same with a caller-chosen stream header (golden vectors and tests). REQUIRES: header.chunk_size matches the unit.
Result<FileCoding> EncodeFileWithHeader(InputStream& in, ByteSpan file_key, const StreamHeader& header,
                                        const EncodeOptions& options, ShardSink& sink);

}  // namespace cairn::client
