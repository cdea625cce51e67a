// SHA-256 and Merkle micro-benchmarks. Baselines (OpenSSL's low-level SHA256_* on one 64-byte node, and EVP over
// 1 MiB) run in the same process, so results can be quoted as ratios.
//
// Run: bench_core --benchmark_filter='Sha|Merkle|Openssl|HashBlocks' --benchmark_min_time=0.2
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
#include <vector>

#include "cairn/core/merkle.h"
#include "cairn/core/sha256.h"
#include "merkle_hash.h"
#include "sha256_internal.h"

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

// ---- Batched one-block hashing (Merkle levels): items = blocks ----
// 1024 blocks (64 KiB in, 32 KiB out) stay in L2, as a MerkleBuilder chunk does. The four-lane SHA-NI kernel is the
// baseline of the sixteen-lane AVX-512 one, measured in both loading modes.

enum Kernel { kPortableKernel, kShaNiKernel, kAvx512Transpose, kAvx512Gather };

bool KernelAvailable(Kernel kernel) {
  switch (kernel) {
    case kShaNiKernel:
      return internal::CpuHasShaNi();
    case kAvx512Transpose:
    case kAvx512Gather:
      return internal::CpuHasAvx512();
    case kPortableKernel:
      return true;
  }
  return false;
}

void RunKernel(Kernel kernel, const std::uint8_t* in, std::size_t count, Hash32* out) {
  const Sha256State& iv = internal::MerkleNodeIv();
  switch (kernel) {
    case kPortableKernel:
      for (std::size_t k = 0; k < count; ++k) {
        Sha256State s = iv;
        Sha256CompressRef(s, in + 64 * k, 1);
        out[k] = Sha256StateBytes(s);
      }
      return;
    case kShaNiKernel:
      internal::Sha256HashBlocksShaNi(iv, in, count, out);
      return;
    case kAvx512Transpose:
      internal::Sha256HashBlocksAvx512(iv, in, count, out, internal::Avx512Load::kTranspose);
      return;
    case kAvx512Gather:
      internal::Sha256HashBlocksAvx512(iv, in, count, out, internal::Avx512Load::kGather);
      return;
  }
}

const char* KernelName(Kernel kernel) {
  static const char* const names[] = {"portable", "sha-ni 4 lanes", "avx512 16 lanes, load+transpose",
                                      "avx512 16 lanes, gather"};
  return names[kernel];
}

// state.range(0) = blocks per call.
template <Kernel K>
void BM_HashBlocks(benchmark::State& state) {
  if (!KernelAvailable(K)) {
    state.SkipWithError("CPU lacks this kernel");
    return;
  }
  const std::size_t count = static_cast<std::size_t>(state.range(0));
  const Bytes in = RandomData(64 * count, 7);
  std::vector<Hash32> out(count);
  for (auto _ : state) {
    RunKernel(K, in.data(), count, out.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(count));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(64 * count));
  state.SetLabel(KernelName(K));
}
BENCHMARK(BM_HashBlocks<kPortableKernel>)->Arg(1024);
BENCHMARK(BM_HashBlocks<kShaNiKernel>)->Arg(1024);
BENCHMARK(BM_HashBlocks<kAvx512Transpose>)->Arg(1024);
BENCHMARK(BM_HashBlocks<kAvx512Gather>)->Arg(1024);
// Short runs: where a partial sixteen-lane pass (as costly as a full one) stops beating SHA-NI (kAvx512MinRest).
BENCHMARK(BM_HashBlocks<kShaNiKernel>)->DenseRange(1, 16, 1);
BENCHMARK(BM_HashBlocks<kAvx512Transpose>)->DenseRange(1, 16, 1);

// ---- One perfect subtree of 2048 nodes (64 KiB, the encoder's largest unit): items = compressions (2047) ----
// Level by level through HashBlocks (each level's digests stored, reloaded and transposed: the kernel MerkleRoot used
// before) against PerfectSubtreeRoot, which on the AVX-512 path keeps the levels lane-major in registers.

enum SubtreeMode { kLevelByLevel, kPerfect };

template <SubtreeMode M>
void BM_MerkleSubtree64KiB(benchmark::State& state) {
  const auto path = static_cast<internal::HashPath>(state.range(0));
  if (!internal::ForceHashPath(path)) {
    state.SkipWithError("CPU lacks this path");
    return;
  }
  constexpr std::size_t kNodes = 2048;
  const Bytes data = RandomData(32 * kNodes, 8);
  std::vector<Hash32> scratch(kNodes / 2);
  for (auto _ : state) {
    Hash32 root;
    if (M == kPerfect) {
      root = internal::PerfectSubtreeRoot(data.data(), kNodes, scratch.data());
    } else {
      internal::HashBlocks(internal::MerkleLeafIv(), data.data(), kNodes / 2, scratch.data());
      for (std::size_t c = kNodes / 2; c > 1; c /= 2) {
        internal::HashBlocks(internal::MerkleNodeIv(), scratch[0].data(), c / 2, scratch.data());
      }
      root = scratch[0];
    }
    benchmark::DoNotOptimize(root);
  }
  Check(internal::ForceHashPath(internal::HashPath::kAuto), "restore kAuto");
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kNodes - 1));
  state.SetLabel(M == kPerfect ? "PerfectSubtreeRoot" : "HashBlocks level by level");
}
BENCHMARK(BM_MerkleSubtree64KiB<kLevelByLevel>)
    ->ArgName("path")
    ->Arg(static_cast<int>(internal::HashPath::kShaNi))
    ->Arg(static_cast<int>(internal::HashPath::kAvx512));
BENCHMARK(BM_MerkleSubtree64KiB<kPerfect>)
    ->ArgName("path")
    ->Arg(static_cast<int>(internal::HashPath::kShaNi))
    ->Arg(static_cast<int>(internal::HashPath::kAvx512));

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

// The same root through each HashBlocks path (forced), the SHA-NI path being the baseline.
void BM_MerkleRoot16MiBPath(benchmark::State& state) {
  const auto path = static_cast<internal::HashPath>(state.range(0));
  if (!internal::ForceHashPath(path)) {
    state.SkipWithError("CPU lacks this path");
    return;
  }
  const Bytes data = RandomData(16 * kMiB, 5);
  for (auto _ : state) {
    auto root = MerkleRoot(data);
    Check(root.ok(), "MerkleRoot");
    benchmark::DoNotOptimize(*root);
  }
  Check(internal::ForceHashPath(internal::HashPath::kAuto), "restore kAuto");
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(data.size() / 32));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(data.size()));
  static const char* const names[] = {"auto", "portable", "sha-ni", "avx512 + sha-ni tails"};
  state.SetLabel(names[state.range(0)]);
}
BENCHMARK(BM_MerkleRoot16MiBPath)
    ->ArgName("path")
    ->Arg(static_cast<int>(internal::HashPath::kShaNi))
    ->Arg(static_cast<int>(internal::HashPath::kAvx512))
    ->Arg(static_cast<int>(internal::HashPath::kPortable))
    ->Unit(benchmark::kMillisecond);

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
