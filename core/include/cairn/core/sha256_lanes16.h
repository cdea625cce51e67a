// Sixteen independent SHA-256 chains stepped together: lane l of every structure below belongs to chain l, and one
// call applies a whole sequence of compressions to all sixteen, keeping the states in registers in between. This is
// the shape of seal labels computed for sixteen shards at once (proofs/src/labels.cc): each label is 19 compressions
// over a handful of distinct blocks, so the blocks are brought into lane-major order once (Sha256LoadBlocks16) and
// then named by index as often as the label's grammar repeats them.
//
// On CPUs with AVX-512F/VL/BW the work runs in the sixteen 32-bit lanes of zmm registers (core/src/
// sha256_avx512_lanes.cc); elsewhere a portable loop over the lanes gives the same results, more slowly.
//
// Thread-safety: all functions are reentrant; the structures are plain values.
#pragma once

#include <cstddef>
#include <cstdint>

#include "cairn/core/sha256.h"

namespace cairn {

inline constexpr int kSha256Lanes16 = 16;

// Sixteen chaining states, lane-major: h[i][l] is word i of lane l.
struct alignas(64) Sha256States16 {
  std::uint32_t h[8][kSha256Lanes16];
};

// Sixteen 64-byte blocks, lane-major: w[t][l] is message word t (big-endian decoded) of lane l's block.
struct alignas(64) Sha256Blocks16 {
  std::uint32_t w[16][kSha256Lanes16];
};

void Sha256SetLane(Sha256States16& states, int lane, const Sha256State& state);
Sha256State Sha256GetLane(const Sha256States16& states, int lane);

// out <- the sixteen blocks at blocks[0..16) (64 bytes each; pointers may repeat), lane-major.
void Sha256LoadBlocks16(const std::uint8_t* const blocks[kSha256Lanes16], Sha256Blocks16& out);
// The same for blocks in two 32-byte halves: block l = first[l][0..32) || second[l][0..32) (say, two labels that are
// not adjacent in memory: no copy into a contiguous block first).
void Sha256LoadBlocks16(const std::uint8_t* const first[kSha256Lanes16],
                        const std::uint8_t* const second[kSha256Lanes16], Sha256Blocks16& out);

// For j = 0 .. n-1 and every lane l: lane l of states <- compress(lane l of states, lane l of blocks[order[j]]).
// REQUIRES: order[j] indexes `blocks` for every j < n.
void Sha256CompressChain16(Sha256States16& states, const Sha256Blocks16* blocks, const std::uint8_t* order,
                           std::size_t n);
// The same, portable C++ only (what runs without AVX-512; tests cross-check both).
void Sha256CompressChain16Portable(Sha256States16& states, const Sha256Blocks16* blocks, const std::uint8_t* order,
                                   std::size_t n);

// True when Sha256CompressChain16 runs on the AVX-512 kernel.
bool Sha256HasLanes16();

}  // namespace cairn
