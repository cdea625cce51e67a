// Tree file grammar (v1, big-endian):
//   tree_file := magic:8 = "CAIRNTR1"  node_count:u64  level_1  level_2 ... level_top
//   level_j   := hash:32[size_j]   where size_1 = ceil(n / 2), size_{j+1} = ceil(size_j / 2), until size_top = 1
// The hashes are exactly MerkleTree::levels() of the core v1 tree (level 0, the replica itself, is not stored).
#include "tree_file.h"

#include <cstring>

namespace cairn::proofs {
namespace {

constexpr char kMagic[8] = {'C', 'A', 'I', 'R', 'N', 'T', 'R', '1'};
constexpr std::uint64_t kHeaderSize = 16;

}  // namespace

std::vector<std::uint64_t> TreeLevelSizes(std::uint64_t node_count) {
  std::vector<std::uint64_t> sizes;
  std::uint64_t s = (node_count + 1) / 2;
  sizes.push_back(s);
  while (s > 1) {
    s = (s + 1) / 2;
    sizes.push_back(s);
  }
  return sizes;
}

Result<TreeFileLayout> LayOutTreeFile(const MerkleTree& tree) {
  const std::vector<std::uint64_t> sizes = TreeLevelSizes(tree.node_count());
  if (sizes.size() != tree.levels().size()) return Status::Internal("tree file: level count mismatch");
  TreeFileLayout out;
  out.head.resize(kHeaderSize);
  std::memcpy(out.head.data(), kMagic, 8);
  PutBE64(out.head.data() + 8, tree.node_count());
  for (std::size_t j = 0; j < sizes.size(); ++j) {
    const auto& level = tree.levels()[j];
    if (level.size() != sizes[j]) return Status::Internal("tree file: level size mismatch");
    out.levels.emplace_back(level.front().data(), level.size() * 32);
  }
  return out;
}

Status WriteTreeFile(const std::filesystem::path& path, const MerkleTree& tree) {
  CAIRN_ASSIGN_OR_RETURN(TreeFileLayout layout, LayOutTreeFile(tree));
  return WriteFilePieces(path, layout.head, layout.levels, false);
}

Result<TreeFile> TreeFile::Open(const std::filesystem::path& path, std::uint64_t node_count) {
  if (node_count == 0) return Status::InvalidArgument("tree file: node count 0");
  TreeFile t;
  CAIRN_ASSIGN_OR_RETURN(t.file_, File::OpenRead(path));
  std::uint8_t header[kHeaderSize];
  CAIRN_RETURN_IF_ERROR(t.file_.ReadAt(0, MutableByteSpan(header, kHeaderSize)));
  if (std::memcmp(header, kMagic, 8) != 0) return Status::Corruption(path.string() + ": not a tree file");
  if (GetBE64(header + 8) != node_count) return Status::Corruption(path.string() + ": node count mismatch");
  t.node_count_ = node_count;
  t.sizes_ = TreeLevelSizes(node_count);
  std::uint64_t offset = kHeaderSize;
  for (std::uint64_t s : t.sizes_) {
    t.offsets_.push_back(offset);
    offset += s * 32;
  }
  CAIRN_ASSIGN_OR_RETURN(std::uint64_t size, t.file_.Size());
  if (size != offset) return Status::Corruption(path.string() + ": size does not match the node count");
  CAIRN_RETURN_IF_ERROR(t.file_.ReadAt(t.offsets_.back(), MutableByteSpan(t.root_.data(), 32)));
  return t;
}

Result<MerkleProof> TreeFile::Prove(std::uint64_t index, const std::uint8_t* sibling_node) const {
  if (index >= node_count_) return Status::InvalidArgument("tree file: index out of range");
  MerkleProof proof;
  proof.node_count = node_count_;
  proof.index = index;
  std::memcpy(proof.sibling_node.data(), sibling_node, 32);
  std::uint64_t p = index >> 1;
  for (std::size_t j = 0; j < sizes_.size() && sizes_[j] > 1; ++j) {
    const std::uint64_t sib = p ^ 1;
    if (sib < sizes_[j]) {
      Hash32 h;
      CAIRN_RETURN_IF_ERROR(file_.ReadAt(offsets_[j] + sib * 32, MutableByteSpan(h.data(), 32)));
      proof.path.push_back(h);
    }
    p >>= 1;
  }
  return proof;
}

}  // namespace cairn::proofs
