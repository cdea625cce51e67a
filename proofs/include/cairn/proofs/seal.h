// Sealing: turns a shard into a replica unique to one replica id (provider, deal, ticket, params), and back.
//
// Seal labels the graph layer by layer (each layer depends on the previous one and each node on the node before
// it: sequential on purpose), keeps the last layer as the key and writes replica = padded data XOR key. It runs on
// the calling thread only; seal several shards at once by calling it from several threads.
//
// Files (the grammars are in seal_files.cc and tree_file.cc):
//   scratch_dir/layer-NN, scratch_dir/state   one file per layer plus a progress record. Layers are written whole
//       (temporary file, fsync, rename) and the state records the last complete one, so a seal interrupted at any
//       point resumes at the next whole layer. Needed by ProveSeal; DropScratch deletes them afterwards.
//       Disk: layers * n * 32 bytes.
//   out_dir/replica, out_dir/tree-r, out_dir/meta   what the provider keeps for the deal's lifetime: the replica,
//       its Merkle tree (for storage proofs without re-hashing) and the commitments. Disk: about 2 * n * 32 bytes.
// Memory: two layers (2 * n * 32 bytes) plus small buffers, whatever the layer count.
//
// Thread-safety: the functions are reentrant; two calls must not share a scratch_dir or an out_dir.
#pragma once

#include <cstdint>
#include <filesystem>

#include "cairn/core/bytes.h"
#include "cairn/core/status.h"
#include "cairn/proofs/params.h"
#include "cairn/proofs/replica_id.h"

namespace cairn::proofs {

// What a seal produced; also stored in out_dir/meta.
struct SealResult {
  ParamsId params_id;
  ReplicaId replica_id;
  std::uint64_t data_size = 0;   // the shard's true size in bytes
  std::uint64_t node_count = 0;  // ceil(data_size / 32)
  Hash32 comm_d{};               // Merkle root of the zero-padded data
  Hash32 comm_c{};               // Merkle root of the column hashes
  Hash32 comm_r_last{};          // Merkle root of the replica
  Hash32 comm_r{};               // SHA-256(tag, comm_c, comm_r_last): what the provider signs
};

struct SealOptions {
  // When non-zero, Seal returns kCancelled right after layer `stop_after_layer` is durable (crash-resume tests and
  // cooperative shutdown); calling Seal again resumes at the next layer.
  std::uint32_t stop_after_layer = 0;
};

// comm_d of a shard: the Merkle root of its bytes zero-padded to whole 32-byte nodes. Streams the file.
Result<Hash32> ComputeCommD(const std::filesystem::path& data_path);
Result<Hash32> ComputeCommD(ByteSpan data);

// Seals the shard at `data_path`. Creates the directories if needed. REQUIRES: params.Validate() is OK (checked).
// Fails with kFailedPrecondition when scratch_dir holds the state of another seal (other params, id or size).
Result<SealResult> Seal(const SealParams& params, const ReplicaId& replica_id, const std::filesystem::path& data_path,
                        const std::filesystem::path& scratch_dir, const std::filesystem::path& out_dir,
                        const SealOptions& options = {});

// Reads out_dir/meta.
Result<SealResult> ReadSealResult(const std::filesystem::path& out_dir);

// Recovers the shard from a replica file: recomputes every layer (as slow as a seal, by design), XORs the key away
// and writes the first `data_size` bytes to `out_path` durably. Memory: two layers. Uses no scratch files.
Status Unseal(const SealParams& params, const ReplicaId& replica_id, const std::filesystem::path& replica_path,
              std::uint64_t data_size, const std::filesystem::path& out_path);

// Deletes the layer files and the state from scratch_dir (not the directory). Missing files are fine.
Status DropScratch(const std::filesystem::path& scratch_dir);

}  // namespace cairn::proofs
