#include "cairn/provider/status_report.h"

#include <gtest/gtest.h>

#include "cairn/core/kv_store.h"
#include "cairn/core/temp_dir.h"
#include "cairn/provider/data_dir.h"
#include "cairn/provider/deal_store.h"

namespace cairn::provider {
namespace {

DealRecord Deal(std::uint8_t tag, std::uint64_t size) {
  DealRecord d;
  Hash32 h{};
  h[0] = tag;
  d.id = DealId(h);
  h[1] = 1;
  d.shard = ShardId(h);
  d.size = size;
  d.peer = "127.0.0.1:1";
  return d;
}

TEST(StatusReportTest, CountsDealsAndSpace) {
  auto tmp = TempDir::Create("provider-status");
  ASSERT_TRUE(tmp.ok());
  DataDir dir(tmp->Join("p"));
  ProviderConfig config;
  config.capacity = 1 << 20;
  config.max_shard_size = 1 << 20;
  ASSERT_TRUE(dir.Initialize(Env::Default(), config).ok());
  {
    auto kv = KvStore::Open(dir.db_dir(), {});
    ASSERT_TRUE(kv.ok());
    auto store = DealStore::Open(kv->get(), config.capacity);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Accept(Deal(1, 1000), {}).ok());
    ASSERT_TRUE((*store)->Accept(Deal(2, 2000), {}).ok());
    ASSERT_TRUE((*store)->Accept(Deal(3, 4000), {}).ok());
    ASSERT_TRUE((*store)->Transition(Deal(2, 0).id, DealState::kStored, "", 5).ok());
    ASSERT_TRUE((*store)->Transition(Deal(3, 0).id, DealState::kFailed, "bad \"torrent\"", 5).ok());
  }
  auto r = GatherStatus(Env::Default(), dir.root());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->running);
  EXPECT_EQ(r->used, 2000u);
  EXPECT_EQ(r->reserved, 1000u);
  EXPECT_EQ(r->free, (1u << 20) - 3000u);
  EXPECT_EQ(r->shards, 1u);
  EXPECT_EQ(r->deals_by_state.at(DealState::kAccepted), 1u);
  EXPECT_EQ(r->deals_by_state.at(DealState::kFailed), 1u);
  EXPECT_EQ(r->deals_by_state.at(DealState::kRemoved), 0u);
  std::string json = FormatStatusJson(*r);
  EXPECT_NE(json.find("\"deals_by_state\": {\"accepted\": 1, \"downloading\": 0, \"stored\": 1, \"failed\": 1, "
                      "\"removed\": 0}"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"reason\": \"bad \\\"torrent\\\"\""), std::string::npos) << json;  // escaped
  std::string text = FormatStatusText(*r);
  EXPECT_NE(text.find("stored 1"), std::string::npos) << text;
  EXPECT_NE(text.find("(not running)"), std::string::npos) << text;
}

}  // namespace
}  // namespace cairn::provider
