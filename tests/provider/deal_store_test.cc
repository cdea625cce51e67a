#include "cairn/provider/deal_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>
#include <vector>

#include "cairn/core/kv_store.h"
#include "cairn/core/temp_dir.h"

namespace cairn::provider {
namespace {

DealRecord MakeDeal(std::uint8_t tag, std::uint64_t size) {
  DealRecord d;
  Hash32 id{}, shard{};
  id[0] = tag;
  id[1] = 0xd1;
  shard[0] = tag;
  shard[1] = 0x5a;
  d.id = DealId(id);
  d.shard = ShardId(shard);
  d.client[0] = 0xc1;
  d.size = size;
  d.price = 3;
  d.duration = 10;
  d.info_hash[0] = tag;
  d.peer = "127.0.0.1:6881";
  d.created = d.updated = 1000;
  return d;
}

class DealStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::Create("deal-store");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    dir_.emplace(std::move(*dir));
    Reopen(1000);
  }
  void Reopen(std::uint64_t capacity) {
    store_.reset();
    kv_.reset();
    KvStoreOptions options;
    options.initial_map_size = 1 << 20;
    auto kv = KvStore::Open(dir_->Join("db"), options);
    ASSERT_TRUE(kv.ok()) << kv.status().ToString();
    kv_ = std::move(*kv);
    auto store = DealStore::Open(kv_.get(), capacity);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
  }
  Ledger GetLedger() {
    auto l = store_->GetLedger();
    EXPECT_TRUE(l.ok());
    auto r = store_->RecomputeLedger();
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(l->reserved, r->reserved);
    EXPECT_EQ(l->used, r->used);
    return *l;
  }

  std::optional<TempDir> dir_;
  std::unique_ptr<KvStore> kv_;
  std::unique_ptr<DealStore> store_;
};

TEST_F(DealStoreTest, AcceptReservesAndKeepsProposal) {
  DealRecord d = MakeDeal(1, 300);
  Bytes body = {'d', 'e'};
  auto r = store_->Accept(d, body);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->created);
  Ledger l = GetLedger();
  EXPECT_EQ(l.reserved, 300u);
  EXPECT_EQ(l.used, 0u);
  EXPECT_EQ(l.free(), 700u);
  auto p = store_->GetProposal(d.id);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, body);
  auto by_shard = store_->FindByShard(d.shard);
  ASSERT_TRUE(by_shard.ok());
  ASSERT_TRUE(by_shard->has_value());
  EXPECT_EQ((*by_shard)->id, d.id);
}

TEST_F(DealStoreTest, SameDealTwiceIsIdempotent) {
  DealRecord d = MakeDeal(1, 300);
  ASSERT_TRUE(store_->Accept(d, {}).ok());
  auto again = store_->Accept(d, {});
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created);
  EXPECT_EQ(GetLedger().reserved, 300u);
}

TEST_F(DealStoreTest, RefusesOvercommit) {
  ASSERT_TRUE(store_->Accept(MakeDeal(1, 600), {}).ok());
  auto r = store_->Accept(MakeDeal(2, 401), {});
  EXPECT_EQ(r.status().code(), Code::kResourceExhausted);
  EXPECT_TRUE(store_->Accept(MakeDeal(3, 400), {}).ok());
  EXPECT_EQ(GetLedger().free(), 0u);
}

TEST_F(DealStoreTest, RefusesSecondDealOnSameShard) {
  DealRecord a = MakeDeal(1, 10);
  DealRecord b = MakeDeal(2, 10);
  b.shard = a.shard;
  ASSERT_TRUE(store_->Accept(a, {}).ok());
  EXPECT_EQ(store_->Accept(b, {}).status().code(), Code::kAlreadyExists);
  // Once the first deal failed the shard may be taken again.
  ASSERT_TRUE(store_->Transition(a.id, DealState::kFailed, "timeout", 1001).ok());
  EXPECT_TRUE(store_->Accept(b, {}).ok());
}

TEST_F(DealStoreTest, LedgerFollowsEveryTransition) {
  DealRecord d = MakeDeal(1, 100);
  ASSERT_TRUE(store_->Accept(d, {}).ok());
  ASSERT_TRUE(store_->Transition(d.id, DealState::kDownloading, "", 1001).ok());
  EXPECT_EQ(GetLedger().reserved, 100u);
  auto stored = store_->Transition(d.id, DealState::kStored, "", 1002);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->state, DealState::kStored);
  EXPECT_EQ(stored->updated, 1002u);
  Ledger l = GetLedger();
  EXPECT_EQ(l.reserved, 0u);
  EXPECT_EQ(l.used, 100u);
  ASSERT_TRUE(store_->Transition(d.id, DealState::kRemoved, "", 1003).ok());
  l = GetLedger();
  EXPECT_EQ(l.used, 0u);
  EXPECT_EQ(l.free(), 1000u);
  EXPECT_EQ(store_->GetProposal(d.id).status().code(), Code::kNotFound);
  auto by_shard = store_->FindByShard(d.shard);
  ASSERT_TRUE(by_shard.ok());
  EXPECT_FALSE(by_shard->has_value());
  // The record stays as a tombstone.
  auto got = store_->Get(d.id);
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->state, DealState::kRemoved);
}

TEST_F(DealStoreTest, FailedFreesReservationAndKeepsReason) {
  DealRecord d = MakeDeal(1, 100);
  ASSERT_TRUE(store_->Accept(d, {}).ok());
  auto r = store_->Transition(d.id, DealState::kFailed, std::string(2000, 'x') + "\n", 1001);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->reason.size(), 500u);
  EXPECT_EQ(GetLedger().reserved, 0u);
}

TEST_F(DealStoreTest, RefusesIllegalTransitions) {
  DealRecord d = MakeDeal(1, 100);
  ASSERT_TRUE(store_->Accept(d, {}).ok());
  ASSERT_TRUE(store_->Transition(d.id, DealState::kStored, "", 1001).ok());
  EXPECT_EQ(store_->Transition(d.id, DealState::kDownloading, "", 1002).status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(store_->Transition(d.id, DealState::kFailed, "", 1002).status().code(), Code::kFailedPrecondition);
  ASSERT_TRUE(store_->Transition(d.id, DealState::kRemoved, "", 1002).ok());
  EXPECT_EQ(store_->Transition(d.id, DealState::kRemoved, "", 1003).status().code(), Code::kFailedPrecondition);
  Hash32 unknown{};
  unknown[5] = 9;
  EXPECT_EQ(store_->Transition(DealId(unknown), DealState::kStored, "", 1).status().code(), Code::kNotFound);
  EXPECT_EQ(GetLedger().used, 0u);
}

TEST_F(DealStoreTest, SurvivesReopenAndCapacityChange) {
  DealRecord a = MakeDeal(1, 300);
  DealRecord b = MakeDeal(2, 200);
  ASSERT_TRUE(store_->Accept(a, {}).ok());
  ASSERT_TRUE(store_->Accept(b, {}).ok());
  ASSERT_TRUE(store_->Transition(b.id, DealState::kStored, "", 1001).ok());
  Reopen(400);  // lowered below what is committed
  Ledger l = GetLedger();
  EXPECT_EQ(l.capacity, 400u);
  EXPECT_EQ(l.reserved, 300u);
  EXPECT_EQ(l.used, 200u);
  EXPECT_EQ(l.free(), 0u);
  EXPECT_EQ(store_->Accept(MakeDeal(3, 1), {}).status().code(), Code::kResourceExhausted);
  auto list = store_->List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, a.id);
  EXPECT_EQ((*list)[1].state, DealState::kStored);
}

// Many threads race to accept deals of random sizes: the sum accepted never exceeds the capacity, and the ledger
// equals the sum of the accepted sizes.
TEST_F(DealStoreTest, ConcurrentProposalsNeverOvercommit) {
  const unsigned seed = 20261122;
  SCOPED_TRACE("seed " + std::to_string(seed));
  Reopen(10000);
  std::atomic<std::uint64_t> accepted_bytes{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(seed + t);
      for (int i = 0; i < 40; ++i) {
        DealRecord d = MakeDeal(static_cast<std::uint8_t>(i), 1 + rng() % 600);
        d.id = DealId([&] {
          Hash32 h = d.id.value();
          h[2] = static_cast<std::uint8_t>(t);
          return h;
        }());
        Hash32 shard = d.shard.value();
        shard[2] = static_cast<std::uint8_t>(t);
        d.shard = ShardId(shard);
        auto r = store_->Accept(d, {});
        if (r.ok()) {
          accepted_bytes += d.size;
        } else {
          EXPECT_EQ(r.status().code(), Code::kResourceExhausted);
          ++refused;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  Ledger l = GetLedger();
  EXPECT_LE(accepted_bytes.load(), 10000u);
  EXPECT_EQ(l.reserved, accepted_bytes.load());
  EXPECT_GT(refused.load(), 0);  // 160 deals of ~300 bytes cannot all fit in 10000
}

}  // namespace
}  // namespace cairn::provider
