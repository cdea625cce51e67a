// Private to core: the building blocks of the AVX-512 SHA-256 kernels (sha256_avx512.cc explains the instruction
// choices): sigma and round steps on sixteen lanes, the message schedule, and the 16x16 transpose that brings sixteen
// blocks into lane-major words. Every function is always-inlined into a caller compiled for AVX-512 (the target
// attribute), so including this header needs no -m flags; nothing here may run before CpuHasAvx512() said yes.
//
// Thread-safety: pure functions on registers.
#pragma once

// GCC 12's avx512fintrin.h builds _mm512_undefined_epi32() (behind _mm512_ror_epi32 and the gathers) from a
// self-initialised variable, which -Wmaybe-uninitialized (and, once inlined into Sha256MerkleSubtreeAvx512,
// -Wuninitialized) reports at the header's lines (GCC bug 105593, fixed in 12.3). The diagnostic state at those lines
// is what counts, so this precedes the include.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "sha256_internal.h"

#define CAIRN_AVX512_TARGET __attribute__((target("avx512f,avx512vl,avx512bw")))
#define CAIRN_AVX512_INLINE CAIRN_AVX512_TARGET __attribute__((always_inline)) inline

namespace cairn::internal {

inline constexpr int kAvx512Lanes = 16;

// Reverses the bytes of each 32-bit word (vpshufb works within 128-bit lanes, so the pattern repeats four times).
CAIRN_AVX512_INLINE __m512i ByteSwap32(__m512i x) {
  const __m512i mask = _mm512_set4_epi32(0x0c0d0e0f, 0x08090a0b, 0x04050607, 0x00010203);
  return _mm512_shuffle_epi8(x, mask);
}

// vpternlogd immediates: the truth table of f(x, y, z) evaluated on x = 0xF0, y = 0xCC, z = 0xAA.
constexpr int kXor3 = 0x96;    // x ^ y ^ z
constexpr int kChoose = 0xCA;  // x ? y : z, i.e. Ch(e, f, g)
constexpr int kMajor = 0xE8;   // majority, i.e. Maj(a, b, c)

CAIRN_AVX512_INLINE __m512i Xor3(__m512i x, __m512i y, __m512i z) { return _mm512_ternarylogic_epi32(x, y, z, kXor3); }
CAIRN_AVX512_INLINE __m512i BigSigma0(__m512i x) {
  return Xor3(_mm512_ror_epi32(x, 2), _mm512_ror_epi32(x, 13), _mm512_ror_epi32(x, 22));
}
CAIRN_AVX512_INLINE __m512i BigSigma1(__m512i x) {
  return Xor3(_mm512_ror_epi32(x, 6), _mm512_ror_epi32(x, 11), _mm512_ror_epi32(x, 25));
}
CAIRN_AVX512_INLINE __m512i SmallSigma0(__m512i x) {
  return Xor3(_mm512_ror_epi32(x, 7), _mm512_ror_epi32(x, 18), _mm512_srli_epi32(x, 3));
}
CAIRN_AVX512_INLINE __m512i SmallSigma1(__m512i x) {
  return Xor3(_mm512_ror_epi32(x, 17), _mm512_ror_epi32(x, 19), _mm512_srli_epi32(x, 10));
}

// One round in the usual rotating-names form: the caller passes the eight working variables shifted by one position
// per round, so only d and h are written.
CAIRN_AVX512_INLINE void Round(__m512i a, __m512i b, __m512i c, __m512i& d, __m512i e, __m512i f, __m512i g, __m512i& h,
                               __m512i wk) {
  const __m512i t1 = _mm512_add_epi32(_mm512_add_epi32(h, wk),
                                      _mm512_add_epi32(BigSigma1(e), _mm512_ternarylogic_epi32(e, f, g, kChoose)));
  const __m512i t2 = _mm512_add_epi32(BigSigma0(a), _mm512_ternarylogic_epi32(a, b, c, kMajor));
  d = _mm512_add_epi32(d, t1);
  h = _mm512_add_epi32(t1, t2);
}

// W[t] + K[t], with K[t] read through `k` (see Compress16) so that it becomes a broadcast memory operand of vpaddd.
CAIRN_AVX512_INLINE __m512i WordPlusK(const __m512i (&w)[16], const std::uint32_t* k, int t) {
  return _mm512_add_epi32(w[t & 15], _mm512_set1_epi32(static_cast<int>(k[t])));
}

// Eight rounds starting at round t; w[(t + i) % 16] already holds W[t + i] for i < 8.
CAIRN_AVX512_INLINE void EightRounds(__m512i (&s)[8], const __m512i (&w)[16], const std::uint32_t* k, int t) {
  Round(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], WordPlusK(w, k, t));
  Round(s[7], s[0], s[1], s[2], s[3], s[4], s[5], s[6], WordPlusK(w, k, t + 1));
  Round(s[6], s[7], s[0], s[1], s[2], s[3], s[4], s[5], WordPlusK(w, k, t + 2));
  Round(s[5], s[6], s[7], s[0], s[1], s[2], s[3], s[4], WordPlusK(w, k, t + 3));
  Round(s[4], s[5], s[6], s[7], s[0], s[1], s[2], s[3], WordPlusK(w, k, t + 4));
  Round(s[3], s[4], s[5], s[6], s[7], s[0], s[1], s[2], WordPlusK(w, k, t + 5));
  Round(s[2], s[3], s[4], s[5], s[6], s[7], s[0], s[1], WordPlusK(w, k, t + 6));
  Round(s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[0], WordPlusK(w, k, t + 7));
}

// W[t] for t in [16, 64), in place in the sixteen-word window.
CAIRN_AVX512_INLINE void ScheduleStep(__m512i (&w)[16], int t) {
  w[t & 15] = _mm512_add_epi32(_mm512_add_epi32(w[t & 15], SmallSigma0(w[(t - 15) & 15])),
                               _mm512_add_epi32(w[(t - 7) & 15], SmallSigma1(w[(t - 2) & 15])));
}

// 64 rounds of sixteen lanes on s (no feed-forward): w holds the sixteen message words and is overwritten by the
// schedule.
CAIRN_AVX512_INLINE void Rounds64(__m512i (&s)[8], __m512i (&w)[16]) {
  // Left as constants, the K[t] would each be built with a mov to a general register and a vpbroadcastd from it;
  // hiding the table's contents from the optimiser makes them broadcast memory operands instead: 128 fewer
  // instructions per pass, though the two forms measured the same speed on the development machine.
  const std::uint32_t* k = kSha256K;
  __asm__("" : "+r"(k));
#pragma GCC unroll 8
  for (int t = 0; t < 64; t += 8) {
    if (t >= 16) {
#pragma GCC unroll 8
      for (int i = 0; i < 8; ++i) ScheduleStep(w, t + i);
    }
    EightRounds(s, w, k, t);
  }
}

// Message words of sixteen blocks, lane-major and byte-swapped, from one block per register (r[l] = block l) by a
// 16x16 transpose.
CAIRN_AVX512_INLINE void TransposeBlocks(const __m512i (&r)[16], __m512i (&w)[16]) {
  // Stage 1 and 2, per group q of four blocks: u[4q + i] holds, in 128-bit lane j, word 4j + i of blocks 4q..4q+3.
  __m512i u[16];
  for (int q = 0; q < 4; ++q) {
    const __m512i t0 = _mm512_unpacklo_epi32(r[4 * q], r[4 * q + 1]);
    const __m512i t1 = _mm512_unpackhi_epi32(r[4 * q], r[4 * q + 1]);
    const __m512i t2 = _mm512_unpacklo_epi32(r[4 * q + 2], r[4 * q + 3]);
    const __m512i t3 = _mm512_unpackhi_epi32(r[4 * q + 2], r[4 * q + 3]);
    u[4 * q + 0] = _mm512_unpacklo_epi64(t0, t2);
    u[4 * q + 1] = _mm512_unpackhi_epi64(t0, t2);
    u[4 * q + 2] = _mm512_unpacklo_epi64(t1, t3);
    u[4 * q + 3] = _mm512_unpackhi_epi64(t1, t3);
  }
  // Stages 3 and 4, per word offset i: a 4x4 transpose of 128-bit lanes across u[i], u[4 + i], u[8 + i], u[12 + i].
  for (int i = 0; i < 4; ++i) {
    const __m512i v0 = _mm512_shuffle_i32x4(u[i], u[4 + i], 0x44);       // u0.0 u0.1 u1.0 u1.1
    const __m512i v1 = _mm512_shuffle_i32x4(u[i], u[4 + i], 0xEE);       // u0.2 u0.3 u1.2 u1.3
    const __m512i v2 = _mm512_shuffle_i32x4(u[8 + i], u[12 + i], 0x44);  // u2.0 u2.1 u3.0 u3.1
    const __m512i v3 = _mm512_shuffle_i32x4(u[8 + i], u[12 + i], 0xEE);  // u2.2 u2.3 u3.2 u3.3
    w[i] = ByteSwap32(_mm512_shuffle_i32x4(v0, v2, 0x88));               // lane j = 0
    w[4 + i] = ByteSwap32(_mm512_shuffle_i32x4(v0, v2, 0xDD));           // j = 1
    w[8 + i] = ByteSwap32(_mm512_shuffle_i32x4(v1, v3, 0x88));           // j = 2
    w[12 + i] = ByteSwap32(_mm512_shuffle_i32x4(v1, v3, 0xDD));          // j = 3
  }
}

// The same from memory: sixteen 64-byte loads, then the transpose.
CAIRN_AVX512_INLINE void LoadTranspose(const std::uint8_t* const (&blocks)[kAvx512Lanes], __m512i (&w)[16]) {
  __m512i r[16];
  for (int l = 0; l < 16; ++l) r[l] = _mm512_loadu_si512(blocks[l]);
  TransposeBlocks(r, w);
}

}  // namespace cairn::internal
