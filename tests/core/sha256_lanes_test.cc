// The sixteen-lane chain (AVX-512 when the CPU has it, and the portable twin) against the scalar reference
// compression, on random states, blocks and block orders.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "cairn/core/sha256.h"
#include "cairn/core/sha256_lanes16.h"

namespace cairn {
namespace {

using ChainFn = void (*)(Sha256States16&, const Sha256Blocks16*, const std::uint8_t*, std::size_t);

// Runs `chain` over random inputs and checks every lane against Sha256CompressRef applied block by block.
void CheckAgainstReference(ChainFn chain, std::uint32_t seed, int distinct_blocks, int n) {
  SCOPED_TRACE(::testing::Message() << "seed " << seed << ", " << distinct_blocks << " blocks, chain " << n);
  std::mt19937 rng(seed);
  // raw[k][l]: block k of lane l, as bytes.
  std::vector<std::vector<std::vector<std::uint8_t>>> raw(distinct_blocks);
  std::vector<Sha256Blocks16> blocks(distinct_blocks);
  for (int k = 0; k < distinct_blocks; ++k) {
    raw[k].resize(kSha256Lanes16);
    const std::uint8_t* ptrs[kSha256Lanes16];
    for (int l = 0; l < kSha256Lanes16; ++l) {
      raw[k][l].resize(64);
      for (auto& b : raw[k][l]) b = static_cast<std::uint8_t>(rng());
      ptrs[l] = raw[k][l].data();
    }
    Sha256LoadBlocks16(ptrs, blocks[k]);
  }
  std::vector<std::uint8_t> order(n);
  for (auto& o : order) o = static_cast<std::uint8_t>(rng() % distinct_blocks);
  Sha256States16 states;
  Sha256State expected[kSha256Lanes16];
  for (int l = 0; l < kSha256Lanes16; ++l) {
    for (auto& h : expected[l].h) h = rng();
    Sha256SetLane(states, l, expected[l]);
    for (int j = 0; j < n; ++j) Sha256CompressRef(expected[l], raw[order[j]][l].data(), 1);
  }
  chain(states, blocks.data(), order.data(), order.size());
  for (int l = 0; l < kSha256Lanes16; ++l) {
    SCOPED_TRACE(::testing::Message() << "lane " << l);
    const Sha256State got = Sha256GetLane(states, l);
    for (int i = 0; i < 8; ++i) EXPECT_EQ(got.h[i], expected[l].h[i]) << "word " << i;
  }
}

TEST(Sha256Lanes16Test, LoadBlocksDecodesBigEndianWordsPerLane) {
  std::uint8_t raw[kSha256Lanes16][64];
  const std::uint8_t* ptrs[kSha256Lanes16];
  for (int l = 0; l < kSha256Lanes16; ++l) {
    for (int i = 0; i < 64; ++i) raw[l][i] = static_cast<std::uint8_t>(l * 64 + i);
    ptrs[l] = raw[l];
  }
  Sha256Blocks16 b;
  Sha256LoadBlocks16(ptrs, b);
  for (int l = 0; l < kSha256Lanes16; ++l) {
    for (int t = 0; t < 16; ++t) EXPECT_EQ(b.w[t][l], GetBE32(raw[l] + 4 * t)) << "lane " << l << " word " << t;
  }
}

TEST(Sha256Lanes16Test, LoadingTwoHalvesEqualsLoadingTheWholeBlock) {
  const std::uint32_t seed = 1601;
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937 rng(seed);
  std::uint8_t raw[kSha256Lanes16][64], first[kSha256Lanes16][40], second[kSha256Lanes16][40];
  const std::uint8_t *whole[kSha256Lanes16], *f[kSha256Lanes16], *s[kSha256Lanes16];
  for (int l = 0; l < kSha256Lanes16; ++l) {
    for (auto& b : raw[l]) b = static_cast<std::uint8_t>(rng());
    // Halves at odd offsets, apart from each other.
    std::memcpy(first[l] + 3, raw[l], 32);
    std::memcpy(second[l] + 5, raw[l] + 32, 32);
    whole[l] = raw[l];
    f[l] = first[l] + 3;
    s[l] = second[l] + 5;
  }
  Sha256Blocks16 a, b;
  Sha256LoadBlocks16(whole, a);
  Sha256LoadBlocks16(f, s, b);
  for (int t = 0; t < 16; ++t) {
    for (int l = 0; l < kSha256Lanes16; ++l) EXPECT_EQ(a.w[t][l], b.w[t][l]) << "word " << t << " lane " << l;
  }
}

TEST(Sha256Lanes16Test, ChainMatchesReferenceCompression) {
  std::uint32_t seed = 1600;
  for (int distinct : {1, 3, 8}) {
    for (int n : {0, 1, 2, 19, 40}) CheckAgainstReference(&Sha256CompressChain16, seed++, distinct, n);
  }
}

TEST(Sha256Lanes16Test, PortableChainMatchesReferenceCompression) {
  std::uint32_t seed = 1700;
  for (int distinct : {1, 8}) {
    for (int n : {1, 19}) CheckAgainstReference(&Sha256CompressChain16Portable, seed++, distinct, n);
  }
}

TEST(Sha256Lanes16Test, ChainOfOneBlockFromInitialStateIsTheDigestOfAnEmptyPaddedMessage) {
  // SHA-256("") is one compression of the padding block from the initial state.
  std::uint8_t pad[64] = {0x80};
  const std::uint8_t* ptrs[kSha256Lanes16];
  for (auto& p : ptrs) p = pad;
  Sha256Blocks16 b;
  Sha256LoadBlocks16(ptrs, b);
  Sha256States16 s;
  for (int l = 0; l < kSha256Lanes16; ++l) Sha256SetLane(s, l, Sha256InitialState());
  const std::uint8_t order[1] = {0};
  Sha256CompressChain16(s, &b, order, 1);
  const Hash32 empty = Sha256Digest(ByteSpan());
  for (int l = 0; l < kSha256Lanes16; ++l) EXPECT_EQ(Sha256StateBytes(Sha256GetLane(s, l)), empty) << "lane " << l;
}

}  // namespace
}  // namespace cairn
