// Shards kept in memory: a ShardSink and ShardSource for tests and benchmarks, with hooks to drop or corrupt shards.
//
// Thread-safety: the map is guarded; each reader/writer object is used by one thread at a time.
#pragma once

#include <map>
#include <mutex>
#include <utility>

#include "shard_io.h"

namespace cairn::client {

class MemoryShards : public ShardSink, public ShardSource {
 public:
  Result<std::unique_ptr<ShardWriter>> Create(std::uint32_t segment, int shard) override;
  Result<std::unique_ptr<ShardReader>> Open(std::uint32_t segment, int shard) override;

  // Test hooks.
  void Erase(std::uint32_t segment, int shard);
  Bytes* Find(std::uint32_t segment, int shard);  // null when absent
  std::size_t count() const;
  std::uint64_t total_bytes() const;

 private:
  friend class MemoryShardWriter;
  mutable std::mutex mu_;
  // Readers share a shard's bytes rather than copying them; Erase drops the map's reference only.
  std::map<std::pair<std::uint32_t, int>, std::shared_ptr<Bytes>> shards_;
};

// Plaintext streams over memory. MemoryInput lends views of `data` itself (valid while `data` lives).
class MemoryInput : public InputStream {
 public:
  // max_read limits each Read and each Borrow, to exercise short reads and short lends.
  explicit MemoryInput(ByteSpan data, std::size_t max_read = SIZE_MAX) : data_(data), max_read_(max_read) {}
  Result<std::size_t> Read(MutableByteSpan out) override;
  bool CanLend() const override { return true; }
  Result<Loan> Borrow(std::size_t max) override;

 private:
  ByteSpan data_;
  std::size_t pos_ = 0;
  std::size_t max_read_;
};

class MemoryOutput : public OutputStream {
 public:
  Status Write(ByteSpan data) override {
    Append(bytes, data);
    return Status::Ok();
  }
  Bytes bytes;
};

}  // namespace cairn::client
