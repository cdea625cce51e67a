#include "graph.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <vector>

#include "cairn/proofs/params.h"

namespace cairn::proofs {
namespace {

TEST(GraphTest, CreateRejectsBadNodeCounts) {
  const ParamsId id = SealParams().Id();
  EXPECT_FALSE(Graph::Create(id, 0).ok());
  EXPECT_FALSE(Graph::Create(id, kMaxNodeCount + 1).ok());
  EXPECT_TRUE(Graph::Create(id, kMaxNodeCount).ok());
}

TEST(GraphTest, BaseParentsPointBackwardAndStartWithPredecessor) {
  for (std::uint64_t n : {1u, 2u, 3u, 17u, 1000u, 65537u}) {
    auto g = Graph::Create(SealParams().Id(), n);
    ASSERT_TRUE(g.ok());
    std::uint64_t p[kBaseDegree];
    for (std::uint64_t v = 1; v < n; ++v) {
      g->BaseParents(v, p);
      ASSERT_EQ(p[0], v - 1) << v;
      for (int i = 0; i < kBaseDegree; ++i) ASSERT_LT(p[i], v) << "n=" << n << " v=" << v;
    }
  }
}

TEST(GraphTest, BaseParentsReachFarBack) {
  // Bucket sampling must produce edges of every length scale, not just to v-1: count edges by log2 distance.
  auto g = Graph::Create(SealParams().Id(), 1 << 16);
  ASSERT_TRUE(g.ok());
  std::vector<int> by_scale(20, 0);
  std::uint64_t p[kBaseDegree];
  for (std::uint64_t v = 2; v < (1 << 16); ++v) {
    g->BaseParents(v, p);
    for (int i = 1; i < kBaseDegree; ++i) by_scale[std::bit_width(v - p[i])]++;
  }
  for (int s = 1; s <= 15; ++s) EXPECT_GT(by_scale[s], 100) << "no edges of length ~2^" << s - 1;
}

TEST(GraphTest, ExpanderIsAnEightRegularPermutation) {
  // Every previous-layer node is the parent of exactly 8 (node, slot) pairs: the expander permutes [0, 8n).
  for (std::uint64_t n = 1; n <= 300; ++n) {
    auto g = Graph::Create(SealParams().Id(), n);
    ASSERT_TRUE(g.ok());
    std::vector<int> children(n, 0);
    std::uint64_t e[kExpanderDegree];
    for (std::uint64_t v = 0; v < n; ++v) {
      g->ExpanderParents(v, e);
      for (int i = 0; i < kExpanderDegree; ++i) {
        ASSERT_LT(e[i], n);
        children[e[i]]++;
      }
    }
    for (std::uint64_t v = 0; v < n; ++v) ASSERT_EQ(children[v], kExpanderDegree) << "n=" << n << " v=" << v;
  }
}

TEST(GraphTest, DeterministicAndKeyedByParamsId) {
  SealParams other;
  other.layers = 4;
  auto a = Graph::Create(SealParams().Id(), 5000);
  auto b = Graph::Create(SealParams().Id(), 5000);
  auto c = Graph::Create(other.Id(), 5000);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  int differ_base = 0, differ_exp = 0;
  for (std::uint64_t v = 2; v < 5000; ++v) {
    std::uint64_t pa[kExpanderDegree], pb[kExpanderDegree], pc[kExpanderDegree];
    a->BaseParents(v, pa);
    b->BaseParents(v, pb);
    c->BaseParents(v, pc);
    ASSERT_TRUE(std::equal(pa, pa + kBaseDegree, pb));
    differ_base += !std::equal(pa, pa + kBaseDegree, pc);
    a->ExpanderParents(v, pa);
    b->ExpanderParents(v, pb);
    c->ExpanderParents(v, pc);
    ASSERT_TRUE(std::equal(pa, pa + kExpanderDegree, pb));
    differ_exp += !std::equal(pa, pa + kExpanderDegree, pc);
  }
  EXPECT_GT(differ_base, 4000);
  EXPECT_GT(differ_exp, 4900);
}

TEST(GraphTest, GoldenParents) {
  // Freezes the graph grammar (graph.cc) for the default params id.
  auto g = Graph::Create(SealParams().Id(), 1 << 20);
  ASSERT_TRUE(g.ok());
  std::uint64_t b[kBaseDegree], e[kExpanderDegree];
  g->BaseParents(123456, b);
  g->ExpanderParents(123456, e);
  EXPECT_EQ(std::vector<std::uint64_t>(b, b + kBaseDegree),
            (std::vector<std::uint64_t>{123455, 123126, 113545, 122303, 122965, 112820}));
  EXPECT_EQ(std::vector<std::uint64_t>(e, e + kExpanderDegree),
            (std::vector<std::uint64_t>{542657, 997002, 288483, 45031, 988084, 185315, 1003295, 451363}));
}

}  // namespace
}  // namespace cairn::proofs
