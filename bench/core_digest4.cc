// Torrent leaf hashing (SHA-256 of each 16 KiB block of a shard, as BlockHashingSink does while spooling): four
// lanes (Sha256Digest4) against one lane (Sha256Digest) and OpenSSL's EVP one-shot, same run, over 16 MiB that stays
// in L3/DRAM like a shard's stripes.
//
// Run: bench_core --benchmark_filter='TorrentLeaves' --benchmark_min_time=0.5
#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <random>
#include <vector>

#include "cairn/core/digest4.h"
#include "cairn/core/sha256.h"

namespace cairn {
namespace {

constexpr std::size_t kBlock = 16 << 10;
constexpr std::size_t kBytes = 16 << 20;

const Bytes& Data() {
  static const Bytes data = [] {
    std::mt19937_64 rng(77);
    Bytes d(kBytes);
    for (auto& b : d) b = static_cast<std::uint8_t>(rng());
    return d;
  }();
  return data;
}

// Runs `hash_all` (every leaf of Data() into `out`) once per iteration. Returns false to stop with an error.
template <typename HashAll>
void Leaves(benchmark::State& state, HashAll hash_all) {
  const Bytes& d = Data();
  std::vector<Hash32> out(kBytes / kBlock);
  for (auto _ : state) {
    if (!hash_all(d, out)) {
      state.SkipWithError("hashing failed");
      return;
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kBytes));
}

void BM_TorrentLeavesOpensslEvp(benchmark::State& state) {
  Leaves(state, [](const Bytes& d, std::vector<Hash32>& out) {
    for (std::size_t i = 0; i < out.size(); ++i) {
      unsigned int len = 0;
      if (EVP_Digest(d.data() + i * kBlock, kBlock, out[i].data(), &len, EVP_sha256(), nullptr) != 1) return false;
    }
    return true;
  });
}
BENCHMARK(BM_TorrentLeavesOpensslEvp);

void BM_TorrentLeavesOneLane(benchmark::State& state) {
  Leaves(state, [](const Bytes& d, std::vector<Hash32>& out) {
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = Sha256Digest(ByteSpan(d.data() + i * kBlock, kBlock));
    return true;
  });
}
BENCHMARK(BM_TorrentLeavesOneLane);

void BM_TorrentLeavesFourLanes(benchmark::State& state) {
  Leaves(state, [](const Bytes& d, std::vector<Hash32>& out) {
    for (std::size_t i = 0; i < out.size(); i += 4) {
      const std::uint8_t* m[4] = {d.data() + i * kBlock, d.data() + (i + 1) * kBlock, d.data() + (i + 2) * kBlock,
                                  d.data() + (i + 3) * kBlock};
      Sha256Digest4(m, kBlock, &out[i]);
    }
    return true;
  });
}
BENCHMARK(BM_TorrentLeavesFourLanes);

}  // namespace
}  // namespace cairn
