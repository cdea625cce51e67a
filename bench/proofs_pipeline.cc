// What the low-memory seal pays for its two streams, each against the in-memory way in the same run:
//   BM_PipelineParents: LabelLayers over 4 layers (no files) with the parent table streamed through an unnamed
//     file, one chunk of rows at a time, against the whole table in memory (n * 56 bytes). Alternating runs, best of
//     each. Counter streamed_vs_memory: in-memory time / streamed time (1.0 = free).
//   BM_ColumnPass: comm_c of an 11-layer shard streamed after the last layer (10 layer files read back from the page
//     cache, the last layer in memory), against the OpenSSL label baseline (proofs_baseline.h): vs_seal is the pass's
//     time over the ideal seal time (nodes * layers / baseline rate), i.e. the share it adds to a seal.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "cairn/proofs/params.h"
#include "commitments.h"
#include "file_io.h"
#include "graph.h"
#include "layer_pipeline.h"
#include "proofs_baseline.h"
#include "proofs_bench_dir.h"
#include "seal_files.h"

namespace cairn::proofs {
namespace {

namespace fs = std::filesystem;

// Seconds of one LabelLayers run of `layers` layers on one shard.
double TimeLayers(const Graph& graph, const LabelHasher& hasher, std::uint32_t layers, const fs::path& parents_dir,
                  benchmark::State& state) {
  SealLane lane;
  lane.hasher = &hasher;
  const double t0 = bench::Seconds(CLOCK_MONOTONIC);
  const Status s = LabelLayers(graph, layers, 0, 0, std::span(&lane, 1), nullptr, parents_dir);
  const double t = bench::Seconds(CLOCK_MONOTONIC) - t0;
  if (!s.ok()) state.SkipWithError(s.ToString().c_str());
  return t;
}

void BM_PipelineParents(benchmark::State& state) {
  const std::uint64_t n = static_cast<std::uint64_t>(state.range(0)) << 15;  // range in MiB
  constexpr std::uint32_t kLayers = 4;
  auto graph = Graph::Create(SealParams().Id(), n);
  const LabelHasher hasher{ReplicaId(Hash32{})};
  bench::TempDir dir("cairn-bench-pipeline");
  double memory = 1e9, streamed = 1e9;
  for (auto _ : state) {
    for (int round = 0; round < 2; ++round) {
      memory = std::min(memory, TimeLayers(*graph, hasher, kLayers, {}, state));
      streamed = std::min(streamed, TimeLayers(*graph, hasher, kLayers, dir.path(), state));
    }
  }
  state.counters["memory_s"] = memory;
  state.counters["streamed_s"] = streamed;
  state.counters["streamed_vs_memory"] = memory / streamed;
}
BENCHMARK(BM_PipelineParents)->Arg(16)->Arg(64)->Iterations(1)->UseRealTime()->Unit(benchmark::kSecond);

void BM_ColumnPass(benchmark::State& state) {
  const std::uint64_t n = static_cast<std::uint64_t>(state.range(0)) << 15;
  const std::uint32_t layers = SealParams().layers;
  bench::TempDir dir("cairn-bench-pipeline");
  std::vector<std::uint8_t> last(n * 32);
  std::mt19937_64 rng(5);
  std::vector<File> files;
  for (std::uint32_t l = 1; l <= layers; ++l) {
    for (auto& b : last) b = static_cast<std::uint8_t>(rng());
    if (l == layers) break;  // the last layer stays in memory, as in a seal
    if (!WriteFileAtomic(LayerPath(dir.path(), l), last).ok()) state.SkipWithError("cannot write a layer file");
    files.push_back(*File::OpenRead(LayerPath(dir.path(), l)));
  }
  const bench::LabelRate base = bench::MeasureOpenSslLabels();
  double best = 1e9;
  for (auto _ : state) {
    const double t0 = bench::Seconds(CLOCK_MONOTONIC);
    auto root = StreamCommC(layers, n, files, last.data());
    best = std::min(best, bench::Seconds(CLOCK_MONOTONIC) - t0);
    if (!root.ok()) state.SkipWithError(root.status().ToString().c_str());
  }
  const double ideal_seal = static_cast<double>(n) * layers / base.per_wall_second;
  state.counters["pass_s"] = best;
  state.counters["vs_seal"] = best / ideal_seal;
}
BENCHMARK(BM_ColumnPass)->Arg(16)->Arg(64)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cairn::proofs
