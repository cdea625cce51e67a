// Sealing: turns a shard into a replica unique to one replica id (provider, deal, ticket, params), and back.
//
// Seal labels the graph layer by layer (each layer depends on the previous one and each node on the node before
// it: sequential on purpose), keeps the last layer as the key and writes replica = padded data XOR key. It runs on
// the calling thread only. SealMany seals up to sixteen shards of the same node count together on the calling thread,
// interleaving their (independent) hashing: up to eight in groups of four through the four-lane SHA-NI kernel, which
// hides SHA-NI latency, nine or more through the sixteen-lane AVX-512 one when the CPU has it (labels.h); to use more
// cores, call Seal or SealMany from several threads.
//
// Files (the grammars are in seal_files.cc and tree_file.cc):
//   scratch_dir/layer-NN, scratch_dir/state   one file per layer plus a progress record. A layer is written while
//       it is computed and made durable (fsync, rename) shortly after; the state records the last durable one, so a
//       seal interrupted at any point resumes after it. Needed by ProveSeal; DropScratch deletes them afterwards.
//       Disk: layers * n * 32 bytes.
//   out_dir/replica, out_dir/tree-r, out_dir/meta   what the provider keeps for the deal's lifetime: the replica,
//       its Merkle tree (for storage proofs without re-hashing) and the commitments. Disk: about 2 * n * 32 bytes.
//   An unnamed file in the first shard's scratch_dir holds the parent table of the call (n * 56 bytes: the graph,
//       computed once instead of in every layer, read back a chunk at a time); it vanishes with the call.
// Memory: per shard two layers' worth (2 * n * 32 bytes: the labels of the previous and the current layer, the floor
// for this graph; at the end, the replica and its tree), plus a few MiB of chunk buffers (parent rows, column pass),
// whatever the layer count. The column hashes (comm_c) are streamed from the layer files after the last layer; the
// layer files and the parent table file live in the page cache, not in the process.
//
// Thread-safety: the functions are reentrant; two calls must not share a scratch_dir or an out_dir.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

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
  // When true, the call starts one helper thread that makes finished layers and the output files durable (fsync,
  // rename, state and meta records; it also writes the replica, with O_DIRECT where the file system allows) while
  // the calling thread goes on labelling; the helper spends its time waiting for the disk. When false (the default)
  // no thread is started and the calling thread waits for the disk itself, as late as possible. Either way the
  // calling thread copies each layer into the page cache as it is computed (ProveSeal soon reads them back), and the
  // files and results are the same.
  bool background_commits = false;
};

// comm_d of a shard: the Merkle root of its bytes zero-padded to whole 32-byte nodes. Streams the file.
Result<Hash32> ComputeCommD(const std::filesystem::path& data_path);
Result<Hash32> ComputeCommD(ByteSpan data);

// Seals the shard at `data_path`. Creates the directories if needed. REQUIRES: params.Validate() is OK (checked).
// Fails with kFailedPrecondition when scratch_dir holds the state of another seal (other params, id or size).
Result<SealResult> Seal(const SealParams& params, const ReplicaId& replica_id, const std::filesystem::path& data_path,
                        const std::filesystem::path& scratch_dir, const std::filesystem::path& out_dir,
                        const SealOptions& options = {});

// One shard for SealMany: the arguments of Seal.
struct ShardToSeal {
  ReplicaId replica_id;
  std::filesystem::path data_path;
  std::filesystem::path scratch_dir;
  std::filesystem::path out_dir;
};

inline constexpr std::size_t kMaxShardsPerSeal = 16;

// Seals 1 to kMaxShardsPerSeal shards whose data files give the same node count, interleaved on the calling thread;
// each shard's files and result are exactly those of Seal (results in the order of `shards`). Fails as a whole:
// kInvalidArgument for a bad count, differing node counts or a directory used twice; otherwise as Seal would for any
// shard. A resumed call restarts every shard after the fewest layers any of them had made durable (recomputing a
// layer rewrites the same bytes). options.stop_after_layer stops all of them.
Result<std::vector<SealResult>> SealMany(const SealParams& params, std::span<const ShardToSeal> shards,
                                         const SealOptions& options = {});

// Reads out_dir/meta.
Result<SealResult> ReadSealResult(const std::filesystem::path& out_dir);

// Recovers the shard from a replica file: recomputes every layer (as slow as a seal, by design), XORs the key away
// and writes the first `data_size` bytes to `out_path` durably. Memory: two layers (2 * n * 32 bytes) plus chunk
// buffers, as a seal: the parent table streams through an unnamed file in out_path's directory (gone on return).
Status Unseal(const SealParams& params, const ReplicaId& replica_id, const std::filesystem::path& replica_path,
              std::uint64_t data_size, const std::filesystem::path& out_path);

// Deletes the layer files and the state from scratch_dir (not the directory). Missing files are fine.
Status DropScratch(const std::filesystem::path& scratch_dir);

}  // namespace cairn::proofs
