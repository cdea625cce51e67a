// The byte interfaces the encoder and decoder work through: a plaintext source and sink, and where shards go to and
// come from (spool files, downloaded torrents, or memory in tests).
//
// Thread-safety: the encoder and decoder call these from their owner thread only.
#pragma once

#include <cstdint>
#include <memory>

#include "cairn/core/bytes.h"
#include "cairn/core/status.h"

namespace cairn::client {

// Bytes an InputStream lends instead of copying: a view of the stream's next bytes. The view stays valid while
// `keep` is held (any thread may hold or drop it); when `keep` is null it stays valid while the stream lives.
struct Loan {
  ByteSpan bytes;
  std::shared_ptr<const void> keep;
};

class InputStream {
 public:
  virtual ~InputStream() = default;
  // Reads up to out.size() bytes; returns how many, 0 only at the end of the stream.
  virtual Result<std::size_t> Read(MutableByteSpan out) = 0;

  // Whether Borrow is supported. A stream that lends may still be Read; both advance the same position.
  virtual bool CanLend() const { return false; }
  // Lends the next 1..max bytes and advances past them; an empty view only at the end of the stream (or max == 0).
  // May lend fewer than max before the end (e.g. at a mapping window's edge). kFailedPrecondition unless CanLend().
  virtual Result<Loan> Borrow(std::size_t max) {
    (void)max;
    return Status::FailedPrecondition("this input stream does not lend its bytes");
  }
};

class OutputStream {
 public:
  virtual ~OutputStream() = default;
  virtual Status Write(ByteSpan data) = 0;
};

// One shard being written. Nothing counts as stored until Commit returns OK (then it is durable).
class ShardWriter {
 public:
  virtual ~ShardWriter() = default;
  virtual Status Append(ByteSpan data) = 0;
  virtual Status Commit() = 0;
};

class ShardSink {
 public:
  virtual ~ShardSink() = default;
  virtual Result<std::unique_ptr<ShardWriter>> Create(std::uint32_t segment, int shard) = 0;
};

// One stored shard, read by offset.
class ShardReader {
 public:
  virtual ~ShardReader() = default;
  virtual std::uint64_t size() const = 0;
  // Reads exactly out.size() bytes at `offset`; fails if they are not all there.
  virtual Status ReadAt(std::uint64_t offset, MutableByteSpan out) = 0;
};

class ShardSource {
 public:
  virtual ~ShardSource() = default;
  // kNotFound when the shard is not available.
  virtual Result<std::unique_ptr<ShardReader>> Open(std::uint32_t segment, int shard) = 0;
};

}  // namespace cairn::client
