// Seal proof grammar (v1, big-endian; merkle_proof is the core MerkleProof v1 encoding, see core/src/merkle.cc):
//
//   seal_proof := version:u8 = 1
//                 comm_c:32 comm_r_last:32
//                 challenge_count:u32                (must equal params.seal_challenges)
//                 challenge[challenge_count]         (in the order of DeriveSealChallenges)
//   challenge  := data_node:32 data_path:merkle_proof          (tree of comm_d, index c)
//                 replica_node:32 replica_path:merkle_proof    (tree of comm_r_last, index c)
//                 opening[k]                                   k = 15, or 9 when c = 0 (node 0 has no base parent)
//   opening    := labels:32[layers] column_path:merkle_proof   (tree of comm_c)
//
// Openings come in a fixed order the verifier recomputes from the graph: c itself, then base parents b_0..b_5 (when
// c >= 1), then expander parents e_0..e_7. A repeated parent is opened again (no deduplication: simpler to check).
#include "cairn/proofs/seal_proof.h"

#include <cstring>
#include <vector>

#include "cairn/core/merkle.h"
#include "cairn/proofs/challenges.h"
#include "cairn/proofs/seal.h"
#include "commitments.h"
#include "file_io.h"
#include "graph.h"
#include "labels.h"
#include "node_buffer.h"
#include "seal_files.h"
#include "tree_file.h"

namespace cairn::proofs {
namespace {

constexpr std::uint8_t kVersion = 1;

// Node indices opened for challenge c, in grammar order.
int OpenedNodes(const Graph& graph, std::uint64_t c, std::uint64_t out[1 + kBaseDegree + kExpanderDegree]) {
  int k = 0;
  out[k++] = c;
  if (c >= 1) {
    graph.BaseParents(c, out + k);
    k += kBaseDegree;
  }
  graph.ExpanderParents(c, out + k);
  return k + kExpanderDegree;
}

const std::uint8_t kZeroNode[32] = {};

struct Opening {
  ByteSpan labels;  // views into the proof bytes: valid during VerifySeal only
  MerkleProof path;
};

struct ChallengeProof {
  ByteSpan data_node;
  MerkleProof data_path;
  ByteSpan replica_node;
  MerkleProof replica_path;
  std::vector<Opening> openings;
};

struct ParsedProof {
  Hash32 comm_c{};
  Hash32 comm_r_last{};
  std::vector<ChallengeProof> challenges;
};

Result<ParsedProof> Parse(const SealParams& params, const Graph& graph, const std::vector<std::uint64_t>& challenges,
                          ByteSpan bytes) {
  ByteReader r(bytes);
  std::uint8_t version = 0;
  std::uint32_t count = 0;
  ParsedProof p;
  if (!r.ReadU8(version) || !r.ReadHash(p.comm_c) || !r.ReadHash(p.comm_r_last) || !r.ReadBE32(count)) {
    return Status::Corruption("seal proof: truncated header");
  }
  if (version != kVersion) return Status::Corruption("seal proof: unknown version " + std::to_string(version));
  if (count != params.seal_challenges) return Status::Corruption("seal proof: challenge count differs from params");
  p.challenges.reserve(count);
  std::uint64_t opened[1 + kBaseDegree + kExpanderDegree];
  for (std::uint32_t i = 0; i < count; ++i) {
    ChallengeProof ch;
    if (!r.ReadSpan(32, ch.data_node)) return Status::Corruption("seal proof: truncated");
    CAIRN_ASSIGN_OR_RETURN(ch.data_path, MerkleProof::ReadFrom(r));
    if (!r.ReadSpan(32, ch.replica_node)) return Status::Corruption("seal proof: truncated");
    CAIRN_ASSIGN_OR_RETURN(ch.replica_path, MerkleProof::ReadFrom(r));
    const int k = OpenedNodes(graph, challenges[i], opened);
    ch.openings.resize(k);
    for (Opening& o : ch.openings) {
      if (!r.ReadSpan(32 * params.layers, o.labels)) return Status::Corruption("seal proof: truncated");
      CAIRN_ASSIGN_OR_RETURN(o.path, MerkleProof::ReadFrom(r));
    }
    p.challenges.push_back(std::move(ch));
  }
  if (!r.AtEnd()) return Status::Corruption("seal proof: trailing bytes");
  return p;
}

bool PathIs(const MerkleProof& proof, std::uint64_t n, std::uint64_t index) {
  return proof.node_count == n && proof.index == index;
}

bool VerifyChallenge(const SealParams& params, const Graph& graph, const LabelHasher& hasher,
                     const SealPublicInputs& in, const ParsedProof& p, std::uint64_t c, const ChallengeProof& ch) {
  const std::uint64_t n = graph.node_count();
  if (!PathIs(ch.data_path, n, c) || !MerkleVerify(in.comm_d, ch.data_node.data(), ch.data_path)) return false;
  if (!PathIs(ch.replica_path, n, c) || !MerkleVerify(p.comm_r_last, ch.replica_node.data(), ch.replica_path)) {
    return false;
  }
  std::uint64_t opened[1 + kBaseDegree + kExpanderDegree];
  const int k = OpenedNodes(graph, c, opened);
  for (int j = 0; j < k; ++j) {
    const Opening& o = ch.openings[j];
    const Hash32 column = ColumnHash(o.labels);
    if (!PathIs(o.path, n, opened[j]) || !MerkleVerify(p.comm_c, column.data(), o.path)) return false;
  }
  // Recompute c's label in every layer from its parents' committed labels.
  const int base_first = 1;
  const int exp_first = c >= 1 ? 1 + kBaseDegree : 1;
  alignas(64) std::uint8_t gathered[kLaterLayerParents * 32];
  std::uint8_t label[32];
  for (std::uint32_t l = 1; l <= params.layers; ++l) {
    for (int i = 0; i < kBaseDegree; ++i) {
      const std::uint8_t* src = c >= 1 ? ch.openings[base_first + i].labels.data() + 32 * (l - 1) : kZeroNode;
      std::memcpy(gathered + 32 * i, src, 32);
    }
    if (l > 1) {
      for (int i = 0; i < kExpanderDegree; ++i) {
        std::memcpy(gathered + 32 * (kBaseDegree + i), ch.openings[exp_first + i].labels.data() + 32 * (l - 2), 32);
      }
    }
    hasher.Label(l, c, gathered, label);
    if (std::memcmp(label, ch.openings[0].labels.data() + 32 * (l - 1), 32) != 0) return false;
  }
  for (int b = 0; b < 32; ++b) {
    if (ch.replica_node[b] != (ch.data_node[b] ^ label[b])) return false;
  }
  return true;
}

}  // namespace

Result<Bytes> ProveSeal(const SealParams& params, const ReplicaId& replica_id, const std::filesystem::path& data_path,
                        const std::filesystem::path& scratch_dir, const std::filesystem::path& out_dir,
                        const Hash32& seed) {
  CAIRN_RETURN_IF_ERROR(params.Validate());
  CAIRN_ASSIGN_OR_RETURN(SealResult meta, ReadSealResult(out_dir));
  if (meta.params_id != params.Id() || meta.replica_id != replica_id) {
    return Status::FailedPrecondition("prove seal: " + out_dir.string() + " holds another seal");
  }
  const std::uint64_t n = meta.node_count;
  const std::uint32_t layers = params.layers;
  CAIRN_ASSIGN_OR_RETURN(Graph graph, Graph::Create(meta.params_id, n));
  const std::vector<std::uint64_t> challenges = DeriveSealChallenges(replica_id, seed, n, params.seal_challenges);

  // Labels of every opened column, straight from the layer files.
  std::vector<File> layer_files;
  for (std::uint32_t l = 1; l <= layers; ++l) {
    CAIRN_ASSIGN_OR_RETURN(File f, File::OpenRead(LayerPath(scratch_dir, l)));
    layer_files.push_back(std::move(f));
  }
  struct Planned {
    int k = 0;
    std::uint64_t nodes[1 + kBaseDegree + kExpanderDegree];
    Bytes labels;  // k * layers * 32
    std::vector<MerkleProof> column_paths;
    std::uint8_t data_node[32];
    MerkleProof data_path;
  };
  std::vector<Planned> plan(challenges.size());
  for (std::size_t i = 0; i < challenges.size(); ++i) {
    Planned& pl = plan[i];
    pl.k = OpenedNodes(graph, challenges[i], pl.nodes);
    pl.labels.resize(static_cast<std::size_t>(pl.k) * layers * 32);
    for (int j = 0; j < pl.k; ++j) {
      for (std::uint32_t l = 0; l < layers; ++l) {
        MutableByteSpan dst(pl.labels.data() + (static_cast<std::size_t>(j) * layers + l) * 32, 32);
        CAIRN_RETURN_IF_ERROR(layer_files[l].ReadAt(pl.nodes[j] * 32, dst));
      }
    }
  }
  layer_files.clear();

  {  // Column tree.
    CAIRN_ASSIGN_OR_RETURN(NodeBuffer column_hashes, ComputeColumns(scratch_dir, layers, n));
    const ByteSpan columns = column_hashes.span();
    CAIRN_ASSIGN_OR_RETURN(MerkleTree tree_c, MerkleTree::Build(columns));
    if (tree_c.root() != meta.comm_c) return Status::Corruption("prove seal: scratch layers do not match comm_c");
    for (Planned& pl : plan) {
      for (int j = 0; j < pl.k; ++j) {
        const std::uint64_t sib = pl.nodes[j] ^ 1;
        CAIRN_ASSIGN_OR_RETURN(MerkleProof mp,
                               tree_c.Prove(pl.nodes[j], sib < n ? columns.data() + sib * 32 : kZeroNode));
        pl.column_paths.push_back(std::move(mp));
      }
    }
  }
  {  // Data tree.
    CAIRN_ASSIGN_OR_RETURN(File data, File::OpenRead(data_path));
    CAIRN_ASSIGN_OR_RETURN(std::uint64_t size, data.Size());
    if (size != meta.data_size) return Status::InvalidArgument("prove seal: data size differs from the seal");
    CAIRN_ASSIGN_OR_RETURN(NodeBuffer nodes, NodeBuffer::Allocate(n * 32));
    CAIRN_RETURN_IF_ERROR(data.ReadAt(0, MutableByteSpan(nodes.data(), static_cast<std::size_t>(size))));
    CAIRN_ASSIGN_OR_RETURN(MerkleTree tree_d, MerkleTree::Build(nodes.span()));
    if (tree_d.root() != meta.comm_d) return Status::Corruption("prove seal: data does not match comm_d");
    for (std::size_t i = 0; i < challenges.size(); ++i) {
      const std::uint64_t c = challenges[i];
      const std::uint64_t sib = c ^ 1;
      std::memcpy(plan[i].data_node, nodes.data() + c * 32, 32);
      CAIRN_ASSIGN_OR_RETURN(plan[i].data_path, tree_d.Prove(c, sib < n ? nodes.data() + sib * 32 : kZeroNode));
    }
  }

  CAIRN_ASSIGN_OR_RETURN(File replica, File::OpenRead(ReplicaPath(out_dir)));
  CAIRN_ASSIGN_OR_RETURN(TreeFile tree_r, TreeFile::Open(TreePath(out_dir), n));
  if (tree_r.root() != meta.comm_r_last) return Status::Corruption("prove seal: tree-r does not match comm_r_last");

  Bytes out;
  out.push_back(kVersion);
  out.insert(out.end(), meta.comm_c.begin(), meta.comm_c.end());
  out.insert(out.end(), meta.comm_r_last.begin(), meta.comm_r_last.end());
  AppendBE32(out, static_cast<std::uint32_t>(challenges.size()));
  for (std::size_t i = 0; i < challenges.size(); ++i) {
    const Planned& pl = plan[i];
    const std::uint64_t c = challenges[i];
    out.insert(out.end(), pl.data_node, pl.data_node + 32);
    Append(out, pl.data_path.Serialize());
    std::uint8_t node[32], sibling[32] = {};
    CAIRN_RETURN_IF_ERROR(replica.ReadAt(c * 32, MutableByteSpan(node, 32)));
    if ((c ^ 1) < n) CAIRN_RETURN_IF_ERROR(replica.ReadAt((c ^ 1) * 32, MutableByteSpan(sibling, 32)));
    CAIRN_ASSIGN_OR_RETURN(MerkleProof rp, tree_r.Prove(c, sibling));
    out.insert(out.end(), node, node + 32);
    Append(out, rp.Serialize());
    for (int j = 0; j < pl.k; ++j) {
      const std::uint8_t* labels = pl.labels.data() + static_cast<std::size_t>(j) * layers * 32;
      out.insert(out.end(), labels, labels + layers * 32);
      Append(out, pl.column_paths[j].Serialize());
    }
  }
  return out;
}

Result<bool> VerifySeal(const SealParams& params, const SealPublicInputs& inputs, const Hash32& seed, ByteSpan proof) {
  CAIRN_RETURN_IF_ERROR(params.Validate());
  CAIRN_ASSIGN_OR_RETURN(std::uint64_t n, NodeCountForSize(inputs.data_size));
  CAIRN_ASSIGN_OR_RETURN(Graph graph, Graph::Create(params.Id(), n));
  const std::vector<std::uint64_t> challenges =
      DeriveSealChallenges(inputs.replica_id, seed, n, params.seal_challenges);
  CAIRN_ASSIGN_OR_RETURN(ParsedProof p, Parse(params, graph, challenges, proof));
  if (CommR(p.comm_c, p.comm_r_last) != inputs.comm_r) return false;
  const LabelHasher hasher(inputs.replica_id);
  for (std::size_t i = 0; i < challenges.size(); ++i) {
    if (!VerifyChallenge(params, graph, hasher, inputs, p, challenges[i], p.challenges[i])) return false;
  }
  return true;
}

}  // namespace cairn::proofs
