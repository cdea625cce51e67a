// The whole encode and decode pipelines (AEAD -> RS -> comm_d per shard), plaintext bytes/s, into memory sinks.
// Baselines in the same run: memcpy of the plaintext, and OpenSSL EVP SHA-256 over the bytes the shards hold
// (1 + m/k times the plaintext), the figure the design's "stock OpenSSL ceiling" is built from. For thread scaling,
// BM_EncodeIndependentPair runs two one-thread encodes at once on two threads: the machine's own two-core ceiling at
// that moment, to set the multi-threaded pipeline against (its ratio to the one-thread encode is what "2x" can mean
// on a shared machine). Input: BM_EncodePipeline's lend argument sets a lending MemoryInput (1) against the same bytes
// copied into the units (0), and (2) a lending input that lends one stripe of plaintext over and over: it stays in
// cache, so the pipeline's ratio to it is what reading a 64 MiB input from memory costs.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <thread>

#include "cairn/core/aead.h"
#include "decoder.h"
#include "encoder.h"
#include "memory_shards.h"

namespace cairn::client {
namespace {

constexpr std::size_t kFileSize = 64ull << 20;

const Bytes& Plaintext() {
  static const Bytes data = [] {
    Bytes b(kFileSize);
    std::mt19937_64 rng(1);
    for (std::size_t i = 0; i < b.size(); i += 8) {
      std::uint64_t v = rng();
      std::memcpy(&b[i], &v, 8);
    }
    return b;
  }();
  return data;
}

// Discards shard bytes (counts them) so the benchmark measures the pipeline, not memory growth.
class NullSink : public ShardSink {
 public:
  class Writer : public ShardWriter {
   public:
    explicit Writer(std::uint64_t* n) : n_(n) {}
    Status Append(ByteSpan d) override {
      *n_ += d.size();
      return Status::Ok();
    }
    Status Commit() override { return Status::Ok(); }

   private:
    std::uint64_t* n_;
  };
  Result<std::unique_ptr<ShardWriter>> Create(std::uint32_t, int) override {
    return std::unique_ptr<ShardWriter>(new Writer(&bytes));
  }
  std::uint64_t bytes = 0;
};

void BM_Memcpy(benchmark::State& state) {
  const Bytes& src = Plaintext();
  Bytes dst(src.size());
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), src.size());
    benchmark::DoNotOptimize(dst.data());
  }
  state.SetBytesProcessed(state.iterations() * src.size());
}
BENCHMARK(BM_Memcpy)->Unit(benchmark::kMillisecond);

// OpenSSL SHA-256 over (k+m)/k of the plaintext in 64 KiB pieces: the hashing work a "hash every shard byte once"
// pipeline would do. Reported bytes are plaintext bytes, so it reads as a plaintext-rate ceiling.
void BM_BaselineOpenSslShaOverShardBytes(benchmark::State& state) {
  const Bytes& src = Plaintext();
  const double expand = (state.range(0) + state.range(1)) / static_cast<double>(state.range(0));
  std::size_t total = static_cast<std::size_t>(src.size() * expand);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned char out[32];
  for (auto _ : state) {
    for (std::size_t off = 0; off < total; off += 65536) {
      std::size_t pos = off % (src.size() - 65536);
      EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
      EVP_DigestUpdate(ctx, src.data() + pos, 65536);
      EVP_DigestFinal_ex(ctx, out, nullptr);
    }
    benchmark::DoNotOptimize(out);
  }
  EVP_MD_CTX_free(ctx);
  state.SetBytesProcessed(state.iterations() * src.size());
}
BENCHMARK(BM_BaselineOpenSslShaOverShardBytes)->Args({10, 4})->Args({4, 2})->Unit(benchmark::kMillisecond);

// The same bytes through Read only (it hides MemoryInput's Borrow): the encoder copies each chunk into its unit.
class CopyingInput : public InputStream {
 public:
  explicit CopyingInput(ByteSpan data) : inner_(data) {}
  Result<std::size_t> Read(MutableByteSpan out) override { return inner_.Read(out); }

 private:
  MemoryInput inner_;
};

// Lends the first `window` bytes of `data` again and again, `total` bytes in all (not the file's bytes after the
// first window: a cache-resident input of the same size).
class RepeatingInput : public InputStream {
 public:
  RepeatingInput(ByteSpan data, std::size_t window, std::size_t total) : window_(data.first(window)), left_(total) {}
  Result<std::size_t> Read(MutableByteSpan) override { return Status::FailedPrecondition("RepeatingInput only lends"); }
  bool CanLend() const override { return true; }
  Result<Loan> Borrow(std::size_t max) override {
    const std::size_t n = std::min({max, window_.size(), left_});
    left_ -= n;
    return Loan{window_.first(n), nullptr};
  }

 private:
  ByteSpan window_;
  std::size_t left_;
};

enum class Input { kCopied = 0, kLent = 1, kLentFromCache = 2 };

Status EncodeOnce(const Bytes& src, const EncodeOptions& o, NullSink& sink, Input input = Input::kLent) {
  Bytes key(kAeadKeySize, 3);
  MemoryInput lent(src);
  CopyingInput copied(src);
  // One stripe of whole chunks (the unit EncodeFile chooses for this size), so no chunk straddles two loans.
  const std::size_t chunk = ChooseUnitSize(src.size(), o.params.k, o.params.segment_size) - kAeadTagSize;
  RepeatingInput cached(src, static_cast<std::size_t>(o.params.k) * chunk, src.size());
  InputStream& in = input == Input::kCopied ? static_cast<InputStream&>(copied)
                    : input == Input::kLent ? static_cast<InputStream&>(lent)
                                            : cached;
  return EncodeFile(in, src.size(), key, o, sink).status();
}

EncodeOptions BenchOptions(const benchmark::State& state, int threads) {
  EncodeOptions o;
  o.params = {static_cast<int>(state.range(0)), static_cast<int>(state.range(1)), 64ull << 20, 0};
  o.threads = threads;
  if (state.range(3) > 0) o.stripes_per_batch = static_cast<std::size_t>(state.range(3));
  return o;
}

// Args: k, m, threads, stripes per batch (0: the default), lend (1: the input lends its bytes, 0: they are copied,
// 2: one cache-resident stripe is lent over and over).
void BM_EncodePipeline(benchmark::State& state) {
  const Bytes& src = Plaintext();
  EncodeOptions o = BenchOptions(state, static_cast<int>(state.range(2)));
  for (auto _ : state) {
    NullSink sink;
    Status s = EncodeOnce(src, o, sink, static_cast<Input>(state.range(4)));
    if (!s.ok()) state.SkipWithError(s.ToString().c_str());
    benchmark::DoNotOptimize(sink.bytes);
  }
  state.SetBytesProcessed(state.iterations() * src.size());
}
BENCHMARK(BM_EncodePipeline)
    ->ArgNames({"k", "m", "threads", "batch", "lend"})
    ->Args({10, 4, 1, 0, 0})
    ->Args({10, 4, 1, 0, 1})
    ->Args({10, 4, 1, 0, 2})
    ->Args({10, 4, 2, 0, 0})
    ->Args({10, 4, 2, 0, 1})
    ->Args({4, 2, 1, 0, 0})
    ->Args({4, 2, 1, 0, 1})
    ->Args({4, 2, 2, 0, 0})
    ->Args({4, 2, 2, 0, 1})
    ->Args({10, 4, 1, 1, 1})
    ->Args({10, 4, 2, 1, 1})
    ->Args({10, 4, 1, 4, 1})
    ->Args({10, 4, 2, 4, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Two one-thread encodes of the whole file at once, one per thread; bytes are both files' plaintext. Args as above
// (threads is ignored).
void BM_EncodeIndependentPair(benchmark::State& state) {
  const Bytes& src = Plaintext();
  EncodeOptions o = BenchOptions(state, 1);
  for (auto _ : state) {
    NullSink sinks[2];
    Status results[2];
    std::thread other([&] { results[1] = EncodeOnce(src, o, sinks[1]); });
    results[0] = EncodeOnce(src, o, sinks[0]);
    other.join();
    for (const Status& s : results) {
      if (!s.ok()) state.SkipWithError(s.ToString().c_str());
    }
  }
  state.SetBytesProcessed(state.iterations() * 2 * src.size());
}
BENCHMARK(BM_EncodeIndependentPair)
    ->ArgNames({"k", "m", "threads", "batch"})
    ->Args({10, 4, 1, 0})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Decode with m data shards lost (the worst case: every stripe is rebuilt), and with none lost.
void BM_DecodePipeline(benchmark::State& state) {
  const Bytes& src = Plaintext();
  int k = static_cast<int>(state.range(0));
  int m = static_cast<int>(state.range(1));
  EncodeOptions o;
  o.params = {k, m, 64ull << 20, 0};
  Bytes key(kAeadKeySize, 3);
  MemoryShards shards;
  MemoryInput in(src);
  auto coding = EncodeFile(in, src.size(), key, o, shards);
  if (!coding.ok()) {
    state.SkipWithError(coding.status().ToString().c_str());
    return;
  }
  if (state.range(3)) {
    for (int j = 0; j < m; ++j) shards.Erase(0, j);
  }
  DecodeOptions d;
  d.threads = static_cast<int>(state.range(2));
  for (auto _ : state) {
    MemoryOutput out;
    out.bytes.reserve(src.size());
    auto r = DecodeFile(*coding, key, shards, out, d);
    if (!r.ok() || out.bytes.size() != src.size()) state.SkipWithError("decode failed");
  }
  state.SetBytesProcessed(state.iterations() * src.size());
}
BENCHMARK(BM_DecodePipeline)
    ->ArgNames({"k", "m", "threads", "lost"})
    ->Args({10, 4, 1, 0})
    ->Args({10, 4, 2, 0})
    ->Args({10, 4, 1, 1})
    ->Args({10, 4, 2, 1})
    ->Args({4, 2, 1, 0})
    ->Args({4, 2, 2, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace cairn::client
