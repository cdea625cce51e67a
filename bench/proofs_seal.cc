// Sealing and proof costs at real shard sizes (11 layers, default challenge counts). Each case runs once per size
// (a 64 MiB seal takes tens of seconds); compare seal rates with BM_OpenSslLabelBaseline from the same run
// (proofs_labels.cc): ideal seal time = nodes * layers * baseline label time.
//
// Counters: labels_per_s (nodes * layers / real time), scratch_MiB and kept_MiB (disk), maxrss_MiB (process peak so
// far: run sizes in increasing order), proof_bytes, and per-proof times.
#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <cstdio>
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

namespace cairn::proofs {
namespace {

namespace fs = std::filesystem;

// One temporary directory for the whole run, removed at exit.
class BenchDir {
 public:
  BenchDir() {
    std::string tmpl = (fs::temp_directory_path() / "cairn-bench-proofs-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      std::perror("mkdtemp");
      std::abort();
    }
    path_ = tmpl;
  }
  ~BenchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

BenchDir& Dir() {
  static BenchDir dir;
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
    std::vector<char> bytes(static_cast<std::size_t>(mib) << 20);
    std::mt19937_64 rng(static_cast<std::uint64_t>(mib * 100 + copy));
    for (auto& b : bytes) b = static_cast<char>(rng());
    std::ofstream(s.data, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
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

void SealOnce(benchmark::State& state, Shard& s) {
  const SealParams params;
  std::error_code ec;
  fs::remove_all(s.scratch, ec);
  auto r = Seal(params, s.id, s.data, s.scratch, s.out);
  if (!r.ok()) {
    state.SkipWithError(r.status().ToString().c_str());
    return;
  }
  s.result = *r;
  s.sealed = true;
}

void BM_Seal(benchmark::State& state) {
  const int mib = static_cast<int>(state.range(0));
  Shard& s = GetShard(mib);
  for (auto _ : state) SealOnce(state, s);
  const double labels = static_cast<double>(s.result.node_count) * SealParams().layers;
  state.counters["labels_per_s"] = benchmark::Counter(labels, benchmark::Counter::kIsRate);
  state.counters["scratch_MiB"] = MiB(s.scratch);
  state.counters["kept_MiB"] = MiB(s.out);
  state.counters["maxrss_MiB"] = MaxRssMiB();
}
BENCHMARK(BM_Seal)->Arg(1)->Arg(16)->Arg(64)->Iterations(1)->UseRealTime()->Unit(benchmark::kSecond);

// Two shards sealed at once, one per thread (the caller's threads: Seal itself never starts one).
void BM_SealTwoShardsTwoThreads(benchmark::State& state) {
  const int mib = static_cast<int>(state.range(0));
  Shard& a = GetShard(mib, 1);
  Shard& b = GetShard(mib, 2);
  for (auto _ : state) {
    std::thread t([&] { SealOnce(state, a); });
    SealOnce(state, b);
    t.join();
  }
  const double labels = 2.0 * static_cast<double>(a.result.node_count) * SealParams().layers;
  state.counters["labels_per_s"] = benchmark::Counter(labels, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SealTwoShardsTwoThreads)->Arg(16)->Iterations(1)->UseRealTime()->Unit(benchmark::kSecond);

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
