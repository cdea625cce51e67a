#include "commitments.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "cairn/core/merkle.h"
#include "cairn/proofs/params.h"
#include "domain.h"
#include "file_io.h"
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

Result<Hash32> ComputeColumns(const std::filesystem::path& scratch_dir, std::uint32_t layers, std::uint64_t n,
                              NodeBuffer* out) {
  if (layers < kMinLayers || layers > kMaxLayers) return Status::InvalidArgument("columns: bad layer count");
  std::vector<File> files;
  for (std::uint32_t l = 1; l <= layers; ++l) {
    CAIRN_ASSIGN_OR_RETURN(File f, File::OpenRead(LayerPath(scratch_dir, l)));
    CAIRN_ASSIGN_OR_RETURN(std::uint64_t size, f.Size());
    if (size != n * 32) return Status::Corruption(f.path().string() + ": wrong size for the shard");
    files.push_back(std::move(f));
  }
  if (out != nullptr) {
    CAIRN_ASSIGN_OR_RETURN(*out, NodeBuffer::Allocate(n * 32));
  }
  constexpr std::uint64_t kChunk = 8192;  // nodes per read: layers * 256 KiB of buffers
  std::vector<std::uint8_t> chunk(layers * kChunk * 32);
  std::vector<std::uint8_t> hashes(kChunk * 32);
  std::uint8_t column[kMaxLayers * 32];
  MerkleBuilder builder;
  for (std::uint64_t first = 0; first < n; first += kChunk) {
    const std::uint64_t count = std::min(kChunk, n - first);
    for (std::uint32_t l = 0; l < layers; ++l) {
      CAIRN_RETURN_IF_ERROR(files[l].ReadAt(first * 32, MutableByteSpan(chunk.data() + l * kChunk * 32, count * 32)));
    }
    for (std::uint64_t i = 0; i < count; ++i) {
      for (std::uint32_t l = 0; l < layers; ++l) std::memcpy(column + 32 * l, &chunk[(l * kChunk + i) * 32], 32);
      const Hash32 h = ColumnHash(ByteSpan(column, 32 * layers));
      std::memcpy(&hashes[i * 32], h.data(), 32);
    }
    const ByteSpan done(hashes.data(), count * 32);
    CAIRN_RETURN_IF_ERROR(builder.AddNodes(done));
    if (out != nullptr) std::memcpy(out->data() + first * 32, done.data(), done.size());
  }
  return builder.Finish();
}

}  // namespace cairn::proofs
