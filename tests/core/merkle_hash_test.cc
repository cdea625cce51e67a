#include "merkle_hash.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "cairn/core/hex.h"
#include "cairn/core/merkle.h"
#include "sha256_internal.h"

namespace cairn::internal {
namespace {

constexpr std::uint64_t kSeed = 0xb10c5ull;

Hash32 RefHash(const Sha256State& iv, const std::uint8_t* block) {
  Sha256State s = iv;
  Sha256CompressRef(s, block, 1);
  return Sha256StateBytes(s);
}

// Every HashBlocks path this CPU can run, kAuto last.
std::vector<HashPath> AvailablePaths() {
  std::vector<HashPath> paths;
  for (HashPath p : {HashPath::kPortable, HashPath::kShaNi, HashPath::kAvx512, HashPath::kAuto}) {
    if (HashPathAvailable(p)) {
      paths.push_back(p);
    } else {
      std::fprintf(stderr, "note: this CPU cannot run HashBlocks path %d; not checked\n", static_cast<int>(p));
    }
  }
  return paths;
}

// Forces a path for one scope, then restores the one before (kAuto, or what CAIRN_SHA256_PATH chose, so that the
// rest of the suite still runs on the path the environment asked for).
class ScopedHashPath {
 public:
  explicit ScopedHashPath(HashPath path) : previous_(ForcedHashPath()) { EXPECT_TRUE(ForceHashPath(path)); }
  ~ScopedHashPath() { EXPECT_TRUE(ForceHashPath(previous_)); }
  ScopedHashPath(const ScopedHashPath&) = delete;
  ScopedHashPath& operator=(const ScopedHashPath&) = delete;

 private:
  const HashPath previous_;
};

TEST(MerkleHashTest, HashBlocksMatchesReferenceOnEveryPathAndCount) {
  for (HashPath path : AvailablePaths()) {
    ScopedHashPath forced(path);
    SCOPED_TRACE("path " + std::to_string(static_cast<int>(path)));
    SCOPED_TRACE("seed " + std::to_string(kSeed));
    std::mt19937_64 rng(kSeed);
    for (std::size_t count = 0; count <= 70; ++count) {
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
}

TEST(MerkleHashTest, PerfectSubtreeRootMatchesReferenceOnEveryPath) {
  for (HashPath path : AvailablePaths()) {
    ScopedHashPath forced(path);
    SCOPED_TRACE("path " + std::to_string(static_cast<int>(path)));
    SCOPED_TRACE("seed " + std::to_string(kSeed + 1));
    std::mt19937_64 rng(kSeed + 1);
    for (std::size_t count = 2; count <= kMaxPerfectSubtreeNodes; count *= 2) {
      SCOPED_TRACE("count " + std::to_string(count));
      Bytes nodes(32 * count);
      for (auto& b : nodes) b = static_cast<std::uint8_t>(rng());
      std::vector<Hash32> level(count / 2);
      for (std::size_t k = 0; k < count / 2; ++k) level[k] = RefHash(MerkleLeafIv(), &nodes[64 * k]);
      while (level.size() > 1) {
        std::vector<Hash32> up(level.size() / 2);
        for (std::size_t k = 0; k < up.size(); ++k) up[k] = RefHash(MerkleNodeIv(), level[2 * k].data());
        level = up;
      }
      std::vector<Hash32> scratch(count / 2);
      EXPECT_EQ(PerfectSubtreeRoot(nodes.data(), count, scratch.data()), level[0]);
      auto root = MerkleRoot(nodes);
      ASSERT_TRUE(root.ok());
      EXPECT_EQ(*root, level[0]);
    }
  }
}

TEST(MerkleHashTest, GoldenRootsOnEveryPath) {
  // Two of merkle_test.cc's frozen roots (node i, byte j = i * 131 + j * 7 + 1), whose levels take every kernel.
  const struct {
    std::size_t n;
    const char* root;
  } golden[] = {
      {2048, "21d59875dfcf450a8f2cb5e4c2a43203e83db7f223abafb99adfa7b8daa321a1"},
      {2049, "63943c0d6eac70748e788f65e542564ab33464c0c81c3c9b8783566066c8365d"},
  };
  for (HashPath path : AvailablePaths()) {
    ScopedHashPath forced(path);
    SCOPED_TRACE("path " + std::to_string(static_cast<int>(path)));
    for (const auto& g : golden) {
      Bytes nodes(32 * g.n);
      for (std::size_t i = 0; i < g.n; ++i) {
        for (std::size_t j = 0; j < 32; ++j) nodes[32 * i + j] = static_cast<std::uint8_t>(i * 131 + j * 7 + 1);
      }
      auto root = MerkleRoot(nodes);
      ASSERT_TRUE(root.ok());
      EXPECT_EQ(ToHex(*root), g.root) << "n = " << g.n;
      auto tree = MerkleTree::Build(nodes);
      ASSERT_TRUE(tree.ok());
      EXPECT_EQ(ToHex(tree->root()), g.root) << "n = " << g.n;
    }
  }
}

TEST(MerkleHashTest, ForceHashPathRefusesWhatTheCpuLacks) {
  EXPECT_TRUE(HashPathAvailable(HashPath::kAuto));
  EXPECT_TRUE(HashPathAvailable(HashPath::kPortable));
  EXPECT_EQ(HashPathAvailable(HashPath::kShaNi), CpuHasShaNi());
  EXPECT_EQ(HashPathAvailable(HashPath::kAvx512), CpuHasAvx512());
  const HashPath before = ForcedHashPath();
  for (HashPath path : {HashPath::kPortable, HashPath::kShaNi, HashPath::kAvx512}) {
    ASSERT_TRUE(ForceHashPath(HashPath::kAuto));
    const bool can = HashPathAvailable(path);
    EXPECT_EQ(ForceHashPath(path), can);
    EXPECT_EQ(ForcedHashPath(), can ? path : HashPath::kAuto);
  }
  EXPECT_TRUE(ForceHashPath(before));
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
