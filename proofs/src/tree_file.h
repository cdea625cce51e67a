// The replica tree on disk: every level of a core Merkle v1 tree (level 1 up to the root) in one file, so a storage
// proof reads one hash per level with pread instead of loading or rebuilding the tree (a 64 MiB replica's tree is
// 64 MiB; one proof reads about 700 bytes of it).
//
// Thread-safety: a TreeFile is immutable after Open; concurrent Prove calls are safe (pread only).
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "cairn/core/merkle.h"
#include "file_io.h"

namespace cairn::proofs {

// Level sizes of the v1 tree over n nodes: [count of level 1, ..., 1].
std::vector<std::uint64_t> TreeLevelSizes(std::uint64_t node_count);

// The file's bytes as a header and views of the tree's levels (valid while `tree` lives and is unchanged).
struct TreeFileLayout {
  Bytes head;
  std::vector<ByteSpan> levels;
};
Result<TreeFileLayout> LayOutTreeFile(const MerkleTree& tree);

// Writes `tree` durably (temporary file, fsync, rename).
Status WriteTreeFile(const std::filesystem::path& path, const MerkleTree& tree);

class TreeFile {
 public:
  // Opens and checks the header and the file size against `node_count`.
  static Result<TreeFile> Open(const std::filesystem::path& path, std::uint64_t node_count);

  const Hash32& root() const { return root_; }
  std::uint64_t node_count() const { return node_count_; }
  // The proof for node `index`; `sibling_node` is node index^1 (zeros when that is the padding node).
  // REQUIRES: index < node_count().
  Result<MerkleProof> Prove(std::uint64_t index, const std::uint8_t* sibling_node) const;

 private:
  File file_;
  std::uint64_t node_count_ = 0;
  std::vector<std::uint64_t> sizes_;
  std::vector<std::uint64_t> offsets_;
  Hash32 root_{};
};

}  // namespace cairn::proofs
