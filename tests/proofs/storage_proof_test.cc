#include "cairn/proofs/storage_proof.h"

#include <gtest/gtest.h>

#include "cairn/core/hex.h"
#include "cairn/core/sha256.h"
#include "cairn/proofs/challenges.h"
#include "proofs/proofs_test_util.h"

namespace cairn::proofs {
namespace {

using testing::RandomHash;
using testing::SealTestShard;
using testing::TestDir;
using testing::TestParams;

TEST(StorageProofTest, HonestProofVerifiesAtSeveralSizes) {
  TestDir dir;
  for (std::size_t size : {1u, 31u, 64u, 65u, 1000u, 100000u}) {
    SCOPED_TRACE("size " + std::to_string(size));
    std::string name = "s";
    name += std::to_string(size);
    const auto s = SealTestShard(dir, TestParams(2, 4, 20), size, size, name);
    auto replica = SealedReplica::Open(s.out);
    ASSERT_TRUE(replica.ok()) << replica.status().ToString();
    const DealId deal(RandomHash(size + 1));
    const StoragePublicInputs in{deal, s.result.comm_r, size};
    for (int epoch = 0; epoch < 5; ++epoch) {
      const Hash32 randomness = RandomHash(size * 100 + epoch);
      auto proof = replica->ProveStorage(s.params, deal, randomness);
      ASSERT_TRUE(proof.ok());
      auto ok = VerifyStorage(s.params, in, randomness, *proof);
      ASSERT_TRUE(ok.ok()) << ok.status().ToString();
      EXPECT_TRUE(*ok);
    }
  }
}

TEST(StorageProofTest, EveryFlippedByteIsRejected) {
  TestDir dir;
  const auto s = SealTestShard(dir, TestParams(2, 4, 3), 51, 5000);
  const DealId deal(RandomHash(52));
  const Hash32 randomness = RandomHash(53);
  const StoragePublicInputs in{deal, s.result.comm_r, s.result.data_size};
  auto proof = SealedReplica::Open(s.out)->ProveStorage(s.params, deal, randomness);
  ASSERT_TRUE(proof.ok());
  int falses = 0, errors = 0;
  for (std::size_t i = 0; i < proof->size(); ++i) {
    for (std::uint8_t mask : {0x01, 0x80}) {
      Bytes bad = *proof;
      bad[i] ^= mask;
      auto r = VerifyStorage(s.params, in, randomness, bad);
      ASSERT_FALSE(r.ok() && *r) << "flip at byte " << i << " accepted";
      (r.ok() ? falses : errors)++;
    }
  }
  EXPECT_GT(falses, 5 * errors);
}

TEST(StorageProofTest, WrongPublicInputsAreRejected) {
  TestDir dir;
  const auto s = SealTestShard(dir, TestParams(2, 4, 8), 61, 8000);
  const DealId deal(RandomHash(62));
  const Hash32 randomness = RandomHash(63);
  auto proof = SealedReplica::Open(s.out)->ProveStorage(s.params, deal, randomness);
  ASSERT_TRUE(proof.ok());
  auto verify = [&](StoragePublicInputs in, const Hash32& rnd) { return VerifyStorage(s.params, in, rnd, *proof); };
  const StoragePublicInputs good{deal, s.result.comm_r, s.result.data_size};
  EXPECT_TRUE(*verify(good, randomness));
  EXPECT_FALSE(*verify(good, RandomHash(64)));  // another epoch's randomness
  StoragePublicInputs in = good;
  in.deal_id = DealId(RandomHash(65));
  EXPECT_FALSE(*verify(in, randomness));
  in = good;
  in.comm_r[3] ^= 4;
  EXPECT_FALSE(*verify(in, randomness));
  in = good;
  in.data_size = 16000;
  EXPECT_FALSE(*verify(in, randomness));
  in = good;
  in.data_size = 0;
  EXPECT_FALSE(verify(in, randomness).ok());
  SealParams other = s.params;
  other.storage_challenges = 9;
  EXPECT_EQ(VerifyStorage(other, good, randomness, *proof).status().code(), Code::kCorruption);
  EXPECT_EQ(SealedReplica::Open(s.out)->ProveStorage(other, deal, randomness).status().code(), Code::kInvalidArgument);
}

TEST(StorageProofTest, MalformedBytesAreErrors) {
  TestDir dir;
  const auto s = SealTestShard(dir, TestParams(2, 4, 4), 71, 3000);
  const DealId deal(RandomHash(72));
  const Hash32 randomness = RandomHash(73);
  const StoragePublicInputs in{deal, s.result.comm_r, s.result.data_size};
  auto proof = SealedReplica::Open(s.out)->ProveStorage(s.params, deal, randomness);
  ASSERT_TRUE(proof.ok());
  for (std::size_t len = 0; len < proof->size(); ++len) {
    ASSERT_FALSE(VerifyStorage(s.params, in, randomness, ByteSpan(proof->data(), len)).ok()) << len;
  }
  Bytes longer = *proof;
  longer.push_back(1);
  EXPECT_EQ(VerifyStorage(s.params, in, randomness, longer).status().code(), Code::kCorruption);
  Bytes huge(proof->begin(), proof->begin() + 69);
  PutBE32(huge.data() + 65, 0x7fffffffu);
  EXPECT_EQ(VerifyStorage(s.params, in, randomness, huge).status().code(), Code::kCorruption);
  Bytes index = *proof;  // first leaf's path index (1+64+4+32+8 = 109) beyond its node count
  PutBE64(index.data() + 109, 1u << 20);
  EXPECT_EQ(VerifyStorage(s.params, in, randomness, index).status().code(), Code::kCorruption);
}

TEST(StorageProofTest, OpenRejectsDamagedFiles) {
  TestDir dir;
  const auto s = SealTestShard(dir, TestParams(2), 81, 3000);
  std::filesystem::resize_file(s.out / "replica", 32);
  EXPECT_EQ(SealedReplica::Open(s.out).status().code(), Code::kCorruption);
  EXPECT_FALSE(SealedReplica::Open(dir / "nothing").ok());
}

TEST(StorageProofTest, ChallengeDerivationGolden) {
  // Freezes the challenge grammar (challenges.h).
  Hash32 a, b;
  a.fill(1);
  b.fill(2);
  EXPECT_EQ(DeriveStorageChallenges(a, DealId(b), 1000003, 4),
            (std::vector<std::uint64_t>{86328, 282833, 654361, 136620}));
  EXPECT_EQ(DeriveSealChallenges(ReplicaId(a), b, 1000003, 4),
            (std::vector<std::uint64_t>{706166, 919797, 185748, 998093}));
  // Uniform enough: 20000 draws over 10 buckets. Each count is Binomial(20000, 0.1), sigma 42.4; the band of 230
  // (5.4 sigma, 6e-8 outside per bucket) fails a uniform derivation with probability < 1e-6 for any inputs, while a
  // bias of a few percent still shows. (The inputs are fixed, so the draws are the same every run.)
  const auto many = DeriveStorageChallenges(a, DealId(b), 10, 20000);
  std::vector<int> counts(10, 0);
  for (auto c : many) counts[c]++;
  for (int c : counts) EXPECT_NEAR(c, 2000, 230);
}

TEST(StorageProofTest, GoldenProofDigest) {
  // Freezes the storage proof format: the golden shard of SealTest.GoldenCommitments, fixed deal and randomness.
  TestDir dir;
  Bytes data(1000);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 7 + 3);
  testing::WriteFile(dir / "data", data);
  Hash32 raw, deal, randomness;
  raw.fill(0x5a);
  deal.fill(0xd1);
  randomness.fill(0xe7);
  const auto params = TestParams(3, 4, 20);
  ASSERT_TRUE(Seal(params, ReplicaId(raw), dir / "data", dir / "s", dir / "o").ok());
  auto proof = SealedReplica::Open(dir / "o")->ProveStorage(params, DealId(deal), randomness);
  ASSERT_TRUE(proof.ok());
  EXPECT_EQ(proof->size(), 4249u);
  EXPECT_EQ(ToHex(Sha256Digest(*proof)), "6fbf0125099f5a634e0a50d029bee7ee8060c85537e761f9ecf98948c2c98904");
}

}  // namespace
}  // namespace cairn::proofs
