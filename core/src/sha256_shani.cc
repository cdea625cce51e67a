// SHA-256 compression with the x86 SHA extensions (SHA-NI). Only the functions below are compiled for the
// sha/sse4.1/ssse3 targets (function attributes), so the rest of the build needs no -msha; sha256.cc calls them only
// after CpuHasShaNi() said yes.
//
// Register layout, as the SHA-NI instructions want it: the state lives in two vectors, abef = (a, b, e, f) and
// cdgh = (c, d, g, h), written high lane first. sha256rnds2 performs two rounds and has a latency of several cycles,
// so one block is a 32-long dependency chain; the four-lane kernel issues the same step for four independent blocks
// back to back so that the chains overlap.
#include <cpuid.h>
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "sha256_internal.h"

#define CAIRN_SHANI_TARGET __attribute__((target("sha,sse4.1,ssse3")))

namespace cairn::internal {
namespace {

CAIRN_SHANI_TARGET inline __m128i LoadKey(int group) {
  return _mm_load_si128(reinterpret_cast<const __m128i*>(&kSha256K[4 * group]));
}

// state.h[0..7] -> (abef, cdgh).
CAIRN_SHANI_TARGET inline void LoadState(const Sha256State& state, __m128i& abef, __m128i& cdgh) {
  __m128i dcba = _mm_loadu_si128(reinterpret_cast<const __m128i*>(&state.h[0]));
  __m128i hgfe = _mm_loadu_si128(reinterpret_cast<const __m128i*>(&state.h[4]));
  __m128i cdab = _mm_shuffle_epi32(dcba, 0xB1);
  __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);
  abef = _mm_alignr_epi8(cdab, efgh, 8);
  cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);
}

// (abef, cdgh) -> state.h[0..7].
CAIRN_SHANI_TARGET inline void StoreState(__m128i abef, __m128i cdgh, Sha256State& state) {
  __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
  __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
  __m128i dcba = _mm_blend_epi16(feba, dchg, 0xF0);
  __m128i hgfe = _mm_alignr_epi8(dchg, feba, 8);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(&state.h[0]), dcba);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(&state.h[4]), hgfe);
}

// One 64-byte block for each of N lanes. Every step is written as a loop over the lanes, so once unrolled the
// instruction stream alternates between the lanes' independent dependency chains.
template <int N>
CAIRN_SHANI_TARGET __attribute__((always_inline)) inline void CompressBlocks(__m128i (&abef)[N], __m128i (&cdgh)[N],
                                                                             const std::uint8_t* const* blocks) {
  const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  __m128i abef_in[N], cdgh_in[N];
  // w[lane][g % 4] holds message words 4g .. 4g+3 of the current group g.
  __m128i w[N][4];
#pragma GCC unroll 4
  for (int l = 0; l < N; ++l) {
    abef_in[l] = abef[l];
    cdgh_in[l] = cdgh[l];
  }
#pragma GCC unroll 16
  for (int g = 0; g < 16; ++g) {
    const __m128i k = LoadKey(g);
#pragma GCC unroll 4
    for (int l = 0; l < N; ++l) {
      if (g < 4) {
        w[l][g] = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(blocks[l] + 16 * g)), bswap);
      } else {
        // W[i..i+3] from W[i-16..], W[i-12], W[i-7..i-4] and W[i-2..i-1] (msg1 adds sigma0, msg2 adds sigma1).
        __m128i t = _mm_sha256msg1_epu32(w[l][g & 3], w[l][(g + 1) & 3]);
        t = _mm_add_epi32(t, _mm_alignr_epi8(w[l][(g + 3) & 3], w[l][(g + 2) & 3], 4));
        w[l][g & 3] = _mm_sha256msg2_epu32(t, w[l][(g + 3) & 3]);
      }
    }
    __m128i wk[N];
#pragma GCC unroll 4
    for (int l = 0; l < N; ++l) {
      wk[l] = _mm_add_epi32(w[l][g & 3], k);
      cdgh[l] = _mm_sha256rnds2_epu32(cdgh[l], abef[l], wk[l]);
    }
    // Now cdgh[l] holds the new (a, b, e, f) and abef[l] the new (c, d, g, h); the next two rounds put them back.
#pragma GCC unroll 4
    for (int l = 0; l < N; ++l) {
      abef[l] = _mm_sha256rnds2_epu32(abef[l], cdgh[l], _mm_shuffle_epi32(wk[l], 0x0E));
    }
  }
#pragma GCC unroll 4
  for (int l = 0; l < N; ++l) {
    abef[l] = _mm_add_epi32(abef[l], abef_in[l]);
    cdgh[l] = _mm_add_epi32(cdgh[l], cdgh_in[l]);
  }
}

}  // namespace

bool CpuHasShaNi() {
  static const bool has = [] {
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) == 0) return false;
    const bool sse41 = (ecx & bit_SSE4_1) != 0;
    const bool ssse3 = (ecx & bit_SSSE3) != 0;
    if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) == 0) return false;
    const bool sha = (ebx & bit_SHA) != 0;
    return sse41 && ssse3 && sha;
  }();
  return has;
}

CAIRN_SHANI_TARGET void Sha256CompressShaNi(Sha256State& state, const std::uint8_t* blocks, std::size_t nblocks) {
  __m128i abef[1], cdgh[1];
  LoadState(state, abef[0], cdgh[0]);
  for (std::size_t i = 0; i < nblocks; ++i) {
    const std::uint8_t* block = blocks + 64 * i;
    CompressBlocks<1>(abef, cdgh, &block);
  }
  StoreState(abef[0], cdgh[0], state);
}

CAIRN_SHANI_TARGET void Sha256Compress4ShaNi(Sha256State* const states[4], const std::uint8_t* const blocks[4]) {
  __m128i abef[4], cdgh[4];
  for (int l = 0; l < 4; ++l) LoadState(*states[l], abef[l], cdgh[l]);
  CompressBlocks<4>(abef, cdgh, blocks);
  for (int l = 0; l < 4; ++l) StoreState(abef[l], cdgh[l], *states[l]);
}

}  // namespace cairn::internal
