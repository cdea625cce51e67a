#include "commitments.h"

#include "domain.h"

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

Result<ColumnHasher> ComputeColumns(const std::filesystem::path& scratch_dir, std::uint32_t layers, std::uint64_t n) {
  CAIRN_ASSIGN_OR_RETURN(ColumnHasher columns, ColumnHasher::Create(layers, n));
  CAIRN_RETURN_IF_ERROR(columns.AbsorbFiles(scratch_dir, layers));
  columns.Finish();
  return columns;
}

}  // namespace cairn::proofs
