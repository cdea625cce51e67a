// Private to core: the two Merkle hash domains (their IVs) and the batched one-block hashing that MerkleRoot,
// MerkleBuilder and MerkleTree share. See the grammar at the top of merkle.cc.
//
// Thread-safety: reentrant; the IVs are computed once, on first use, under the C++ static-initialisation guarantee.
#pragma once

#include <cstddef>
#include <cstdint>

#include "cairn/core/bytes.h"
#include "cairn/core/sha256.h"

namespace cairn::internal {

// State after compressing the zero-padded domain block "cairn/merkle/v1/leaf" (resp. ".../node") from the FIPS IV.
const Sha256State& MerkleLeafIv();
const Sha256State& MerkleNodeIv();

// One compression of one 64-byte block from `iv`.
Hash32 HashBlock(const Sha256State& iv, const std::uint8_t* block);

// out[k] = HashBlock(iv, in + 64 k) for k < count, four lanes per Sha256Compress4 call.
// `out` may alias `in` when (const uint8_t*)out <= in: every batch reads its four blocks before it writes, and a
// batch writes only below the bytes that later batches read. This lets a level be reduced in place.
void HashBlocks(const Sha256State& iv, const std::uint8_t* in, std::size_t count, Hash32* out);

}  // namespace cairn::internal
