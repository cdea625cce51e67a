#include "shard_file.h"

#include <gtest/gtest.h>

#include <random>

#include "cairn/core/merkle.h"
#include "cairn/core/temp_dir.h"

namespace cairn::provider {
namespace {

Bytes Random(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  Bytes b(n);
  for (auto& x : b) x = static_cast<std::uint8_t>(rng());
  return b;
}

class ShardFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::Create("shard-file");
    ASSERT_TRUE(dir.ok());
    dir_.emplace(std::move(*dir));
  }
  std::string Write(const std::string& name, ByteSpan data) {
    std::string p = dir_->Join(name);
    EXPECT_TRUE(WriteFileAtomic(env_, p, data).ok());
    return p;
  }
  Env* env_ = Env::Default();
  std::optional<TempDir> dir_;
};

// comm_d of a file equals MerkleRoot over the same bytes zero-padded to whole nodes, across block boundaries.
TEST_F(ShardFileTest, CommDMatchesMerkleRootOfPaddedBytes) {
  const unsigned seed = 11;
  SCOPED_TRACE("seed " + std::to_string(seed));
  for (std::size_t size : {std::size_t{1}, std::size_t{32}, std::size_t{33}, std::size_t{4096},
                           std::size_t{(1 << 20) + 7}, std::size_t{3 << 20}}) {
    Bytes data = Random(size, seed + static_cast<unsigned>(size));
    std::string p = Write(std::to_string(size) + ".bin", data);
    Bytes padded = data;
    padded.resize((size + 31) / 32 * 32, 0);
    auto want = MerkleRoot(padded);
    ASSERT_TRUE(want.ok());
    auto got = ComputeFileCommD(env_, p, size);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(*got, *want) << size;
  }
}

TEST_F(ShardFileTest, CommDRefusesWrongSize) {
  std::string p = Write("f", Random(100, 1));
  EXPECT_EQ(ComputeFileCommD(env_, p, 99).status().code(), Code::kCorruption);
  EXPECT_EQ(ComputeFileCommD(env_, p, 101).status().code(), Code::kCorruption);
  EXPECT_FALSE(ComputeFileCommD(env_, dir_->Join("missing"), 1).ok());
}

TEST_F(ShardFileTest, InstallMovesTheFile) {
  Bytes data = Random(5000, 2);
  ASSERT_TRUE(env_->CreateDirs(dir_->Join("spool/d")).ok());
  ASSERT_TRUE(env_->CreateDirs(dir_->Join("shards")).ok());
  std::string from = Write("spool/d/x", data);
  std::string to = dir_->Join("shards/abc");
  ASSERT_TRUE(InstallFileDurably(env_, from, to).ok());
  EXPECT_FALSE(env_->FileExists(from));
  auto back = ReadFileToBytes(env_, to, 1 << 20);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, data);
  ASSERT_TRUE(RemoveFlatDir(env_, dir_->Join("spool/d")).ok());
  EXPECT_FALSE(env_->FileExists(dir_->Join("spool/d")));
  EXPECT_TRUE(RemoveFlatDir(env_, dir_->Join("spool/none")).ok());
}

TEST_F(ShardFileTest, CorruptCopyDiffersInEveryBlock) {
  Bytes data = Random(100000, 3);
  std::string src = Write("src", data);
  std::string copy = dir_->Join("copy");
  ASSERT_TRUE(CopyFileDurably(env_, src, copy).ok());
  ASSERT_EQ(*ReadFileToBytes(env_, copy, 1 << 20), data);
  ASSERT_TRUE(CorruptFileInPlace(copy).ok());
  Bytes bad = *ReadFileToBytes(env_, copy, 1 << 20);
  ASSERT_EQ(bad.size(), data.size());
  std::size_t diffs = 0;
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (bad[i] != data[i]) {
      ++diffs;
      EXPECT_EQ(i % (16 << 10), 0u);
    }
  }
  EXPECT_EQ(diffs, (data.size() + (16 << 10) - 1) / (16 << 10));
}

}  // namespace
}  // namespace cairn::provider
