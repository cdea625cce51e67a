// Key file, version 1. Integers are big-endian.
//
// key_file := magic:"CRNKEY" version:u8(=1) kind:u8 key:u8[32] check:u8[4]                         (44 bytes)
// kind     := 1 (master key) | 2 (Ed25519 identity seed)
// check    := first 4 bytes of SHA-256(magic version kind key)
//
// The check value exists so that a damaged key file is reported as damaged; without it, every unwrap would fail with
// kAuthFailed and look like a wrong key. 32 bits of a hash reveal nothing useful about a 256-bit key.
#include "key_file.h"

#include <sodium.h>

#include <cstring>

#include "sodium_init.h"

namespace cairn {
namespace {

constexpr std::uint8_t kMagic[6] = {'C', 'R', 'N', 'K', 'E', 'Y'};
constexpr std::uint8_t kVersion = 1;
constexpr std::size_t kCheckSize = 4;
constexpr std::size_t kCheckedPrefixSize = kKeyFileSize - kCheckSize;

void ComputeCheck(const std::uint8_t* prefix, std::uint8_t* check) {
  EnsureSodium();
  std::uint8_t digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, prefix, kCheckedPrefixSize);
  std::memcpy(check, digest, kCheckSize);
  SecureZero(digest);
}

const char* KindName(KeyFileKind kind) { return kind == KeyFileKind::kMasterKey ? "master key file" : "identity file"; }

}  // namespace

SecretBytes EncodeKeyFile(KeyFileKind kind, const SecretKey& key) {
  SecretBytes out(kKeyFileSize);
  std::uint8_t* p = out.mutable_span().data();
  std::memcpy(p, kMagic, sizeof(kMagic));
  p[6] = kVersion;
  p[7] = static_cast<std::uint8_t>(kind);
  std::memcpy(p + 8, key.bytes().data(), SecretKey::kSize);
  ComputeCheck(p, p + kCheckedPrefixSize);
  return out;
}

Result<SecretKey> DecodeKeyFile(KeyFileKind kind, ByteSpan file, const std::string& path) {
  const std::string what = std::string(KindName(kind)) + " '" + path + "'";
  if (file.size() != kKeyFileSize) {
    return Status::Corruption(what + " is " + std::to_string(file.size()) + " bytes, expected " +
                              std::to_string(kKeyFileSize));
  }
  if (std::memcmp(file.data(), kMagic, sizeof(kMagic)) != 0) return Status::Corruption(what + " is not a key file");
  if (file[6] != kVersion) {
    return Status::Corruption(what + " has unsupported version " + std::to_string(file[6]));
  }
  if (file[7] != static_cast<std::uint8_t>(kind)) {
    return Status::Corruption(what + " holds a key of kind " + std::to_string(file[7]) + ", expected " +
                              std::to_string(static_cast<int>(kind)));
  }
  std::uint8_t check[kCheckSize];
  ComputeCheck(file.data(), check);
  if (!ConstantTimeEqual(check, file.subspan(kCheckedPrefixSize))) {
    return Status::Corruption(what + " is damaged (check value mismatch)");
  }
  return SecretKey::FromBytes(file.subspan(8, SecretKey::kSize));
}

Status WriteKeyFile(const std::string& path, KeyFileKind kind, const SecretKey& key) {
  SecretBytes contents = EncodeKeyFile(kind, key);
  return WriteSecretFile(path, contents.span());
}

Result<SecretKey> ReadKeyFile(const std::string& path, KeyFileKind kind) {
  CAIRN_ASSIGN_OR_RETURN(SecretBytes contents, ReadSecretFile(path, kKeyFileSize));
  return DecodeKeyFile(kind, contents.span(), path);
}

}  // namespace cairn
