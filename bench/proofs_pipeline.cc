// What the low-memory seal pays for its two streams, each against the in-memory way in the same run:
//   BM_PipelineParents: LabelLayers over 4 layers (no files) with the parent table streamed through an unnamed
//     file, one chunk of rows at a time, against the whole table in memory (n * 56 bytes). Alternating runs, best of
//     each. Counter streamed_vs_memory: in-memory time / streamed time (1.0 = free).
//   BM_ColumnPass: comm_c of an 11-layer shard streamed after the last layer (10 layer files read back from the page
//     cache, the last layer in memory), against the same column hashes absorbed from layers all in memory (what the
//     previous pipeline did chunk by chunk while labelling, with n column states): memory_vs_pass (1.0 = streaming
//     costs nothing more). vs_seal is the pass's time over the ideal seal time (nodes * layers / the OpenSSL label
//     baseline CPU rate, proofs_baseline.h), i.e. the share of a seal it takes.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "cairn/core/merkle.h"
#include "cairn/proofs/params.h"
#include "column_hasher.h"
#include "commitments.h"
#include "file_io.h"
#include "graph.h"
#include "layer_pipeline.h"
#include "proofs_baseline.h"
#include "proofs_bench_dir.h"
#include "seal_files.h"

// Times are the calling thread's CPU seconds: on a shared machine they vary far less than wall time (the streams'
// page-cache copies are system time of this thread, so they count).

namespace cairn::proofs {
namespace {

namespace fs = std::filesystem;

// CPU seconds of one LabelLayers run of `layers` layers on one shard.
double TimeLayers(const Graph& graph, const LabelHasher& hasher, std::uint32_t layers, const fs::path& parents_dir,
                  benchmark::State& state) {
  SealLane lane;
  lane.hasher = &hasher;
  const double t0 = bench::Seconds(CLOCK_THREAD_CPUTIME_ID);
  const Status s = LabelLayers(graph, layers, 0, 0, std::span(&lane, 1), nullptr, parents_dir);
  const double t = bench::Seconds(CLOCK_THREAD_CPUTIME_ID) - t0;
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
  std::vector<std::vector<std::uint8_t>> labels(layers, std::vector<std::uint8_t>(n * 32));
  std::mt19937_64 rng(5);
  std::vector<File> files;
  for (std::uint32_t l = 1; l <= layers; ++l) {
    for (auto& b : labels[l - 1]) b = static_cast<std::uint8_t>(rng());
    if (l == layers) break;  // the last layer stays in memory, as in a seal
    if (!WriteFileAtomic(LayerPath(dir.path(), l), labels[l - 1]).ok()) state.SkipWithError("cannot write a layer");
    files.push_back(*File::OpenRead(LayerPath(dir.path(), l)));
  }
  const bench::LabelRate base = bench::MeasureOpenSslLabels();
  double pass = 1e9, memory = 1e9;
  Hash32 pass_root{}, memory_root{};
  for (auto _ : state) {
    double t0 = bench::Seconds(CLOCK_THREAD_CPUTIME_ID);
    auto root = StreamCommC(layers, n, files, labels.back().data());
    pass = std::min(pass, bench::Seconds(CLOCK_THREAD_CPUTIME_ID) - t0);
    if (!root.ok()) state.SkipWithError(root.status().ToString().c_str());
    pass_root = *root;
    t0 = bench::Seconds(CLOCK_THREAD_CPUTIME_ID);
    auto columns = ColumnHasher::Create(layers, n);
    for (std::uint32_t l = 1; l <= layers; ++l) {
      for (std::uint64_t first = 0; first < n; first += kChunkNodes) {
        const std::uint8_t* prev = l > 1 ? labels[l - 2].data() + 32 * first : nullptr;
        columns->Absorb(l, prev, labels[l - 1].data() + 32 * first, first, std::min(kChunkNodes, n - first));
      }
    }
    memory_root = *MerkleRoot(columns->Finish());
    memory = std::min(memory, bench::Seconds(CLOCK_THREAD_CPUTIME_ID) - t0);
  }
  if (pass_root != memory_root) state.SkipWithError("the two column passes disagree");
  const double ideal_seal = static_cast<double>(n) * layers / base.per_cpu_second;
  state.counters["pass_s"] = pass;
  state.counters["memory_s"] = memory;
  state.counters["memory_vs_pass"] = memory / pass;
  state.counters["vs_seal"] = pass / ideal_seal;
}
BENCHMARK(BM_ColumnPass)->Arg(16)->Arg(64)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cairn::proofs
