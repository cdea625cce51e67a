#include "cairn/proofs/params.h"

#include <gtest/gtest.h>

#include <set>

#include "cairn/core/hex.h"

namespace cairn::proofs {
namespace {

TEST(SealParamsTest, DefaultsAreValid) {
  const SealParams p;
  EXPECT_TRUE(p.Validate().ok());
  EXPECT_EQ(p.layers, 11u);
  EXPECT_EQ(p.seal_challenges, 176u);
  EXPECT_EQ(p.storage_challenges, 20u);
}

TEST(SealParamsTest, ValidateRejectsOutOfRangeFields) {
  auto bad = [](auto mutate) {
    SealParams p;
    mutate(p);
    return p.Validate().code();
  };
  EXPECT_EQ(bad([](SealParams& p) { p.layers = 1; }), Code::kInvalidArgument);
  EXPECT_EQ(bad([](SealParams& p) { p.layers = 16; }), Code::kInvalidArgument);
  EXPECT_EQ(bad([](SealParams& p) { p.node_size = 64; }), Code::kInvalidArgument);
  EXPECT_EQ(bad([](SealParams& p) { p.base_degree = 5; }), Code::kInvalidArgument);
  EXPECT_EQ(bad([](SealParams& p) { p.expander_degree = 9; }), Code::kInvalidArgument);
  EXPECT_EQ(bad([](SealParams& p) { p.label_layout = 2; }), Code::kInvalidArgument);
  EXPECT_EQ(bad([](SealParams& p) { p.seal_challenges = 0; }), Code::kInvalidArgument);
  EXPECT_EQ(bad([](SealParams& p) { p.seal_challenges = kMaxSealChallenges + 1; }), Code::kInvalidArgument);
  EXPECT_EQ(bad([](SealParams& p) { p.storage_challenges = 0; }), Code::kInvalidArgument);
  EXPECT_EQ(bad([](SealParams& p) { p.storage_challenges = kMaxStorageChallenges + 1; }), Code::kInvalidArgument);
  SealParams edge;
  edge.layers = 2;
  EXPECT_TRUE(edge.Validate().ok());
  edge.layers = 15;
  EXPECT_TRUE(edge.Validate().ok());
}

TEST(SealParamsTest, IdChangesWithEveryField) {
  std::set<Hash32> ids;
  SealParams p;
  ids.insert(p.Id().value());
  std::uint32_t* fields[] = {&p.node_size,    &p.layers,          &p.base_degree,       &p.expander_degree,
                             &p.label_layout, &p.seal_challenges, &p.storage_challenges};
  for (std::uint32_t* f : fields) {
    SealParams q = p;
    // Point at the same field of q.
    std::uint32_t* g = reinterpret_cast<std::uint32_t*>(reinterpret_cast<char*>(&q) +
                                                        (reinterpret_cast<char*>(f) - reinterpret_cast<char*>(&p)));
    *g += 1;
    ids.insert(q.Id().value());
  }
  EXPECT_EQ(ids.size(), 8u);
}

TEST(SealParamsTest, IdGoldenVector) {
  // Freezes the params id grammar (params.cc) for the default parameters.
  EXPECT_EQ(ToHex(SealParams().Id().value()), "27b15dc0c274fe5b1c905ad46002fed4ad0b3a45b89e54c606bc1e9839ba4464");
}

TEST(SealParamsTest, NodeCountRoundsUpAndHasLimits) {
  EXPECT_FALSE(NodeCountForSize(0).ok());
  EXPECT_EQ(*NodeCountForSize(1), 1u);
  EXPECT_EQ(*NodeCountForSize(32), 1u);
  EXPECT_EQ(*NodeCountForSize(33), 2u);
  EXPECT_EQ(*NodeCountForSize(kMaxShardBytes), kMaxNodeCount);
  EXPECT_FALSE(NodeCountForSize(kMaxShardBytes + 1).ok());
}

}  // namespace
}  // namespace cairn::proofs
