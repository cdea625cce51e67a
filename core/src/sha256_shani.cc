// SHA-256 compression with the x86 SHA extensions (SHA-NI). Only the functions below are compiled for the
// sha/sse4.1/ssse3 targets (function attributes), so the rest of the build needs no -msha; sha256.cc calls them only
// after CpuHasShaNi() said yes.
//
// Register layout, as the SHA-NI instructions want it: the state lives in two vectors, abef = (a, b, e, f) and
// cdgh = (c, d, g, h), written high lane first. sha256rnds2 performs two rounds; one block is a chain of 32 of them,
// so a single lane is bound by that instruction's latency. The four-lane kernel issues each step for four
// independent blocks back to back so that the chains overlap, which leaves it bound by the instruction's throughput
// instead: on the Zen 5 development machine the latency is about 1.34x the reciprocal throughput, and four lanes run
// at about 1.4x one lane.
//
// The message schedule of group g + kLookahead (four words W + K per lane) is computed, and parked in a small stack
// array, while the rounds of group g run: the rounds then never wait for the schedule, and each sha256rnds2 takes its
// message words straight from L1 (the second one of a pair with a 64-bit load, as only the low half is used).
#include <cpuid.h>
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "sha256_internal.h"

#define CAIRN_SHANI_TARGET __attribute__((target("sha,sse4.1,ssse3")))
#define CAIRN_SHANI_INLINE CAIRN_SHANI_TARGET __attribute__((always_inline)) inline

namespace cairn::internal {
namespace {

constexpr int kLookahead = 1;  // measured best of 0..3: 1.38x one lane for Compress4, vs 1.19x with 0 and 1.31x with 3

// Reverses the bytes of each 32-bit lane: big-endian message words in, big-endian digest words out.
CAIRN_SHANI_INLINE __m128i ByteSwapMask() { return _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL); }

// state.h[0..7] -> (abef, cdgh).
CAIRN_SHANI_INLINE void LoadState(const Sha256State& state, __m128i& abef, __m128i& cdgh) {
  const __m128i dcba = _mm_loadu_si128(reinterpret_cast<const __m128i*>(&state.h[0]));
  const __m128i hgfe = _mm_loadu_si128(reinterpret_cast<const __m128i*>(&state.h[4]));
  const __m128i cdab = _mm_shuffle_epi32(dcba, 0xB1);
  const __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);
  abef = _mm_alignr_epi8(cdab, efgh, 8);
  cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);
}

// (abef, cdgh) -> (dcba, hgfe), the word order of Sha256State.
CAIRN_SHANI_INLINE void Unpermute(__m128i abef, __m128i cdgh, __m128i& dcba, __m128i& hgfe) {
  const __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
  const __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
  dcba = _mm_blend_epi16(feba, dchg, 0xF0);
  hgfe = _mm_alignr_epi8(dchg, feba, 8);
}

CAIRN_SHANI_INLINE void StoreState(__m128i abef, __m128i cdgh, Sha256State& state) {
  __m128i dcba, hgfe;
  Unpermute(abef, cdgh, dcba, hgfe);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(&state.h[0]), dcba);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(&state.h[4]), hgfe);
}

// The digest bytes (Sha256StateBytes) of (abef, cdgh).
CAIRN_SHANI_INLINE void StoreDigest(__m128i abef, __m128i cdgh, std::uint8_t* out) {
  __m128i dcba, hgfe;
  Unpermute(abef, cdgh, dcba, hgfe);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm_shuffle_epi8(dcba, ByteSwapMask()));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 16), _mm_shuffle_epi8(hgfe, ByteSwapMask()));
}

// The message schedule of N lanes, one group of four words at a time.
template <int N>
struct Schedule {
  __m128i w[N][4];                      // w[l][g % 4]: words 4g .. 4g+3 of lane l (the last four groups)
  alignas(16) std::uint32_t wk[N][64];  // W[t] + K[t], read by the rounds

  CAIRN_SHANI_INLINE void Group(int g, const std::uint8_t* const* blocks) {
    const __m128i k = _mm_load_si128(reinterpret_cast<const __m128i*>(&kSha256K[4 * g]));
#pragma GCC unroll 4
    for (int l = 0; l < N; ++l) {
      if (g < 4) {
        const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(blocks[l] + 16 * g));
        w[l][g] = _mm_shuffle_epi8(raw, ByteSwapMask());
      } else {
        // W[i..i+3] from W[i-16..i-13], W[i-12], W[i-7..i-4] and W[i-2..i-1]: msg1 adds sigma0, msg2 sigma1.
        __m128i t = _mm_sha256msg1_epu32(w[l][g & 3], w[l][(g + 1) & 3]);
        t = _mm_add_epi32(t, _mm_alignr_epi8(w[l][(g + 3) & 3], w[l][(g + 2) & 3], 4));
        w[l][g & 3] = _mm_sha256msg2_epu32(t, w[l][(g + 3) & 3]);
      }
      _mm_store_si128(reinterpret_cast<__m128i*>(&wk[l][4 * g]), _mm_add_epi32(w[l][g & 3], k));
    }
  }
};

// 64 rounds of one block in each of N lanes, without the final feed-forward addition. Every step is written as a
// loop over the lanes, so once unrolled the instruction stream alternates between independent dependency chains.
template <int N>
CAIRN_SHANI_INLINE void Rounds(__m128i (&abef)[N], __m128i (&cdgh)[N], const std::uint8_t* const* blocks) {
  Schedule<N> s;
#pragma GCC unroll 16
  for (int g = 0; g < kLookahead; ++g) s.Group(g, blocks);
#pragma GCC unroll 16
  for (int g = 0; g < 16; ++g) {
    if (g + kLookahead < 16) s.Group(g + kLookahead, blocks);
#pragma GCC unroll 4
    for (int l = 0; l < N; ++l) {
      const __m128i wk = _mm_load_si128(reinterpret_cast<const __m128i*>(&s.wk[l][4 * g]));
      cdgh[l] = _mm_sha256rnds2_epu32(cdgh[l], abef[l], wk);
    }
    // Now cdgh[l] holds the new (a, b, e, f) and abef[l] the new (c, d, g, h); the next two rounds put them back.
#pragma GCC unroll 4
    for (int l = 0; l < N; ++l) {
      const __m128i wk_hi = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(&s.wk[l][4 * g + 2]));
      abef[l] = _mm_sha256rnds2_epu32(abef[l], cdgh[l], wk_hi);
    }
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
    const __m128i abef_in = abef[0], cdgh_in = cdgh[0];
    const std::uint8_t* block = blocks + 64 * i;
    Rounds<1>(abef, cdgh, &block);
    abef[0] = _mm_add_epi32(abef[0], abef_in);
    cdgh[0] = _mm_add_epi32(cdgh[0], cdgh_in);
  }
  StoreState(abef[0], cdgh[0], state);
}

CAIRN_SHANI_TARGET void Sha256Compress4ShaNi(Sha256State* const states[4], const std::uint8_t* const blocks[4]) {
  __m128i abef[4], cdgh[4];
  for (int l = 0; l < 4; ++l) LoadState(*states[l], abef[l], cdgh[l]);
  Rounds<4>(abef, cdgh, blocks);
  for (int l = 0; l < 4; ++l) {
    // The inputs are reloaded rather than kept live: SSE has only 16 vector registers.
    __m128i abef_in, cdgh_in;
    LoadState(*states[l], abef_in, cdgh_in);
    StoreState(_mm_add_epi32(abef[l], abef_in), _mm_add_epi32(cdgh[l], cdgh_in), *states[l]);
  }
}

CAIRN_SHANI_TARGET void Sha256HashBlocksShaNi(const Sha256State& iv, const std::uint8_t* in, std::size_t count,
                                              Hash32* out) {
  __m128i abef_iv, cdgh_iv;
  LoadState(iv, abef_iv, cdgh_iv);
  std::size_t k = 0;
  for (; k + 4 <= count; k += 4) {
    const std::uint8_t* const blocks[4] = {in + 64 * k, in + 64 * (k + 1), in + 64 * (k + 2), in + 64 * (k + 3)};
    __m128i abef[4] = {abef_iv, abef_iv, abef_iv, abef_iv};
    __m128i cdgh[4] = {cdgh_iv, cdgh_iv, cdgh_iv, cdgh_iv};
    Rounds<4>(abef, cdgh, blocks);
    // All four lanes' inputs were read by the rounds above, so `out` may overlap `in` (see the header).
    for (int l = 0; l < 4; ++l) {
      StoreDigest(_mm_add_epi32(abef[l], abef_iv), _mm_add_epi32(cdgh[l], cdgh_iv), out[k + l].data());
    }
  }
  const std::size_t rest = count - k;
  if (rest >= 2) {
    // Two or three blocks: one four-lane pass (spare lanes repeat the last block) beats two or three single ones.
    const std::uint8_t* blocks[4];
    for (std::size_t l = 0; l < 4; ++l) blocks[l] = in + 64 * (k + (l < rest ? l : rest - 1));
    __m128i abef[4] = {abef_iv, abef_iv, abef_iv, abef_iv};
    __m128i cdgh[4] = {cdgh_iv, cdgh_iv, cdgh_iv, cdgh_iv};
    Rounds<4>(abef, cdgh, blocks);
    for (std::size_t l = 0; l < rest; ++l) {
      StoreDigest(_mm_add_epi32(abef[l], abef_iv), _mm_add_epi32(cdgh[l], cdgh_iv), out[k + l].data());
    }
  } else if (rest == 1) {
    __m128i abef[1] = {abef_iv}, cdgh[1] = {cdgh_iv};
    const std::uint8_t* block = in + 64 * k;
    Rounds<1>(abef, cdgh, &block);
    StoreDigest(_mm_add_epi32(abef[0], abef_iv), _mm_add_epi32(cdgh[0], cdgh_iv), out[k].data());
  }
}

}  // namespace cairn::internal
