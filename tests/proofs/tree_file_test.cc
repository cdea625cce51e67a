#include "tree_file.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "proofs/proofs_test_util.h"

namespace cairn::proofs {
namespace {

using testing::RandomBytes;
using testing::TestDir;

TEST(TreeFileTest, ProofsMatchInMemoryTree) {
  TestDir dir;
  for (std::uint64_t n = 1; n <= 70; ++n) {
    const Bytes nodes = RandomBytes(n, n * 32);
    auto tree = MerkleTree::Build(nodes);
    ASSERT_TRUE(tree.ok());
    const auto path = dir / ("tree-" + std::to_string(n));
    ASSERT_TRUE(WriteTreeFile(path, *tree).ok());
    auto file = TreeFile::Open(path, n);
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    EXPECT_EQ(file->root(), tree->root());
    const std::uint8_t zero[32] = {};
    for (std::uint64_t i = 0; i < n; ++i) {
      const std::uint8_t* sib = (i ^ 1) < n ? &nodes[(i ^ 1) * 32] : zero;
      auto a = file->Prove(i, sib);
      auto b = tree->Prove(i, sib);
      ASSERT_TRUE(a.ok() && b.ok());
      ASSERT_EQ(a->Serialize(), b->Serialize()) << "n " << n << " i " << i;
      ASSERT_TRUE(MerkleVerify(tree->root(), &nodes[i * 32], *a));
    }
    EXPECT_FALSE(file->Prove(n, zero).ok());
  }
}

TEST(TreeFileTest, OpenRejectsWrongCountAndTruncation) {
  TestDir dir;
  const Bytes nodes = RandomBytes(9, 100 * 32);
  auto tree = MerkleTree::Build(nodes);
  ASSERT_TRUE(tree.ok());
  const auto path = dir / "tree";
  ASSERT_TRUE(WriteTreeFile(path, *tree).ok());
  EXPECT_TRUE(TreeFile::Open(path, 100).ok());
  EXPECT_FALSE(TreeFile::Open(path, 99).ok());
  EXPECT_FALSE(TreeFile::Open(path, 0).ok());
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 1);
  EXPECT_EQ(TreeFile::Open(path, 100).status().code(), Code::kCorruption);
  EXPECT_FALSE(TreeFile::Open(dir / "missing", 100).ok());
}

TEST(TreeFileTest, LevelSizesFollowTheV1Shape) {
  EXPECT_EQ(TreeLevelSizes(1), (std::vector<std::uint64_t>{1}));
  EXPECT_EQ(TreeLevelSizes(2), (std::vector<std::uint64_t>{1}));
  EXPECT_EQ(TreeLevelSizes(3), (std::vector<std::uint64_t>{2, 1}));
  EXPECT_EQ(TreeLevelSizes(11), (std::vector<std::uint64_t>{6, 3, 2, 1}));
}

}  // namespace
}  // namespace cairn::proofs
