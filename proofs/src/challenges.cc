#include "cairn/proofs/challenges.h"

#include <string_view>

#include "domain.h"

namespace cairn::proofs {
namespace {

std::vector<std::uint64_t> Derive(std::string_view tag, const Hash32& a, const Hash32& b, std::uint64_t n,
                                  std::uint32_t count) {
  Sha256 prefix = TaggedHasher(tag);
  prefix.Update(a.data(), 32);
  prefix.Update(b.data(), 32);
  std::vector<std::uint64_t> out;
  out.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    Sha256 h = prefix;
    std::uint8_t idx[8];
    PutBE64(idx, i);
    h.Update(idx, 8);
    out.push_back(GetBE64(h.Finish().data()) % n);
  }
  return out;
}

}  // namespace

std::vector<std::uint64_t> DeriveSealChallenges(const ReplicaId& replica_id, const Hash32& seed,
                                                std::uint64_t node_count, std::uint32_t count) {
  return Derive(kTagSealChallenge, replica_id.value(), seed, node_count, count);
}

std::vector<std::uint64_t> DeriveStorageChallenges(const Hash32& randomness, const DealId& deal_id,
                                                   std::uint64_t node_count, std::uint32_t count) {
  return Derive(kTagStorageChallenge, randomness, deal_id.value(), node_count, count);
}

}  // namespace cairn::proofs
