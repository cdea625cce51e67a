// Seal proof (interactive, no SNARK): after the provider has signed comm_r, the client sends a fresh 32-byte seed;
// the provider opens, for every derived challenge node c, the data node (path to comm_d), the replica node (path to
// comm_r_last) and the full label columns of c and of its 14 parents (paths to comm_c). The verifier recomputes c's
// label in every layer from its parents' labels and checks replica = data XOR last label, so a provider that
// skipped or faked a fraction f of the labelling is caught by each challenge with probability about f.
//
// Byte format and sizes: see seal_proof.cc. About (15 * (32 * layers + 49 + 32 * depth) + 2 * (81 + 32 * depth))
// bytes per challenge, where depth ~ log2(n).
//
// Thread-safety: reentrant.
#pragma once

#include <cstdint>
#include <filesystem>

#include "cairn/core/bytes.h"
#include "cairn/core/status.h"
#include "cairn/proofs/params.h"
#include "cairn/proofs/replica_id.h"

namespace cairn::proofs {

// What the verifier knows without the replica.
struct SealPublicInputs {
  ReplicaId replica_id;
  Hash32 comm_d{};
  Hash32 comm_r{};
  std::uint64_t data_size = 0;  // the shard's size in bytes, as in the deal
};

// Builds the proof from the files Seal left (scratch layers, replica, tree, meta) and the shard itself.
// Memory: about twice the shard (it rebuilds the column tree, then the data tree, one at a time).
Result<Bytes> ProveSeal(const SealParams& params, const ReplicaId& replica_id, const std::filesystem::path& data_path,
                        const std::filesystem::path& scratch_dir, const std::filesystem::path& out_dir,
                        const Hash32& seed);

// Error: invalid params or public inputs, or proof bytes that do not parse (wrong version, counts that differ from
// the params, truncation, trailing bytes). false: a well-formed proof that does not verify. true: it verifies.
Result<bool> VerifySeal(const SealParams& params, const SealPublicInputs& inputs, const Hash32& seed, ByteSpan proof);

}  // namespace cairn::proofs
