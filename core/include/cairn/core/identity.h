// Ed25519 identities (libsodium): the long-term signing key of a client or a provider. Every control-channel message,
// deal and voucher is signed by one.
//
// The secret half is zeroed on destruction, never printed, and saved only as a 0600 secret file holding its 32-byte
// seed (format in key_file.cc).
//
// Thread-safety: an Identity is immutable after creation; Sign and public_key may be called from many threads.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>

#include "cairn/core/bytes.h"
#include "cairn/core/status.h"

namespace cairn {

inline constexpr std::size_t kEd25519PublicKeySize = 32;
inline constexpr std::size_t kEd25519SignatureSize = 64;
inline constexpr std::size_t kEd25519SeedSize = 32;

using Ed25519PublicKey = std::array<std::uint8_t, kEd25519PublicKeySize>;
using Ed25519Signature = std::array<std::uint8_t, kEd25519SignatureSize>;

class Identity {
 public:
  // A new identity from a fresh random seed.
  static Identity Generate();
  // The identity whose RFC 8032 private key is `seed`. kInvalidArgument unless seed.size() == kEd25519SeedSize.
  static Result<Identity> FromSeed(ByteSpan seed);
  // Loads an identity saved by Save. kFailedPrecondition when group or others may access the file; kCorruption
  // when it is not exactly a version 1 identity file.
  static Result<Identity> Load(const std::string& path);

  Identity(Identity&& other) noexcept;
  Identity& operator=(Identity&& other) noexcept;
  Identity(const Identity&) = delete;
  Identity& operator=(const Identity&) = delete;
  ~Identity();

  // Writes the seed to a new 0600 secret file; kAlreadyExists when `path` exists.
  Status Save(const std::string& path) const;

  const Ed25519PublicKey& public_key() const { return public_key_; }
  // Deterministic Ed25519 signature (RFC 8032) of `message`.
  Ed25519Signature Sign(ByteSpan message) const;

  // Prints the public key only.
  friend std::ostream& operator<<(std::ostream& os, const Identity& identity);

 private:
  Identity() = default;
  std::array<std::uint8_t, 64> secret_key_{};  // libsodium's layout: seed || public key
  Ed25519PublicKey public_key_{};
};

// True when `signature` is a valid Ed25519 signature of `message` under `public_key`. False for any wrong size, a
// non-canonical signature, or a small-order public key (libsodium's strict checks).
bool VerifySignature(ByteSpan public_key, ByteSpan message, ByteSpan signature);

}  // namespace cairn
