// Where a seal keeps its files, and the two small records it writes: the scratch state (which layer is done, for
// crash recovery) and the replica meta (sizes and commitments, next to the replica).
//
//   scratch_dir/layer-NN   layer NN's labels, n * 32 bytes (NN = 01 .. layers); the last one is the key
//   scratch_dir/state      the last completed layer, bound to (params id, replica id, n)
//   out_dir/replica        padded data XOR key, n * 32 bytes
//   out_dir/tree-r         the replica's Merkle tree (tree_file.h)
//   out_dir/meta           params id, replica id, data size, n, comm_d, comm_c, comm_r_last, comm_r
//
// Thread-safety: reentrant.
#pragma once

#include <cstdint>
#include <filesystem>

#include "cairn/core/bytes.h"
#include "cairn/core/status.h"
#include "cairn/proofs/params.h"
#include "cairn/proofs/replica_id.h"
#include "cairn/proofs/seal.h"

namespace cairn::proofs {

std::filesystem::path LayerPath(const std::filesystem::path& scratch_dir, std::uint32_t layer);
std::filesystem::path StatePath(const std::filesystem::path& scratch_dir);
std::filesystem::path ReplicaPath(const std::filesystem::path& out_dir);
std::filesystem::path TreePath(const std::filesystem::path& out_dir);
std::filesystem::path MetaPath(const std::filesystem::path& out_dir);

struct SealState {
  ParamsId params_id;
  ReplicaId replica_id;
  std::uint64_t node_count = 0;
  std::uint32_t layers_done = 0;
};

Bytes EncodeSealState(const SealState& s);
Result<SealState> DecodeSealState(ByteSpan bytes);
Bytes EncodeSealMeta(const SealResult& m);
Result<SealResult> DecodeSealMeta(ByteSpan bytes);

}  // namespace cairn::proofs
