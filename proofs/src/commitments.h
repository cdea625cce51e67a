// Column hashes and comm_r: how the labels of all layers and the replica are bound into one 32-byte commitment.
//
//   column_hash(i) := SHA-256( tag32("cairn/porep/column/v1") || label(1, i) || ... || label(L, i) )
//   comm_c         := core Merkle v1 root over column_hash(0) .. column_hash(n-1)
//   comm_r_last    := core Merkle v1 root over the replica's n nodes
//   comm_r         := SHA-256( tag32("cairn/porep/comm-r/v1") || comm_c || comm_r_last )
//
// Thread-safety: reentrant.
#pragma once

#include <cstdint>
#include <filesystem>

#include "cairn/core/bytes.h"
#include "cairn/core/status.h"
#include "column_hasher.h"

namespace cairn::proofs {

// `labels` holds the column's L labels back to back (32 * L bytes).
Hash32 ColumnHash(ByteSpan labels);

Hash32 CommR(const Hash32& comm_c, const Hash32& comm_r_last);

// Column hashes of all n nodes from the layer files in `scratch_dir`, read in chunks: a finished ColumnHasher whose
// hashes() are the leaves of tree_c. (A seal computes the same hashes while it labels: column_hasher.h.)
Result<ColumnHasher> ComputeColumns(const std::filesystem::path& scratch_dir, std::uint32_t layers, std::uint64_t n);

}  // namespace cairn::proofs
