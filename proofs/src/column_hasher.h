// Column hashes (commitments.h grammar) computed a range of nodes at a time: the SHA-256 state of each node's column
// absorbs one 64-byte block whenever two more of its labels are at hand, four columns per Sha256Compress4.
//
//   column message of node i := tag32 || label(1, i) || ... || label(L, i)       (32 + 32 L bytes)
//   block 0 = tag32 || label(1, i)   -> absorbed with layer 1
//   block j = label(2j, i) || label(2j + 1, i)   -> absorbed with layer 2j + 1
//   the padding block(s)   -> absorbed with layer L (for even L the last block is label(L, i) || padding)
//
// A seal streams its columns after the last layer (StreamColumnHashes): every layer file is read in chunks beside
// the last layer, still in memory, so a seal needs no per-node column state (which would cost a third layer's worth
// of memory) and a resumed seal has nothing to rebuild.
//
// Memory: one 32-byte state per node of the hasher (n of Create). Thread-safety: none; owned by one caller.
#pragma once

#include <cstdint>
#include <functional>
#include <span>

#include "cairn/core/bytes.h"
#include "cairn/core/status.h"
#include "file_io.h"
#include "node_buffer.h"

namespace cairn::proofs {

class ColumnHasher {
 public:
  ColumnHasher() = default;

  // States for nodes [0, n). Fails for a layer count outside [kMinLayers, kMaxLayers], n == 0 or when memory runs
  // out.
  static Result<ColumnHasher> Create(std::uint32_t layers, std::uint64_t n);

  // Absorbs layer `layer`'s labels of nodes [first, first + count): cur points to label(layer, first) and the next
  // count - 1 labels, prev likewise to the previous layer's (read only when layer is odd and >= 3).
  // REQUIRES: for each node, layers are absorbed in the order 1, 2, ..., L, each once (since Create or Restart).
  void Absorb(std::uint32_t layer, const std::uint8_t* prev, const std::uint8_t* cur, std::uint64_t first,
              std::uint64_t count);

  // Turns every state into its column hash and returns them back to back (n * 32 bytes, valid until the next
  // Restart). REQUIRES: all L layers absorbed for every node whose hash the caller uses.
  ByteSpan Finish();
  // Sets every state back to the start of a column (the hasher then serves another range of nodes).
  void Restart();

  std::uint64_t node_count() const { return n_; }

 private:
  std::uint32_t layers_ = 0;
  std::uint64_t n_ = 0;
  NodeBuffer states_;  // n Sha256State words (host order), then n column hashes after Finish
};

// Receives the column hashes of nodes [first, first + hashes.size() / 32).
using ColumnSink = std::function<Status(std::uint64_t first, ByteSpan hashes)>;

// Nodes per chunk of StreamColumnHashes.
inline constexpr std::uint64_t kColumnChunk = 16384;

// The column hashes of all n nodes of an L-layer seal, in order, chunk by chunk to `sink`: layer l's labels come from
// files[l - 1] (read with pread), except that layer L comes from `last` (n * 32 bytes in memory) when it is non-null.
// Memory: three chunk buffers (1.5 MiB) whatever n and L.
// REQUIRES: files.size() == L, or L - 1 when last is non-null. Fails (kCorruption) for a file that does not hold
// n * 32 bytes, or as the sink fails.
Status StreamColumnHashes(std::uint32_t layers, std::uint64_t n, std::span<const File> files, const std::uint8_t* last,
                          const ColumnSink& sink);

}  // namespace cairn::proofs
