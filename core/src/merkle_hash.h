// Private to core: the two Merkle hash domains (their IVs) and the batched one-block hashing that MerkleRoot,
// MerkleBuilder and MerkleTree share. See the grammar at the top of merkle.cc.
//
// Thread-safety: reentrant; the IVs and the CPU checks are computed once, on first use, under the C++
// static-initialisation guarantee.
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

// out[k] = HashBlock(iv, in + 64 k) for k < count, many blocks per kernel pass (16 with AVX-512, 4 with SHA-NI).
// `out` may alias `in` when (const uint8_t*)out <= in: every batch reads its blocks before it writes, and a batch
// writes only below the bytes that later batches read. This lets a level be reduced in place.
void HashBlocks(const Sha256State& iv, const std::uint8_t* in, std::size_t count, Hash32* out);

// Root of the perfect subtree over the `count` nodes at `nodes` (merkle.cc's shape: level 1 in the leaf domain, the
// levels above in the node domain). On the AVX-512 path the levels from 1 up to the one with sixteen hashes stay in
// lane-major form, never transposed or byte-swapped (Sha256MerkleSubtreeAvx512); other paths fold level by level
// with HashBlocks.
// `scratch` holds count / 2 hashes and is overwritten. `warm` is prefetched into L2 meanwhile, spread over the
// AVX-512 kernel's passes (other paths ignore it); it is never dereferenced.
// REQUIRES: count is a power of two, 2 <= count <= kMaxPerfectSubtreeNodes.
Hash32 PerfectSubtreeRoot(const std::uint8_t* nodes, std::size_t count, Hash32* scratch, ByteSpan warm = {});
inline constexpr std::size_t kMaxPerfectSubtreeNodes = 2048;

// The kernels behind HashBlocks. kAuto, the default, takes the fastest this CPU has: AVX-512 for whole runs of 16
// blocks (and for a rest of kAvx512MinRest or more), SHA-NI four lanes for the rest; SHA-NI alone without AVX-512;
// the portable reference without either.
enum class HashPath { kAuto, kPortable, kShaNi, kAvx512 };

// Blocks below which a last partial pass of the AVX-512 kernel (which costs a full pass of 16) loses to SHA-NI:
// measured by BM_HashBlocks (1..16 blocks), nine blocks take 0.9x of one AVX-512 pass on SHA-NI, ten take 1.3x.
inline constexpr std::size_t kAvx512MinRest = 10;

// Whether this CPU can run `path` (kAuto and kPortable always).
bool HashPathAvailable(HashPath path);
// Forces every later HashBlocks call in the process onto `path`, so tests can cross-check the kernels on one machine;
// kAuto restores the default. Returns false, changing nothing, when !HashPathAvailable(path). The environment
// variable CAIRN_SHA256_PATH = auto | portable | shani | avx512, read on first use, sets the same.
// Thread-safe (an atomic), but meant for start-up: calls racing with HashBlocks may still take the old path.
bool ForceHashPath(HashPath path);
HashPath ForcedHashPath();

}  // namespace cairn::internal
