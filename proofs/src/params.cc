// Params id grammar (v1):
//   params_id := SHA-256( tag32("cairn/porep/params/v1")
//                         || BE32(node_size) || BE32(layers) || BE32(base_degree) || BE32(expander_degree)
//                         || BE32(label_layout) || BE32(seal_challenges) || BE32(storage_challenges) )
#include "cairn/proofs/params.h"

#include <string>

#include "domain.h"

namespace cairn::proofs {

Status SealParams::Validate() const {
  if (node_size != kNodeSize) return Status::InvalidArgument("seal params: node_size must be 32");
  if (layers < kMinLayers || layers > kMaxLayers) {
    return Status::InvalidArgument("seal params: layers must be in [2, 15], got " + std::to_string(layers));
  }
  if (base_degree != 6) return Status::InvalidArgument("seal params: base_degree must be 6");
  if (expander_degree != 8) return Status::InvalidArgument("seal params: expander_degree must be 8");
  if (label_layout != 1) return Status::InvalidArgument("seal params: label_layout must be 1");
  if (seal_challenges < 1 || seal_challenges > kMaxSealChallenges) {
    return Status::InvalidArgument("seal params: seal_challenges out of range");
  }
  if (storage_challenges < 1 || storage_challenges > kMaxStorageChallenges) {
    return Status::InvalidArgument("seal params: storage_challenges out of range");
  }
  return Status::Ok();
}

ParamsId SealParams::Id() const {
  Sha256 h = TaggedHasher(kTagParams);
  Bytes fields;
  for (std::uint32_t v :
       {node_size, layers, base_degree, expander_degree, label_layout, seal_challenges, storage_challenges}) {
    AppendBE32(fields, v);
  }
  h.Update(fields);
  return ParamsId(h.Finish());
}

Result<std::uint64_t> NodeCountForSize(std::uint64_t data_size) {
  if (data_size == 0) return Status::InvalidArgument("shard size is 0");
  if (data_size > kMaxShardBytes) return Status::InvalidArgument("shard size exceeds the 128 GiB limit");
  return (data_size + kNodeSize - 1) / kNodeSize;
}

}  // namespace cairn::proofs
