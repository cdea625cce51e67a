// StreamSealer / StreamOpener against their ceiling: raw OpenSSL EVP AES-256-GCM over the same 1 MiB buffers in one
// context (one IV per buffer, no chunking, no AAD). The stream adds a per-chunk IV reset, ~300 bytes of AAD and a
// tag per 64 KiB - 16 B chunk; the target is >= 95% of raw throughput.
//
// BM_*Ratio run both sides alternately in every iteration, so machine noise hits both alike, and report
// stream / raw as the counter "ratio".
#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "cairn/core/aead.h"

namespace cairn {
namespace {

constexpr std::size_t kBuffer = 1 << 20;
constexpr std::uint32_t kChunk = kDefaultChunkSize;

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "benchmark setup failed: %s\n", what);
    std::abort();
  }
}

// Raw AES-256-GCM over one buffer: the baseline.
class RawGcm {
 public:
  explicit RawGcm(bool encrypt) : ctx_(EVP_CIPHER_CTX_new()), encrypt_(encrypt) {
    Check(ctx_ != nullptr, "EVP_CIPHER_CTX_new");
    std::uint8_t key[32] = {1};
    Check(EVP_CipherInit_ex(ctx_.get(), EVP_aes_256_gcm(), nullptr, key, nullptr, encrypt ? 1 : 0) == 1, "init");
  }
  // Encrypts `in` to `out` and writes the tag; or decrypts and checks `tag`.
  void Run(const Bytes& in, Bytes& out, std::uint8_t* tag, std::uint64_t counter) {
    std::uint8_t iv[12] = {};
    iv[11] = static_cast<std::uint8_t>(counter);
    int len = 0;
    Check(EVP_CipherInit_ex(ctx_.get(), nullptr, nullptr, nullptr, iv, -1) == 1, "iv");
    Check(EVP_CipherUpdate(ctx_.get(), out.data(), &len, in.data(), static_cast<int>(in.size())) == 1, "update");
    if (encrypt_) {
      Check(EVP_CipherFinal_ex(ctx_.get(), out.data() + len, &len) == 1, "final");
      Check(EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_GCM_GET_TAG, 16, tag) == 1, "tag");
    } else {
      Check(EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_GCM_SET_TAG, 16, tag) == 1, "tag");
      Check(EVP_CipherFinal_ex(ctx_.get(), out.data() + len, &len) == 1, "raw tag check");
    }
  }

 private:
  std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx_;
  bool encrypt_;
};

struct StreamFixture {
  Bytes key = Bytes(32, 1);
  StreamHeader header = StreamHeader::New(kChunk);
  Bytes plain = Bytes(kBuffer, 0x5a);
  Bytes sealed = Bytes(StreamCiphertextSize(kBuffer, kChunk));
  Bytes opened = Bytes(kBuffer);
  std::unique_ptr<StreamSealer> sealer;
  std::unique_ptr<StreamOpener> opener;

  StreamFixture() {
    auto s = StreamSealer::Create(key, header, AsBytes("bench-file"), 0);
    auto o = StreamOpener::Create(key, header, AsBytes("bench-file"), 0);
    Check(s.ok() && o.ok(), "stream create");
    sealer = std::move(*s);
    opener = std::move(*o);
    Seal();
  }
  void Seal() {
    const std::uint64_t chunks = StreamChunkCount(kBuffer, kChunk);
    std::size_t in = 0, out = 0;
    for (std::uint64_t i = 0; i < chunks; ++i) {
      const std::size_t n = std::min<std::size_t>(kChunk, kBuffer - in);
      Check(sealer
                ->SealChunk(i, i + 1 == chunks, ByteSpan(plain).subspan(in, n),
                            MutableByteSpan(sealed).subspan(out, n + kAeadTagSize))
                .ok(),
            "seal");
      in += n;
      out += n + kAeadTagSize;
    }
  }
  void Open() {
    const std::uint64_t chunks = StreamChunkCount(kBuffer, kChunk);
    std::size_t in = 0, out = 0;
    for (std::uint64_t i = 0; i < chunks; ++i) {
      const std::size_t n = std::min<std::size_t>(kChunk, kBuffer - out);
      Check(opener
                ->OpenChunk(i, i + 1 == chunks, ByteSpan(sealed).subspan(in, n + kAeadTagSize),
                            MutableByteSpan(opened).subspan(out, n))
                .ok(),
            "open");
      in += n + kAeadTagSize;
      out += n;
    }
  }
};

void BM_RawGcmSeal(benchmark::State& state) {
  RawGcm raw(true);
  Bytes in(kBuffer, 0x5a), out(kBuffer);
  std::uint8_t tag[16];
  std::uint64_t n = 0;
  for (auto _ : state) raw.Run(in, out, tag, n++);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kBuffer));
}
BENCHMARK(BM_RawGcmSeal);

void BM_StreamSeal(benchmark::State& state) {
  StreamFixture f;
  for (auto _ : state) f.Seal();
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kBuffer));
}
BENCHMARK(BM_StreamSeal);

// A 1 MiB raw GCM message (IV counter 0) and its tag, for the raw decryption baseline.
struct RawSealed {
  Bytes ciphertext = Bytes(kBuffer);
  std::uint8_t tag[16] = {};
  RawSealed() {
    RawGcm enc(true);
    enc.Run(Bytes(kBuffer, 0x5a), ciphertext, tag, 0);
  }
};

void BM_RawGcmOpen(benchmark::State& state) {
  RawGcm raw(false);
  RawSealed sealed;
  Bytes out(kBuffer);
  for (auto _ : state) raw.Run(sealed.ciphertext, out, sealed.tag, 0);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kBuffer));
}
BENCHMARK(BM_RawGcmOpen);

void BM_StreamOpen(benchmark::State& state) {
  StreamFixture f;
  for (auto _ : state) f.Open();
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kBuffer));
}
BENCHMARK(BM_StreamOpen);

// Alternates raw and stream in every iteration and reports stream throughput / raw throughput.
template <bool kSeal>
void BM_StreamVsRawRatio(benchmark::State& state) {
  using Clock = std::chrono::steady_clock;
  StreamFixture f;
  RawGcm raw(kSeal);
  RawSealed raw_sealed;
  Bytes out(kBuffer);
  std::uint64_t n = 0;
  Clock::duration raw_time{}, stream_time{};
  for (auto _ : state) {
    auto t0 = Clock::now();
    if (kSeal) {
      raw.Run(f.plain, out, raw_sealed.tag, ++n);
    } else {
      raw.Run(raw_sealed.ciphertext, out, raw_sealed.tag, 0);
    }
    auto t1 = Clock::now();
    if (kSeal) {
      f.Seal();
    } else {
      f.Open();
    }
    auto t2 = Clock::now();
    raw_time += t1 - t0;
    stream_time += t2 - t1;
  }
  const double bytes = static_cast<double>(state.iterations()) * kBuffer;
  const double raw_s = std::chrono::duration<double>(raw_time).count();
  const double stream_s = std::chrono::duration<double>(stream_time).count();
  state.counters["raw_GBps"] = bytes / raw_s / 1e9;
  state.counters["stream_GBps"] = bytes / stream_s / 1e9;
  state.counters["ratio"] = raw_s / stream_s;
}
BENCHMARK_TEMPLATE(BM_StreamVsRawRatio, true)->Name("BM_SealVsRawRatio");
BENCHMARK_TEMPLATE(BM_StreamVsRawRatio, false)->Name("BM_OpenVsRawRatio");

// Per-segment setup: HKDF of the stream key and the AES key schedule.
void BM_StreamSealerCreate(benchmark::State& state) {
  Bytes key(32, 1);
  StreamHeader header = StreamHeader::New(kChunk);
  std::uint64_t index = 0;
  for (auto _ : state) {
    auto s = StreamSealer::Create(key, header, AsBytes("bench-file"), index++);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_StreamSealerCreate);

}  // namespace
}  // namespace cairn
