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
// Nonce rule: chunk nonces are deterministic, so one (file key, header nonce, stream index) must never seal two
// different plaintexts at the same chunk position. Give every file (and every re-encryption of it) a fresh random
// header nonce (RandomBytes) or a fresh file key.
//
// Errors: kInvalidArgument for a caller's mistake (key or buffer sizes, out-of-range parameters); kCorruption for
// stored bytes that are malformed (header, sealed message, chunk of impossible length); kAuthFailed when bytes of
// the right shape do not authenticate (tampering, wrong key, wrong position or context).
//
// Thread-safety: a StreamSealer / StreamOpener owns an OpenSSL context; use one per thread. The free functions are
// reentrant.
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
inline constexpr std::size_t kMaxStreamContextSize = 256;
// A chunk size that makes a sealed chunk exactly 64 KiB.
inline constexpr std::uint32_t kDefaultChunkSize = (64u << 10) - kAeadTagSize;

// The per-file stream parameters; serialised as the versioned stream header that the manifest stores.
struct StreamHeader {
  std::uint8_t version = 1;
  std::uint8_t algorithm = 1;    // 1 = AES-256-GCM
  std::uint32_t chunk_size = 0;  // plaintext bytes per full chunk, in [kMinChunkSize, kMaxChunkSize]
  std::array<std::uint8_t, kStreamNonceSize> nonce{};  // random per file

  // Grammar: magic "CS" version:u8 algorithm:u8 chunk_size:u32be nonce:16 -> 24 B
  Bytes Serialize() const;
  // kCorruption on a wrong size, magic, version, algorithm or a chunk size out of range.
  static Result<StreamHeader> Parse(ByteSpan bytes);
  // A version 1 AES-256-GCM header with a fresh random nonce.
  static StreamHeader New(std::uint32_t chunk_size = kDefaultChunkSize);
};

// Number of chunks and ciphertext bytes for `plaintext_size` bytes: max(1, ceil(plaintext_size / chunk_size)) chunks,
// so the last chunk holds 1..chunk_size bytes (0 only for the empty stream). REQUIRES: chunk_size > 0 (0 yields 0).
std::uint64_t StreamChunkCount(std::uint64_t plaintext_size, std::uint32_t chunk_size);
std::uint64_t StreamCiphertextSize(std::uint64_t plaintext_size, std::uint32_t chunk_size);

class StreamSealer {
 public:
  // `key` is kAeadKeySize bytes; `context` is bound into every chunk (<= kMaxStreamContextSize bytes).
  static Result<std::unique_ptr<StreamSealer>> Create(ByteSpan key, const StreamHeader& header, ByteSpan context,
                                                      std::uint64_t stream_index);
  // out.size() == plaintext.size() + kAeadTagSize. plaintext.size() == chunk_size unless last (then <= chunk_size).
  // `out` may start at plaintext.data() (in place); any other overlap is refused.
  virtual Status SealChunk(std::uint64_t chunk_index, bool last, ByteSpan plaintext, MutableByteSpan out) = 0;
  virtual ~StreamSealer() = default;
};

class StreamOpener {
 public:
  static Result<std::unique_ptr<StreamOpener>> Create(ByteSpan key, const StreamHeader& header, ByteSpan context,
                                                      std::uint64_t stream_index);
  // out.size() == ciphertext.size() - kAeadTagSize. kAuthFailed when the chunk is not authentic at that position;
  // then `out` is zeroed, never left holding unauthenticated plaintext. In place as for SealChunk.
  virtual Status OpenChunk(std::uint64_t chunk_index, bool last, ByteSpan ciphertext, MutableByteSpan out) = 0;
  virtual ~StreamOpener() = default;
};

// Small messages under a long-term key (manifests, wrapped keys): version:u8(=1) nonce:12 ciphertext tag:16, a
// random nonce per message, `aad` bound but not stored. A random 96-bit nonce keeps a key safe for 2^32 messages.
inline constexpr std::size_t kMessageNonceSize = 12;
inline constexpr std::size_t kMessageOverhead = 1 + kMessageNonceSize + kAeadTagSize;
inline constexpr std::size_t kMaxMessageSize = std::size_t{1} << 30;  // plaintext bytes
Result<Bytes> SealMessage(ByteSpan key, ByteSpan aad, ByteSpan plaintext);
// kCorruption when `sealed` is malformed (too short, too long, unknown version); kAuthFailed when it does not
// authenticate under `key` and `aad`.
Result<Bytes> OpenMessage(ByteSpan key, ByteSpan aad, ByteSpan sealed);

// Cryptographically secure random bytes (libsodium). Aborts the process if libsodium cannot initialise.
void RandomBytes(MutableByteSpan out);

}  // namespace cairn
