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
#include <span>

#include "cairn/core/bytes.h"
#include "cairn/core/status.h"
#include "file_io.h"
#include "node_buffer.h"

namespace cairn::proofs {

// `labels` holds the column's L labels back to back (32 * L bytes).
Hash32 ColumnHash(ByteSpan labels);

Hash32 CommR(const Hash32& comm_c, const Hash32& comm_r_last);

// Column hashes of all n nodes from the layer files in `scratch_dir`, read in chunks: the n * 32 bytes of leaves of
// tree_c (a seal proof opens paths in it).
Result<NodeBuffer> ComputeColumns(const std::filesystem::path& scratch_dir, std::uint32_t layers, std::uint64_t n);

// comm_c without holding the column hashes: StreamColumnHashes (column_hasher.h, same arguments) into a Merkle
// builder. Memory: the chunk buffers only.
Result<Hash32> StreamCommC(std::uint32_t layers, std::uint64_t n, std::span<const File> files,
                           const std::uint8_t* last);

}  // namespace cairn::proofs
