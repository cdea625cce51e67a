// A large, page-aligned, zero-initialised buffer for one layer of labels (or a replica), backed by an anonymous
// mapping with transparent huge pages requested: the labelling loop reads parents at random, and 2 MiB pages cut
// its TLB misses.
//
// Every buffer's mapped bytes are counted process-wide (LiveBytes, PeakBytes): tests check with them that a seal
// holds no shard-sized buffer beyond the ones its memory budget names (seal.h), without timing or RSS noise.
//
// Thread-safety: a NodeBuffer is owned by one thread at a time; the counters are atomic.
#pragma once

#include <cstddef>
#include <cstdint>

#include "cairn/core/bytes.h"
#include "cairn/core/status.h"

namespace cairn::proofs {

class NodeBuffer {
 public:
  NodeBuffer() = default;
  NodeBuffer(NodeBuffer&& o) noexcept : data_(o.data_), size_(o.size_), mapped_(o.mapped_) {
    o.data_ = nullptr;
    o.size_ = o.mapped_ = 0;
  }
  NodeBuffer& operator=(NodeBuffer&& o) noexcept;
  NodeBuffer(const NodeBuffer&) = delete;
  NodeBuffer& operator=(const NodeBuffer&) = delete;
  ~NodeBuffer() { Release(); }

  // REQUIRES: size > 0.
  static Result<NodeBuffer> Allocate(std::size_t size);

  std::uint8_t* data() { return data_; }
  const std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }
  MutableByteSpan span() { return {data_, size_}; }
  ByteSpan span() const { return {data_, size_}; }
  void Release();

  // Bytes mapped by all live NodeBuffers of the process, and the most mapped at once since the last ResetPeak.
  static std::size_t LiveBytes();
  static std::size_t PeakBytes();
  static void ResetPeak();
  // What Allocate(size) maps: size rounded up to whole 2 MiB pages.
  static std::size_t MappedSize(std::size_t size);

 private:
  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t mapped_ = 0;
};

}  // namespace cairn::proofs
