// Storage proof: each epoch the auditor's randomness picks `storage_challenges` leaves of the replica; the provider
// returns those replica nodes with their Merkle paths to comm_r_last, plus comm_c so the verifier can tie
// comm_r_last to the signed comm_r. Proving reads about 700 bytes per leaf from the kept files (no re-sealing);
// a provider that lost a fraction f of the replica passes with probability (1 - f)^c.
//
// Byte format: see storage_proof.cc.
//
// Thread-safety: SealedReplica is immutable after Open and may prove from several threads (pread only); the free
// functions are reentrant.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>

#include "cairn/core/bytes.h"
#include "cairn/core/ids.h"
#include "cairn/core/status.h"
#include "cairn/proofs/params.h"
#include "cairn/proofs/seal.h"

namespace cairn::proofs {

struct ReplicaFiles;  // the open replica and tree files (private)

struct StoragePublicInputs {
  DealId deal_id;
  Hash32 comm_r{};
  std::uint64_t data_size = 0;  // the shard's size in bytes, as in the deal
};

// The files a provider keeps for one deal (out_dir of Seal), opened once and proven from many times.
class SealedReplica {
 public:
  SealedReplica(SealedReplica&&) noexcept;
  SealedReplica& operator=(SealedReplica&&) noexcept;
  ~SealedReplica();

  // Opens out_dir/meta, replica and tree-r and checks they agree.
  static Result<SealedReplica> Open(const std::filesystem::path& out_dir);

  const SealResult& meta() const { return meta_; }
  // REQUIRES: params.Id() equals the params id the replica was sealed with (checked).
  Result<Bytes> ProveStorage(const SealParams& params, const DealId& deal_id, const Hash32& randomness) const;

 private:
  SealedReplica();
  SealResult meta_;
  std::unique_ptr<ReplicaFiles> files_;
};

// Error: invalid params or public inputs, or proof bytes that do not parse. false: a well-formed proof that does not
// verify. true: it verifies.
Result<bool> VerifyStorage(const SealParams& params, const StoragePublicInputs& inputs, const Hash32& randomness,
                           ByteSpan proof);

}  // namespace cairn::proofs
