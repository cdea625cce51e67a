// The shared control message bodies (core/control_messages.h), tested here beside their main user.
#include "cairn/core/control_messages.h"

#include <gtest/gtest.h>

#include "cairn/core/hex.h"

namespace cairn::control {
namespace {

ProposeRequest Sample() {
  ProposeRequest p;
  Hash32 h{};
  for (int i = 0; i < 32; ++i) h[i] = static_cast<std::uint8_t>(i);
  p.shard = ShardId(h);
  p.size = 1 << 20;
  p.info_hash = h;
  p.info_hash[0] = 0xee;
  p.torrent = {'d', 'e'};
  p.price = 3;
  p.duration = 100;
  p.ticket[31] = 1;
  p.peer = Endpoint{"127.0.0.1", 6881};
  return p;
}

TEST(ControlMessagesTest, ProposeRoundTrips) {
  auto back = ProposeRequest::FromBody(Sample().ToBody());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->ToBody(), Sample().ToBody());
  EXPECT_EQ(back->peer, Sample().peer);
}

TEST(ControlMessagesTest, DealIdGoldenVector) {
  Ed25519PublicKey client{};
  client[0] = 0xc1;
  DealId id = ComputeDealId(client, Sample().ToBody());
  // Frozen, and checked independently with Python hashlib + a hand-written bencoder:
  // SHA-256("cairn/deal/v1" || client || canonical bencoding of the body).
  EXPECT_EQ(ToHex(id.value()), "0dad4fbb971de7cc2f8c9478a6ead668d8910e317fd516f90a52ce25c3d0ac0d");
  client[0] ^= 1;
  EXPECT_NE(ComputeDealId(client, Sample().ToBody()), id);
}

TEST(ControlMessagesTest, ProposeRefusesBadFields) {
  auto with = [](auto mutate) {
    wire::Value::Dict d = Sample().ToBody();
    mutate(d);
    return ProposeRequest::FromBody(d).status().code();
  };
  EXPECT_EQ(with([](auto& d) { d.erase("shard"); }), Code::kNotFound);
  EXPECT_EQ(with([](auto& d) { d["size"] = std::int64_t{0}; }), Code::kInvalidArgument);
  EXPECT_EQ(with([](auto& d) { d["size"] = static_cast<std::int64_t>(kMaxShardSize + 1); }), Code::kInvalidArgument);
  EXPECT_EQ(with([](auto& d) { d["dur"] = std::int64_t{0}; }), Code::kInvalidArgument);
  EXPECT_EQ(with([](auto& d) { d["peer"] = wire::Value::Str("localhost:1"); }), Code::kInvalidArgument);
  EXPECT_EQ(with([](auto& d) { d["peer"] = wire::Value::Str("127.0.0.1:0"); }), Code::kInvalidArgument);
  EXPECT_EQ(with([](auto& d) { d["ih"] = wire::Value(Bytes(31, 0)); }), Code::kInvalidArgument);
  EXPECT_EQ(with([](auto& d) { d["torrent"] = wire::Value(Bytes(kMaxTorrentBytes + 1, 0)); }), Code::kInvalidArgument);
  EXPECT_EQ(with([](auto& d) { d["price"] = std::int64_t{-1}; }), Code::kInvalidArgument);
  // Unknown keys are ignored (and still bound by the deal id).
  EXPECT_EQ(with([](auto& d) { d["later"] = std::int64_t{1}; }), Code::kOk);
}

TEST(ControlMessagesTest, RepliesRoundTrip) {
  ProviderRecord r;
  r.id[0] = 1;
  r.ctl = Endpoint{"127.0.1.1", 7700};
  r.bt = Endpoint{"127.0.1.1", 7701};
  r.capacity = 100;
  r.free = 40;
  r.price = 2;
  r.version = "cairn-provider/0.1.0";
  auto r2 = ProviderRecord::FromBody(r.ToBody());
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->ToBody(), r.ToBody());
  r.free = 101;  // more free than capacity
  EXPECT_FALSE(ProviderRecord::FromBody(r.ToBody()).ok());

  DealStatusReply s;
  s.deal = DealId(Hash32{1});
  s.state = std::string(kStateStored);
  s.have = 5;
  s.shard = ShardId(Hash32{2});
  auto s2 = DealStatusReply::FromBody(s.ToBody());
  ASSERT_TRUE(s2.ok());
  EXPECT_EQ(s2->ToBody(), s.ToBody());

  FetchReply f;
  f.info_hash[3] = 3;
  f.torrent = {'d', 'e'};
  f.bt = Endpoint{"::1", 9};
  auto f2 = FetchReply::FromBody(f.ToBody());
  ASSERT_TRUE(f2.ok());
  EXPECT_EQ(f2->bt, f.bt);
  EXPECT_FALSE(FetchRequest::FromBody({}).ok());
  EXPECT_FALSE(DealRef::FromBody({}).ok());
  auto pr = ProposeReply::FromBody(ProposeReply{DealId(Hash32{9}), "accepted"}.ToBody());
  ASSERT_TRUE(pr.ok());
  EXPECT_EQ(pr->state, "accepted");
}

}  // namespace
}  // namespace cairn::control
