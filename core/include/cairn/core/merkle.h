// Binary Merkle trees over 32-byte nodes: the one tree shape cairn uses for comm_d, comm_c, comm_r_last and
// storage proofs. Format version 1; the byte-level rules are the grammar at the top of merkle.cc and are frozen by
// golden vectors in tests/core/merkle_test.cc.
//
// Shape (n >= 1 nodes):
//   level 0: the n data nodes, padded with one zero node when n is odd.
//   level 1: pair hashes   P_i = CompressLeaf(node_2i || node_2i+1)       (the "leaf" domain)
//   level j >= 2: parents  Q   = CompressNode(left || right)              (the "node" domain)
//            a level with an odd count promotes its last hash unchanged (the RFC 6962 shape).
//   root: the single hash of the top level (for n <= 2 it is P_0).
// CompressLeaf / CompressNode are one SHA-256 compression of the 64-byte input from an IV that is the SHA-256 state
// after one 64-byte domain block ("cairn/merkle/v1/leaf" or ".../node", zero padded). Every input is exactly one
// block, so each level-1 or inner hash costs one compression (a padded SHA-256 of 64 bytes costs two).
//
// Thread-safety: free functions are reentrant; a MerkleBuilder or MerkleTree is not shared between writers.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "cairn/core/bytes.h"
#include "cairn/core/status.h"

namespace cairn {

// One hash of each domain (exposed for proofs and golden vectors).
Hash32 MerkleHashLeafPair(const std::uint8_t* two_nodes /*64 bytes*/);
Hash32 MerkleHashNode(const Hash32& left, const Hash32& right);

// Root over nodes.size() / 32 nodes. REQUIRES: nodes.size() is a positive multiple of 32.
Result<Hash32> MerkleRoot(ByteSpan nodes);

// The largest tree MerklePerfectRoot takes, in nodes (64 KiB).
inline constexpr std::size_t kMaxMerklePerfectNodes = 2048;

// MerkleRoot(nodes) of a perfect tree, while the bytes of `upcoming` (what the caller reads next, e.g. the encoder's
// next stripe of plaintext) are prefetched into the L2 cache a few cache lines at a time, so their memory latency
// hides behind the hashing. Only the AVX-512 kernel prefetches; `upcoming` is never dereferenced and may be empty.
// kInvalidArgument unless `nodes` is a power of two of 32-byte nodes, 2 to kMaxMerklePerfectNodes of them.
Result<Hash32> MerklePerfectRoot(ByteSpan nodes, ByteSpan upcoming);

// Builds a root incrementally over data that need not fit in memory. Memory: O(log n) hashes (plus a 32 KiB scratch
// array on the stack during AddNodes). AddNodes hashes many blocks per kernel pass at every level (16 lanes with
// AVX-512, 4 with SHA-NI), like MerkleRoot.
class MerkleBuilder {
 public:
  // Appends whole nodes. REQUIRES: data.size() % 32 == 0.
  Status AddNodes(ByteSpan data);
  // Appends the root of a perfect subtree covering `node_count` nodes (a power of two >= 2) computed elsewhere,
  // e.g. by another thread with MerkleRoot. REQUIRES: node_count() is a multiple of `node_count` now.
  Status AddSubtreeRoot(const Hash32& root, std::uint64_t node_count);
  std::uint64_t node_count() const { return nodes_; }
  // The root; fails when no node was added. The builder is left empty.
  Result<Hash32> Finish();

 private:
  // Pushes the root of a perfect subtree of 2^height nodes that ends where the builder ends, merging equal heights.
  void PushPairHash(Hash32 h, int height);
  // Folds `count` consecutive subtree roots of 2^height nodes each, the first at position `pos` (in units of
  // 2^height nodes), into the stack. Overwrites run[0 .. count).
  void FoldRun(Hash32* run, std::size_t count, std::uint64_t pos, int height);
  std::vector<std::pair<Hash32, int>> stack_;  // perfect subtree roots, heights (log2 of nodes) strictly decreasing
  std::uint64_t nodes_ = 0;
  std::optional<std::array<std::uint8_t, 32>> pending_;  // an odd node waiting for its pair
};

// Inclusion proof of one node. The verifier must know the tree's node count (a public parameter of what is proven).
struct MerkleProof {
  std::uint64_t node_count = 0;
  std::uint64_t index = 0;
  Hash32 sibling_node{};     // the other node of the level-1 pair (zero for the padding node)
  std::vector<Hash32> path;  // sibling hashes from level 1 upward, levels where the node is promoted skipped

  // Grammar (v1, big-endian): node_count:u64 index:u64 sibling_node:32 path_len:u8 path:32[path_len]
  Bytes Serialize() const;
  static Result<MerkleProof> Parse(ByteSpan bytes);  // rejects trailing bytes and path_len > 64
  // Reads one proof from the front of `reader` (for proofs embedded in larger formats).
  static Result<MerkleProof> ReadFrom(ByteReader& reader);
};

// Checks that `node` is node `proof.index` of the tree with root `root` and `proof.node_count` nodes. Returns
// false for any mismatch, including a path of the wrong length for that index and count, or a non-zero sibling
// where the sibling is the padding node.
// The count is not hashed into the root (see merkle.cc): the caller must check that proof.node_count is the count it
// expects, since a proof can also verify under another count that gives the same path shape.
bool MerkleVerify(const Hash32& root, const std::uint8_t* node /*32 bytes*/, const MerkleProof& proof);

// A whole tree kept in memory (every level from 1 up); the nodes themselves are not kept.
class MerkleTree {
 public:
  // REQUIRES: nodes.size() is a positive multiple of 32.
  static Result<MerkleTree> Build(ByteSpan nodes);
  // Rebuilds from stored levels (levels()[0] = level 1). Checks the shape matches node_count.
  static Result<MerkleTree> FromLevels(std::uint64_t node_count, std::vector<std::vector<Hash32>> levels);
  const Hash32& root() const { return levels_.back()[0]; }
  std::uint64_t node_count() const { return node_count_; }
  const std::vector<std::vector<Hash32>>& levels() const { return levels_; }
  // Proof for node `index`; `sibling_node` is the 32 bytes of node index^1 (zeros if that is the padding node).
  Result<MerkleProof> Prove(std::uint64_t index, const std::uint8_t* sibling_node) const;

 private:
  std::uint64_t node_count_ = 0;
  std::vector<std::vector<Hash32>> levels_;
};

}  // namespace cairn
