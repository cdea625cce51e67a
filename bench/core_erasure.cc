// ErasureCoder against raw ISA-L on the same tables, and memcpy of the same bytes, in one run.
// Every benchmark reports bytes/s of data shards (k x fragment), so ratios between rows read directly.
// Args: k, m, fragment bytes.
#include <benchmark/benchmark.h>
#include <isa-l/erasure_code.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "cairn/core/erasure.h"

namespace {

struct FreeDeleter {
  void operator()(std::uint8_t* p) const { std::free(p); }
};
using Buffer = std::unique_ptr<std::uint8_t, FreeDeleter>;

Buffer Alloc(std::size_t len) {
  void* p = std::aligned_alloc(64, (len + 63) / 64 * 64);
  if (p == nullptr) std::abort();
  return Buffer(static_cast<std::uint8_t*>(p));
}

// k + m fragments of random bytes (parity starts random too; it is overwritten).
struct Shards {
  Shards(int k, int m, std::size_t len) {
    std::mt19937 rng(42);
    for (int i = 0; i < k + m; ++i) {
      bufs.push_back(Alloc(len));
      for (std::size_t j = 0; j < len; ++j) bufs.back().get()[j] = static_cast<std::uint8_t>(rng());
      ptrs.push_back(bufs.back().get());
    }
  }
  std::vector<Buffer> bufs;
  std::vector<std::uint8_t*> ptrs;
};

void SetCounters(benchmark::State& state, int k, std::size_t len) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * k * static_cast<std::int64_t>(len));
}

// Parity rows of the Cauchy generator the coder uses, expanded to ISA-L tables.
std::vector<std::uint8_t> EncodeMatrix(int k, int m) {
  std::vector<std::uint8_t> a(static_cast<std::size_t>(k + m) * k);
  gf_gen_cauchy1_matrix(a.data(), k + m, k);
  return a;
}

void BM_Memcpy(benchmark::State& state) {
  const int k = static_cast<int>(state.range(0));
  const std::size_t len = static_cast<std::size_t>(state.range(2));
  Shards src(k, 0, len), dst(k, 0, len);
  for (auto _ : state) {
    for (int i = 0; i < k; ++i) std::memcpy(dst.ptrs[i], src.ptrs[i], len);
    benchmark::ClobberMemory();
  }
  SetCounters(state, k, len);
}

void BM_IsalEncode(benchmark::State& state) {
  const int k = static_cast<int>(state.range(0)), m = static_cast<int>(state.range(1));
  const std::size_t len = static_cast<std::size_t>(state.range(2));
  Shards s(k, m, len);
  std::vector<std::uint8_t> a = EncodeMatrix(k, m);
  std::vector<std::uint8_t> tables(32u * k * m);
  ec_init_tables(k, m, &a[static_cast<std::size_t>(k) * k], tables.data());
  for (auto _ : state) {
    ec_encode_data(static_cast<int>(len), k, m, tables.data(), s.ptrs.data(), s.ptrs.data() + k);
    benchmark::ClobberMemory();
  }
  SetCounters(state, k, len);
}

void BM_CoderEncode(benchmark::State& state) {
  const int k = static_cast<int>(state.range(0)), m = static_cast<int>(state.range(1));
  const std::size_t len = static_cast<std::size_t>(state.range(2));
  Shards s(k, m, len);
  auto coder = cairn::ErasureCoder::Create(k, m);
  if (!coder.ok()) {
    state.SkipWithError("create failed");
    return;
  }
  std::vector<const std::uint8_t*> data(s.ptrs.begin(), s.ptrs.begin() + k);
  std::span<std::uint8_t* const> parity(s.ptrs.data() + k, m);
  for (auto _ : state) {
    if (!(*coder)->Encode(data, parity, len).ok()) state.SkipWithError("encode failed");
    benchmark::ClobberMemory();
  }
  SetCounters(state, k, len);
}

// Lose data shards 0..lost-1 (lost = min(2, m)); rebuild them from data lost..k-1 and parity 0..lost-1.
int Lost(int m) { return m < 2 ? m : 2; }

void BM_IsalDecode(benchmark::State& state) {
  const int k = static_cast<int>(state.range(0)), m = static_cast<int>(state.range(1));
  const std::size_t len = static_cast<std::size_t>(state.range(2));
  const int lost = Lost(m);
  Shards s(k, m, len);
  std::vector<std::uint8_t> a = EncodeMatrix(k, m);
  std::vector<unsigned char*> present;
  std::vector<std::uint8_t> b(static_cast<std::size_t>(k) * k), inv(b.size());
  for (int r = 0; r < k; ++r) {
    int idx = r + lost;  // data lost..k-1, then parity k..k+lost-1
    std::memcpy(&b[static_cast<std::size_t>(r) * k], &a[static_cast<std::size_t>(idx) * k], k);
    present.push_back(s.ptrs[idx]);
  }
  if (gf_invert_matrix(b.data(), inv.data(), k) != 0) {
    state.SkipWithError("singular");
    return;
  }
  std::vector<std::uint8_t> tables(32u * k * lost);
  ec_init_tables(k, lost, inv.data(), tables.data());  // rows 0..lost-1 of the inverse rebuild data 0..lost-1
  Shards out(lost, 0, len);
  for (auto _ : state) {
    ec_encode_data(static_cast<int>(len), k, lost, tables.data(), present.data(), out.ptrs.data());
    benchmark::ClobberMemory();
  }
  SetCounters(state, k, len);
}

void BM_CoderDecode(benchmark::State& state) {
  const int k = static_cast<int>(state.range(0)), m = static_cast<int>(state.range(1));
  const std::size_t len = static_cast<std::size_t>(state.range(2));
  const int lost = Lost(m);
  Shards s(k, m, len);
  auto coder = cairn::ErasureCoder::Create(k, m);
  if (!coder.ok()) {
    state.SkipWithError("create failed");
    return;
  }
  std::vector<int> present_index, want_index;
  std::vector<const std::uint8_t*> present;
  for (int r = 0; r < k; ++r) {
    present_index.push_back(r + lost);
    present.push_back(s.ptrs[r + lost]);
  }
  for (int i = 0; i < lost; ++i) want_index.push_back(i);
  Shards out(lost, 0, len);
  for (auto _ : state) {
    if (!(*coder)->Decode(present_index, present, want_index, out.ptrs, len).ok()) state.SkipWithError("decode");
    benchmark::ClobberMemory();
  }
  SetCounters(state, k, len);
}

void Shapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"k", "m", "len"});
  for (auto [k, m] : {std::pair{4, 2}, std::pair{10, 4}}) {
    b->Args({k, m, 64 << 10});
    b->Args({k, m, 1 << 20});
  }
  b->Args({29, 51, 1 << 20});  // a wide code: 9 passes of 6 output rows over the sources
}

BENCHMARK(BM_Memcpy)->Apply(Shapes);
BENCHMARK(BM_IsalEncode)->Apply(Shapes);
BENCHMARK(BM_CoderEncode)->Apply(Shapes);
BENCHMARK(BM_IsalDecode)->Apply(Shapes);
BENCHMARK(BM_CoderDecode)->Apply(Shapes);

}  // namespace
