#include "cairn/proofs/seal_proof.h"

#include <gtest/gtest.h>

#include "cairn/core/hex.h"
#include "cairn/core/sha256.h"
#include "cairn/proofs/seal.h"
#include "proofs/proofs_test_util.h"
#include "seal_files.h"

namespace cairn::proofs {
namespace {

using testing::RandomHash;
using testing::SealTestShard;
using testing::TestDir;
using testing::TestParams;

SealPublicInputs Public(const testing::SealedShard& s) {
  return {s.replica_id, s.result.comm_d, s.result.comm_r, s.result.data_size};
}

TEST(SealProofTest, HonestProofVerifiesAtSeveralSizes) {
  TestDir dir;
  for (std::size_t size : {1u, 33u, 64u, 1000u, 32768u + 7u}) {
    for (std::uint32_t layers : {2u, 4u}) {
      SCOPED_TRACE("size " + std::to_string(size) + " layers " + std::to_string(layers));
      std::string name = "s";
      name += std::to_string(size);
      name += '-';
      name += std::to_string(layers);
      const auto s = SealTestShard(dir, TestParams(layers, 16), size, size, name);
      const Hash32 seed = RandomHash(size * 3);
      auto proof = ProveSeal(s.params, s.replica_id, s.data_path, s.scratch, s.out, seed);
      ASSERT_TRUE(proof.ok()) << proof.status().ToString();
      auto ok = VerifySeal(s.params, Public(s), seed, *proof);
      ASSERT_TRUE(ok.ok()) << ok.status().ToString();
      EXPECT_TRUE(*ok);
      // The same proof under another seed answers the wrong challenges: false, or an error when node 0 (which
      // has fewer openings) is challenged under one seed and not the other.
      auto other = VerifySeal(s.params, Public(s), RandomHash(size * 3 + 1), *proof);
      if (s.result.node_count > 1) {
        EXPECT_FALSE(other.ok() && *other);
      }
    }
  }
}

TEST(SealProofTest, EveryFlippedByteIsRejected) {
  TestDir dir;
  const auto s = SealTestShard(dir, TestParams(2, 2), 11, 700);
  const Hash32 seed = RandomHash(12);
  auto proof = ProveSeal(s.params, s.replica_id, s.data_path, s.scratch, s.out, seed);
  ASSERT_TRUE(proof.ok());
  int errors = 0, falses = 0;
  for (std::size_t i = 0; i < proof->size(); ++i) {
    for (std::uint8_t mask : {0x01, 0x80}) {
      Bytes bad = *proof;
      bad[i] ^= mask;
      auto r = VerifySeal(s.params, Public(s), seed, bad);
      ASSERT_FALSE(r.ok() && *r) << "flip at byte " << i << " accepted";
      (r.ok() ? falses : errors)++;
    }
  }
  // Hash and label bytes dominate the proof: almost all flips are well-formed proofs that do not verify.
  EXPECT_GT(falses, 10 * errors);
  std::printf("seal proof %zu bytes: %d flips -> false, %d -> error\n", proof->size(), falses, errors);
}

TEST(SealProofTest, WrongPublicInputsAreRejected) {
  TestDir dir;
  const auto s = SealTestShard(dir, TestParams(3, 8), 21, 4096);
  const Hash32 seed = RandomHash(22);
  auto proof = ProveSeal(s.params, s.replica_id, s.data_path, s.scratch, s.out, seed);
  ASSERT_TRUE(proof.ok());
  auto expect_false = [&](SealPublicInputs in) {
    auto r = VerifySeal(s.params, in, seed, *proof);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_FALSE(*r);
  };
  SealPublicInputs in = Public(s);
  in.comm_d[0] ^= 1;
  expect_false(in);
  in = Public(s);
  in.comm_r[31] ^= 1;
  expect_false(in);
  in = Public(s);
  in.replica_id = ReplicaId(RandomHash(23));
  expect_false(in);
  in = Public(s);
  in.data_size = 8192;  // another node count
  expect_false(in);
  // Invalid public inputs or params are errors.
  in = Public(s);
  in.data_size = 0;
  EXPECT_FALSE(VerifySeal(s.params, in, seed, *proof).ok());
  SealParams bad = s.params;
  bad.layers = 0;
  EXPECT_FALSE(VerifySeal(bad, Public(s), seed, *proof).ok());
  // Other (valid) params: different graph and counts -> error (count) or false.
  SealParams other = s.params;
  other.layers = 4;
  EXPECT_FALSE(VerifySeal(other, Public(s), seed, *proof).ok());  // label count differs: misparse
}

TEST(SealProofTest, MalformedBytesAreErrors) {
  TestDir dir;
  const auto s = SealTestShard(dir, TestParams(2, 3), 31, 1500);
  const Hash32 seed = RandomHash(32);
  auto proof = ProveSeal(s.params, s.replica_id, s.data_path, s.scratch, s.out, seed);
  ASSERT_TRUE(proof.ok());
  for (std::size_t len = 0; len < proof->size(); ++len) {
    auto r = VerifySeal(s.params, Public(s), seed, ByteSpan(proof->data(), len));
    ASSERT_FALSE(r.ok()) << "truncated to " << len;
  }
  Bytes longer = *proof;
  longer.push_back(0);
  EXPECT_EQ(VerifySeal(s.params, Public(s), seed, longer).status().code(), Code::kCorruption);
  Bytes version = *proof;
  version[0] = 2;
  EXPECT_EQ(VerifySeal(s.params, Public(s), seed, version).status().code(), Code::kCorruption);
  // Oversized challenge count: rejected from the header, before any allocation.
  Bytes huge = *proof;
  PutBE32(huge.data() + 65, 0xffffffffu);
  EXPECT_EQ(VerifySeal(s.params, Public(s), seed, huge).status().code(), Code::kCorruption);
  Bytes header_only(proof->begin(), proof->begin() + 69);
  PutBE32(header_only.data() + 65, 0xffffffffu);
  EXPECT_EQ(VerifySeal(s.params, Public(s), seed, header_only).status().code(), Code::kCorruption);
  // An out-of-range index inside the first data path (byte 1+64+4+32+8 = 109 starts its index) is an error.
  Bytes index = *proof;
  PutBE64(index.data() + 109, 1u << 30);
  EXPECT_EQ(VerifySeal(s.params, Public(s), seed, index).status().code(), Code::kCorruption);
}

TEST(SealProofTest, ProverRefusesMismatchedInputs) {
  TestDir dir;
  const auto s = SealTestShard(dir, TestParams(2, 3), 41, 999);
  const Hash32 seed = RandomHash(42);
  EXPECT_EQ(ProveSeal(s.params, ReplicaId(RandomHash(1)), s.data_path, s.scratch, s.out, seed).status().code(),
            Code::kFailedPrecondition);
  SealParams other = s.params;
  other.seal_challenges = 5;
  EXPECT_EQ(ProveSeal(other, s.replica_id, s.data_path, s.scratch, s.out, seed).status().code(),
            Code::kFailedPrecondition);
  // Data that is not the sealed shard.
  testing::WriteFile(dir / "other", testing::RandomBytes(1, 999));
  EXPECT_EQ(ProveSeal(s.params, s.replica_id, dir / "other", s.scratch, s.out, seed).status().code(),
            Code::kCorruption);
  // Scratch dropped: the seal proof can no longer be made.
  ASSERT_TRUE(DropScratch(s.scratch).ok());
  EXPECT_FALSE(ProveSeal(s.params, s.replica_id, s.data_path, s.scratch, s.out, seed).ok());
}

TEST(SealProofTest, GoldenProofDigest) {
  // Freezes the proof format end to end (challenge derivation, openings, paths): SHA-256 of the proof bytes.
  TestDir dir;
  Bytes data(1000);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 7 + 3);
  testing::WriteFile(dir / "data", data);
  Hash32 raw, seed;
  raw.fill(0x5a);
  seed.fill(0xc3);
  const auto params = TestParams(3, 4);
  ASSERT_TRUE(Seal(params, ReplicaId(raw), dir / "data", dir / "s", dir / "o").ok());
  auto proof = ProveSeal(params, ReplicaId(raw), dir / "data", dir / "s", dir / "o", seed);
  ASSERT_TRUE(proof.ok());
  EXPECT_EQ(proof->size(), 18121u);
  EXPECT_EQ(ToHex(Sha256Digest(*proof)), "3654ec6e498e476831a76ac0607d3e52cb7ea430ef376b3276ae13f371378bb4");
}

}  // namespace
}  // namespace cairn::proofs
