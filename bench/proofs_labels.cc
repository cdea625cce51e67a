// Label throughput: the hot loop of sealing against OpenSSL's low-level SHA-256 hashing the same 1260-byte label
// messages (the baseline), measured in the same run. Items = labels.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <benchmark/benchmark.h>
#include <openssl/sha.h>

#include <cstring>
#include <random>
#include <vector>

#include "graph.h"
#include "labels.h"
#include "node_buffer.h"
#include "parent_table.h"

namespace cairn::proofs {
namespace {

constexpr std::size_t kMessage = 64 + kLabelSlots * 32 + 12;  // 1260 bytes, grammar in labels.cc

std::vector<std::uint8_t> RandomBytes(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::uint8_t> out(n);
  for (auto& b : out) b = static_cast<std::uint8_t>(rng());
  return out;
}

// Baseline: SHA256_Init/Update/Final over the full label message, laid out contiguously.
void BM_OpenSslLabelBaseline(benchmark::State& state) {
  const std::vector<std::uint8_t> msgs = RandomBytes(kMessage * 64, 1);
  std::uint8_t out[32];
  std::size_t i = 0;
  for (auto _ : state) {
    SHA256_CTX ctx;
    SHA256_Init(&ctx);
    SHA256_Update(&ctx, msgs.data() + kMessage * (i++ & 63), kMessage);
    SHA256_Final(out, &ctx);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_OpenSslLabelBaseline);

// LabelHasher on gathered parents already in cache (layer >= 2 layout): the kernel alone.
void BM_LabelHasher(benchmark::State& state) {
  Hash32 id{};
  id[0] = 1;
  const LabelHasher hasher{ReplicaId(id)};
  const std::vector<std::uint8_t> parents = RandomBytes(kLaterLayerParents * 32 * 64, 2);
  std::uint8_t out[32];
  std::uint64_t v = 0;
  for (auto _ : state) {
    hasher.Label(2, v, parents.data() + kLaterLayerParents * 32 * (v & 63), out);
    ++v;
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_LabelHasher);

// The reference twin (streaming SHA-256, one Update per field), for scale.
void BM_ReferenceLabel(benchmark::State& state) {
  Hash32 id{};
  std::vector<Hash32> parents(kLaterLayerParents);
  std::uint64_t v = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(ReferenceLabel(ReplicaId(id), 2, v++, parents));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_ReferenceLabel);

// Graph parents alone (base + expander) per node.
void BM_GraphParents(benchmark::State& state) {
  auto g = Graph::Create(SealParams().Id(), std::uint64_t{1} << 21);
  std::uint64_t b[kBaseDegree], e[kExpanderDegree];
  std::uint64_t v = 1;
  for (auto _ : state) {
    g->BaseParents(v, b);
    g->ExpanderParents(v, e);
    benchmark::DoNotOptimize(b);
    benchmark::DoNotOptimize(e);
    v = (v + 1) & ((1 << 21) - 1);
    v += (v == 0);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_GraphParents);

// A whole later layer (graph, gather from a layer of the given size, hash): what sealing really sustains.
void BM_ComputeLayer(benchmark::State& state) {
  const std::uint64_t n = static_cast<std::uint64_t>(state.range(0)) << 15;  // range in MiB
  auto g = Graph::Create(SealParams().Id(), n);
  auto prev = NodeBuffer::Allocate(n * 32);
  auto cur = NodeBuffer::Allocate(n * 32);
  std::memset(prev->data(), 7, n * 32);
  Hash32 id{};
  const LabelHasher hasher{ReplicaId(id)};
  for (auto _ : state) ComputeLayer(*g, hasher, 2, prev->data(), cur->data());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(BM_ComputeLayer)->Arg(1)->Arg(16)->Arg(64)->Unit(benchmark::kMillisecond);

// The same layer as a seal computes it: parents read from the parent table (filled once, outside the timing).
void BM_ComputeLayerFromTable(benchmark::State& state) {
  const std::uint64_t n = static_cast<std::uint64_t>(state.range(0)) << 15;  // range in MiB
  auto g = Graph::Create(SealParams().Id(), n);
  auto table = ParentTable::Allocate(n);
  table->Fill(*g, 0, n);
  auto prev = NodeBuffer::Allocate(n * 32);
  auto cur = NodeBuffer::Allocate(n * 32);
  std::memset(prev->data(), 7, n * 32);
  Hash32 id{};
  const LabelHasher hasher{ReplicaId(id)};
  for (auto _ : state) ComputeLayerRange(*g, hasher, 2, prev->data(), cur->data(), 0, n, &*table);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(BM_ComputeLayerFromTable)->Arg(1)->Arg(16)->Arg(64)->Unit(benchmark::kMillisecond);

// Layer 1 as a seal computes it: base parents on the fly, the parent table filled as a by-product.
void BM_ComputeFirstLayerFillingTable(benchmark::State& state) {
  const std::uint64_t n = static_cast<std::uint64_t>(state.range(0)) << 15;
  auto g = Graph::Create(SealParams().Id(), n);
  auto table = ParentTable::Allocate(n);
  auto cur = NodeBuffer::Allocate(n * 32);
  Hash32 id{};
  const LabelHasher hasher{ReplicaId(id)};
  for (auto _ : state) ComputeLayerRange(*g, hasher, 1, nullptr, cur->data(), 0, n, &*table);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(BM_ComputeFirstLayerFillingTable)->Arg(16)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cairn::proofs

namespace cairn::proofs {
namespace {

// Four shards' layers interleaved on one core with the 4-lane kernel; items = labels of all four shards. Compare
// with BM_ComputeLayer at the same size.
void BM_ComputeLayer4(benchmark::State& state) {
  const std::uint64_t n = static_cast<std::uint64_t>(state.range(0)) << 15;
  auto g = Graph::Create(SealParams().Id(), n);
  std::vector<NodeBuffer> prev, cur;
  std::vector<LabelHasher> hashers;
  for (int lane = 0; lane < 4; ++lane) {
    prev.push_back(std::move(*NodeBuffer::Allocate(n * 32)));
    cur.push_back(std::move(*NodeBuffer::Allocate(n * 32)));
    std::memset(prev.back().data(), 7 + lane, n * 32);
    Hash32 id{};
    id[0] = static_cast<std::uint8_t>(lane);
    hashers.emplace_back(ReplicaId(id));
  }
  const LabelHasher* const h[4] = {&hashers[0], &hashers[1], &hashers[2], &hashers[3]};
  const std::uint8_t* const p[4] = {prev[0].data(), prev[1].data(), prev[2].data(), prev[3].data()};
  std::uint8_t* const c[4] = {cur[0].data(), cur[1].data(), cur[2].data(), cur[3].data()};
  for (auto _ : state) ComputeLayer4(*g, h, 2, p, c);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n * 4));
}
BENCHMARK(BM_ComputeLayer4)->Arg(1)->Arg(16)->Unit(benchmark::kMillisecond);

// Four lanes with the parent table, as SealMany runs them; compare with BM_ComputeLayerFromTable at the same size.
void BM_ComputeLayer4FromTable(benchmark::State& state) {
  const std::uint64_t n = static_cast<std::uint64_t>(state.range(0)) << 15;
  auto g = Graph::Create(SealParams().Id(), n);
  auto table = ParentTable::Allocate(n);
  table->Fill(*g, 0, n);
  std::vector<NodeBuffer> prev, cur;
  std::vector<LabelHasher> hashers;
  for (int lane = 0; lane < 4; ++lane) {
    prev.push_back(std::move(*NodeBuffer::Allocate(n * 32)));
    cur.push_back(std::move(*NodeBuffer::Allocate(n * 32)));
    std::memset(prev.back().data(), 7 + lane, n * 32);
    Hash32 id{};
    id[0] = static_cast<std::uint8_t>(lane);
    hashers.emplace_back(ReplicaId(id));
  }
  const LabelHasher* const h[4] = {&hashers[0], &hashers[1], &hashers[2], &hashers[3]};
  const std::uint8_t* const p[4] = {prev[0].data(), prev[1].data(), prev[2].data(), prev[3].data()};
  std::uint8_t* const c[4] = {cur[0].data(), cur[1].data(), cur[2].data(), cur[3].data()};
  for (auto _ : state) ComputeLayerLanes(*g, h, 4, 2, p, c, 0, n, &*table);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n * 4));
}
BENCHMARK(BM_ComputeLayer4FromTable)->Arg(1)->Arg(16)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cairn::proofs
