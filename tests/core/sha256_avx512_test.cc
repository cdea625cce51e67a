// The sixteen-lane AVX-512 kernel against the portable reference, with both ways of loading the blocks.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "sha256_internal.h"

namespace cairn::internal {
namespace {

constexpr std::uint64_t kSeed = 0xa5e512ull;
constexpr std::size_t kMaxCount = 70;
constexpr Avx512Load kLoads[] = {Avx512Load::kTranspose, Avx512Load::kGather};

const char* LoadName(Avx512Load load) { return load == Avx512Load::kGather ? "gather" : "transpose"; }

bool SkipWithoutAvx512() {
  if (CpuHasAvx512()) return false;
  std::fprintf(stderr, "[  SKIPPED ] this CPU has no AVX-512F/VL/BW with OS zmm support\n");
  return true;
}

Sha256State RandomState(std::mt19937_64& rng) {
  Sha256State s;
  for (auto& w : s.h) w = static_cast<std::uint32_t>(rng());
  return s;
}

void FillRandom(std::mt19937_64& rng, std::uint8_t* p, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<std::uint8_t>(rng());
}

std::vector<Hash32> Reference(const Sha256State& iv, const std::uint8_t* in, std::size_t count) {
  std::vector<Hash32> out(count);
  for (std::size_t k = 0; k < count; ++k) {
    Sha256State s = iv;
    Sha256CompressRef(s, in + 64 * k, 1);
    out[k] = Sha256StateBytes(s);
  }
  return out;
}

TEST(Sha256Avx512Test, MatchesReferenceForEveryCountOnRandomIvs) {
  if (SkipWithoutAvx512()) GTEST_SKIP() << "no AVX-512";
  for (Avx512Load load : kLoads) {
    SCOPED_TRACE(LoadName(load));
    SCOPED_TRACE("seed " + std::to_string(kSeed));
    std::mt19937_64 rng(kSeed);
    for (int round = 0; round < 4; ++round) {
      for (std::size_t count = 0; count <= kMaxCount; ++count) {
        SCOPED_TRACE("round " + std::to_string(round) + " count " + std::to_string(count));
        const Sha256State iv = RandomState(rng);
        std::vector<std::uint8_t> in(64 * count + 1);  // +1 keeps data() valid for count 0
        FillRandom(rng, in.data(), in.size());
        const std::vector<Hash32> expected = Reference(iv, in.data(), count);
        // Two spare outputs filled with a marker: the kernel must write exactly `count` digests.
        Hash32 marker;
        marker.fill(0xA5);
        std::vector<Hash32> out(count + 2, marker);
        Sha256HashBlocksAvx512(iv, in.data(), count, out.data(), load);
        for (std::size_t k = 0; k < count; ++k) ASSERT_EQ(out[k], expected[k]) << "digest " << k;
        EXPECT_EQ(out[count], marker);
        EXPECT_EQ(out[count + 1], marker);
      }
    }
  }
}

TEST(Sha256Avx512Test, LanesAreIndependent) {
  if (SkipWithoutAvx512()) GTEST_SKIP() << "no AVX-512";
  // Sixteen equal blocks give sixteen equal digests; flipping one bit of block 9 changes digest 9 only.
  std::uint8_t in[16 * 64];
  for (int l = 0; l < 16; ++l) {
    for (int i = 0; i < 64; ++i) in[64 * l + i] = static_cast<std::uint8_t>(3 * i + 1);
  }
  const Sha256State iv = Sha256InitialState();
  const Hash32 same = Reference(iv, in, 1)[0];
  for (Avx512Load load : kLoads) {
    SCOPED_TRACE(LoadName(load));
    Hash32 out[16];
    Sha256HashBlocksAvx512(iv, in, 16, out, load);
    for (int l = 0; l < 16; ++l) EXPECT_EQ(out[l], same) << "lane " << l;
    in[64 * 9 + 17] ^= 0x10;
    Sha256HashBlocksAvx512(iv, in, 16, out, load);
    for (int l = 0; l < 16; ++l) EXPECT_EQ(out[l] == same, l != 9) << "lane " << l;
    EXPECT_EQ(out[9], Reference(iv, in + 64 * 9, 1)[0]);
    in[64 * 9 + 17] ^= 0x10;
  }
}

TEST(Sha256Avx512Test, InPlaceAndShiftedOutputsMatchReference) {
  if (SkipWithoutAvx512()) GTEST_SKIP() << "no AVX-512";
  for (Avx512Load load : kLoads) {
    SCOPED_TRACE(LoadName(load));
    SCOPED_TRACE("seed " + std::to_string(kSeed + 1));
    std::mt19937_64 rng(kSeed + 1);
    for (std::size_t count = 0; count <= kMaxCount; ++count) {
      SCOPED_TRACE("count " + std::to_string(count));
      const Sha256State iv = RandomState(rng);
      std::vector<std::uint8_t> in(64 * count + 1);
      FillRandom(rng, in.data(), in.size());
      const std::vector<Hash32> expected = Reference(iv, in.data(), count);
      // out == in, as MerkleBuilder reduces a level; then out one hash below in.
      for (std::size_t shift : {0, 1}) {
        SCOPED_TRACE("output " + std::to_string(shift) + " hash below the input");
        std::vector<Hash32> level(2 * count + 2);
        std::memcpy(level[shift].data(), in.data(), 64 * count);
        Sha256HashBlocksAvx512(iv, level[shift].data(), count, level.data(), load);
        for (std::size_t k = 0; k < count; ++k) ASSERT_EQ(level[k], expected[k]) << "digest " << k;
      }
    }
  }
}

// A run that ends right before an unmapped page: no lane, spare or not, may read past the last block.
TEST(Sha256Avx512Test, ReadsNothingPastTheLastBlock) {
  if (SkipWithoutAvx512()) GTEST_SKIP() << "no AVX-512";
  const long page_size = sysconf(_SC_PAGESIZE);
  ASSERT_GT(page_size, 0);
  const std::size_t page = static_cast<std::size_t>(page_size);
  const std::size_t span = ((64 * kMaxCount + page - 1) / page + 1) * page;
  void* map = mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(map, MAP_FAILED);
  std::uint8_t* base = static_cast<std::uint8_t*>(map);
  std::uint8_t* guard = base + span - page;
  ASSERT_EQ(mprotect(guard, page, PROT_NONE), 0);
  SCOPED_TRACE("seed " + std::to_string(kSeed + 2));
  std::mt19937_64 rng(kSeed + 2);
  FillRandom(rng, base, span - page);
  const Sha256State iv = RandomState(rng);
  for (Avx512Load load : kLoads) {
    SCOPED_TRACE(LoadName(load));
    for (std::size_t count = 1; count <= kMaxCount; ++count) {
      const std::uint8_t* in = guard - 64 * count;
      std::vector<Hash32> out(count);
      Sha256HashBlocksAvx512(iv, in, count, out.data(), load);
      ASSERT_EQ(out, Reference(iv, in, count)) << "count " << count;
    }
  }
  ASSERT_EQ(munmap(map, span), 0);
}

}  // namespace
}  // namespace cairn::internal
