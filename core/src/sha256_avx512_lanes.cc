// Sixteen SHA-256 chains in the lanes of zmm registers (cairn/core/sha256_lanes16.h): the round and transpose
// building blocks are sha256_avx512.cc's (sha256_avx512_ops.h). Unlike HashBlocks, the chaining state stays
// lane-major in registers from one compression to the next, and the message words come in already transposed, so a
// compression costs only its 64 rounds, its schedule and sixteen aligned loads.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "cairn/core/sha256_lanes16.h"
#include "sha256_avx512_ops.h"
#include "sha256_internal.h"

namespace cairn {
namespace {

static_assert(kSha256Lanes16 == internal::kAvx512Lanes);

CAIRN_AVX512_TARGET void LoadBlocksAvx512(const std::uint8_t* const blocks[kSha256Lanes16], Sha256Blocks16& out) {
  const std::uint8_t* b[internal::kAvx512Lanes];
  for (int l = 0; l < kSha256Lanes16; ++l) b[l] = blocks[l];
  __m512i w[16];
  internal::LoadTranspose(b, w);
  for (int t = 0; t < 16; ++t) _mm512_store_si512(out.w[t], w[t]);
}

CAIRN_AVX512_TARGET void LoadHalvesAvx512(const std::uint8_t* const first[kSha256Lanes16],
                                          const std::uint8_t* const second[kSha256Lanes16], Sha256Blocks16& out) {
  __m512i r[16], w[16];
  for (int l = 0; l < kSha256Lanes16; ++l) {
    const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(first[l]));
    const __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(second[l]));
    r[l] = _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
  }
  internal::TransposeBlocks(r, w);
  for (int t = 0; t < 16; ++t) _mm512_store_si512(out.w[t], w[t]);
}

CAIRN_AVX512_TARGET void CompressChainAvx512(Sha256States16& states, const Sha256Blocks16* blocks,
                                             const std::uint8_t* order, std::size_t n) {
  __m512i s[8], w[16];
  for (int i = 0; i < 8; ++i) s[i] = _mm512_load_si512(states.h[i]);
  for (std::size_t j = 0; j < n; ++j) {
    const Sha256Blocks16& b = blocks[order[j]];
    for (int t = 0; t < 16; ++t) w[t] = _mm512_load_si512(b.w[t]);
    __m512i iv[8];
    for (int i = 0; i < 8; ++i) iv[i] = s[i];
    internal::Rounds64(s, w);
    for (int i = 0; i < 8; ++i) s[i] = _mm512_add_epi32(s[i], iv[i]);
  }
  for (int i = 0; i < 8; ++i) _mm512_store_si512(states.h[i], s[i]);
}

}  // namespace

void Sha256SetLane(Sha256States16& states, int lane, const Sha256State& state) {
  for (int i = 0; i < 8; ++i) states.h[i][lane] = state.h[i];
}

Sha256State Sha256GetLane(const Sha256States16& states, int lane) {
  Sha256State s;
  for (int i = 0; i < 8; ++i) s.h[i] = states.h[i][lane];
  return s;
}

void Sha256LoadBlocks16(const std::uint8_t* const blocks[kSha256Lanes16], Sha256Blocks16& out) {
  if (internal::CpuHasAvx512()) {
    LoadBlocksAvx512(blocks, out);
    return;
  }
  for (int l = 0; l < kSha256Lanes16; ++l) {
    for (int t = 0; t < 16; ++t) out.w[t][l] = GetBE32(blocks[l] + 4 * t);
  }
}

void Sha256LoadBlocks16(const std::uint8_t* const first[kSha256Lanes16],
                        const std::uint8_t* const second[kSha256Lanes16], Sha256Blocks16& out) {
  if (internal::CpuHasAvx512()) {
    LoadHalvesAvx512(first, second, out);
    return;
  }
  for (int l = 0; l < kSha256Lanes16; ++l) {
    for (int t = 0; t < 8; ++t) {
      out.w[t][l] = GetBE32(first[l] + 4 * t);
      out.w[8 + t][l] = GetBE32(second[l] + 4 * t);
    }
  }
}

void Sha256CompressChain16Portable(Sha256States16& states, const Sha256Blocks16* blocks, const std::uint8_t* order,
                                   std::size_t n) {
  for (int l = 0; l < kSha256Lanes16; ++l) {
    Sha256State s = Sha256GetLane(states, l);
    std::uint8_t block[64];
    for (std::size_t j = 0; j < n; ++j) {
      for (int t = 0; t < 16; ++t) PutBE32(block + 4 * t, blocks[order[j]].w[t][l]);
      Sha256Compress(s, block, 1);
    }
    Sha256SetLane(states, l, s);
  }
}

void Sha256CompressChain16(Sha256States16& states, const Sha256Blocks16* blocks, const std::uint8_t* order,
                           std::size_t n) {
  if (internal::CpuHasAvx512()) {
    CompressChainAvx512(states, blocks, order, n);
  } else {
    Sha256CompressChain16Portable(states, blocks, order, n);
  }
}

bool Sha256HasLanes16() { return internal::CpuHasAvx512(); }

}  // namespace cairn
