// The "stock OpenSSL ceiling" of the design notes, measured in the same run as the encode pipeline: a put's work done
// with stock library calls only, fused per stripe so each stripe is still in cache when it is hashed. Per stripe:
// k chunks of plaintext sealed with OpenSSL EVP AES-256-GCM (64 KiB - 16 B plaintext + 16 B tag each) -> ISA-L
// encodes m parity chunks -> OpenSSL EVP SHA-256 streams every shard byte once (one context per shard). Reported
// bytes are plaintext bytes. cairn's encoder does more hashing than this (comm_d is a Merkle tree over 32-byte nodes,
// two compressions per 64 shard bytes instead of one), so its ratio to this ceiling is what its kernels buy.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <cstring>
#include <memory>
#include <vector>

#include "cairn/core/bytes.h"
#include "cairn/core/erasure.h"

namespace cairn::client {
namespace {

constexpr std::size_t kInputSize = 64ull << 20;
constexpr std::size_t kTag = 16;
constexpr std::size_t kChunk = 64 << 10;  // one AEAD chunk with its tag: one shard fragment per stripe
constexpr std::size_t kPlainPerChunk = kChunk - kTag;

// Random bytes (OpenSSL's DRBG), generated once.
const Bytes& Input() {
  static const Bytes data = [] {
    Bytes b(kInputSize);
    if (RAND_bytes(b.data(), static_cast<int>(b.size())) != 1) b.assign(kInputSize, 0x5a);
    return b;
  }();
  return data;
}

struct CipherFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
struct MdFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

// Args: k, m.
void BM_BaselineStockPipeline(benchmark::State& state) {
  const int k = static_cast<int>(state.range(0));
  const int m = static_cast<int>(state.range(1));
  const Bytes& in = Input();
  auto coder = ErasureCoder::Create(k, m);
  if (!coder.ok()) {
    state.SkipWithError("ErasureCoder::Create failed");
    return;
  }
  std::unique_ptr<EVP_CIPHER_CTX, CipherFree> aead(EVP_CIPHER_CTX_new());
  const std::array<unsigned char, 32> key{7};
  if (!aead || EVP_EncryptInit_ex(aead.get(), EVP_aes_256_gcm(), nullptr, key.data(), nullptr) != 1) {
    state.SkipWithError("AES-256-GCM init failed");
    return;
  }
  std::vector<std::unique_ptr<EVP_MD_CTX, MdFree>> md;
  for (int i = 0; i < k + m; ++i) md.emplace_back(EVP_MD_CTX_new());
  std::vector<Bytes> frag(k + m, Bytes(kChunk));
  std::vector<const std::uint8_t*> data_ptrs;
  std::vector<std::uint8_t*> parity_ptrs;
  for (int i = 0; i < k; ++i) data_ptrs.push_back(frag[i].data());
  for (int i = k; i < k + m; ++i) parity_ptrs.push_back(frag[i].data());
  const std::size_t stripe_plain = kPlainPerChunk * static_cast<std::size_t>(k);
  const std::size_t stripes = in.size() / stripe_plain;
  std::array<unsigned char, 32> digest{};
  bool ok = true;
  for (auto _ : state) {
    for (auto& c : md) ok &= EVP_DigestInit_ex(c.get(), EVP_sha256(), nullptr) == 1;
    std::uint64_t chunk_index = 0;
    for (std::size_t s = 0; s < stripes; ++s) {
      for (int i = 0; i < k; ++i, ++chunk_index) {
        std::array<unsigned char, 12> iv{};
        std::memcpy(iv.data(), &chunk_index, sizeof chunk_index);
        int len = 0;
        const std::uint8_t* p = in.data() + (s * k + i) * kPlainPerChunk;
        ok &= EVP_EncryptInit_ex(aead.get(), nullptr, nullptr, nullptr, iv.data()) == 1;
        ok &= EVP_EncryptUpdate(aead.get(), frag[i].data(), &len, p, static_cast<int>(kPlainPerChunk)) == 1;
        ok &= EVP_EncryptFinal_ex(aead.get(), frag[i].data() + len, &len) == 1;
        ok &= EVP_CIPHER_CTX_ctrl(aead.get(), EVP_CTRL_GCM_GET_TAG, kTag, frag[i].data() + kPlainPerChunk) == 1;
      }
      ok &= (*coder)->Encode(data_ptrs, parity_ptrs, kChunk).ok();
      for (int i = 0; i < k + m; ++i) ok &= EVP_DigestUpdate(md[i].get(), frag[i].data(), kChunk) == 1;
    }
    for (auto& c : md) ok &= EVP_DigestFinal_ex(c.get(), digest.data(), nullptr) == 1;
    benchmark::DoNotOptimize(digest.data());
  }
  if (!ok) state.SkipWithError("an OpenSSL or ISA-L call failed");
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * stripes * stripe_plain));
}
BENCHMARK(BM_BaselineStockPipeline)->Args({10, 4})->Args({4, 2})->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cairn::client
