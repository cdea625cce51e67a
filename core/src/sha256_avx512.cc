// SHA-256 over sixteen independent blocks at once with AVX-512: lane l of every 512-bit register belongs to block l,
// so one vector instruction does the same step for sixteen compressions. This is the kernel of Merkle levels on CPUs
// that have AVX-512F/VL/BW (merkle_hash.cc dispatches to it); only the functions below are compiled for those targets
// (function attributes), so the rest of the build needs no -m flags, and nothing here runs before CpuHasAvx512() said
// yes.
//
// Per round the kernel spends three rotates and one vpternlogd on each big sigma, one vpternlogd each on Ch and Maj,
// six vpaddd, and one more for W + K (K as a broadcast memory operand); each of the 48 schedule steps costs two
// rotates, one vpsrld, one vpternlogd and three vpaddd. No instruction depends on a neighbouring lane, which is what
// makes the sixteen lanes free; the cost is getting the blocks into lane-major order and the digests back out:
//
// - kTranspose: sixteen 64-byte loads (one block per register), then a 16x16 transpose of 32-bit words in four
//   stages (unpack 32, unpack 64, two stages of 128-bit lane shuffles), 64 shuffles for sixteen blocks.
// - kGather: one vpgatherdd per message word (sixteen of them), indices 64 l + 4 t.
// bench/core_sha_merkle.cc measures both: on the development machine they are within 1% of each other (1.66x the
// four-lane SHA-NI kernel). HashBlocks uses kTranspose, which needs only plain loads and shuffles: gathers are
// microcoded or slow on many x86 parts (Intel's Downfall/GDS microcode mitigation made them several times slower).
//
// The kernel is bound by vector ALU throughput, not latency: about 1,750 zmm instructions per sixteen blocks, on a
// machine that retires two zmm integer instructions per cycle, only one of them a rotate or shift (672 per pass).
// Nothing here uses SHA-NI: its instructions are legacy-SSE encoded, and interleaving them with dirty zmm0-15 state
// stalls badly (on the Intel machine of issue 2's second session: 700 ns per block). A throwaway there kept the
// sixteen lanes in zmm16-31 by hand (inline assembly) and interleaved 2, 4, 6 or 8 SHA-NI lanes: 18.9, 19.6, 21.8
// and 23.4 ns per block against this kernel's 15.3-15.7 in the same run, because sha256rnds2 takes a vector ALU slot
// there (4 of them added ~2.6 cycles to a saturated zmm loop) and the SHA-NI schedule costs ~60 more ALU ops a block.
// Also measured there and not kept: a seventeenth block in scalar code interleaved with the rounds (16.3 -> 20.4 ns
// per block: GCC spills it to opmask registers, and scalar rotates share port 0 anyway), and shortening rounds 0..3
// for a known IV (18 fewer instructions a pass, within 1% of this kernel).
//
// Merkle subtrees (Sha256MerkleSubtreeAvx512) skip the digest and message transposes between levels: a pass's eight
// state vectors are the next level's message words once paired up by sixteen two-source permutes.
//
// Digests leave through an 8x16 -> 16x8 transpose (unpack 32, unpack 64, one two-source 64-bit permute per pair of
// digests) and 32-byte stores.

#include <cpuid.h>

#include <cstddef>
#include <cstdint>

#include "sha256_avx512_ops.h"
#include "sha256_internal.h"

namespace cairn::internal {
namespace {

constexpr int kLanes = kAvx512Lanes;

// 64 rounds of sixteen lanes from `iv`, with the feed-forward: s[i] lane l = word i of compress(iv, block l).
CAIRN_AVX512_INLINE void Compress16(const Sha256State& iv, __m512i (&w)[16], __m512i (&s)[8]) {
  for (int i = 0; i < 8; ++i) s[i] = _mm512_set1_epi32(static_cast<int>(iv.h[i]));
  Rounds64(s, w);
  for (int i = 0; i < 8; ++i) s[i] = _mm512_add_epi32(s[i], _mm512_set1_epi32(static_cast<int>(iv.h[i])));
}

// The same by gathers. `offsets` lane l = blocks[l] - base, in bytes.
CAIRN_AVX512_INLINE void LoadGather(const std::uint8_t* base, __m512i offsets, __m512i (&w)[16]) {
  for (int t = 0; t < 16; ++t) w[t] = ByteSwap32(_mm512_i32gather_epi32(offsets, base + 4 * t, 1));
}

// Writes the digest bytes of lanes [0, n) to out[0 .. n). s[i] lane l = word i of lane l's state.
CAIRN_AVX512_INLINE void StoreDigests(const __m512i (&s)[8], Hash32* out, int n) {
  __m512i b[8];
  for (int i = 0; i < 8; ++i) b[i] = ByteSwap32(s[i]);
  // After two unpack stages, x[m] (resp. y[m]) holds in 128-bit lane j words 0..3 (resp. 4..7) of lane 4j + m.
  __m512i x[4], y[4];
  for (int half = 0; half < 2; ++half) {
    const __m512i* p = &b[4 * half];
    const __m512i t0 = _mm512_unpacklo_epi32(p[0], p[1]);
    const __m512i t1 = _mm512_unpackhi_epi32(p[0], p[1]);
    const __m512i t2 = _mm512_unpacklo_epi32(p[2], p[3]);
    const __m512i t3 = _mm512_unpackhi_epi32(p[2], p[3]);
    __m512i* o = half == 0 ? x : y;
    o[0] = _mm512_unpacklo_epi64(t0, t2);
    o[1] = _mm512_unpackhi_epi64(t0, t2);
    o[2] = _mm512_unpacklo_epi64(t1, t3);
    o[3] = _mm512_unpackhi_epi64(t1, t3);
  }
  // Interleave x[m] and y[m] by 128-bit lanes: lo = digests of lanes m and 4 + m, hi = lanes 8 + m and 12 + m.
  const __m512i idx_lo = _mm512_set_epi64(11, 10, 3, 2, 9, 8, 1, 0);
  const __m512i idx_hi = _mm512_set_epi64(15, 14, 7, 6, 13, 12, 5, 4);
  for (int m = 0; m < 4; ++m) {
    const __m512i lo = _mm512_permutex2var_epi64(x[m], idx_lo, y[m]);
    const __m512i hi = _mm512_permutex2var_epi64(x[m], idx_hi, y[m]);
    const __m256i d[4] = {_mm512_castsi512_si256(lo), _mm512_extracti64x4_epi64(lo, 1), _mm512_castsi512_si256(hi),
                          _mm512_extracti64x4_epi64(hi, 1)};
    for (int j = 0; j < 4; ++j) {
      const int lane = 4 * j + m;
      if (lane < n) _mm256_storeu_si256(reinterpret_cast<__m256i*>(out[lane].data()), d[j]);
    }
  }
}

// The next level's sixteen blocks from two passes' lane-major states: block l = hash 2l || hash 2l + 1 of the
// thirty-two hashes in a (0..15) and b (16..31). A state word is already the big-endian message word its digest bytes
// would load as, so no byte swap is needed: one two-source permute per message word.
CAIRN_AVX512_INLINE void PairUp(const __m512i (&a)[8], const __m512i (&b)[8], __m512i (&w)[16]) {
  const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
  const __m512i odd = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
  for (int i = 0; i < 8; ++i) {
    w[i] = _mm512_permutex2var_epi32(a[i], even, b[i]);
    w[8 + i] = _mm512_permutex2var_epi32(a[i], odd, b[i]);
  }
}

CAIRN_AVX512_TARGET void HashBlocksTranspose(const Sha256State& iv, const std::uint8_t* in, std::size_t count,
                                             Hash32* out) {
  __m512i w[16], s[8];
  std::size_t k = 0;
  for (; k + kLanes <= count; k += kLanes) {
    const std::uint8_t* blocks[kLanes];
    for (int l = 0; l < kLanes; ++l) blocks[l] = in + 64 * (k + l);
    LoadTranspose(blocks, w);
    Compress16(iv, w, s);
    // Every input of this batch is in registers now, so `out` may overlap `in` (the rule in merkle_hash.h).
    StoreDigests(s, out + k, kLanes);
  }
  const std::size_t rest = count - k;
  if (rest > 0) {
    // Spare lanes repeat the last block, so no load reaches past the input.
    const std::uint8_t* blocks[kLanes];
    for (std::size_t l = 0; l < kLanes; ++l) blocks[l] = in + 64 * (k + (l < rest ? l : rest - 1));
    LoadTranspose(blocks, w);
    Compress16(iv, w, s);
    StoreDigests(s, out + k, static_cast<int>(rest));
  }
}

CAIRN_AVX512_TARGET void HashBlocksGather(const Sha256State& iv, const std::uint8_t* in, std::size_t count,
                                          Hash32* out) {
  // Lane l reads block l: byte offset 64 l.
  const __m512i full = _mm512_set_epi32(960, 896, 832, 768, 704, 640, 576, 512, 448, 384, 320, 256, 192, 128, 64, 0);
  __m512i w[16], s[8];
  std::size_t k = 0;
  for (; k + kLanes <= count; k += kLanes) {
    LoadGather(in + 64 * k, full, w);
    Compress16(iv, w, s);
    StoreDigests(s, out + k, kLanes);
  }
  const std::size_t rest = count - k;
  if (rest > 0) {
    // Spare lanes repeat the last block: offsets min(l, rest - 1) * 64.
    const __m512i last = _mm512_set1_epi32(static_cast<int>(64 * (rest - 1)));
    LoadGather(in + 64 * k, _mm512_min_epi32(full, last), w);
    Compress16(iv, w, s);
    StoreDigests(s, out + k, static_cast<int>(rest));
  }
}

}  // namespace

CAIRN_AVX512_TARGET void Sha256MerkleSubtreeAvx512(const Sha256State& leaf_iv, const Sha256State& node_iv,
                                                   const std::uint8_t* nodes, std::size_t passes, Hash32* top,
                                                   const std::uint8_t* warm, std::size_t warm_bytes) {
  // A binary counter over the passes of level 1: pending[j] holds a pass of level 1 + j (16 hashes of 2^(j + 5)
  // nodes each) waiting for its right sibling, which exists exactly when bit j of the pass index is set.
  __m512i pending[kMaxSubtreeLevels][8];
  __m512i w[16], s[8];
  int top_level = 0;
  // Cache lines to prefetch, spread evenly over the passes (integer addresses: the range may be any memory).
  std::uintptr_t line = reinterpret_cast<std::uintptr_t>(warm) & ~std::uintptr_t{63};
  const std::uintptr_t warm_end = reinterpret_cast<std::uintptr_t>(warm) + warm_bytes;
  const std::size_t lines_per_pass = warm_bytes == 0 ? 0 : ((warm_end - line + 63) / 64 + passes - 1) / passes;
  for (std::size_t p = 0; p < passes; ++p) {
    for (std::size_t i = 0; i < lines_per_pass && line < warm_end; ++i, line += 64) {
      _mm_prefetch(reinterpret_cast<const char*>(line), _MM_HINT_T1);
    }
    const std::uint8_t* blocks[kLanes];
    for (int l = 0; l < kLanes; ++l) blocks[l] = nodes + 64 * (kLanes * p + l);
    LoadTranspose(blocks, w);
    Compress16(leaf_iv, w, s);
    int level = 0;
    for (; (p >> level) & 1; ++level) {
      PairUp(pending[level], s, w);
      Compress16(node_iv, w, s);
    }
    for (int i = 0; i < 8; ++i) pending[level][i] = s[i];
    top_level = level;
  }
  // passes is a power of two, so the last pass carried into the single pass of the top level.
  StoreDigests(pending[top_level], top, kLanes);
}

bool CpuHasAvx512() {
  static const bool has = [] {
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) == 0) return false;
    if ((ecx & bit_OSXSAVE) == 0) return false;  // xgetbv itself would fault
    // XCR0: the OS saves SSE (bit 1), AVX (2), opmask (5), ZMM0-15 upper halves (6) and ZMM16-31 (7) state.
    unsigned xcr0_lo = 0, xcr0_hi = 0;
    __asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
    constexpr unsigned kZmmState = (1u << 1) | (1u << 2) | (1u << 5) | (1u << 6) | (1u << 7);
    if ((xcr0_lo & kZmmState) != kZmmState) return false;
    if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) == 0) return false;
    return (ebx & bit_AVX512F) != 0 && (ebx & bit_AVX512BW) != 0 && (ebx & bit_AVX512VL) != 0;
  }();
  return has;
}

void Sha256HashBlocksAvx512(const Sha256State& iv, const std::uint8_t* in, std::size_t count, Hash32* out,
                            Avx512Load load) {
  if (load == Avx512Load::kGather) {
    HashBlocksGather(iv, in, count, out);
  } else {
    HashBlocksTranspose(iv, in, count, out);
  }
}

}  // namespace cairn::internal
