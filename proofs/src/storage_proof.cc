// Storage proof grammar (v1, big-endian; merkle_proof is the core MerkleProof v1 encoding):
//
//   storage_proof := version:u8 = 1
//                    comm_c:32 comm_r_last:32
//                    leaf_count:u32                  (must equal params.storage_challenges)
//                    leaf[leaf_count]                (in the order of DeriveStorageChallenges)
//   leaf          := replica_node:32 path:merkle_proof   (tree of comm_r_last, index c_i)
//
// Size: 73 + c * (81 + 32 * depth) bytes; about 15 KiB for 20 leaves of a 64 MiB replica (depth 20).
#include "cairn/proofs/storage_proof.h"

#include <cstring>

#include "cairn/core/merkle.h"
#include "cairn/proofs/challenges.h"
#include "commitments.h"
#include "file_io.h"
#include "seal_files.h"
#include "tree_file.h"

namespace cairn::proofs {

struct ReplicaFiles {
  File replica;
  TreeFile tree;
};

namespace {
constexpr std::uint8_t kVersion = 1;
}  // namespace

SealedReplica::SealedReplica() = default;
SealedReplica::SealedReplica(SealedReplica&&) noexcept = default;
SealedReplica& SealedReplica::operator=(SealedReplica&&) noexcept = default;
SealedReplica::~SealedReplica() = default;

Result<SealedReplica> SealedReplica::Open(const std::filesystem::path& out_dir) {
  SealedReplica r;
  CAIRN_ASSIGN_OR_RETURN(r.meta_, ReadSealResult(out_dir));
  CAIRN_ASSIGN_OR_RETURN(File replica, File::OpenRead(ReplicaPath(out_dir)));
  CAIRN_ASSIGN_OR_RETURN(std::uint64_t size, replica.Size());
  if (size != r.meta_.node_count * 32) return Status::Corruption("sealed replica: replica size mismatch");
  CAIRN_ASSIGN_OR_RETURN(TreeFile tree, TreeFile::Open(TreePath(out_dir), r.meta_.node_count));
  if (tree.root() != r.meta_.comm_r_last) return Status::Corruption("sealed replica: tree does not match meta");
  r.files_ = std::make_unique<ReplicaFiles>(ReplicaFiles{std::move(replica), std::move(tree)});
  return r;
}

Result<Bytes> SealedReplica::ProveStorage(const SealParams& params, const DealId& deal_id,
                                          const Hash32& randomness) const {
  CAIRN_RETURN_IF_ERROR(params.Validate());
  if (params.Id() != meta_.params_id) return Status::InvalidArgument("storage proof: params differ from the seal's");
  const std::uint64_t n = meta_.node_count;
  const std::vector<std::uint64_t> leaves = DeriveStorageChallenges(randomness, deal_id, n, params.storage_challenges);
  Bytes out;
  out.reserve(73 + leaves.size() * (81 + 32 * 40));
  out.push_back(kVersion);
  out.insert(out.end(), meta_.comm_c.begin(), meta_.comm_c.end());
  out.insert(out.end(), meta_.comm_r_last.begin(), meta_.comm_r_last.end());
  AppendBE32(out, static_cast<std::uint32_t>(leaves.size()));
  for (std::uint64_t c : leaves) {
    // Node c and its pair sibling are adjacent: one read.
    std::uint8_t pair[64] = {};
    const std::uint64_t first = c & ~std::uint64_t{1};
    const std::size_t len = (first + 1 < n) ? 64 : 32;
    CAIRN_RETURN_IF_ERROR(files_->replica.ReadAt(first * 32, MutableByteSpan(pair, len)));
    const std::uint8_t* node = pair + 32 * (c & 1);
    const std::uint8_t* sibling = pair + 32 * ((c & 1) ^ 1);
    CAIRN_ASSIGN_OR_RETURN(MerkleProof proof, files_->tree.Prove(c, sibling));
    out.insert(out.end(), node, node + 32);
    Append(out, proof.Serialize());
  }
  return out;
}

Result<bool> VerifyStorage(const SealParams& params, const StoragePublicInputs& inputs, const Hash32& randomness,
                           ByteSpan proof) {
  CAIRN_RETURN_IF_ERROR(params.Validate());
  CAIRN_ASSIGN_OR_RETURN(std::uint64_t n, NodeCountForSize(inputs.data_size));
  ByteReader r(proof);
  std::uint8_t version = 0;
  Hash32 comm_c, comm_r_last;
  std::uint32_t count = 0;
  if (!r.ReadU8(version) || !r.ReadHash(comm_c) || !r.ReadHash(comm_r_last) || !r.ReadBE32(count)) {
    return Status::Corruption("storage proof: truncated header");
  }
  if (version != kVersion) return Status::Corruption("storage proof: unknown version");
  if (count != params.storage_challenges) return Status::Corruption("storage proof: leaf count differs from params");
  const std::vector<std::uint64_t> leaves = DeriveStorageChallenges(randomness, inputs.deal_id, n, count);
  // Parse everything before judging, so a malformed tail is an error even when an early leaf is wrong.
  std::vector<std::pair<ByteSpan, MerkleProof>> opened;
  opened.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    ByteSpan node;
    if (!r.ReadSpan(32, node)) return Status::Corruption("storage proof: truncated");
    CAIRN_ASSIGN_OR_RETURN(MerkleProof path, MerkleProof::ReadFrom(r));
    opened.emplace_back(node, std::move(path));
  }
  if (!r.AtEnd()) return Status::Corruption("storage proof: trailing bytes");
  if (CommR(comm_c, comm_r_last) != inputs.comm_r) return false;
  for (std::uint32_t i = 0; i < count; ++i) {
    const MerkleProof& path = opened[i].second;
    if (path.node_count != n || path.index != leaves[i]) return false;
    if (!MerkleVerify(comm_r_last, opened[i].first.data(), path)) return false;
  }
  return true;
}

}  // namespace cairn::proofs
