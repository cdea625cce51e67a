#include "commitments.h"

#include <cstring>
#include <vector>

#include "cairn/core/merkle.h"
#include "column_hasher.h"
#include "domain.h"
#include "seal_files.h"

namespace cairn::proofs {

Hash32 ColumnHash(ByteSpan labels) {
  Sha256 h = TaggedHasher(kTagColumn);
  h.Update(labels);
  return h.Finish();
}

Hash32 CommR(const Hash32& comm_c, const Hash32& comm_r_last) {
  Sha256 h = TaggedHasher(kTagCommR);
  h.Update(comm_c.data(), 32);
  h.Update(comm_r_last.data(), 32);
  return h.Finish();
}

Result<NodeBuffer> ComputeColumns(const std::filesystem::path& scratch_dir, std::uint32_t layers, std::uint64_t n) {
  std::vector<File> files;
  for (std::uint32_t l = 1; l <= layers; ++l) {
    CAIRN_ASSIGN_OR_RETURN(File f, File::OpenRead(LayerPath(scratch_dir, l)));
    files.push_back(std::move(f));
  }
  CAIRN_ASSIGN_OR_RETURN(NodeBuffer columns, NodeBuffer::Allocate(n * 32));
  CAIRN_RETURN_IF_ERROR(StreamColumnHashes(layers, n, files, nullptr, [&](std::uint64_t first, ByteSpan hashes) {
    std::memcpy(columns.data() + 32 * first, hashes.data(), hashes.size());
    return Status::Ok();
  }));
  return columns;
}

Result<Hash32> StreamCommC(std::uint32_t layers, std::uint64_t n, std::span<const File> files,
                           const std::uint8_t* last) {
  MerkleBuilder tree;
  CAIRN_RETURN_IF_ERROR(StreamColumnHashes(layers, n, files, last,
                                           [&](std::uint64_t, ByteSpan hashes) { return tree.AddNodes(hashes); }));
  return tree.Finish();
}

}  // namespace cairn::proofs
