// Key formats and derivations, version 1. Integers are big-endian.
//
// kdf_params   := version:u8(=1) algorithm:u8(=1, Argon2id v1.3) opslimit:u32 memlimit:u64 salt:u8[16]  (30 bytes)
// master_key   := crypto_pwhash(passphrase, salt, opslimit, memlimit, ALG_ARGON2ID13)  (Argon2id, 1 lane, 32 B)
//
// subkey       := HKDF-SHA256(ikm = master, salt = none, info = "cairn/v1/subkey/" purpose, L = 32)
// wrap_key     := HKDF-SHA256(ikm = master, salt = none, info = "cairn/v1/file-key-wrap", L = 32)
// wrapped_key  := SealMessage(wrap_key, aad = "cairn/v1/file-key" 0x00 context, file_key)                (61 bytes)
//
// A purpose is [a-z0-9._-]+, so no subkey label equals the wrap label. The 0x00 after the AAD label keeps the label
// and the context apart (the label contains no 0x00).
#include "cairn/core/keys.h"

#include <sodium.h>

#include <cstring>
#include <ostream>

#include "hkdf.h"
#include "key_file.h"
#include "sodium_init.h"

namespace cairn {
namespace {

constexpr std::uint8_t kKdfVersion = 1;
constexpr std::uint8_t kKdfAlgorithmArgon2id13 = 1;
constexpr std::string_view kSubkeyLabel = "cairn/v1/subkey/";
constexpr std::string_view kWrapKeyLabel = "cairn/v1/file-key-wrap";
constexpr std::string_view kWrapAadLabel = "cairn/v1/file-key";

Status CheckKdfLimits(const KdfParams& p, Code code) {
  if (p.opslimit < kKdfMinOpsLimit || p.opslimit > kKdfMaxOpsLimit) {
    return Status(code, "Argon2id opslimit " + std::to_string(p.opslimit) + " outside [" +
                            std::to_string(kKdfMinOpsLimit) + ", " + std::to_string(kKdfMaxOpsLimit) + "]");
  }
  if (p.memlimit < kKdfMinMemLimit || p.memlimit > kKdfMaxMemLimit || p.memlimit % 1024 != 0) {
    return Status(code, "Argon2id memlimit " + std::to_string(p.memlimit) + " is not a multiple of 1 KiB in [" +
                            std::to_string(kKdfMinMemLimit) + ", " + std::to_string(kKdfMaxMemLimit) + "]");
  }
  return Status::Ok();
}

// HKDF-SHA256 of the master key under `label` (+ `suffix`), as a SecretKey.
Result<SecretKey> DeriveLabelled(const SecretKey& master, std::string_view label, std::string_view suffix) {
  Bytes info(label.begin(), label.end());
  info.insert(info.end(), suffix.begin(), suffix.end());
  std::uint8_t out[SecretKey::kSize];
  Status s = HkdfSha256(master.bytes(), {}, info, out);
  Result<SecretKey> key = s.ok() ? SecretKey::FromBytes(out) : Result<SecretKey>(s);
  SecureZero(out);
  return key;
}

Bytes WrapAad(ByteSpan context) {
  Bytes aad(kWrapAadLabel.begin(), kWrapAadLabel.end());
  aad.push_back(0);
  Append(aad, context);
  return aad;
}

}  // namespace

// ---- SecretKey ----

SecretKey SecretKey::Random() {
  SecretKey key;
  RandomBytes(key.bytes_);
  return key;
}

Result<SecretKey> SecretKey::FromBytes(ByteSpan bytes) {
  if (bytes.size() != kSize) return Status::InvalidArgument("a secret key is 32 bytes");
  SecretKey key;
  std::memcpy(key.bytes_.data(), bytes.data(), kSize);
  return key;
}

SecretKey::SecretKey(SecretKey&& other) noexcept : bytes_(other.bytes_) { SecureZero(other.bytes_); }

SecretKey& SecretKey::operator=(SecretKey&& other) noexcept {
  if (this != &other) {
    bytes_ = other.bytes_;
    SecureZero(other.bytes_);
  }
  return *this;
}

SecretKey::~SecretKey() { SecureZero(bytes_); }

SecretKey SecretKey::Clone() const {
  SecretKey copy;
  copy.bytes_ = bytes_;
  return copy;
}

bool operator==(const SecretKey& a, const SecretKey& b) { return ConstantTimeEqual(a.bytes_, b.bytes_); }

std::ostream& operator<<(std::ostream& os, const SecretKey&) { return os << "SecretKey(redacted)"; }

// ---- KdfParams and passphrases ----

Bytes KdfParams::Serialize() const {
  Bytes out;
  out.reserve(kKdfParamsSize);
  out.push_back(kKdfVersion);
  out.push_back(kKdfAlgorithmArgon2id13);
  AppendBE32(out, static_cast<std::uint32_t>(opslimit));
  AppendBE64(out, memlimit);
  out.insert(out.end(), salt.begin(), salt.end());
  return out;
}

Result<KdfParams> KdfParams::Parse(ByteSpan bytes) {
  if (bytes.size() != kKdfParamsSize) {
    return Status::Corruption("KDF params must be " + std::to_string(kKdfParamsSize) + " bytes, got " +
                              std::to_string(bytes.size()));
  }
  ByteReader r(bytes);
  std::uint8_t version = 0, algorithm = 0;
  std::uint32_t ops = 0;
  KdfParams p;
  ByteSpan salt;
  r.ReadU8(version);
  r.ReadU8(algorithm);
  r.ReadBE32(ops);
  r.ReadBE64(p.memlimit);
  r.ReadSpan(kKdfSaltSize, salt);
  if (!r.AtEnd()) return Status::Internal("KDF params reader out of step");
  if (version != kKdfVersion) return Status::Corruption("unsupported KDF params version " + std::to_string(version));
  if (algorithm != kKdfAlgorithmArgon2id13) {
    return Status::Corruption("unsupported KDF algorithm " + std::to_string(algorithm));
  }
  p.opslimit = ops;
  CAIRN_RETURN_IF_ERROR(CheckKdfLimits(p, Code::kCorruption));
  std::memcpy(p.salt.data(), salt.data(), kKdfSaltSize);
  return p;
}

Status KdfParams::Validate() const { return CheckKdfLimits(*this, Code::kInvalidArgument); }

KdfParams NewKdfParams() {
  KdfParams p;
  p.opslimit = kKdfDefaultOpsLimit;
  p.memlimit = kKdfDefaultMemLimit;
  RandomBytes(p.salt);
  return p;
}

Result<SecretKey> MasterKeyFromPassphrase(std::string_view passphrase, const KdfParams& params) {
  if (passphrase.empty()) return Status::InvalidArgument("the passphrase is empty");
  if (passphrase.size() > kMaxPassphraseSize) {
    return Status::InvalidArgument("the passphrase is longer than " + std::to_string(kMaxPassphraseSize) + " bytes");
  }
  CAIRN_RETURN_IF_ERROR(params.Validate());
  EnsureSodium();
  std::uint8_t out[SecretKey::kSize];
  if (crypto_pwhash(out, sizeof(out), passphrase.data(), passphrase.size(), params.salt.data(), params.opslimit,
                    static_cast<std::size_t>(params.memlimit), crypto_pwhash_ALG_ARGON2ID13) != 0) {
    SecureZero(out);
    return Status::ResourceExhausted("Argon2id could not allocate " + std::to_string(params.memlimit >> 20) + " MiB");
  }
  Result<SecretKey> key = SecretKey::FromBytes(out);
  SecureZero(out);
  return key;
}

// ---- Key files ----

Result<SecretKey> GenerateKeyFile(const std::string& path) {
  SecretKey key = SecretKey::Random();
  CAIRN_RETURN_IF_ERROR(WriteKeyFile(path, KeyFileKind::kMasterKey, key));
  return key;
}

Result<SecretKey> LoadKeyFile(const std::string& path) { return ReadKeyFile(path, KeyFileKind::kMasterKey); }

// ---- Wrapped file keys ----

Result<Bytes> WrapFileKey(const SecretKey& master, const SecretKey& file_key, ByteSpan context) {
  if (context.size() > kMaxWrapContextSize) return Status::InvalidArgument("wrap context too long");
  CAIRN_ASSIGN_OR_RETURN(SecretKey wrap_key, DeriveLabelled(master, kWrapKeyLabel, {}));
  return SealMessage(wrap_key.bytes(), WrapAad(context), file_key.bytes());
}

Result<SecretKey> UnwrapFileKey(const SecretKey& master, ByteSpan wrapped, ByteSpan context) {
  if (context.size() > kMaxWrapContextSize) return Status::InvalidArgument("wrap context too long");
  if (wrapped.size() != kWrappedKeySize) {
    return Status::Corruption("a wrapped key is " + std::to_string(kWrappedKeySize) + " bytes, got " +
                              std::to_string(wrapped.size()));
  }
  CAIRN_ASSIGN_OR_RETURN(SecretKey wrap_key, DeriveLabelled(master, kWrapKeyLabel, {}));
  Result<Bytes> opened = OpenMessage(wrap_key.bytes(), WrapAad(context), wrapped);
  if (!opened.ok()) return opened.status().WithContext("unwrap file key");
  Result<SecretKey> key = SecretKey::FromBytes(*opened);
  SecureZero(*opened);
  return key;
}

// ---- Subkeys ----

Result<SecretKey> DeriveSubkey(const SecretKey& master, std::string_view purpose) {
  if (purpose.empty() || purpose.size() > kMaxSubkeyPurposeSize) {
    return Status::InvalidArgument("a subkey purpose is 1 to " + std::to_string(kMaxSubkeyPurposeSize) + " bytes");
  }
  for (char c : purpose) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return Status::InvalidArgument("a subkey purpose uses only [a-z0-9._-]");
  }
  return DeriveLabelled(master, kSubkeyLabel, purpose);
}

}  // namespace cairn
