// The sixteen-lane AVX-512 kernels against the portable reference: HashBlocks with both ways of loading the blocks,
// and the perfect-subtree kernel that keeps Merkle levels lane-major.
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
// At least `bytes` of random readable memory that ends right before a page mapped PROT_NONE.
class GuardedBytes {
 public:
  GuardedBytes(std::size_t bytes, std::mt19937_64& rng) {
    const long page_size = sysconf(_SC_PAGESIZE);
    if (page_size <= 0) return;
    const std::size_t page = static_cast<std::size_t>(page_size);
    span_ = ((bytes + page - 1) / page + 1) * page;
    void* map = mmap(nullptr, span_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED) return;
    map_ = static_cast<std::uint8_t*>(map);
    FillRandom(rng, map_, span_ - page);
    if (mprotect(map_ + span_ - page, page, PROT_NONE) == 0) end_ = map_ + span_ - page;
  }
  ~GuardedBytes() {
    if (map_ != nullptr) {
      EXPECT_EQ(munmap(map_, span_), 0);
    }
  }
  GuardedBytes(const GuardedBytes&) = delete;
  GuardedBytes& operator=(const GuardedBytes&) = delete;

  // The first byte that may not be read; null when the set-up failed.
  const std::uint8_t* end() const { return end_; }

 private:
  std::uint8_t* map_ = nullptr;
  std::size_t span_ = 0;
  const std::uint8_t* end_ = nullptr;
};

TEST(Sha256Avx512Test, ReadsNothingPastTheLastBlock) {
  if (SkipWithoutAvx512()) GTEST_SKIP() << "no AVX-512";
  SCOPED_TRACE("seed " + std::to_string(kSeed + 2));
  std::mt19937_64 rng(kSeed + 2);
  const GuardedBytes mem(64 * kMaxCount, rng);
  ASSERT_NE(mem.end(), nullptr);
  const Sha256State iv = RandomState(rng);
  for (Avx512Load load : kLoads) {
    SCOPED_TRACE(LoadName(load));
    for (std::size_t count = 1; count <= kMaxCount; ++count) {
      const std::uint8_t* in = mem.end() - 64 * count;
      std::vector<Hash32> out(count);
      Sha256HashBlocksAvx512(iv, in, count, out.data(), load);
      ASSERT_EQ(out, Reference(iv, in, count)) << "count " << count;
    }
  }
}

// The level with sixteen hashes of a perfect subtree, level by level with the reference compression.
std::vector<Hash32> ReferenceSubtreeTop(const Sha256State& leaf_iv, const Sha256State& node_iv, const std::uint8_t* in,
                                        std::size_t passes) {
  std::vector<Hash32> level = Reference(leaf_iv, in, 16 * passes);
  while (level.size() > 16) level = Reference(node_iv, level[0].data(), level.size() / 2);
  return level;
}

TEST(Sha256Avx512Test, MerkleSubtreeMatchesReferenceForEveryPassCount) {
  if (SkipWithoutAvx512()) GTEST_SKIP() << "no AVX-512";
  SCOPED_TRACE("seed " + std::to_string(kSeed + 3));
  std::mt19937_64 rng(kSeed + 3);
  for (std::size_t passes = 1; passes <= (std::size_t{1} << (kMaxSubtreeLevels - 1)); passes *= 2) {
    SCOPED_TRACE("passes " + std::to_string(passes));
    const Sha256State leaf_iv = RandomState(rng);
    const Sha256State node_iv = RandomState(rng);
    std::vector<std::uint8_t> in(64 * 16 * passes);
    FillRandom(rng, in.data(), in.size());
    Hash32 marker;
    marker.fill(0x5A);
    std::vector<Hash32> top(17, marker);
    Sha256MerkleSubtreeAvx512(leaf_iv, node_iv, in.data(), passes, top.data());
    const std::vector<Hash32> expected = ReferenceSubtreeTop(leaf_iv, node_iv, in.data(), passes);
    for (std::size_t k = 0; k < 16; ++k) ASSERT_EQ(top[k], expected[k]) << "hash " << k;
    EXPECT_EQ(top[16], marker) << "wrote past the sixteen hashes";
    // The two domains really are used where they belong: swapping the IVs changes every hash.
    std::vector<Hash32> swapped(16);
    Sha256MerkleSubtreeAvx512(node_iv, leaf_iv, in.data(), passes, swapped.data());
    for (std::size_t k = 0; k < 16; ++k) EXPECT_NE(swapped[k], top[k]) << "hash " << k;
  }
}

TEST(Sha256Avx512Test, MerkleSubtreeReadsNothingPastItsNodes) {
  if (SkipWithoutAvx512()) GTEST_SKIP() << "no AVX-512";
  constexpr std::size_t kMaxPasses = 8;
  SCOPED_TRACE("seed " + std::to_string(kSeed + 4));
  std::mt19937_64 rng(kSeed + 4);
  const GuardedBytes mem(64 * 16 * kMaxPasses, rng);
  ASSERT_NE(mem.end(), nullptr);
  const Sha256State leaf_iv = RandomState(rng);
  const Sha256State node_iv = RandomState(rng);
  for (std::size_t passes = 1; passes <= kMaxPasses; passes *= 2) {
    const std::uint8_t* in = mem.end() - 64 * 16 * passes;
    std::vector<Hash32> top(16);
    Sha256MerkleSubtreeAvx512(leaf_iv, node_iv, in, passes, top.data());
    ASSERT_EQ(top, ReferenceSubtreeTop(leaf_iv, node_iv, in, passes)) << "passes " << passes;
  }
}

}  // namespace
}  // namespace cairn::internal
