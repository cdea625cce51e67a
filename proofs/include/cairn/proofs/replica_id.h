// The replica id: what makes a sealed replica unique to one provider, one deal and one ticket. Every label depends
// on it, so two replicas of the same shard (another provider, another deal, another ticket) share no key byte, and
// comm_d inside it fixes the data before the key can be known (no chosen-data attack).
//
// Thread-safety: values; DeriveReplicaId is reentrant.
#pragma once

#include "cairn/core/bytes.h"
#include "cairn/core/ids.h"
#include "cairn/proofs/params.h"

namespace cairn::proofs {

struct ReplicaIdTag {};
using ReplicaId = StrongType<Hash32, ReplicaIdTag>;

struct ReplicaIdInputs {
  Hash32 provider_key{};  // the provider's Ed25519 public key
  DealId deal_id;         // hash of the signed deal proposal
  Hash32 comm_d{};        // the shard's Merkle root (its ShardId)
  Hash32 ticket{};        // randomness the client put in the proposal
  ParamsId params_id;     // the network's seal parameters
};

// Grammar (v1): SHA-256( tag32("cairn/porep/replica-id/v1") || provider_key:32 || deal_id:32 || comm_d:32
//                         || ticket:32 || params_id:32 )
ReplicaId DeriveReplicaId(const ReplicaIdInputs& in);

}  // namespace cairn::proofs
