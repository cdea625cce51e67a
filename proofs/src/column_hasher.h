// Column hashes (commitments.h grammar) computed layer by layer while a seal labels, instead of by reading every
// layer file back at the end: the SHA-256 state of each node's column absorbs one 64-byte block whenever two more of
// its labels exist, so each block is hashed while the labels are still in memory, four columns per Sha256Compress4.
//
//   column message of node i := tag32 || label(1, i) || ... || label(L, i)       (32 + 32 L bytes)
//   block 0 = tag32 || label(1, i)   -> absorbed with layer 1
//   block j = label(2j, i) || label(2j + 1, i)   -> absorbed with layer 2j + 1
//   the padding block(s)   -> absorbed with layer L (for even L the last block is label(L, i) || padding)
//
// Memory: n * 32 bytes (one state per node), which becomes the n column hashes.
// Thread-safety: none; owned by one seal.
#pragma once

#include <cstdint>
#include <filesystem>

#include "cairn/core/bytes.h"
#include "cairn/core/status.h"
#include "node_buffer.h"

namespace cairn::proofs {

class ColumnHasher {
 public:
  ColumnHasher() = default;

  // REQUIRES nothing; fails for a layer count outside [kMinLayers, kMaxLayers], n == 0 or when memory runs out.
  static Result<ColumnHasher> Create(std::uint32_t layers, std::uint64_t n);

  // Absorbs layer `layer`'s labels of nodes [first, first + count): cur points to label(layer, first) and the next
  // count - 1 labels, prev likewise to the previous layer's (read only when layer is odd and >= 3).
  // REQUIRES: for each node, layers are absorbed in the order 1, 2, ..., L, each once.
  void Absorb(std::uint32_t layer, const std::uint8_t* prev, const std::uint8_t* cur, std::uint64_t first,
              std::uint64_t count);

  // Absorbs layers 1..layers_done of every node from the layer files in `scratch_dir` (a resumed seal, or a seal
  // proof rebuilding tree_c), reading them in chunks.
  Status AbsorbFiles(const std::filesystem::path& scratch_dir, std::uint32_t layers_done);

  // Turns every state into its column hash and returns them back to back (n * 32 bytes, valid while the hasher
  // lives). REQUIRES: all L layers absorbed for every node; called once.
  ByteSpan Finish();
  // The column hashes again. REQUIRES: Finish was called.
  ByteSpan hashes() const { return states_.span(); }

  std::uint64_t node_count() const { return n_; }

 private:
  std::uint32_t layers_ = 0;
  std::uint64_t n_ = 0;
  NodeBuffer states_;  // n Sha256State words (host order), then n column hashes after Finish
};

}  // namespace cairn::proofs
