#include "labels.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <vector>

#include "cairn/core/hex.h"
#include "proofs/proofs_test_util.h"

namespace cairn::proofs {
namespace {

using testing::RandomBytes;
using testing::RandomHash;

TEST(LabelTest, FastLabelMatchesReferenceTwin) {
  const std::uint64_t seed = 4242;
  SCOPED_TRACE("seed " + std::to_string(seed));
  for (int trial = 0; trial < 200; ++trial) {
    const ReplicaId id(RandomHash(seed + trial));
    const LabelHasher hasher(id);
    const std::uint32_t layer = 1 + trial % 15;
    const std::uint64_t v = RandomHash(seed * 7 + trial)[0] * 0x123456789ULL + trial;
    const int k = layer == 1 ? kLayerOneParents : kLaterLayerParents;
    const Bytes parents = RandomBytes(seed * 13 + trial, 32 * k);
    std::vector<Hash32> list(k);
    for (int i = 0; i < k; ++i) std::memcpy(list[i].data(), parents.data() + 32 * i, 32);
    std::uint8_t fast[32];
    hasher.Label(layer, v, parents.data(), fast);
    const Hash32 ref = ReferenceLabel(id, layer, v, list);
    ASSERT_EQ(ToHex(ByteSpan(fast, 32)), ToHex(ref)) << "layer " << layer << " v " << v;
  }
}

TEST(LabelTest, ReferenceLabelChangesWithEveryInput) {
  const ReplicaId id(RandomHash(1));
  std::vector<Hash32> parents(kLaterLayerParents);
  for (int i = 0; i < kLaterLayerParents; ++i) parents[i] = RandomHash(100 + i);
  const Hash32 base = ReferenceLabel(id, 2, 5, parents);
  EXPECT_NE(ReferenceLabel(ReplicaId(RandomHash(2)), 2, 5, parents), base);
  EXPECT_NE(ReferenceLabel(id, 3, 5, parents), base);
  EXPECT_NE(ReferenceLabel(id, 2, 6, parents), base);
  for (int i = 0; i < kLaterLayerParents; ++i) {
    auto p = parents;
    p[i][31] ^= 1;
    EXPECT_NE(ReferenceLabel(id, 2, 5, p), base) << "parent " << i;
  }
}

TEST(LabelTest, GoldenLabel) {
  // Freezes the label grammar (labels.cc): replica id = 32 x 0x11, parents i = 32 x byte(i), layer 2, node 7.
  ReplicaId id;
  Hash32 raw;
  raw.fill(0x11);
  id = ReplicaId(raw);
  std::vector<Hash32> parents(kLaterLayerParents);
  for (int i = 0; i < kLaterLayerParents; ++i) parents[i].fill(static_cast<std::uint8_t>(i));
  EXPECT_EQ(ToHex(ReferenceLabel(id, 2, 7, parents)),
            "b9e2739d52f0108682b8d44e422dfe8793cf82835a3447db69dc8870e83b34b7");
}

// Layer computed label by label from the reference twin and the graph.
Bytes ReferenceLayer(const Graph& g, const ReplicaId& id, std::uint32_t layer, const Bytes& prev) {
  const std::uint64_t n = g.node_count();
  Bytes cur(n * 32);
  for (std::uint64_t v = 0; v < n; ++v) {
    std::vector<Hash32> parents;
    std::uint64_t p[kExpanderDegree];
    if (v == 0) {
      parents.assign(kBaseDegree, Hash32{});
    } else {
      g.BaseParents(v, p);
      for (int i = 0; i < kBaseDegree; ++i) {
        Hash32 h;
        std::memcpy(h.data(), &cur[p[i] * 32], 32);
        parents.push_back(h);
      }
    }
    if (layer > 1) {
      g.ExpanderParents(v, p);
      for (int i = 0; i < kExpanderDegree; ++i) {
        Hash32 h;
        std::memcpy(h.data(), &prev[p[i] * 32], 32);
        parents.push_back(h);
      }
    }
    const Hash32 l = ReferenceLabel(id, layer, v, parents);
    std::memcpy(&cur[v * 32], l.data(), 32);
  }
  return cur;
}

TEST(LabelTest, ComputeLayerMatchesReferenceLayers) {
  const ReplicaId id(RandomHash(77));
  const LabelHasher hasher(id);
  for (std::uint64_t n : {1u, 2u, 3u, 64u, 1001u}) {
    auto g = Graph::Create(SealParams().Id(), n);
    ASSERT_TRUE(g.ok());
    Bytes prev_fast, prev_ref;
    for (std::uint32_t layer = 1; layer <= 3; ++layer) {
      Bytes fast(n * 32);
      ComputeLayer(*g, hasher, layer, layer > 1 ? prev_fast.data() : nullptr, fast.data());
      const Bytes ref = ReferenceLayer(*g, id, layer, prev_ref);
      ASSERT_EQ(fast, ref) << "n " << n << " layer " << layer;
      prev_fast = fast;
      prev_ref = ref;
    }
  }
}

TEST(LabelTest, GatherParentsMatchesComputeLayerInputs) {
  const ReplicaId id(RandomHash(78));
  const LabelHasher hasher(id);
  const std::uint64_t n = 500;
  auto g = Graph::Create(SealParams().Id(), n);
  ASSERT_TRUE(g.ok());
  Bytes l1(n * 32), l2(n * 32);
  ComputeLayer(*g, hasher, 1, nullptr, l1.data());
  ComputeLayer(*g, hasher, 2, l1.data(), l2.data());
  std::uint8_t gathered[kLaterLayerParents * 32], label[32];
  for (std::uint64_t v = 0; v < n; ++v) {
    GatherParents(*g, 2, v, l2.data(), l1.data(), gathered);
    hasher.Label(2, v, gathered, label);
    ASSERT_EQ(0, std::memcmp(label, &l2[v * 32], 32)) << v;
  }
}

TEST(LabelTest, FourLaneLayersMatchSingleLane) {
  // Four shards (four replica ids) of the same size, three layers, at sizes around the block schedule's edges.
  for (std::uint64_t n : {1u, 2u, 5u, 333u, 2048u}) {
    auto g = Graph::Create(SealParams().Id(), n);
    ASSERT_TRUE(g.ok());
    LabelHasher h0(ReplicaId(RandomHash(1))), h1(ReplicaId(RandomHash(2))), h2(ReplicaId(RandomHash(3))),
        h3(ReplicaId(RandomHash(4)));
    const LabelHasher* const hashers[4] = {&h0, &h1, &h2, &h3};
    std::vector<Bytes> prev4(4, Bytes(n * 32)), cur4(4, Bytes(n * 32)), prev1(4, Bytes(n * 32)), cur1(4, Bytes(n * 32));
    for (std::uint32_t layer = 1; layer <= 3; ++layer) {
      const std::uint8_t* const p4[4] = {prev4[0].data(), prev4[1].data(), prev4[2].data(), prev4[3].data()};
      std::uint8_t* const c4[4] = {cur4[0].data(), cur4[1].data(), cur4[2].data(), cur4[3].data()};
      ComputeLayer4(*g, hashers, layer, p4, c4);
      for (int lane = 0; lane < 4; ++lane) {
        ComputeLayer(*g, *hashers[lane], layer, prev1[lane].data(), cur1[lane].data());
        ASSERT_EQ(cur4[lane], cur1[lane]) << "n " << n << " layer " << layer << " lane " << lane;
      }
      std::swap(prev4, cur4);
      std::swap(prev1, cur1);
    }
  }
}

TEST(LabelTest, LayerRangesMatchWholeLayer) {
  // Ranges of every length around the prefetch ring (4 nodes ahead), including empty ones, must chain exactly.
  const ReplicaId id(RandomHash(79));
  const LabelHasher hasher(id);
  const std::uint64_t n = 1000;
  auto g = Graph::Create(SealParams().Id(), n);
  ASSERT_TRUE(g.ok());
  Bytes whole1(n * 32), whole2(n * 32);
  ComputeLayer(*g, hasher, 1, nullptr, whole1.data());
  ComputeLayer(*g, hasher, 2, whole1.data(), whole2.data());
  const std::uint64_t seed = 91;
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  for (int trial = 0; trial < 8; ++trial) {
    Bytes l1(n * 32), l2(n * 32);
    for (std::uint32_t layer = 1; layer <= 2; ++layer) {
      std::uint8_t* cur = layer == 1 ? l1.data() : l2.data();
      for (std::uint64_t first = 0; first < n;) {
        const std::uint64_t len = std::min<std::uint64_t>(n - first, rng() % (trial < 4 ? 7 : 300));
        ComputeLayerRange(*g, hasher, layer, layer == 1 ? nullptr : l1.data(), cur, first, first + len);
        first += len;
      }
    }
    ASSERT_EQ(l1, whole1) << "trial " << trial;
    ASSERT_EQ(l2, whole2) << "trial " << trial;
  }
}

TEST(LabelTest, OneToFourLanesInRangesMatchSingleLane) {
  const std::uint64_t n = 777;
  auto g = Graph::Create(SealParams().Id(), n);
  ASSERT_TRUE(g.ok());
  LabelHasher h0(ReplicaId(RandomHash(11))), h1(ReplicaId(RandomHash(12))), h2(ReplicaId(RandomHash(13))),
      h3(ReplicaId(RandomHash(14)));
  const LabelHasher* const hashers[4] = {&h0, &h1, &h2, &h3};
  // Single-lane reference, three layers per shard.
  std::vector<std::vector<Bytes>> ref(4, std::vector<Bytes>(4, Bytes(n * 32)));
  for (int lane = 0; lane < 4; ++lane) {
    for (std::uint32_t layer = 1; layer <= 3; ++layer) {
      ComputeLayer(*g, *hashers[lane], layer, ref[lane][layer - 1].data(), ref[lane][layer].data());
    }
  }
  for (int lanes = 1; lanes <= 4; ++lanes) {
    std::vector<std::vector<Bytes>> got(4, std::vector<Bytes>(4, Bytes(n * 32)));
    for (std::uint32_t layer = 1; layer <= 3; ++layer) {
      const std::uint8_t* prev[4];
      std::uint8_t* cur[4];
      for (int lane = 0; lane < 4; ++lane) {
        prev[lane] = got[lane][layer - 1].data();
        cur[lane] = got[lane][layer].data();
      }
      for (std::uint64_t first = 0; first < n; first += 100) {
        ComputeLayerLanes(*g, hashers, lanes, layer, prev, cur, first, std::min<std::uint64_t>(n, first + 100));
      }
      for (int lane = 0; lane < 4; ++lane) {
        if (lane < lanes) {
          ASSERT_EQ(got[lane][layer], ref[lane][layer]) << "lanes " << lanes << " layer " << layer << " lane " << lane;
        } else {
          ASSERT_EQ(got[lane][layer], Bytes(n * 32)) << "spare lane " << lane << " was written";
        }
      }
    }
  }
}

TEST(LabelTest, LayersThroughAParentTableMatchOnTheFly) {
  // Layer 1 fills the table as a by-product (in ranges), later layers read it; one to four lanes; equal to the
  // table-less kernels and to a table filled straight from the graph.
  const std::uint64_t n = 1234;
  auto g = Graph::Create(SealParams().Id(), n);
  ASSERT_TRUE(g.ok());
  auto filled = ParentTable::Allocate(n);
  ASSERT_TRUE(filled.ok());
  filled->Fill(*g, 0, n);
  const std::size_t row_bytes = n * kParentRow * sizeof(std::uint32_t);
  LabelHasher h0(ReplicaId(RandomHash(21))), h1(ReplicaId(RandomHash(22))), h2(ReplicaId(RandomHash(23))),
      h3(ReplicaId(RandomHash(24)));
  const LabelHasher* const hashers[4] = {&h0, &h1, &h2, &h3};
  std::vector<std::vector<Bytes>> ref(4, std::vector<Bytes>(4, Bytes(n * 32)));
  for (int lane = 0; lane < 4; ++lane) {
    for (std::uint32_t layer = 1; layer <= 3; ++layer) {
      ComputeLayer(*g, *hashers[lane], layer, ref[lane][layer - 1].data(), ref[lane][layer].data());
    }
  }
  for (int lanes = 1; lanes <= 4; ++lanes) {
    auto table = ParentTable::Allocate(n);
    ASSERT_TRUE(table.ok());
    std::vector<std::vector<Bytes>> got(4, std::vector<Bytes>(4, Bytes(n * 32)));
    for (std::uint32_t layer = 1; layer <= 3; ++layer) {
      const std::uint8_t* prev[4];
      std::uint8_t* cur[4];
      for (int lane = 0; lane < 4; ++lane) {
        prev[lane] = got[lane][layer - 1].data();
        cur[lane] = got[lane][layer].data();
      }
      for (std::uint64_t first = 0; first < n; first += 97) {
        const std::uint64_t end = std::min<std::uint64_t>(n, first + 97);
        if (lanes == 1) {
          ComputeLayerRange(*g, *hashers[0], layer, prev[0], cur[0], first, end, &*table);
        } else {
          ComputeLayerLanes(*g, hashers, lanes, layer, prev, cur, first, end, &*table);
        }
      }
      if (layer == 1) {
        ASSERT_EQ(0, std::memcmp(table->row(0), filled->row(0), row_bytes)) << "lanes " << lanes;
      }
      for (int lane = 0; lane < lanes; ++lane) {
        ASSERT_EQ(got[lane][layer], ref[lane][layer]) << "lanes " << lanes << " layer " << layer << " lane " << lane;
      }
    }
  }
}

}  // namespace
}  // namespace cairn::proofs
