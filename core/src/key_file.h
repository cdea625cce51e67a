// The version 1 key file: one 32-byte secret (a master key or an identity seed) in a 0600 secret file, with a magic,
// a kind and a check value so that a damaged or wrong file is reported as such instead of as a wrong key.
//
// Thread-safety: reentrant.
#pragma once

#include <cstdint>
#include <string>

#include "cairn/core/keys.h"
#include "cairn/core/status.h"

namespace cairn {

enum class KeyFileKind : std::uint8_t {
  kMasterKey = 1,
  kIdentitySeed = 2,
};

inline constexpr std::size_t kKeyFileSize = 44;

// The file's bytes for `key` (grammar in key_file.cc).
SecretBytes EncodeKeyFile(KeyFileKind kind, const SecretKey& key);
// kCorruption unless `file` is exactly a version 1 key file of `kind` with a matching check value; `path` only
// names the file in messages.
Result<SecretKey> DecodeKeyFile(KeyFileKind kind, ByteSpan file, const std::string& path);

// WriteSecretFile(path, EncodeKeyFile(kind, key)).
Status WriteKeyFile(const std::string& path, KeyFileKind kind, const SecretKey& key);
// ReadSecretFile then DecodeKeyFile.
Result<SecretKey> ReadKeyFile(const std::string& path, KeyFileKind kind);

}  // namespace cairn
