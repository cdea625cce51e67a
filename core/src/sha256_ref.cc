// The portable SHA-256 compression function, written straight from FIPS 180-4 section 6.2.2. It is the reference
// twin of the SHA-NI kernels (sha256_shani.cc) and the fallback on CPUs without SHA-NI.
#include <cstdint>

#include "cairn/core/bytes.h"
#include "cairn/core/sha256.h"
#include "sha256_internal.h"

namespace cairn {
namespace {

inline std::uint32_t Rotr(std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }
inline std::uint32_t Ch(std::uint32_t x, std::uint32_t y, std::uint32_t z) { return (x & y) ^ (~x & z); }
inline std::uint32_t Maj(std::uint32_t x, std::uint32_t y, std::uint32_t z) { return (x & y) ^ (x & z) ^ (y & z); }
inline std::uint32_t BigSigma0(std::uint32_t x) { return Rotr(x, 2) ^ Rotr(x, 13) ^ Rotr(x, 22); }
inline std::uint32_t BigSigma1(std::uint32_t x) { return Rotr(x, 6) ^ Rotr(x, 11) ^ Rotr(x, 25); }
inline std::uint32_t SmallSigma0(std::uint32_t x) { return Rotr(x, 7) ^ Rotr(x, 18) ^ (x >> 3); }
inline std::uint32_t SmallSigma1(std::uint32_t x) { return Rotr(x, 17) ^ Rotr(x, 19) ^ (x >> 10); }

void CompressOne(Sha256State& state, const std::uint8_t* block) {
  std::uint32_t w[64];
  for (int t = 0; t < 16; ++t) w[t] = GetBE32(block + 4 * t);
  for (int t = 16; t < 64; ++t) w[t] = SmallSigma1(w[t - 2]) + w[t - 7] + SmallSigma0(w[t - 15]) + w[t - 16];

  std::uint32_t a = state.h[0], b = state.h[1], c = state.h[2], d = state.h[3];
  std::uint32_t e = state.h[4], f = state.h[5], g = state.h[6], h = state.h[7];
  for (int t = 0; t < 64; ++t) {
    const std::uint32_t t1 = h + BigSigma1(e) + Ch(e, f, g) + internal::kSha256K[t] + w[t];
    const std::uint32_t t2 = BigSigma0(a) + Maj(a, b, c);
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  state.h[0] += a;
  state.h[1] += b;
  state.h[2] += c;
  state.h[3] += d;
  state.h[4] += e;
  state.h[5] += f;
  state.h[6] += g;
  state.h[7] += h;
}

}  // namespace

void Sha256CompressRef(Sha256State& state, const std::uint8_t* blocks, std::size_t nblocks) {
  for (std::size_t i = 0; i < nblocks; ++i) CompressOne(state, blocks + 64 * i);
}

}  // namespace cairn
