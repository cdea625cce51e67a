// Challenge derivations: which nodes a seal proof or a storage proof must open. Both sides compute them; the
// randomness comes from the verifier after the prover committed (comm_r signed), so the prover cannot prepare.
//
// Grammar (v1), i = 0 .. count-1, n = the shard's node count:
//   seal:    c_i = BE64(first 8 bytes of SHA-256( tag32("cairn/porep/seal-challenge/v1") || replica_id:32
//                                                 || seed:32 || BE64(i) )) mod n
//   storage: c_i = BE64(first 8 bytes of SHA-256( tag32("cairn/porep/storage-challenge/v1") || randomness:32
//                                                 || deal_id:32 || BE64(i) )) mod n
// Challenges are drawn with replacement. The modulo bias is below n / 2^64 (under 2^-32 for n <= 2^32): negligible.
//
// Thread-safety: reentrant.
#pragma once

#include <cstdint>
#include <vector>

#include "cairn/core/bytes.h"
#include "cairn/core/ids.h"
#include "cairn/proofs/replica_id.h"

namespace cairn::proofs {

// REQUIRES: node_count >= 1.
std::vector<std::uint64_t> DeriveSealChallenges(const ReplicaId& replica_id, const Hash32& seed,
                                                std::uint64_t node_count, std::uint32_t count);
std::vector<std::uint64_t> DeriveStorageChallenges(const Hash32& randomness, const DealId& deal_id,
                                                   std::uint64_t node_count, std::uint32_t count);

}  // namespace cairn::proofs
