// Sixteen-lane labelling (ComputeLayerLanes16, and ComputeLayerLanes dispatching between it and groups of four
// SHA-NI lanes) against the single-lane kernel, for every lane count, in ranges, with and without a parent table.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "labels.h"
#include "proofs/proofs_test_util.h"

namespace cairn::proofs {
namespace {

using testing::RandomHash;

using LanesFn = void (*)(const Graph&, const LabelHasher* const[], int, std::uint32_t, const std::uint8_t* const[],
                         std::uint8_t* const[], std::uint64_t, std::uint64_t, ParentTable*);

constexpr std::uint32_t kLayers = 3;

// Sixteen shards' layers 1..kLayers computed one shard at a time: ref[lane][layer].
struct Reference {
  std::vector<std::unique_ptr<LabelHasher>> hashers;
  std::vector<const LabelHasher*> ptrs;
  std::vector<std::vector<Bytes>> layers;
};

Reference MakeReference(const Graph& g, std::uint64_t seed) {
  Reference r;
  const std::uint64_t n = g.node_count();
  for (int lane = 0; lane < kMaxLanes; ++lane) {
    r.hashers.push_back(std::make_unique<LabelHasher>(ReplicaId(RandomHash(seed + lane))));
    r.ptrs.push_back(r.hashers.back().get());
    r.layers.emplace_back(kLayers + 1, Bytes(n * 32));
    for (std::uint32_t layer = 1; layer <= kLayers; ++layer) {
      ComputeLayer(g, *r.ptrs[lane], layer, r.layers[lane][layer - 1].data(), r.layers[lane][layer].data());
    }
  }
  return r;
}

// Runs `fn` with `lanes` lanes over all layers in ranges of `step` nodes (through a table when with_table) and checks
// every lane against the reference and the spare lanes untouched.
void CheckLanes(LanesFn fn, const Graph& g, const Reference& ref, int lanes, std::uint64_t step, bool with_table) {
  SCOPED_TRACE("lanes " + std::to_string(lanes) + " step " + std::to_string(step) + " table " +
               std::to_string(with_table));
  const std::uint64_t n = g.node_count();
  auto table = ParentTable::Allocate(n);
  ASSERT_TRUE(table.ok());
  std::vector<std::vector<Bytes>> got(kMaxLanes, std::vector<Bytes>(kLayers + 1, Bytes(n * 32)));
  for (std::uint32_t layer = 1; layer <= kLayers; ++layer) {
    const std::uint8_t* prev[kMaxLanes];
    std::uint8_t* cur[kMaxLanes];
    for (int lane = 0; lane < kMaxLanes; ++lane) {
      prev[lane] = got[lane][layer - 1].data();
      cur[lane] = got[lane][layer].data();
    }
    for (std::uint64_t first = 0; first < n; first += step) {
      fn(g, ref.ptrs.data(), lanes, layer, prev, cur, first, std::min(n, first + step), with_table ? &*table : nullptr);
    }
    for (int lane = 0; lane < kMaxLanes; ++lane) {
      const Bytes& want = lane < lanes ? ref.layers[lane][layer] : Bytes(n * 32);
      ASSERT_EQ(got[lane][layer], want) << "layer " << layer << " lane " << lane;
    }
  }
}

TEST(LabelLanes16Test, SixteenLaneKernelMatchesSingleLaneForEveryLaneCount) {
  const std::uint64_t seed = 1600;
  SCOPED_TRACE("seed " + std::to_string(seed));
  for (std::uint64_t n : {1u, 2u, 333u}) {
    auto g = Graph::Create(SealParams().Id(), n);
    ASSERT_TRUE(g.ok());
    const Reference ref = MakeReference(*g, seed);
    for (int lanes = 1; lanes <= kMaxLanes; ++lanes) {
      CheckLanes(&ComputeLayerLanes16, *g, ref, lanes, 100, false);
      CheckLanes(&ComputeLayerLanes16, *g, ref, lanes, 97, true);
    }
  }
}

TEST(LabelLanes16Test, DispatchMatchesSingleLaneForEveryLaneCount) {
  // kMinLanes16 and more lanes take the sixteen-lane kernel (with AVX-512), fewer the SHA-NI groups; ranges of one node
  // and of odd lengths check the prefetch of the next node's parents at range ends.
  const std::uint64_t seed = 1700;
  SCOPED_TRACE("seed " + std::to_string(seed));
  auto g = Graph::Create(SealParams().Id(), 1000);
  ASSERT_TRUE(g.ok());
  const Reference ref = MakeReference(*g, seed);
  for (int lanes = 1; lanes <= kMaxLanes; ++lanes) {
    CheckLanes(&ComputeLayerLanes, *g, ref, lanes, lanes == 7 ? 1 : 129, lanes % 2 == 0);
  }
}

TEST(LabelLanes16Test, LayerOneFillsTheSameParentTable) {
  const std::uint64_t n = 500;
  auto g = Graph::Create(SealParams().Id(), n);
  ASSERT_TRUE(g.ok());
  auto filled = ParentTable::Allocate(n);
  auto table = ParentTable::Allocate(n);
  ASSERT_TRUE(filled.ok() && table.ok());
  filled->Fill(*g, 0, n);
  const Reference ref = MakeReference(*g, 1800);
  std::vector<Bytes> cur(kMaxLanes, Bytes(n * 32));
  const std::uint8_t* prev[kMaxLanes] = {};
  std::uint8_t* c[kMaxLanes];
  for (int lane = 0; lane < kMaxLanes; ++lane) c[lane] = cur[lane].data();
  for (std::uint64_t first = 0; first < n; first += 64) {
    ComputeLayerLanes16(*g, ref.ptrs.data(), kMaxLanes, 1, prev, c, first, std::min<std::uint64_t>(n, first + 64),
                        &*table);
  }
  EXPECT_EQ(0, std::memcmp(table->row(0), filled->row(0), n * kParentRow * sizeof(std::uint32_t)));
  EXPECT_EQ(cur[15], ref.layers[15][1]);
}

}  // namespace
}  // namespace cairn::proofs
