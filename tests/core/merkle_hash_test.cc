#include "merkle_hash.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace cairn::internal {
namespace {

constexpr std::uint64_t kSeed = 0xb10c5ull;

Hash32 RefHash(const Sha256State& iv, const std::uint8_t* block) {
  Sha256State s = iv;
  Sha256CompressRef(s, block, 1);
  return Sha256StateBytes(s);
}

TEST(MerkleHashTest, HashBlocksMatchesReferenceForEveryTailLength) {
  SCOPED_TRACE("seed " + std::to_string(kSeed));
  std::mt19937_64 rng(kSeed);
  for (std::size_t count = 0; count <= 41; ++count) {
    SCOPED_TRACE("count " + std::to_string(count));
    Bytes in(64 * count + 1);  // +1 keeps data() valid for count 0
    for (auto& b : in) b = static_cast<std::uint8_t>(rng());
    std::vector<Hash32> expected(count);
    for (std::size_t k = 0; k < count; ++k) expected[k] = RefHash(MerkleNodeIv(), &in[64 * k]);

    std::vector<Hash32> out(count + 1);
    HashBlocks(MerkleNodeIv(), in.data(), count, out.data());
    out.pop_back();
    EXPECT_EQ(out, expected);

    // In place, as MerkleBuilder reduces a level: the outputs overwrite the front of the inputs.
    std::vector<Hash32> level(2 * count + 1);
    std::memcpy(level.data(), in.data(), 64 * count);
    HashBlocks(MerkleNodeIv(), level[0].data(), count, level.data());
    EXPECT_TRUE(std::equal(expected.begin(), expected.end(), level.begin()));
    // And shifted by one hash, as when the first hash of a level was paired with the builder's stack.
    std::memcpy(level[1].data(), in.data(), 64 * count);
    HashBlocks(MerkleNodeIv(), level[1].data(), count, level.data() + 1);
    EXPECT_TRUE(std::equal(expected.begin(), expected.end(), level.begin() + 1));
  }
}

TEST(MerkleHashTest, DomainIvsDifferAndComeFromTheDomainBlocks) {
  std::uint8_t block[64] = {};
  std::memcpy(block, "cairn/merkle/v1/leaf", 20);
  Sha256State leaf = Sha256InitialState();
  Sha256CompressRef(leaf, block, 1);
  EXPECT_EQ(Sha256StateBytes(leaf), Sha256StateBytes(MerkleLeafIv()));
  std::memcpy(block, "cairn/merkle/v1/node", 20);
  Sha256State node = Sha256InitialState();
  Sha256CompressRef(node, block, 1);
  EXPECT_EQ(Sha256StateBytes(node), Sha256StateBytes(MerkleNodeIv()));
  EXPECT_NE(Sha256StateBytes(leaf), Sha256StateBytes(node));
}

}  // namespace
}  // namespace cairn::internal
