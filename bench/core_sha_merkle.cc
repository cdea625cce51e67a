// SHA-256 and Merkle micro-benchmarks. Baselines (OpenSSL's low-level SHA256_* on one 64-byte node, and EVP over
// 1 MiB) run in the same process, so results can be quoted as ratios.
//
// Run: bench_core --benchmark_filter='Sha|Merkle|Openssl' --benchmark_min_time=0.2
// OpenSSL 3 marks the low-level SHA256_* API deprecated; it is the fastest per-node baseline, so the deprecation is
// silenced in this file only.
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <benchmark/benchmark.h>
#include <immintrin.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cstdio>
#include <cstdlib>
#include <random>

#include "cairn/core/merkle.h"
#include "cairn/core/sha256.h"

namespace cairn {
namespace {

constexpr std::size_t kMiB = 1 << 20;

Bytes RandomData(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Bytes b(n);
  for (std::size_t i = 0; i + 8 <= n; i += 8) {
    const std::uint64_t v = rng();
    for (int k = 0; k < 8; ++k) b[i + k] = static_cast<std::uint8_t>(v >> (8 * k));
  }
  return b;
}

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "benchmark setup failed: %s\n", what);
    std::abort();
  }
}

// ---- Baselines ----

void BM_OpensslLowLevelNode64(benchmark::State& state) {
  const Bytes node = RandomData(64, 1);
  std::uint8_t out[32];
  for (auto _ : state) {
    SHA256_CTX ctx;
    Check(SHA256_Init(&ctx) == 1, "SHA256_Init");
    Check(SHA256_Update(&ctx, node.data(), node.size()) == 1, "SHA256_Update");
    Check(SHA256_Final(out, &ctx) == 1, "SHA256_Final");
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_OpensslLowLevelNode64);

void BM_OpensslEvp1MiB(benchmark::State& state) {
  const Bytes data = RandomData(kMiB, 2);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  Check(ctx != nullptr, "EVP_MD_CTX_new");
  std::uint8_t out[32];
  unsigned int len = 0;
  for (auto _ : state) {
    Check(EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1, "EVP_DigestInit_ex");
    Check(EVP_DigestUpdate(ctx, data.data(), data.size()) == 1, "EVP_DigestUpdate");
    Check(EVP_DigestFinal_ex(ctx, out, &len) == 1, "EVP_DigestFinal_ex");
    benchmark::DoNotOptimize(out);
  }
  EVP_MD_CTX_free(ctx);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(data.size()));
}
BENCHMARK(BM_OpensslEvp1MiB);

// ---- The SHA-NI ceiling: sha256rnds2 alone, in 1 and 4 independent chains ----
// 32 sha256rnds2 are one compression's worth, so items/s here are the best any one-lane (latency-bound) or
// four-lane (throughput-bound) kernel could do; BM_Sha256Compress1 and BM_Sha256Compress4 are measured against them.

template <int L>
__attribute__((target("sha,sse2"), noinline)) void Rnds2Chains(__m128i* st) {
  __m128i a[L], c[L];
  for (int l = 0; l < L; ++l) {
    a[l] = st[l];
    c[l] = st[4 + l];
  }
  const __m128i k = st[8];
  for (int i = 0; i < 64; ++i) {  // 128 rnds2 per chain = 4 compressions' worth
    for (int l = 0; l < L; ++l) c[l] = _mm_sha256rnds2_epu32(c[l], a[l], k);
    for (int l = 0; l < L; ++l) a[l] = _mm_sha256rnds2_epu32(a[l], c[l], k);
  }
  for (int l = 0; l < L; ++l) {
    st[l] = a[l];
    st[4 + l] = c[l];
  }
}

template <int L>
void BM_ShaNiRnds2Ceiling(benchmark::State& state) {
  if (!Sha256HasShaNi()) {
    state.SkipWithError("no SHA-NI");
    return;
  }
  alignas(16) __m128i st[9] = {};
  for (auto _ : state) {
    Rnds2Chains<L>(st);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * 4 * L);
  state.SetLabel(L == 1 ? "latency bound" : "throughput bound");
}
BENCHMARK(BM_ShaNiRnds2Ceiling<1>);
BENCHMARK(BM_ShaNiRnds2Ceiling<4>);

// ---- Kernels ----

// One compression per iteration, each depending on the last: the single-lane latency.
void BM_Sha256Compress1(benchmark::State& state) {
  const Bytes block = RandomData(64, 3);
  Sha256State s = Sha256InitialState();
  for (auto _ : state) {
    Sha256Compress(s, block.data(), 1);
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * 64);
  state.SetLabel(Sha256HasShaNi() ? "sha-ni" : "reference");
}
BENCHMARK(BM_Sha256Compress1);

void BM_Sha256CompressRef(benchmark::State& state) {
  const Bytes block = RandomData(64, 3);
  Sha256State s = Sha256InitialState();
  for (auto _ : state) {
    Sha256CompressRef(s, block.data(), 1);
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * 64);
}
BENCHMARK(BM_Sha256CompressRef);

// Four lanes per iteration; items = compressions.
void BM_Sha256Compress4(benchmark::State& state) {
  const Bytes blocks = RandomData(256, 4);
  Sha256State s[4] = {Sha256InitialState(), Sha256InitialState(), Sha256InitialState(), Sha256InitialState()};
  Sha256State* const states[4] = {&s[0], &s[1], &s[2], &s[3]};
  const std::uint8_t* const ptrs[4] = {&blocks[0], &blocks[64], &blocks[128], &blocks[192]};
  for (auto _ : state) {
    Sha256Compress4(states, ptrs);
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations() * 4);
  state.SetBytesProcessed(state.iterations() * 256);
}
BENCHMARK(BM_Sha256Compress4);

// A padded SHA-256 of one 64-byte node (two compressions), comparable with BM_OpensslLowLevelNode64.
void BM_Sha256DigestNode64(benchmark::State& state) {
  const Bytes node = RandomData(64, 1);
  for (auto _ : state) benchmark::DoNotOptimize(Sha256Digest(node));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Sha256DigestNode64);

void BM_Sha256Stream1MiB(benchmark::State& state) {
  const Bytes data = RandomData(kMiB, 2);
  Sha256 h;
  for (auto _ : state) {
    h.Update(data);
    benchmark::DoNotOptimize(h.Finish());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(data.size()));
}
BENCHMARK(BM_Sha256Stream1MiB);

// ---- Merkle ----

// items = data nodes (32 bytes each).
void BM_MerkleRoot16MiB(benchmark::State& state) {
  const Bytes data = RandomData(16 * kMiB, 5);
  for (auto _ : state) {
    auto root = MerkleRoot(data);
    Check(root.ok(), "MerkleRoot");
    benchmark::DoNotOptimize(*root);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(data.size() / 32));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(data.size()));
}
BENCHMARK(BM_MerkleRoot16MiB)->Unit(benchmark::kMillisecond);

void BM_MerkleBuilder64MiBIn64KiBChunks(benchmark::State& state) {
  const Bytes data = RandomData(64 * kMiB, 6);
  constexpr std::size_t kChunk = 64 * 1024;
  for (auto _ : state) {
    MerkleBuilder b;
    for (std::size_t off = 0; off < data.size(); off += kChunk) {
      Check(b.AddNodes(ByteSpan(data).subspan(off, kChunk)).ok(), "AddNodes");
    }
    auto root = b.Finish();
    Check(root.ok(), "Finish");
    benchmark::DoNotOptimize(*root);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(data.size() / 32));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(data.size()));
}
BENCHMARK(BM_MerkleBuilder64MiBIn64KiBChunks)->Unit(benchmark::kMillisecond);

// The whole tree kept in memory (for provers): one extra store per hash.
void BM_MerkleTreeBuild16MiB(benchmark::State& state) {
  const Bytes data = RandomData(16 * kMiB, 5);
  for (auto _ : state) {
    auto tree = MerkleTree::Build(data);
    Check(tree.ok(), "MerkleTree::Build");
    benchmark::DoNotOptimize(tree->root());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(data.size() / 32));
}
BENCHMARK(BM_MerkleTreeBuild16MiB)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cairn
