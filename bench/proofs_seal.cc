// Sealing and proof costs at real shard sizes (11 layers, default challenge counts). Each case runs once per size
// (a 64 MiB seal takes tens of seconds) and quotes its ratio against the OpenSSL label baseline (proofs_baseline.h)
// measured just before it: ideal seal time = nodes * layers * baseline label time.
//
// Counters: labels_per_s (nodes * layers / real time), vs_baseline / cpu_vs_baseline / vs_one_lane / vs_one_thread
// (same-run ratios), scratch_MiB and kept_MiB (disk), proof_bytes, per-proof times, and memory: seal_rss_MiB (the
// resident peak during the seal alone: the kernel's peak counter is reset just before it through
// /proc/self/clear_refs), seal_rss_vs_shard (its growth over the resident size before the seal, per shard byte) and
// maxrss_MiB (the process peak so far: run one size per process to compare it across builds).
//
// Run: bench_proofs --benchmark_filter='Seal' (the seal cases take about two minutes); for memory, one process per
// size: bench_proofs --benchmark_filter='BM_Seal/MiB:64/bg:0'.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cairn/proofs/seal.h"
#include "cairn/proofs/seal_proof.h"
#include "cairn/proofs/storage_proof.h"
#include "proofs_baseline.h"
#include "proofs_bench_dir.h"

namespace cairn::proofs {
namespace {

namespace fs = std::filesystem;

// One temporary directory for the whole run, removed at exit.
bench::TempDir& Dir() {
  static bench::TempDir dir("cairn-bench-proofs");
  return dir;
}

struct Shard {
  fs::path data, scratch, out;
  ReplicaId id;
  SealResult result;
  bool sealed = false;
};

// Data file of `mib` MiB plus a fixed replica id; sealed on first use by a bench that needs a sealed shard.
Shard& GetShard(int mib, int copy = 0) {
  static std::map<std::pair<int, int>, Shard> shards;
  Shard& s = shards[{mib, copy}];
  if (s.data.empty()) {
    const std::string name = std::to_string(mib) + "m-" + std::to_string(copy);
    s.data = Dir().path() / (name + ".data");
    s.scratch = Dir().path() / (name + ".scratch");
    s.out = Dir().path() / (name + ".out");
    // Written 1 MiB at a time, so that making the data costs no shard-sized buffer (maxrss_MiB).
    std::vector<char> bytes(std::size_t{1} << 20);
    std::mt19937_64 rng(static_cast<std::uint64_t>(mib * 100 + copy));
    std::ofstream out(s.data, std::ios::binary);
    for (int i = 0; i < mib; ++i) {
      for (auto& b : bytes) b = static_cast<char>(rng());
      out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    }
    Hash32 raw{};
    raw[0] = static_cast<std::uint8_t>(mib);
    raw[1] = static_cast<std::uint8_t>(copy);
    s.id = ReplicaId(raw);
  }
  return s;
}

double MiB(const fs::path& dir) {
  std::uintmax_t total = 0;
  for (const auto& e : fs::directory_iterator(dir)) total += e.file_size();
  return static_cast<double>(total) / (1 << 20);
}

double MaxRssMiB() {
  struct rusage ru;
  if (::getrusage(RUSAGE_SELF, &ru) != 0) return -1;
  return static_cast<double>(ru.ru_maxrss) / 1024;
}

// A field of /proc/self/status ("VmHWM", "VmRSS") in MiB, or -1.
double StatusMiB(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stod(line.substr(field.size() + 1)) / 1024;
  }
  return -1;
}

// Resets the kernel's resident peak (VmHWM) to the current resident size; false where that is not allowed.
bool ResetRssPeak() {
  std::ofstream reset("/proc/self/clear_refs");
  reset << "5";
  return reset.good();
}

struct SealTiming {
  double wall = 0;
  double cpu = 0;          // the whole process: the calling thread plus a commit helper, if any
  double thread_cpu = 0;   // the calling thread alone
  double rss_before = -1;  // MiB resident just before the seal
  double rss_peak = -1;    // MiB resident at the peak of the seal (-1: not measurable)
};

SealTiming SealOnce(benchmark::State& state, Shard& s, bool background = false) {
  const SealParams params;
  std::error_code ec;
  fs::remove_all(s.scratch, ec);
  SealOptions options;
  options.background_commits = background;
  const bool rss = ResetRssPeak();
  const double rss_before = StatusMiB("VmRSS");
  const double wall0 = bench::Seconds(CLOCK_MONOTONIC), cpu0 = bench::ProcessCpuSeconds(),
               thread0 = bench::Seconds(CLOCK_THREAD_CPUTIME_ID);
  auto r = Seal(params, s.id, s.data, s.scratch, s.out, options);
  const SealTiming t{bench::Seconds(CLOCK_MONOTONIC) - wall0, bench::ProcessCpuSeconds() - cpu0,
                     bench::Seconds(CLOCK_THREAD_CPUTIME_ID) - thread0, rss_before, rss ? StatusMiB("VmHWM") : -1};
  if (!r.ok()) {
    state.SkipWithError(r.status().ToString().c_str());
    return t;
  }
  s.result = *r;
  s.sealed = true;
  return t;
}

double Labels(const Shard& s) { return static_cast<double>(s.result.node_count) * SealParams().layers; }

// One shard on the calling thread. Args: MiB, background commits (0/1). Counters: labels_per_s (wall), and the
// same-run ratios vs_baseline (wall rates), cpu_vs_baseline (process CPU rates) and thread_cpu_vs_baseline (the
// calling thread's CPU alone), against the OpenSSL label baseline measured just before the seal.
void BM_Seal(benchmark::State& state) {
  const int mib = static_cast<int>(state.range(0));
  const bool background = state.range(1) != 0;
  Shard& s = GetShard(mib);
  const bench::LabelRate base = bench::MeasureOpenSslLabels();
  SealTiming t;
  for (auto _ : state) t = SealOnce(state, s, background);
  state.counters["labels_per_s"] = Labels(s) / t.wall;
  state.counters["vs_baseline"] = Labels(s) / t.wall / base.per_wall_second;
  state.counters["cpu_vs_baseline"] = Labels(s) / t.cpu / base.per_cpu_second;
  state.counters["thread_cpu_vs_baseline"] = Labels(s) / t.thread_cpu / base.per_cpu_second;
  state.counters["baseline_per_s"] = base.per_wall_second;
  state.counters["baseline_per_cpu_s"] = base.per_cpu_second;
  state.counters["scratch_MiB"] = MiB(s.scratch);
  state.counters["kept_MiB"] = MiB(s.out);
  state.counters["seal_rss_MiB"] = t.rss_peak;
  state.counters["seal_rss_vs_shard"] = (t.rss_peak - t.rss_before) / mib;
  state.counters["maxrss_MiB"] = MaxRssMiB();
}
BENCHMARK(BM_Seal)
    ->ArgsProduct({{1, 16, 64}, {0, 1}})
    ->ArgNames({"MiB", "bg"})
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kSecond);

// Four (four-lane SHA-NI kernel) or sixteen (sixteen-lane AVX-512 kernel where the CPU has it) shards of the same
// size sealed together on the calling thread (SealMany), against one shard sealed alone just before (same commit
// mode). Counters: labels_per_s of all shards; vs_one_lane and cpu_vs_one_lane (wall and process-CPU rates; the
// stretch target is >= 1.5); vs_baseline, cpu_vs_baseline and seal_rss_vs_shard (per byte of all shards) as BM_Seal.
void BM_SealMany(benchmark::State& state) {
  const int mib = static_cast<int>(state.range(0));
  const bool background = state.range(1) != 0;
  const int count = static_cast<int>(state.range(2));
  std::vector<ShardToSeal> shards;
  for (int i = 0; i < count; ++i) {
    Shard& s = GetShard(mib, 10 + i);
    shards.push_back({s.id, s.data, s.scratch, s.out});
  }
  const bench::LabelRate base = bench::MeasureOpenSslLabels();
  const SealTiming one = SealOnce(state, GetShard(mib, 10), background);
  SealOptions options;
  options.background_commits = background;
  double wall = 0, cpu = 0, rss_before = 0;
  bool rss_ok = false;
  for (auto _ : state) {
    for (const ShardToSeal& s : shards) {
      std::error_code ec;
      fs::remove_all(s.scratch_dir, ec);
    }
    rss_ok = ResetRssPeak();
    rss_before = StatusMiB("VmRSS");
    const double wall0 = bench::Seconds(CLOCK_MONOTONIC), cpu0 = bench::ProcessCpuSeconds();
    auto r = SealMany(SealParams(), shards, options);
    wall = bench::Seconds(CLOCK_MONOTONIC) - wall0;
    cpu = bench::ProcessCpuSeconds() - cpu0;
    if (!r.ok()) state.SkipWithError(r.status().ToString().c_str());
  }
  if (rss_ok) state.counters["seal_rss_vs_shard"] = (StatusMiB("VmHWM") - rss_before) / (count * mib);
  const double labels = count * Labels(GetShard(mib, 10));
  state.counters["labels_per_s"] = labels / wall;
  state.counters["vs_one_lane"] = (labels / wall) / (Labels(GetShard(mib, 10)) / one.wall);
  state.counters["cpu_vs_one_lane"] = (labels / cpu) / (Labels(GetShard(mib, 10)) / one.cpu);
  state.counters["vs_baseline"] = labels / wall / base.per_wall_second;
  state.counters["cpu_vs_baseline"] = labels / cpu / base.per_cpu_second;
}
BENCHMARK(BM_SealMany)
    ->ArgsProduct({{16}, {0, 1}, {4, 16}})
    ->ArgNames({"MiB", "bg", "shards"})
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kSecond);

// Two shards sealed at once, one per thread (the caller's threads: Seal itself starts none but the optional commit
// helper), against one shard sealed alone just before. Counters: vs_one_thread (wall; the target is >= 1.8) and
// cpu_per_shard_vs_one.
void BM_SealTwoShardsTwoThreads(benchmark::State& state) {
  const int mib = static_cast<int>(state.range(0));
  const bool background = state.range(1) != 0;
  Shard& a = GetShard(mib, 1);
  Shard& b = GetShard(mib, 2);
  const SealTiming one = SealOnce(state, a, background);
  double wall = 0, cpu = 0;
  for (auto _ : state) {
    const double wall0 = bench::Seconds(CLOCK_MONOTONIC), cpu0 = bench::ProcessCpuSeconds();
    std::thread t([&] { SealOnce(state, a, background); });
    SealOnce(state, b, background);
    t.join();
    wall = bench::Seconds(CLOCK_MONOTONIC) - wall0;
    cpu = bench::ProcessCpuSeconds() - cpu0;
  }
  state.counters["labels_per_s"] = 2 * Labels(a) / wall;
  state.counters["vs_one_thread"] = 2 * one.wall / wall;
  // 1.0 when a shard costs the same CPU with two seals running as alone (no memory or cache contention between
  // them): vs_one_thread below 2 then only means the two cores were not both free.
  state.counters["cpu_per_shard_vs_one"] = one.cpu / (cpu / 2);
}
BENCHMARK(BM_SealTwoShardsTwoThreads)
    ->ArgsProduct({{16}, {0, 1}})
    ->ArgNames({"MiB", "bg"})
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kSecond);

Hash32 Seed(int i) {
  Hash32 h{};
  h[0] = 0x5e;
  h[1] = static_cast<std::uint8_t>(i);
  return h;
}

void BM_ProveSeal(benchmark::State& state) {
  Shard& s = GetShard(static_cast<int>(state.range(0)));
  if (!s.sealed) SealOnce(state, s);
  std::size_t size = 0;
  int i = 0;
  for (auto _ : state) {
    auto proof = ProveSeal(SealParams(), s.id, s.data, s.scratch, s.out, Seed(i++));
    if (!proof.ok()) {
      state.SkipWithError(proof.status().ToString().c_str());
      return;
    }
    size = proof->size();
  }
  state.counters["proof_bytes"] = static_cast<double>(size);
  state.counters["maxrss_MiB"] = MaxRssMiB();
}
BENCHMARK(BM_ProveSeal)->Arg(64)->Iterations(1)->UseRealTime()->Unit(benchmark::kSecond);

void BM_VerifySeal(benchmark::State& state) {
  Shard& s = GetShard(static_cast<int>(state.range(0)));
  if (!s.sealed) SealOnce(state, s);
  auto proof = ProveSeal(SealParams(), s.id, s.data, s.scratch, s.out, Seed(0));
  if (!proof.ok()) {
    state.SkipWithError(proof.status().ToString().c_str());
    return;
  }
  const SealPublicInputs in{s.id, s.result.comm_d, s.result.comm_r, s.result.data_size};
  for (auto _ : state) {
    auto ok = VerifySeal(SealParams(), in, Seed(0), *proof);
    if (!ok.ok() || !*ok) state.SkipWithError("seal proof did not verify");
  }
  state.counters["proof_bytes"] = static_cast<double>(proof->size());
}
BENCHMARK(BM_VerifySeal)->Arg(64)->Unit(benchmark::kMillisecond);

void BM_ProveStorage(benchmark::State& state) {
  Shard& s = GetShard(static_cast<int>(state.range(0)));
  if (!s.sealed) SealOnce(state, s);
  auto replica = SealedReplica::Open(s.out);
  if (!replica.ok()) {
    state.SkipWithError(replica.status().ToString().c_str());
    return;
  }
  const DealId deal(Seed(200));
  std::size_t size = 0;
  int i = 0;
  for (auto _ : state) {
    auto proof = replica->ProveStorage(SealParams(), deal, Seed(i++));
    if (!proof.ok()) state.SkipWithError(proof.status().ToString().c_str());
    size = proof->size();
  }
  state.counters["proof_bytes"] = static_cast<double>(size);
}
BENCHMARK(BM_ProveStorage)->Arg(64)->Unit(benchmark::kMicrosecond);

void BM_VerifyStorage(benchmark::State& state) {
  Shard& s = GetShard(static_cast<int>(state.range(0)));
  if (!s.sealed) SealOnce(state, s);
  const DealId deal(Seed(200));
  auto proof = SealedReplica::Open(s.out)->ProveStorage(SealParams(), deal, Seed(1));
  const StoragePublicInputs in{deal, s.result.comm_r, s.result.data_size};
  for (auto _ : state) {
    auto ok = VerifyStorage(SealParams(), in, Seed(1), *proof);
    if (!ok.ok() || !*ok) state.SkipWithError("storage proof did not verify");
  }
  state.counters["proof_bytes"] = static_cast<double>(proof->size());
}
BENCHMARK(BM_VerifyStorage)->Arg(64)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace cairn::proofs
