#include "cairn/core/identity.h"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ostream>

#include "cairn/core/hex.h"
#include "key_file.h"
#include "sodium_init.h"

namespace cairn {

Identity Identity::Generate() {
  SecretKey seed = SecretKey::Random();
  Result<Identity> id = FromSeed(seed.bytes());
  return std::move(id).value();  // FromSeed fails only on a wrong seed size
}

Result<Identity> Identity::FromSeed(ByteSpan seed) {
  if (seed.size() != kEd25519SeedSize) return Status::InvalidArgument("an Ed25519 seed is 32 bytes");
  EnsureSodium();
  Identity id;
  if (crypto_sign_seed_keypair(id.public_key_.data(), id.secret_key_.data(), seed.data()) != 0) {
    return Status::Internal("crypto_sign_seed_keypair failed");
  }
  return id;
}

Result<Identity> Identity::Load(const std::string& path) {
  CAIRN_ASSIGN_OR_RETURN(SecretKey seed, ReadKeyFile(path, KeyFileKind::kIdentitySeed));
  return FromSeed(seed.bytes());
}

Identity::Identity(Identity&& other) noexcept : secret_key_(other.secret_key_), public_key_(other.public_key_) {
  SecureZero(other.secret_key_);
}

Identity& Identity::operator=(Identity&& other) noexcept {
  if (this != &other) {
    secret_key_ = other.secret_key_;
    public_key_ = other.public_key_;
    SecureZero(other.secret_key_);
  }
  return *this;
}

Identity::~Identity() { SecureZero(secret_key_); }

Status Identity::Save(const std::string& path) const {
  // libsodium's secret key starts with the seed.
  CAIRN_ASSIGN_OR_RETURN(SecretKey seed, SecretKey::FromBytes(ByteSpan(secret_key_).first(kEd25519SeedSize)));
  return WriteKeyFile(path, KeyFileKind::kIdentitySeed, seed);
}

Ed25519Signature Identity::Sign(ByteSpan message) const {
  Ed25519Signature sig{};
  // libsodium's Ed25519 signing returns 0 unconditionally; anything else means a broken library, and signing with
  // one must not carry on silently.
  if (crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), secret_key_.data()) != 0) {
    std::fputs("cairn: crypto_sign_detached failed\n", stderr);
    std::abort();
  }
  return sig;
}

std::ostream& operator<<(std::ostream& os, const Identity& identity) {
  return os << "Identity(" << ToHex(identity.public_key_) << ")";
}

bool VerifySignature(ByteSpan public_key, ByteSpan message, ByteSpan signature) {
  if (public_key.size() != kEd25519PublicKeySize || signature.size() != kEd25519SignatureSize) return false;
  EnsureSodium();
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(), public_key.data()) == 0;
}

}  // namespace cairn
