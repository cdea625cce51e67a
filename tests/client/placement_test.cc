#include "placement.h"

#include <gtest/gtest.h>

#include <set>

namespace cairn::client {
namespace {

// Concatenates with append only (GCC 12 warns falsely on operator+ of temporaries: -Wrestrict).
std::string Cat(std::initializer_list<std::string> parts) {
  std::string out;
  for (const std::string& p : parts) out += p;
  return out;
}

PlacementRequest Req(int shards, int spares, std::uint64_t shard_size, std::uint64_t seed) {
  PlacementRequest r;
  r.shards = shards;
  r.spares = spares;
  r.shard_size = shard_size;
  r.seed = seed;
  return r;
}

Candidate C(std::string id, std::string ep, std::uint64_t free = 1 << 30, std::uint64_t price = 1,
            std::uint32_t failures = 0) {
  return {std::move(id), std::move(ep), free, price, failures};
}

TEST(PlacementTest, DistinctProvidersAndSpreadOverSlash24) {
  std::vector<Candidate> ps;
  for (int net = 1; net <= 3; ++net) {
    for (int h = 1; h <= 3; ++h) {
      ps.push_back(C(Cat({"p", std::to_string(net), std::to_string(h)}),
                     Cat({"10.0.", std::to_string(net), ".", std::to_string(h), ":7000"})));
    }
  }
  PlacementRequest req = Req(3, 0, 100, 1);
  auto r = Place(ps, req);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 3u);
  std::set<std::string> groups, ids;
  for (const auto& c : *r) {
    groups.insert(NetworkGroup(c.endpoint));
    ids.insert(c.id);
  }
  EXPECT_EQ(groups.size(), 3u);  // one per /24
  EXPECT_EQ(ids.size(), 3u);
}

TEST(PlacementTest, SparesAndFiltering) {
  std::vector<Candidate> ps = {C("full", "10.0.1.1:1", 10),
                               C("dear", "10.0.2.1:1", 1 << 30, 100),
                               C("bad", "10.0.3.1:1", 1 << 30, 1, 5),
                               C("a", "10.0.4.1:1"),
                               C("b", "10.0.5.1:1"),
                               C("x", "10.0.6.1:1")};
  PlacementRequest req = Req(2, 5, 100, 2);
  req.max_price = 10;
  req.exclude = {"x"};
  auto r = Place(ps, req);
  ASSERT_TRUE(r.ok());
  std::vector<std::string> ids;
  for (const auto& c : *r) ids.push_back(c.id);
  // "full" lacks space, "dear" is over the price, "x" is excluded; "bad" ranks last for its failures.
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ(ids.back(), "bad");
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.begin() + 2), (std::set<std::string>{"a", "b"}));
}

TEST(PlacementTest, TooFewProvidersIsUnavailable) {
  std::vector<Candidate> ps = {C("a", "127.0.1.1:1"), C("a", "127.0.1.1:1"), C("b", "127.0.2.1:1")};
  PlacementRequest req = Req(3, 2, 1, 3);
  auto r = Place(ps, req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
}

TEST(PlacementTest, SameSeedSameChoice) {
  std::vector<Candidate> ps;
  for (int i = 0; i < 20; ++i) {
    ps.push_back(C(Cat({"p", std::to_string(i)}), Cat({"127.0.", std::to_string(i), ".1:1"})));
  }
  PlacementRequest req = Req(6, 2, 1, 42);
  auto a = Place(ps, req);
  auto b = Place(ps, req);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->size(), 8u);
  for (std::size_t i = 0; i < a->size(); ++i) EXPECT_EQ((*a)[i].id, (*b)[i].id);
  EXPECT_EQ(NetworkGroup("127.0.5.1:9"), "127.0.5");
  EXPECT_EQ(NetworkGroup("[::1]:9"), "[::1]");
}

}  // namespace
}  // namespace cairn::client
