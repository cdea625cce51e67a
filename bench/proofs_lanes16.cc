// Several shards' labels per core: the sixteen-lane AVX-512 chain (ComputeLayerLanes16) against four SHA-NI lanes
// and one shard, all on a later layer with the parent table as SealMany runs them. Items = labels of all shards, so
// labels/s divided by BM_ComputeLayerFromTable's (bench/proofs_labels.cc, same binary, same run) is the gain per core;
// BM_OpenSslLabelBaseline is the OpenSSL baseline. BM_Chain16Label times the kernel alone: one label's 19
// compressions in sixteen lanes from blocks already transposed (items = compressions of all lanes).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <vector>

#include "cairn/core/sha256_lanes16.h"
#include "graph.h"
#include "labels.h"
#include "node_buffer.h"
#include "parent_table.h"

namespace cairn::proofs {
namespace {

void BM_Chain16Label(benchmark::State& state) {
  std::mt19937_64 rng(16);
  std::vector<std::uint8_t> raw(8 * 16 * 64);
  for (auto& b : raw) b = static_cast<std::uint8_t>(rng());
  Sha256Blocks16 blocks[8];
  for (int k = 0; k < 8; ++k) {
    const std::uint8_t* ptrs[kSha256Lanes16];
    for (int l = 0; l < kSha256Lanes16; ++l) ptrs[l] = raw.data() + 64 * (16 * k + l);
    Sha256LoadBlocks16(ptrs, blocks[k]);
  }
  std::uint8_t order[19];
  for (int b = 0; b < 18; ++b) order[b] = static_cast<std::uint8_t>(b % 7);
  order[18] = 7;
  Sha256States16 s{};
  for (auto _ : state) {
    Sha256CompressChain16(s, blocks, order, 19);
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * 19 * kSha256Lanes16));
  state.counters["avx512"] = Sha256HasLanes16() ? 1 : 0;
}
BENCHMARK(BM_Chain16Label);

// `lanes` shards of `mib` MiB each with distinct replica ids and previous layers, and one shared parent table.
class Shards {
 public:
  Shards(int lanes, std::uint64_t mib) : n_(mib << 15), graph_(*Graph::Create(SealParams().Id(), n_)) {
    table_ = std::move(*ParentTable::Allocate(n_));
    table_.Fill(graph_, 0, n_);
    for (int lane = 0; lane < lanes; ++lane) {
      Hash32 id{};
      id[1] = static_cast<std::uint8_t>(lane + 1);
      hashers_.emplace_back(ReplicaId(id));
      buffers_.push_back(std::move(*NodeBuffer::Allocate(n_ * 32)));
      std::memset(buffers_.back().data(), 3 + lane, n_ * 32);
      buffers_.push_back(std::move(*NodeBuffer::Allocate(n_ * 32)));
    }
    for (int lane = 0; lane < lanes; ++lane) {
      h_[lane] = &hashers_[lane];
      prev_[lane] = buffers_[2 * lane].data();
      cur_[lane] = buffers_[2 * lane + 1].data();
    }
  }
  std::uint64_t n() const { return n_; }
  const Graph& graph() const { return graph_; }
  ParentTable* table() { return &table_; }
  const LabelHasher* const* hashers() const { return h_; }
  const std::uint8_t* const* prev() const { return prev_; }
  std::uint8_t* const* cur() const { return cur_; }

 private:
  std::uint64_t n_;
  Graph graph_;
  ParentTable table_;
  std::vector<LabelHasher> hashers_;
  std::vector<NodeBuffer> buffers_;
  const LabelHasher* h_[kMaxLanes] = {};
  const std::uint8_t* prev_[kMaxLanes] = {};
  std::uint8_t* cur_[kMaxLanes] = {};
};

// Args: lanes, MiB per shard, kernel (0: ComputeLayerLanes' dispatch, 1: SHA-NI groups of four, 2: sixteen lanes,
// 3: one shard at a time with the single-lane kernel, as Seal runs it: the baseline of the ratios).
void BM_LayerLanes(benchmark::State& state) {
  const int lanes = static_cast<int>(state.range(0));
  Shards s(lanes, static_cast<std::uint64_t>(state.range(1)));
  const int kernel = static_cast<int>(state.range(2));
  for (auto _ : state) {
    if (kernel == 3) {
      for (int lane = 0; lane < lanes; ++lane) {
        ComputeLayerRange(s.graph(), *s.hashers()[lane], 2, s.prev()[lane], s.cur()[lane], 0, s.n(), s.table());
      }
    } else if (kernel == 2) {
      ComputeLayerLanes16(s.graph(), s.hashers(), lanes, 2, s.prev(), s.cur(), 0, s.n(), s.table());
    } else if (kernel == 1) {
      for (int first = 0; first < lanes; first += kShaNiLanes) {
        ComputeLayerLanesShaNi(s.graph(), s.hashers() + first, std::min(kShaNiLanes, lanes - first), 2,
                               s.prev() + first, s.cur() + first, 0, s.n(), s.table());
      }
    } else {
      ComputeLayerLanes(s.graph(), s.hashers(), lanes, 2, s.prev(), s.cur(), 0, s.n(), s.table());
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * s.n() * lanes));
}
BENCHMARK(BM_LayerLanes)
    ->ArgNames({"lanes", "mib", "kernel"})
    ->Args({1, 4, 3})
    ->Args({4, 4, 1})
    ->Args({4, 4, 2})
    ->Args({8, 4, 1})
    ->Args({8, 4, 2})
    ->Args({10, 4, 1})
    ->Args({10, 4, 2})
    ->Args({12, 4, 1})
    ->Args({12, 4, 2})
    ->Args({16, 4, 1})
    ->Args({16, 4, 2})
    ->Args({1, 16, 3})
    ->Args({4, 16, 1})
    ->Args({16, 16, 2})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cairn::proofs
