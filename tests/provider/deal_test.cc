#include "cairn/provider/deal.h"

#include <gtest/gtest.h>

#include "cairn/core/hex.h"

namespace cairn::provider {
namespace {

DealRecord Sample() {
  DealRecord d;
  Hash32 h{};
  for (int i = 0; i < 32; ++i) h[i] = static_cast<std::uint8_t>(i);
  d.id = DealId(h);
  h[0] = 0xaa;
  d.shard = ShardId(h);
  d.client[31] = 7;
  d.size = 16 << 20;
  d.price = 5;
  d.duration = 100;
  d.info_hash[3] = 3;
  d.peer = "127.0.0.1:7000";
  d.state = DealState::kDownloading;
  d.created = 1700000000;
  d.updated = 1700000005;
  return d;
}

TEST(DealRecordTest, RoundTrips) {
  DealRecord d = Sample();
  auto back = DealRecord::Decode(d.Encode());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->Encode(), d.Encode());
  EXPECT_EQ(back->id, d.id);
  EXPECT_EQ(back->state, DealState::kDownloading);
  EXPECT_EQ(back->peer, d.peer);
}

TEST(DealRecordTest, KeepsKeysOfLaterVersions) {
  DealRecord d = Sample();
  d.extra["comm_r"] = wire::Value::Str("later");
  auto back = DealRecord::Decode(d.Encode());
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->extra.count("comm_r"), 1u);
  EXPECT_EQ(back->extra.at("comm_r"), wire::Value::Str("later"));
}

TEST(DealRecordTest, GoldenPrefix) {
  // Freezes the field names and order of version 1.
  std::string enc(AsStringView(Sample().Encode()));
  EXPECT_EQ(enc.substr(0, 10), "d6:client3");
  EXPECT_NE(enc.find("5:state11:downloading"), std::string::npos);
  EXPECT_NE(enc.find("1:vi1e"), std::string::npos);
  EXPECT_NE(enc.find("2:t0i1700000000e2:t1i1700000005e"), std::string::npos);
}

TEST(DealRecordTest, RefusesMalformed) {
  Bytes good = Sample().Encode();
  EXPECT_EQ(DealRecord::Decode({}).status().code(), Code::kCorruption);
  Bytes truncated(good.begin(), good.end() - 1);
  EXPECT_EQ(DealRecord::Decode(truncated).status().code(), Code::kCorruption);
  std::string s(AsStringView(good));
  std::string bad_state = s;
  bad_state.replace(bad_state.find("11:downloading"), 14, "11:downloadinX");
  EXPECT_EQ(DealRecord::Decode(AsBytes(bad_state)).status().code(), Code::kCorruption);
  std::string bad_version = s;
  bad_version.replace(bad_version.find("1:vi1e"), 6, "1:vi2e");
  EXPECT_EQ(DealRecord::Decode(AsBytes(bad_version)).status().code(), Code::kCorruption);
}

TEST(DealStateTest, TransitionsFollowTheDiagram) {
  using S = DealState;
  EXPECT_TRUE(IsAllowedTransition(S::kAccepted, S::kDownloading));
  EXPECT_TRUE(IsAllowedTransition(S::kDownloading, S::kStored));
  EXPECT_TRUE(IsAllowedTransition(S::kStored, S::kRemoved));
  EXPECT_TRUE(IsAllowedTransition(S::kFailed, S::kRemoved));
  EXPECT_FALSE(IsAllowedTransition(S::kStored, S::kFailed));
  EXPECT_FALSE(IsAllowedTransition(S::kRemoved, S::kAccepted));
  EXPECT_FALSE(IsAllowedTransition(S::kFailed, S::kStored));
  for (S s : {S::kAccepted, S::kDownloading, S::kStored, S::kFailed, S::kRemoved}) {
    auto back = ParseDealState(DealStateName(s));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, s);
  }
  EXPECT_FALSE(ParseDealState("sealed").ok());
}

}  // namespace
}  // namespace cairn::provider
