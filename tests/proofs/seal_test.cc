#include "cairn/proofs/seal.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "cairn/core/hex.h"
#include "proofs/proofs_test_util.h"
#include "seal_files.h"

namespace cairn::proofs {
namespace {

using testing::RandomBytes;
using testing::ReadFile;
using testing::SealTestShard;
using testing::TestDir;
using testing::TestParams;
using testing::WriteFile;

TEST(SealTest, RoundTripsAtOddSizesAndLayerCounts) {
  TestDir dir;
  const std::size_t sizes[] = {1, 31, 32, 33, 100, 1000, 4101, 65536};
  for (std::uint32_t layers : {2u, 3u, 4u}) {
    for (std::size_t size : sizes) {
      SCOPED_TRACE("layers " + std::to_string(layers) + " size " + std::to_string(size));
      std::string name = "s";  // built with += : gcc 12 warns falsely (-Wrestrict) on chained operator+
      name += std::to_string(layers);
      name += '-';
      name += std::to_string(size);
      const auto s = SealTestShard(dir, TestParams(layers), 1000 + size, size, name);
      EXPECT_EQ(s.result.data_size, size);
      EXPECT_EQ(s.result.node_count, (size + 31) / 32);
      EXPECT_EQ(s.result.comm_d, *ComputeCommD(s.data));
      EXPECT_EQ(s.result.comm_d, *ComputeCommD(s.data_path));
      // replica = padded data XOR key, and the key is the last layer on disk.
      const Bytes replica = ReadFile(ReplicaPath(s.out));
      const Bytes key = ReadFile(LayerPath(s.scratch, layers));
      ASSERT_EQ(replica.size(), s.result.node_count * 32);
      ASSERT_EQ(key.size(), replica.size());
      for (std::size_t i = 0; i < replica.size(); ++i) {
        ASSERT_EQ(replica[i], (i < size ? s.data[i] : 0) ^ key[i]) << i;
      }
      auto meta = ReadSealResult(s.out);
      ASSERT_TRUE(meta.ok());
      EXPECT_EQ(meta->comm_r, s.result.comm_r);
      EXPECT_EQ(meta->comm_c, s.result.comm_c);
      const auto back = dir / (name + ".unsealed");
      ASSERT_TRUE(Unseal(s.params, s.replica_id, ReplicaPath(s.out), size, back).ok());
      EXPECT_EQ(ReadFile(back), s.data);
    }
  }
}

TEST(SealTest, ResumesAfterEveryLayerWithTheSameCommitments) {
  TestDir dir;
  const auto params = TestParams(4);
  const auto ref = SealTestShard(dir, params, 5, 3000, "ref");
  for (std::uint32_t stop = 1; stop <= params.layers; ++stop) {
    SCOPED_TRACE("stop after layer " + std::to_string(stop));
    const auto scratch = dir / ("scratch" + std::to_string(stop));
    const auto out = dir / ("out" + std::to_string(stop));
    SealOptions opt;
    opt.stop_after_layer = stop;
    auto first = Seal(params, ref.replica_id, ref.data_path, scratch, out, opt);
    ASSERT_EQ(first.status().code(), Code::kCancelled);
    EXPECT_TRUE(std::filesystem::exists(LayerPath(scratch, stop)));
    EXPECT_FALSE(std::filesystem::exists(LayerPath(scratch, stop + 1)));
    EXPECT_FALSE(std::filesystem::exists(ReplicaPath(out)));
    // A crash can also leave a half-written temporary file of the next layer: it must be ignored.
    WriteFile(LayerPath(scratch, stop + 1).string() + ".tmp", RandomBytes(1, 17));
    auto resumed = Seal(params, ref.replica_id, ref.data_path, scratch, out);
    ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
    EXPECT_EQ(resumed->comm_r, ref.result.comm_r);
    EXPECT_EQ(resumed->comm_c, ref.result.comm_c);
    EXPECT_EQ(ReadFile(ReplicaPath(out)), ReadFile(ReplicaPath(ref.out)));
  }
}

TEST(SealTest, RefusesScratchOfAnotherSeal) {
  TestDir dir;
  const auto params = TestParams(3);
  const auto a = SealTestShard(dir, params, 6, 640, "a");
  const auto other_id = ReplicaId(testing::RandomHash(99));
  auto r = Seal(params, other_id, a.data_path, a.scratch, dir / "other-out");
  EXPECT_EQ(r.status().code(), Code::kFailedPrecondition);
  // After dropping the scratch the same directory works again.
  ASSERT_TRUE(DropScratch(a.scratch).ok());
  EXPECT_FALSE(std::filesystem::exists(StatePath(a.scratch)));
  EXPECT_FALSE(std::filesystem::exists(LayerPath(a.scratch, 1)));
  EXPECT_TRUE(Seal(params, other_id, a.data_path, a.scratch, dir / "other-out").ok());
}

TEST(SealTest, CorruptStateIsAnError) {
  TestDir dir;
  const auto params = TestParams(2);
  const auto a = SealTestShard(dir, params, 7, 640, "a");
  Bytes state = ReadFile(StatePath(a.scratch));
  state[50] ^= 1;
  WriteFile(StatePath(a.scratch), state);
  EXPECT_EQ(Seal(params, a.replica_id, a.data_path, a.scratch, a.out).status().code(), Code::kCorruption);
}

TEST(SealTest, BadInputsAreErrors) {
  TestDir dir;
  const auto params = TestParams(2);
  WriteFile(dir / "empty", {});
  const ReplicaId id(testing::RandomHash(1));
  EXPECT_EQ(Seal(params, id, dir / "empty", dir / "s", dir / "o").status().code(), Code::kInvalidArgument);
  EXPECT_FALSE(Seal(params, id, dir / "missing", dir / "s", dir / "o").ok());
  SealParams bad = params;
  bad.layers = 1;
  WriteFile(dir / "data", RandomBytes(1, 64));
  EXPECT_EQ(Seal(bad, id, dir / "data", dir / "s", dir / "o").status().code(), Code::kInvalidArgument);
  EXPECT_FALSE(Unseal(params, id, dir / "data", 65, dir / "x").ok());  // replica size does not match
  EXPECT_FALSE(Unseal(params, id, dir / "data", 0, dir / "x").ok());
  EXPECT_FALSE(ComputeCommD(ByteSpan()).ok());
}

TEST(SealTest, UnsealWithWrongReplicaIdDoesNotRecoverData) {
  TestDir dir;
  const auto s = SealTestShard(dir, TestParams(2), 8, 2048, "a");
  ASSERT_TRUE(Unseal(s.params, ReplicaId(testing::RandomHash(5)), ReplicaPath(s.out), 2048, dir / "x").ok());
  EXPECT_NE(ReadFile(dir / "x"), s.data);
}

TEST(SealTest, GoldenCommitments) {
  // Freezes labels, columns, trees and comm_r end to end: 1000 bytes of pattern i*7+3, 3 layers, fixed replica id.
  TestDir dir;
  Bytes data(1000);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 7 + 3);
  WriteFile(dir / "data", data);
  Hash32 raw;
  raw.fill(0x5a);
  auto r = Seal(TestParams(3), ReplicaId(raw), dir / "data", dir / "s", dir / "o");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(ToHex(r->comm_d), "eb29258a844ea179f278896f9d56f4a635a0c9c5dcb7e26e12aca4bdf83b2a89");
  EXPECT_EQ(ToHex(r->comm_c), "d55bacd7b161211f40ec84c02b112560b048c06dd6102e964ee3b33676df5441");
  EXPECT_EQ(ToHex(r->comm_r_last), "cfeb4df019b681ebe065812aadaa303d6e04edb1b147cde8128990e84e7b4728");
  EXPECT_EQ(ToHex(r->comm_r), "12c45f735e3d8e1d9c61bb57ace75389c34cdcb9ee08f0a0f584896ec3e7b9e2");
}

}  // namespace
}  // namespace cairn::proofs
