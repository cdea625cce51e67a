// Stream and message encryption, format version 1. Every integer is big-endian.
//
// header      := magic:"CS" version:u8(=1) algorithm:u8(=1, AES-256-GCM) chunk_size:u32 nonce:u8[16]    (24 bytes)
//                with kMinChunkSize <= chunk_size <= kMaxChunkSize
// stream      := chunk[n]                              n = max(1, ceil(plaintext_size / chunk_size))
// chunk       := ciphertext:u8[len] tag:u8[16]         len = chunk_size, except the last chunk: 0..chunk_size
//
// stream_key  := HKDF-SHA256(ikm  = file key (32 bytes),
//                            salt = header.nonce (16 bytes),
//                            info = "cairn/v1/stream-key" algorithm:u8 stream_index:u64,  L = 32)
// chunk_iv    := last:u8 (0 or 1) zero:u8[3] chunk_index:u64                                            (12 bytes)
// chunk_aad   := header:u8[24] context_size:u16 context:u8[context_size] stream_index:u64 chunk_index:u64 last:u8
// chunk       := AES-256-GCM-Encrypt(stream_key, chunk_iv, chunk_aad, plaintext)
//
// Why this shape: every (file key, header nonce, stream index) gets its own AES key, so chunk IVs can be a plain
// counter; (chunk_index, last) never repeats within a stream that is sealed once, so no IV repeats under a key. The
// IV alone already pins a chunk's position and finality and the key pins the stream; the AAD repeats all of it
// together with the header (chunk size, algorithm) and the caller's context, so a splice fails even between two
// streams that share a file key and nonce by mistake. A stream cut after a non-last chunk fails because no chunk was
// sealed with last = 1 at that index, and dropping or reordering chunks changes the IV each chunk is opened with.
//
// message     := version:u8(=1) nonce:u8[12] ciphertext:u8[n] tag:u8[16]           n <= kMaxMessageSize
//                sealed as AES-256-GCM-Encrypt(key, nonce, version:u8 aad, plaintext), nonce random per message;
//                `aad` is the caller's associated data, bound but not stored.
#include "cairn/core/aead.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <sodium.h>

#include <climits>
#include <cstring>
#include <string>

#include "hkdf.h"
#include "openssl_error.h"
#include "sodium_init.h"

namespace cairn {
namespace {

constexpr std::uint8_t kMagic[2] = {'C', 'S'};
constexpr std::uint8_t kStreamVersion = 1;
constexpr std::uint8_t kAlgorithmAes256Gcm = 1;
constexpr std::uint8_t kMessageVersion = 1;
constexpr std::size_t kChunkIvSize = 12;
constexpr char kStreamKeyLabel[] = "cairn/v1/stream-key";
// chunk_index:u64 last:u8 at the end of chunk_aad.
constexpr std::size_t kAadChunkFieldsSize = 9;

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

// Fetched once for the life of the process, so creating a sealer does no provider lookup.
const EVP_CIPHER* Aes256Gcm() {
  static EVP_CIPHER* const cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  return cipher;
}

// Checks the fields of a header; `code` is kCorruption for parsed bytes and kInvalidArgument for a caller's struct.
Status CheckHeader(const StreamHeader& h, Code code) {
  if (h.version != kStreamVersion) {
    return Status(code, "unsupported stream format version " + std::to_string(h.version));
  }
  if (h.algorithm != kAlgorithmAes256Gcm) {
    return Status(code, "unsupported stream algorithm " + std::to_string(h.algorithm));
  }
  if (h.chunk_size < kMinChunkSize || h.chunk_size > kMaxChunkSize) {
    return Status(code, "stream chunk size " + std::to_string(h.chunk_size) + " outside [" +
                            std::to_string(kMinChunkSize) + ", " + std::to_string(kMaxChunkSize) + "]");
  }
  return Status::Ok();
}

// True when `in` and `out` overlap other than by starting at the same address (OpenSSL allows only exact in-place).
bool BadOverlap(ByteSpan in, MutableByteSpan out) {
  auto a = reinterpret_cast<std::uintptr_t>(in.data());
  auto b = reinterpret_cast<std::uintptr_t>(out.data());
  if (a == b || in.empty() || out.empty()) return false;
  return a < b + out.size() && b < a + in.size();
}

// What a sealer and an opener share: an EVP context keyed once with the stream key, and the AAD of the stream whose
// last kAadChunkFieldsSize bytes are rewritten for each chunk.
class ChunkCipher {
 public:
  Status Init(ByteSpan key, const StreamHeader& header, ByteSpan context, std::uint64_t stream_index, bool encrypt) {
    if (key.size() != kAeadKeySize) {
      return Status::InvalidArgument("stream key must be " + std::to_string(kAeadKeySize) + " bytes");
    }
    CAIRN_RETURN_IF_ERROR(CheckHeader(header, Code::kInvalidArgument));
    if (context.size() > kMaxStreamContextSize) {
      return Status::InvalidArgument("stream context longer than " + std::to_string(kMaxStreamContextSize) + " bytes");
    }
    const EVP_CIPHER* cipher = Aes256Gcm();
    if (cipher == nullptr) return OpensslError("EVP_CIPHER_fetch(AES-256-GCM)");

    const ByteSpan label = AsBytes(kStreamKeyLabel);
    Bytes info(label.begin(), label.end());
    info.push_back(header.algorithm);
    AppendBE64(info, stream_index);
    std::uint8_t stream_key[kAeadKeySize];
    Status derived = HkdfSha256(key, header.nonce, info, stream_key);
    if (!derived.ok()) {
      SecureZero(stream_key);
      return derived;
    }

    ctx_.reset(EVP_CIPHER_CTX_new());
    int rc = 0;
    if (ctx_) {
      rc = encrypt ? EVP_EncryptInit_ex(ctx_.get(), cipher, nullptr, stream_key, nullptr)
                   : EVP_DecryptInit_ex(ctx_.get(), cipher, nullptr, stream_key, nullptr);
    }
    SecureZero(stream_key);
    if (!ctx_) return OpensslError("EVP_CIPHER_CTX_new");
    if (rc != 1) return OpensslError("EVP_CipherInit_ex(AES-256-GCM key)");

    encrypt_ = encrypt;
    chunk_size_ = header.chunk_size;
    aad_ = header.Serialize();
    aad_.push_back(static_cast<std::uint8_t>(context.size() >> 8));
    aad_.push_back(static_cast<std::uint8_t>(context.size()));
    Append(aad_, context);
    AppendBE64(aad_, stream_index);
    aad_.resize(aad_.size() + kAadChunkFieldsSize);
    return Status::Ok();
  }

  // Resets the IV for chunk `chunk_index` and feeds the chunk's AAD; the key schedule is kept.
  Status Begin(std::uint64_t chunk_index, bool last) {
    std::uint8_t iv[kChunkIvSize] = {};
    iv[0] = last ? 1 : 0;
    PutBE64(iv + 4, chunk_index);
    std::uint8_t* fields = aad_.data() + aad_.size() - kAadChunkFieldsSize;
    PutBE64(fields, chunk_index);
    fields[8] = last ? 1 : 0;
    int rc = encrypt_ ? EVP_EncryptInit_ex(ctx_.get(), nullptr, nullptr, nullptr, iv)
                      : EVP_DecryptInit_ex(ctx_.get(), nullptr, nullptr, nullptr, iv);
    if (rc != 1) return OpensslError("EVP_CipherInit_ex(chunk IV)");
    int len = 0;
    if (EVP_CipherUpdate(ctx_.get(), nullptr, &len, aad_.data(), static_cast<int>(aad_.size())) != 1) {
      return OpensslError("EVP_CipherUpdate(chunk AAD)");
    }
    return Status::Ok();
  }

  EVP_CIPHER_CTX* ctx() { return ctx_.get(); }
  std::uint32_t chunk_size() const { return chunk_size_; }

 private:
  CipherCtx ctx_;
  Bytes aad_;
  std::uint32_t chunk_size_ = 0;
  bool encrypt_ = true;
};

class StreamSealerImpl final : public StreamSealer {
 public:
  Status Init(ByteSpan key, const StreamHeader& header, ByteSpan context, std::uint64_t stream_index) {
    return cipher_.Init(key, header, context, stream_index, /*encrypt=*/true);
  }

  Status SealChunk(std::uint64_t chunk_index, bool last, ByteSpan plaintext, MutableByteSpan out) override {
    const std::size_t n = plaintext.size();
    if (out.size() != n + kAeadTagSize) return Status::InvalidArgument("SealChunk: out must be plaintext + 16 bytes");
    if (last ? n > cipher_.chunk_size() : n != cipher_.chunk_size()) {
      return Status::InvalidArgument("SealChunk: chunk " + std::to_string(chunk_index) + " has " + std::to_string(n) +
                                     " bytes; chunk size is " + std::to_string(cipher_.chunk_size()));
    }
    if (BadOverlap(plaintext, out)) return Status::InvalidArgument("SealChunk: buffers overlap");
    CAIRN_RETURN_IF_ERROR(cipher_.Begin(chunk_index, last));
    EVP_CIPHER_CTX* ctx = cipher_.ctx();
    int len = 0;
    if (n > 0 && (EVP_EncryptUpdate(ctx, out.data(), &len, plaintext.data(), static_cast<int>(n)) != 1 ||
                  static_cast<std::size_t>(len) != n)) {
      return OpensslError("EVP_EncryptUpdate");
    }
    if (EVP_EncryptFinal_ex(ctx, out.data() + n, &len) != 1 || len != 0) return OpensslError("EVP_EncryptFinal_ex");
    if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, kAeadTagSize, out.data() + n) != 1) {
      return OpensslError("EVP_CTRL_GCM_GET_TAG");
    }
    return Status::Ok();
  }

 private:
  ChunkCipher cipher_;
};

class StreamOpenerImpl final : public StreamOpener {
 public:
  Status Init(ByteSpan key, const StreamHeader& header, ByteSpan context, std::uint64_t stream_index) {
    return cipher_.Init(key, header, context, stream_index, /*encrypt=*/false);
  }

  Status OpenChunk(std::uint64_t chunk_index, bool last, ByteSpan ciphertext, MutableByteSpan out) override {
    if (ciphertext.size() < kAeadTagSize) {
      return Status::Corruption("chunk " + std::to_string(chunk_index) + " is shorter than its tag");
    }
    const std::size_t n = ciphertext.size() - kAeadTagSize;
    if (out.size() != n) return Status::InvalidArgument("OpenChunk: out must be ciphertext - 16 bytes");
    if (last ? n > cipher_.chunk_size() : n != cipher_.chunk_size()) {
      return Status::Corruption("chunk " + std::to_string(chunk_index) + " has " + std::to_string(n) +
                                " bytes; chunk size is " + std::to_string(cipher_.chunk_size()));
    }
    if (BadOverlap(ciphertext, out)) return Status::InvalidArgument("OpenChunk: buffers overlap");
    CAIRN_RETURN_IF_ERROR(cipher_.Begin(chunk_index, last));
    EVP_CIPHER_CTX* ctx = cipher_.ctx();
    int len = 0;
    if (n > 0 && (EVP_DecryptUpdate(ctx, out.data(), &len, ciphertext.data(), static_cast<int>(n)) != 1 ||
                  static_cast<std::size_t>(len) != n)) {
      SecureZero(out);
      return OpensslError("EVP_DecryptUpdate");
    }
    // OpenSSL copies the tag; the cast only satisfies the void* signature.
    void* tag = const_cast<std::uint8_t*>(ciphertext.data() + n);
    if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, kAeadTagSize, tag) != 1) {
      SecureZero(out);
      return OpensslError("EVP_CTRL_GCM_SET_TAG");
    }
    std::uint8_t final_block[16];
    if (EVP_DecryptFinal_ex(ctx, final_block, &len) != 1) {
      SecureZero(out);
      ERR_clear_error();  // a failed tag check may leave nothing queued, or a note we do not need
      return Status::AuthFailed("chunk " + std::to_string(chunk_index) + (last ? " (last)" : "") +
                                " failed authentication");
    }
    return Status::Ok();
  }

 private:
  ChunkCipher cipher_;
};

}  // namespace

Bytes StreamHeader::Serialize() const {
  Bytes out;
  out.reserve(kStreamHeaderSize);
  out.insert(out.end(), kMagic, kMagic + sizeof(kMagic));
  out.push_back(version);
  out.push_back(algorithm);
  AppendBE32(out, chunk_size);
  out.insert(out.end(), nonce.begin(), nonce.end());
  return out;
}

Result<StreamHeader> StreamHeader::Parse(ByteSpan bytes) {
  if (bytes.size() != kStreamHeaderSize) {
    return Status::Corruption("stream header must be " + std::to_string(kStreamHeaderSize) + " bytes, got " +
                              std::to_string(bytes.size()));
  }
  ByteReader r(bytes);
  ByteSpan magic;
  StreamHeader h;
  ByteSpan nonce;
  r.ReadSpan(sizeof(kMagic), magic);
  r.ReadU8(h.version);
  r.ReadU8(h.algorithm);
  r.ReadBE32(h.chunk_size);
  r.ReadSpan(kStreamNonceSize, nonce);
  if (!r.AtEnd()) return Status::Internal("stream header reader out of step");
  if (std::memcmp(magic.data(), kMagic, sizeof(kMagic)) != 0) return Status::Corruption("not a cairn stream header");
  CAIRN_RETURN_IF_ERROR(CheckHeader(h, Code::kCorruption));
  std::memcpy(h.nonce.data(), nonce.data(), kStreamNonceSize);
  return h;
}

StreamHeader StreamHeader::New(std::uint32_t chunk_size) {
  StreamHeader h;
  h.chunk_size = chunk_size;
  RandomBytes(h.nonce);
  return h;
}

std::uint64_t StreamChunkCount(std::uint64_t plaintext_size, std::uint32_t chunk_size) {
  if (chunk_size == 0) return 0;
  if (plaintext_size == 0) return 1;
  return plaintext_size / chunk_size + (plaintext_size % chunk_size != 0 ? 1 : 0);
}

std::uint64_t StreamCiphertextSize(std::uint64_t plaintext_size, std::uint32_t chunk_size) {
  return plaintext_size + StreamChunkCount(plaintext_size, chunk_size) * kAeadTagSize;
}

Result<std::unique_ptr<StreamSealer>> StreamSealer::Create(ByteSpan key, const StreamHeader& header, ByteSpan context,
                                                           std::uint64_t stream_index) {
  auto sealer = std::make_unique<StreamSealerImpl>();
  CAIRN_RETURN_IF_ERROR(sealer->Init(key, header, context, stream_index));
  return std::unique_ptr<StreamSealer>(std::move(sealer));
}

Result<std::unique_ptr<StreamOpener>> StreamOpener::Create(ByteSpan key, const StreamHeader& header, ByteSpan context,
                                                           std::uint64_t stream_index) {
  auto opener = std::make_unique<StreamOpenerImpl>();
  CAIRN_RETURN_IF_ERROR(opener->Init(key, header, context, stream_index));
  return std::unique_ptr<StreamOpener>(std::move(opener));
}

Result<Bytes> SealMessage(ByteSpan key, ByteSpan aad, ByteSpan plaintext) {
  if (key.size() != kAeadKeySize) return Status::InvalidArgument("message key must be 32 bytes");
  if (plaintext.size() > kMaxMessageSize) return Status::InvalidArgument("message longer than kMaxMessageSize");
  if (aad.size() > kMaxMessageSize) return Status::InvalidArgument("message AAD longer than kMaxMessageSize");
  const EVP_CIPHER* cipher = Aes256Gcm();
  if (cipher == nullptr) return OpensslError("EVP_CIPHER_fetch(AES-256-GCM)");

  const std::size_t n = plaintext.size();
  Bytes out(kMessageOverhead + n);
  out[0] = kMessageVersion;
  std::uint8_t* nonce = out.data() + 1;
  std::uint8_t* body = nonce + kMessageNonceSize;
  RandomBytes(MutableByteSpan(nonce, kMessageNonceSize));

  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return OpensslError("EVP_CIPHER_CTX_new");
  int len = 0;
  if (EVP_EncryptInit_ex(ctx.get(), cipher, nullptr, key.data(), nonce) != 1) return OpensslError("EVP_EncryptInit_ex");
  if (EVP_EncryptUpdate(ctx.get(), nullptr, &len, &kMessageVersion, 1) != 1 ||
      (!aad.empty() && EVP_EncryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1)) {
    return OpensslError("EVP_EncryptUpdate(AAD)");
  }
  if (n > 0 && (EVP_EncryptUpdate(ctx.get(), body, &len, plaintext.data(), static_cast<int>(n)) != 1 ||
                static_cast<std::size_t>(len) != n)) {
    return OpensslError("EVP_EncryptUpdate");
  }
  if (EVP_EncryptFinal_ex(ctx.get(), body + n, &len) != 1 || len != 0) return OpensslError("EVP_EncryptFinal_ex");
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kAeadTagSize, body + n) != 1) {
    return OpensslError("EVP_CTRL_GCM_GET_TAG");
  }
  return out;
}

Result<Bytes> OpenMessage(ByteSpan key, ByteSpan aad, ByteSpan sealed) {
  if (key.size() != kAeadKeySize) return Status::InvalidArgument("message key must be 32 bytes");
  if (aad.size() > kMaxMessageSize) return Status::InvalidArgument("message AAD longer than kMaxMessageSize");
  if (sealed.size() < kMessageOverhead) return Status::Corruption("sealed message too short");
  if (sealed.size() - kMessageOverhead > kMaxMessageSize) return Status::Corruption("sealed message too long");
  if (sealed[0] != kMessageVersion) {
    return Status::Corruption("unsupported sealed message version " + std::to_string(sealed[0]));
  }
  const EVP_CIPHER* cipher = Aes256Gcm();
  if (cipher == nullptr) return OpensslError("EVP_CIPHER_fetch(AES-256-GCM)");

  const std::uint8_t* nonce = sealed.data() + 1;
  const std::uint8_t* body = nonce + kMessageNonceSize;
  const std::size_t n = sealed.size() - kMessageOverhead;
  Bytes out(n);

  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return OpensslError("EVP_CIPHER_CTX_new");
  int len = 0;
  if (EVP_DecryptInit_ex(ctx.get(), cipher, nullptr, key.data(), nonce) != 1) return OpensslError("EVP_DecryptInit_ex");
  if (EVP_DecryptUpdate(ctx.get(), nullptr, &len, &kMessageVersion, 1) != 1 ||
      (!aad.empty() && EVP_DecryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1)) {
    return OpensslError("EVP_DecryptUpdate(AAD)");
  }
  if (n > 0 && (EVP_DecryptUpdate(ctx.get(), out.data(), &len, body, static_cast<int>(n)) != 1 ||
                static_cast<std::size_t>(len) != n)) {
    SecureZero(out);
    return OpensslError("EVP_DecryptUpdate");
  }
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kAeadTagSize, const_cast<std::uint8_t*>(body + n)) != 1) {
    SecureZero(out);
    return OpensslError("EVP_CTRL_GCM_SET_TAG");
  }
  std::uint8_t final_block[16];
  if (EVP_DecryptFinal_ex(ctx.get(), final_block, &len) != 1) {
    SecureZero(out);
    ERR_clear_error();
    return Status::AuthFailed("sealed message failed authentication (wrong key, wrong context, or tampered)");
  }
  return out;
}

void RandomBytes(MutableByteSpan out) {
  EnsureSodium();
  if (!out.empty()) randombytes_buf(out.data(), out.size());
}

}  // namespace cairn
