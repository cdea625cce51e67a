// Private to core: the SHA-256 round constants, the SHA-NI kernels that sha256.cc dispatches to, and the AVX-512
// sixteen-lane kernel that merkle_hash.cc dispatches to.
//
// Thread-safety: constants and reentrant functions only.
#pragma once

#include <cstddef>
#include <cstdint>

#include "cairn/core/sha256.h"

namespace cairn::internal {

// FIPS 180-4 section 4.2.2.
alignas(64) inline constexpr std::uint32_t kSha256K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

// True when the CPU supports SHA-NI, SSE4.1 and SSSE3 (checked once with cpuid).
bool CpuHasShaNi();

// SHA-NI kernels. REQUIRES: CpuHasShaNi().
void Sha256CompressShaNi(Sha256State& state, const std::uint8_t* blocks, std::size_t nblocks);
void Sha256Compress4ShaNi(Sha256State* const states[4], const std::uint8_t* const blocks[4]);
// out[k] = Sha256StateBytes(compress(iv, in + 64 k)) for k < count: the four-lane kernel of Sha256Compress4 without
// the round trip through Sha256State, for Merkle levels. The aliasing rule is HashBlocks' (merkle_hash.h).
void Sha256HashBlocksShaNi(const Sha256State& iv, const std::uint8_t* in, std::size_t count, Hash32* out);

// True when the CPU has AVX-512F, VL and BW and the OS saves the opmask and zmm state (cpuid and xgetbv, once).
bool CpuHasAvx512();

// How the sixteen-lane kernel brings sixteen blocks into lane-major words (sha256_avx512.cc explains both).
enum class Avx512Load { kTranspose, kGather };

// The contract of Sha256HashBlocksShaNi (same outputs, same aliasing rule), sixteen blocks per pass; a last pass of
// fewer than sixteen blocks costs as much as a full one (spare lanes repeat the last block).
// REQUIRES: CpuHasAvx512().
void Sha256HashBlocksAvx512(const Sha256State& iv, const std::uint8_t* in, std::size_t count, Hash32* out,
                            Avx512Load load = Avx512Load::kTranspose);

// Passes of sixteen blocks that Sha256MerkleSubtreeAvx512 can fold: 2^(kMaxSubtreeLevels - 1).
inline constexpr int kMaxSubtreeLevels = 12;

// The sixteen hashes of the level with sixteen hashes of a perfect Merkle subtree (merkle.cc's shape) over the
// 32 * passes nodes at `nodes`: level 1 from `leaf_iv`, the levels above from `node_iv`. A pass's output stays
// lane-major (eight state vectors, in registers or parked on the stack until its sibling pass is done): no digest is
// byte-swapped or transposed until `top` is written.
// While it hashes, it prefetches the `warm_bytes` at `warm` into the L2 cache, a few lines per pass (bytes the caller
// reads next, e.g. the encoder's next stripe of plaintext): the memory latency hides behind the hashing, and the
// prefetches are spread out because a burst of hundreds stalls. A prefetch never faults, whatever the address.
// REQUIRES: CpuHasAvx512(); passes is a power of two, 1 <= passes <= 2^(kMaxSubtreeLevels - 1).
void Sha256MerkleSubtreeAvx512(const Sha256State& leaf_iv, const Sha256State& node_iv, const std::uint8_t* nodes,
                               std::size_t passes, Hash32* top, const std::uint8_t* warm = nullptr,
                               std::size_t warm_bytes = 0);

}  // namespace cairn::internal
