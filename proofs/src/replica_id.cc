#include "cairn/proofs/replica_id.h"

#include "domain.h"

namespace cairn::proofs {

ReplicaId DeriveReplicaId(const ReplicaIdInputs& in) {
  Sha256 h = TaggedHasher(kTagReplicaId);
  h.Update(in.provider_key.data(), 32);
  h.Update(in.deal_id.value().data(), 32);
  h.Update(in.comm_d.data(), 32);
  h.Update(in.ticket.data(), 32);
  h.Update(in.params_id.value().data(), 32);
  return ReplicaId(h.Finish());
}

}  // namespace cairn::proofs
