// Merkle trees over 32-byte nodes, format v1.
//
// Grammar (all integers big-endian; "||" is concatenation):
//
//   compress(iv, block)  := the SHA-256 compression function (FIPS 180-4 6.2.2) of one 64-byte block from state iv;
//                           a hash is the resulting state serialised as 8 big-endian u32 (Sha256StateBytes).
//   leaf_block           := "cairn/merkle/v1/leaf" || 0x00 * 44
//                         = 63 61 69 72 6e 2f 6d 65 72 6b 6c 65 2f 76 31 2f 6c 65 61 66, then 44 zero bytes
//   node_block           := "cairn/merkle/v1/node" || 0x00 * 44
//                         = 63 61 69 72 6e 2f 6d 65 72 6b 6c 65 2f 76 31 2f 6e 6f 64 65, then 44 zero bytes
//   LEAF_IV              := compress(FIPS initial state, leaf_block)
//   NODE_IV              := compress(FIPS initial state, node_block)
//   CompressLeaf(a, b)   := compress(LEAF_IV, a || b)        a, b: 32-byte data nodes
//   CompressNode(l, r)   := compress(NODE_IV, l || r)        l, r: 32-byte hashes
//   (No length padding is ever applied: every input is exactly one block.)
//
//   level 0   := node[0 .. n-1], n >= 1, then one zero node node[n] = 0x00 * 32 when n is odd
//   level 1   := P[i] = CompressLeaf(node[2i], node[2i+1])   for i < ceil(n/2)
//   level j+1 := for a level L of c >= 2 hashes: CompressNode(L[2i], L[2i+1]) for i < floor(c/2),
//                then L[c-1] unchanged when c is odd (promotion; padding happens at level 0 only)
//   root      := the only hash of the first level with one hash (level 1 when n <= 2)
//
//   Equivalently (RFC 6962 shape) over the m = ceil(n/2) level-1 hashes: R(P[0..1)) = P[0] and, for m >= 2,
//   R(P[0..m)) = CompressNode(R(P[0..k)), R(P[k..m))) with k the largest power of two below m. MerkleBuilder uses
//   this form: it keeps the roots of the perfect subtrees of the binary decomposition of the count so far.
//
//   proof     := node_count:u64 index:u64 sibling_node:32 path_len:u8 path:32[path_len]
//                node_count >= 1, index < node_count, path_len <= 64; Parse rejects trailing bytes.
//                sibling_node = node[index ^ 1] (the zero node when that is the padding node).
//                path lists, from level 1 upward, the hash paired with the proven node's ancestor at each level,
//                skipping the levels where that ancestor is promoted; its length is thus fixed by
//                (index, node_count) and MerkleVerify requires exactly that length.
//
// The node count is not hashed into the root: trees of 2k-1 and 2k nodes whose last node is zero share a root, and
// a proof stays valid under another count that gives the same path shape. node_count is a public input that the
// verifier's caller must fix.
#include "cairn/core/merkle.h"

#include <bit>
#include <cassert>
#include <cstring>

#include "merkle_hash.h"

namespace cairn {
namespace {

using internal::HashBlock;
using internal::HashBlocks;
using internal::MerkleLeafIv;
using internal::MerkleNodeIv;

constexpr std::size_t kMaxPathLen = 64;
// MerkleBuilder reduces its input in aligned chunks of this many nodes, so a chunk's level-1 hashes (32 KiB) stay
// in L1/L2 cache while every level above them is folded.
constexpr std::uint64_t kChunkNodes = internal::kMaxPerfectSubtreeNodes;
// Aligned power-of-two runs of at least this many nodes go through PerfectSubtreeRoot: from 32 nodes (one sixteen-lane
// pass of level 1) the AVX-512 path keeps every level in registers.
constexpr std::size_t kMinPerfectChunk = 32;

Hash32 LeafPair(const std::uint8_t* a, const std::uint8_t* b) {
  std::uint8_t block[64];
  std::memcpy(block, a, 32);
  std::memcpy(block + 32, b, 32);
  return HashBlock(MerkleLeafIv(), block);
}

// ceil(c / 2) without overflow.
constexpr std::uint64_t HalfUp(std::uint64_t c) { return c / 2 + (c & 1); }

}  // namespace

Hash32 MerkleHashLeafPair(const std::uint8_t* two_nodes) { return HashBlock(MerkleLeafIv(), two_nodes); }

Hash32 MerkleHashNode(const Hash32& left, const Hash32& right) {
  std::uint8_t block[64];
  std::memcpy(block, left.data(), 32);
  std::memcpy(block + 32, right.data(), 32);
  return HashBlock(MerkleNodeIv(), block);
}

Result<Hash32> MerkleRoot(ByteSpan nodes) {
  if (nodes.empty() || nodes.size() % 32 != 0) {
    return Status::InvalidArgument("MerkleRoot: input must be a positive multiple of 32 bytes");
  }
  MerkleBuilder builder;
  CAIRN_RETURN_IF_ERROR(builder.AddNodes(nodes));
  return builder.Finish();
}

Result<Hash32> MerklePerfectRoot(ByteSpan nodes, ByteSpan upcoming) {
  static_assert(kMaxMerklePerfectNodes == internal::kMaxPerfectSubtreeNodes);
  const std::size_t count = nodes.size() / 32;
  if (nodes.size() % 32 != 0 || count < 2 || count > kMaxMerklePerfectNodes || !std::has_single_bit(count)) {
    return Status::InvalidArgument("MerklePerfectRoot: input must be 2 to 2048 nodes, a power of two");
  }
  Hash32 scratch[kMaxMerklePerfectNodes / 2];
  return internal::PerfectSubtreeRoot(nodes.data(), count, scratch, upcoming);
}

// ---------------------------------------------------------------------------------------------------------------
// MerkleBuilder

void MerkleBuilder::PushPairHash(Hash32 h, int height) {
  while (!stack_.empty() && stack_.back().second == height) {
    h = MerkleHashNode(stack_.back().first, h);
    stack_.pop_back();
    ++height;
  }
  assert(stack_.empty() || stack_.back().second > height);
  stack_.emplace_back(h, height);
}

void MerkleBuilder::FoldRun(Hash32* run, std::size_t count, std::uint64_t pos, int height) {
  // A binary-counter carry, one level at a time, with each level's pairs hashed in place by HashBlocks.
  Hash32 leftover[kMaxPathLen + 2];
  int leftover_height[kMaxPathLen + 2];
  int nleft = 0;
  while (count > 0) {
    std::size_t first = 0;     // index in `run` of the first hash not yet consumed
    std::size_t produced = 0;  // hashes of the next level written to run[0 .. produced)
    if (pos & 1) {
      // run[0] is a right child; its left sibling is the top of the stack, a subtree of the same height.
      assert(!stack_.empty() && stack_.back().second == height);
      run[0] = MerkleHashNode(stack_.back().first, run[0]);
      stack_.pop_back();
      first = 1;
      produced = 1;
    }
    const std::size_t pairs = (count - first) / 2;
    if ((count - first) % 2 == 1) {
      assert(nleft < static_cast<int>(kMaxPathLen + 2));
      leftover[nleft] = run[count - 1];
      leftover_height[nleft] = height;
      ++nleft;
    }
    HashBlocks(MerkleNodeIv(), run[first].data(), pairs, run + produced);
    count = produced + pairs;
    pos >>= 1;
    ++height;
  }
  // Higher subtrees sit deeper in the stack: push the leftovers from the highest down.
  for (int i = nleft - 1; i >= 0; --i) {
    assert(stack_.empty() || stack_.back().second > leftover_height[i]);
    stack_.emplace_back(leftover[i], leftover_height[i]);
  }
}

Status MerkleBuilder::AddNodes(ByteSpan data) {
  if (data.size() % 32 != 0) return Status::InvalidArgument("MerkleBuilder::AddNodes: size is not a multiple of 32");
  std::uint64_t n = data.size() / 32;
  if (n > UINT64_MAX - nodes_) return Status::InvalidArgument("MerkleBuilder::AddNodes: node count overflows");
  const std::uint8_t* p = data.data();
  Hash32 run[kChunkNodes / 2];
  while (n > 0) {
    // Chunks end on multiples of kChunkNodes, so a whole chunk folds to a single perfect subtree.
    const std::uint64_t room = kChunkNodes - nodes_ % kChunkNodes;
    const std::size_t take = static_cast<std::size_t>(n < room ? n : room);
    if (!pending_ && take >= kMinPerfectChunk && std::has_single_bit(take) && nodes_ % take == 0) {
      // An aligned perfect subtree (a whole chunk, or a power-of-two input such as an encoder unit): its root in one
      // call, the way AddSubtreeRoot takes one.
      PushPairHash(internal::PerfectSubtreeRoot(p, take, run), std::countr_zero(take));
      nodes_ += take;
      p += 32 * take;
      n -= take;
      continue;
    }
    const std::uint64_t first_pair = nodes_ / 2;
    std::size_t count = 0;
    std::size_t used = 0;
    if (pending_) {
      run[count++] = LeafPair(pending_->data(), p);
      pending_.reset();
      used = 1;
    }
    const std::size_t pairs = (take - used) / 2;
    HashBlocks(MerkleLeafIv(), p + 32 * used, pairs, run + count);
    count += pairs;
    used += 2 * pairs;
    if (used < take) {
      pending_.emplace();
      std::memcpy(pending_->data(), p + 32 * used, 32);
    }
    nodes_ += take;
    p += 32 * take;
    n -= take;
    if (count > 0) FoldRun(run, count, first_pair, 1);
  }
  return Status::Ok();
}

Status MerkleBuilder::AddSubtreeRoot(const Hash32& root, std::uint64_t node_count) {
  if (node_count < 2 || !std::has_single_bit(node_count)) {
    return Status::InvalidArgument("MerkleBuilder::AddSubtreeRoot: node_count must be a power of two >= 2");
  }
  if (nodes_ % node_count != 0) {
    return Status::FailedPrecondition("MerkleBuilder::AddSubtreeRoot: builder is not aligned to the subtree size");
  }
  if (node_count > UINT64_MAX - nodes_) return Status::InvalidArgument("MerkleBuilder: node count overflows");
  PushPairHash(root, std::countr_zero(node_count));
  nodes_ += node_count;
  return Status::Ok();
}

Result<Hash32> MerkleBuilder::Finish() {
  if (nodes_ == 0) return Status::FailedPrecondition("MerkleBuilder::Finish: no node was added");
  if (pending_) {
    static const std::uint8_t kZeroNode[32] = {};
    PushPairHash(LeafPair(pending_->data(), kZeroNode), 1);
  }
  Hash32 acc = stack_.back().first;
  for (std::size_t i = stack_.size() - 1; i-- > 0;) acc = MerkleHashNode(stack_[i].first, acc);
  stack_.clear();
  pending_.reset();
  nodes_ = 0;
  return acc;
}

// ---------------------------------------------------------------------------------------------------------------
// MerkleProof

Bytes MerkleProof::Serialize() const {
  Bytes out;
  out.reserve(8 + 8 + 32 + 1 + 32 * path.size());
  AppendBE64(out, node_count);
  AppendBE64(out, index);
  Append(out, sibling_node);
  out.push_back(static_cast<std::uint8_t>(path.size()));
  for (const Hash32& h : path) Append(out, h);
  return out;
}

Result<MerkleProof> MerkleProof::ReadFrom(ByteReader& reader) {
  MerkleProof proof;
  std::uint8_t path_len = 0;
  if (!reader.ReadBE64(proof.node_count) || !reader.ReadBE64(proof.index) || !reader.ReadHash(proof.sibling_node) ||
      !reader.ReadU8(path_len)) {
    return Status::Corruption("MerkleProof: truncated header");
  }
  if (proof.node_count == 0) return Status::Corruption("MerkleProof: node_count is zero");
  if (proof.index >= proof.node_count) return Status::Corruption("MerkleProof: index out of range");
  if (path_len > kMaxPathLen) return Status::Corruption("MerkleProof: path longer than 64");
  if (reader.remaining() < std::size_t{32} * path_len) return Status::Corruption("MerkleProof: truncated path");
  proof.path.resize(path_len);
  for (Hash32& h : proof.path) {
    if (!reader.ReadHash(h)) return Status::Corruption("MerkleProof: truncated path");
  }
  return proof;
}

Result<MerkleProof> MerkleProof::Parse(ByteSpan bytes) {
  ByteReader reader(bytes);
  CAIRN_ASSIGN_OR_RETURN(MerkleProof proof, ReadFrom(reader));
  if (!reader.AtEnd()) return Status::Corruption("MerkleProof: trailing bytes");
  return proof;
}

bool MerkleVerify(const Hash32& root, const std::uint8_t* node, const MerkleProof& proof) {
  if (node == nullptr || proof.node_count == 0 || proof.index >= proof.node_count || proof.path.size() > kMaxPathLen) {
    return false;
  }
  const bool is_padding_pair = (proof.index ^ 1) >= proof.node_count;
  if (is_padding_pair) {
    static const Hash32 kZero{};
    if (proof.sibling_node != kZero) return false;
  }
  Hash32 h =
      (proof.index & 1) == 0 ? LeafPair(node, proof.sibling_node.data()) : LeafPair(proof.sibling_node.data(), node);
  std::uint64_t pos = proof.index >> 1;
  std::uint64_t count = HalfUp(proof.node_count);
  std::size_t used = 0;
  while (count > 1) {
    const bool promoted = (count & 1) == 1 && pos == count - 1;
    if (!promoted) {
      if (used == proof.path.size()) return false;
      const Hash32& sibling = proof.path[used++];
      h = (pos & 1) == 0 ? MerkleHashNode(h, sibling) : MerkleHashNode(sibling, h);
    }
    pos >>= 1;
    count = HalfUp(count);
  }
  return used == proof.path.size() && h == root;
}

// ---------------------------------------------------------------------------------------------------------------
// MerkleTree

Result<MerkleTree> MerkleTree::Build(ByteSpan nodes) {
  if (nodes.empty() || nodes.size() % 32 != 0) {
    return Status::InvalidArgument("MerkleTree::Build: input must be a positive multiple of 32 bytes");
  }
  const std::uint64_t n = nodes.size() / 32;
  MerkleTree tree;
  tree.node_count_ = n;
  std::vector<Hash32> level(HalfUp(n));
  HashBlocks(MerkleLeafIv(), nodes.data(), n / 2, level.data());
  if (n & 1) {
    static const std::uint8_t kZeroNode[32] = {};
    level.back() = LeafPair(nodes.data() + 32 * (n - 1), kZeroNode);
  }
  tree.levels_.push_back(std::move(level));
  while (tree.levels_.back().size() > 1) {
    const std::vector<Hash32>& below = tree.levels_.back();
    std::vector<Hash32> up(HalfUp(below.size()));
    HashBlocks(MerkleNodeIv(), below[0].data(), below.size() / 2, up.data());
    if (below.size() & 1) up.back() = below.back();
    tree.levels_.push_back(std::move(up));
  }
  return tree;
}

Result<MerkleTree> MerkleTree::FromLevels(std::uint64_t node_count, std::vector<std::vector<Hash32>> levels) {
  if (node_count == 0) return Status::InvalidArgument("MerkleTree::FromLevels: node_count is zero");
  std::uint64_t expect = HalfUp(node_count);
  std::size_t j = 0;
  for (;; ++j) {
    if (j >= levels.size() || levels[j].size() != expect) {
      return Status::Corruption("MerkleTree::FromLevels: level sizes do not match node_count");
    }
    if (expect == 1) break;
    expect = HalfUp(expect);
  }
  if (j + 1 != levels.size()) return Status::Corruption("MerkleTree::FromLevels: too many levels");
  MerkleTree tree;
  tree.node_count_ = node_count;
  tree.levels_ = std::move(levels);
  return tree;
}

Result<MerkleProof> MerkleTree::Prove(std::uint64_t index, const std::uint8_t* sibling_node) const {
  if (index >= node_count_) return Status::InvalidArgument("MerkleTree::Prove: index out of range");
  MerkleProof proof;
  proof.node_count = node_count_;
  proof.index = index;
  if ((index ^ 1) < node_count_) {
    if (sibling_node == nullptr) return Status::InvalidArgument("MerkleTree::Prove: sibling node missing");
    std::memcpy(proof.sibling_node.data(), sibling_node, 32);
  }  // else: the sibling is the zero padding node, already zero.
  std::uint64_t pos = index >> 1;
  for (std::size_t j = 0; j + 1 < levels_.size(); ++j) {
    const std::vector<Hash32>& level = levels_[j];
    const bool promoted = (level.size() & 1) == 1 && pos == level.size() - 1;
    if (!promoted) proof.path.push_back(level[pos ^ 1]);
    pos >>= 1;
  }
  return proof;
}

}  // namespace cairn
