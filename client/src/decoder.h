// The decoder: any k of a segment's k+m shards -> the exact plaintext, for the whole file or a byte range. Each
// shard is checked against its comm_d before use; a shard that is missing, of the wrong size or fails that check is
// treated as missing. Every chunk is authenticated (AEAD), so a wrong key, or a stream truncated, reordered or
// spliced, fails with kAuthFailed; nothing unauthenticated is written to the output.
//
// Thread-safety: one Decode call at a time per ShardSource; stripes are decoded on the pool's threads.
#pragma once

#include <atomic>
#include <functional>
#include <limits>
#include <vector>

#include "coding.h"
#include "shard_io.h"

namespace cairn::client {

struct DecodeOptions {
  int threads = 2;
  std::size_t stripes_per_batch = 16;
  std::uint64_t offset = 0;                                     // first plaintext byte to write
  std::uint64_t length = std::numeric_limits<std::uint64_t>::max();  // bytes to write from offset (clipped at EOF)
  std::function<void(std::uint64_t)> progress;                  // plaintext bytes written so far
  const std::atomic<bool>* cancel = nullptr;
};

// What happened to each segment the decode touched.
struct SegmentReport {
  std::uint32_t segment = 0;
  std::vector<int> used;     // the k shards decoded from
  std::vector<int> missing;  // not available from the source
  std::vector<int> corrupt;  // available but failed the size or comm_d check
};

struct DecodeReport {
  std::vector<SegmentReport> segments;
  std::uint64_t bytes_written = 0;
};

Result<DecodeReport> DecodeFile(const FileCoding& coding, ByteSpan file_key, ShardSource& source,
                                OutputStream& out, const DecodeOptions& options);

// Reads a whole shard and checks it against `comm_d` and `expected_size`: kCorruption on any mismatch.
Status VerifyShard(ShardReader& reader, std::uint64_t expected_size, const Hash32& comm_d);

}  // namespace cairn::client
