// Authenticated encryption of byte streams in fixed-size chunks (AES-256-GCM via OpenSSL), and of small messages.
// Format version 1; the grammar and derivations are written at the top of aead.cc and frozen by golden vectors.
//
// A stream is a sequence of chunks; chunk i is ciphertext(plaintext_i) || tag(16). Every chunk has `chunk_size`
// plaintext bytes except the last, which has 0..chunk_size (an empty stream is one empty last chunk). The stream
// key is derived from the file key, the stream nonce and the stream index (a file's segment number); each chunk's
// nonce is derived from its index and a "last" flag; the associated data binds the header, the caller's context
// (e.g. a file id), the stream index, the chunk index and the flag. So truncation, reordering of chunks, and splicing
// of chunks between segments or files all fail authentication.
//
// Thread-safety: a StreamSealer / StreamOpener owns an OpenSSL context; use one per thread.
#pragma once

#include <array>
#include <cstdint>
#include <memory>

#include "cairn/core/bytes.h"
#include "cairn/core/status.h"

namespace cairn {

inline constexpr std::size_t kAeadKeySize = 32;
inline constexpr std::size_t kAeadTagSize = 16;
inline constexpr std::size_t kStreamNonceSize = 16;
inline constexpr std::size_t kStreamHeaderSize = 24;
inline constexpr std::uint32_t kMinChunkSize = 16;
inline constexpr std::uint32_t kMaxChunkSize = 16u << 20;

// The per-file stream parameters; serialised as the versioned stream header that the manifest stores.
struct StreamHeader {
  std::uint8_t version = 1;
  std::uint8_t algorithm = 1;  // 1 = AES-256-GCM
  std::uint32_t chunk_size = 0;  // plaintext bytes per full chunk, in [kMinChunkSize, kMaxChunkSize]
  std::array<std::uint8_t, kStreamNonceSize> nonce{};  // random per file

  // Grammar: magic "CRS" version:u8 algorithm:u8 reserved:u8(=0) chunk_size:u32be reserved:u8[0] nonce:16 -> 24 B
  Bytes Serialize() const;
  static Result<StreamHeader> Parse(ByteSpan bytes);
};

// Number of chunks and ciphertext bytes for `plaintext_size` bytes.
std::uint64_t StreamChunkCount(std::uint64_t plaintext_size, std::uint32_t chunk_size);
std::uint64_t StreamCiphertextSize(std::uint64_t plaintext_size, std::uint32_t chunk_size);

class StreamSealer {
 public:
  // `key` is kAeadKeySize bytes; `context` is bound into every chunk (<= 256 bytes).
  static Result<std::unique_ptr<StreamSealer>> Create(ByteSpan key, const StreamHeader& header, ByteSpan context,
                                                      std::uint64_t stream_index);
  // out.size() == plaintext.size() + kAeadTagSize. plaintext.size() == chunk_size unless last.
  virtual Status SealChunk(std::uint64_t chunk_index, bool last, ByteSpan plaintext, MutableByteSpan out) = 0;
  virtual ~StreamSealer() = default;
};

class StreamOpener {
 public:
  static Result<std::unique_ptr<StreamOpener>> Create(ByteSpan key, const StreamHeader& header, ByteSpan context,
                                                      std::uint64_t stream_index);
  // out.size() == ciphertext.size() - kAeadTagSize. kAuthFailed when the chunk is not authentic at that position.
  virtual Status OpenChunk(std::uint64_t chunk_index, bool last, ByteSpan ciphertext, MutableByteSpan out) = 0;
  virtual ~StreamOpener() = default;
};

// Small messages under a long-term key (manifests, wrapped keys): version:u8(=1) nonce:12 ciphertext tag:16, a
// random nonce per message, `aad` bound but not stored.
Result<Bytes> SealMessage(ByteSpan key, ByteSpan aad, ByteSpan plaintext);
Result<Bytes> OpenMessage(ByteSpan key, ByteSpan aad, ByteSpan sealed);

// Cryptographically secure random bytes (libsodium).
void RandomBytes(MutableByteSpan out);

}  // namespace cairn
