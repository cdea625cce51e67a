// The client's keys: a master key, obtained from a passphrase (Argon2id) or from a key file; per-file keys wrapped
// under it; and purpose-labelled subkeys derived from it. Formats are version 1 and written at the top of keys.cc.
//
// Rule: the master key itself never keys a cipher. Every use goes through HKDF-SHA256 with a label naming the use
// ("cairn/v1/subkey/<purpose>", "cairn/v1/file-key-wrap"), so two uses can never share a key by accident.
//
// Ed25519 identities live in identity.h and secret files in secret_file.h; both are included here for convenience.
//
// Thread-safety: the functions are reentrant; a SecretKey is a value used by one thread at a time (const methods
// may be called concurrently).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>

#include "cairn/core/aead.h"
#include "cairn/core/bytes.h"
#include "cairn/core/identity.h"
#include "cairn/core/secret_file.h"
#include "cairn/core/status.h"

namespace cairn {

// A 32-byte symmetric key. Move-only (Clone() copies explicitly); zeroed on destruction and when moved from; prints
// as "SecretKey(redacted)", so a log line or a test failure never shows it.
class SecretKey {
 public:
  static constexpr std::size_t kSize = 32;

  static SecretKey Random();
  // kInvalidArgument unless bytes.size() == kSize.
  static Result<SecretKey> FromBytes(ByteSpan bytes);

  SecretKey(SecretKey&& other) noexcept;
  SecretKey& operator=(SecretKey&& other) noexcept;
  SecretKey(const SecretKey&) = delete;
  SecretKey& operator=(const SecretKey&) = delete;
  ~SecretKey();

  SecretKey Clone() const;
  ByteSpan bytes() const { return bytes_; }

  // Constant-time comparison.
  friend bool operator==(const SecretKey& a, const SecretKey& b);
  friend std::ostream& operator<<(std::ostream& os, const SecretKey& key);

 private:
  SecretKey() = default;
  std::array<std::uint8_t, kSize> bytes_{};
};

// ---- Master key from a passphrase (Argon2id v1.3 through libsodium's crypto_pwhash) ----

inline constexpr std::size_t kKdfSaltSize = 16;
inline constexpr std::size_t kKdfParamsSize = 30;
// Parse and derivation refuse parameters outside these bounds: the params travel with the data, so a tampered or
// corrupt blob must not make a client try to allocate terabytes or spin for hours.
inline constexpr std::uint64_t kKdfMinOpsLimit = 1;
inline constexpr std::uint64_t kKdfMaxOpsLimit = 64;
inline constexpr std::uint64_t kKdfMinMemLimit = 8u << 10;  // libsodium's Argon2id minimum
inline constexpr std::uint64_t kKdfMaxMemLimit = std::uint64_t{4} << 30;
// Defaults for new params: libsodium's MODERATE (3 passes over 256 MiB), about 1.2 s on one core here. A key is
// derived once per client process, so a second of waiting is acceptable, while each guess of an offline attacker
// costs 256 MiB of memory-hard work; 256 MiB still fits small machines (a 1 GiB single-board computer).
inline constexpr std::uint64_t kKdfDefaultOpsLimit = 3;
inline constexpr std::uint64_t kKdfDefaultMemLimit = 256u << 20;
inline constexpr std::size_t kMaxPassphraseSize = 4096;

// Argon2id parameters; stored next to whatever the derived key protects.
struct KdfParams {
  std::uint64_t opslimit = 0;  // passes over memory, in [kKdfMinOpsLimit, kKdfMaxOpsLimit]
  std::uint64_t memlimit = 0;  // bytes, a multiple of 1 KiB in [kKdfMinMemLimit, kKdfMaxMemLimit]
  std::array<std::uint8_t, kKdfSaltSize> salt{};

  // Grammar: version:u8(=1) algorithm:u8(=1 Argon2id v1.3) opslimit:u32be memlimit:u64be salt:16 -> 30 B
  Bytes Serialize() const;
  // kCorruption on a wrong size, version or algorithm, or limits outside the bounds above.
  static Result<KdfParams> Parse(ByteSpan bytes);
  // kInvalidArgument when a limit is outside the bounds above.
  Status Validate() const;
};

// Default limits and a fresh random salt.
KdfParams NewKdfParams();

// Argon2id(passphrase, salt, opslimit, memlimit, parallelism 1) -> 32 bytes. kInvalidArgument for an empty
// passphrase, one longer than kMaxPassphraseSize, or invalid params; kResourceExhausted when memory runs out.
Result<SecretKey> MasterKeyFromPassphrase(std::string_view passphrase, const KdfParams& params);

// ---- Master key from a key file ----

// Creates a new random master key and writes it to a key file at `path` (mode 0600, atomic, durable).
// kAlreadyExists when `path` exists: an existing key is never replaced.
Result<SecretKey> GenerateKeyFile(const std::string& path);
// Loads a master key file. kFailedPrecondition when group or others may access it (the message says how to fix
// it); kCorruption when it is not exactly a version 1 master key file.
Result<SecretKey> LoadKeyFile(const std::string& path);

// ---- Per-file keys wrapped under the master key ----

inline constexpr std::size_t kWrappedKeySize = kMessageOverhead + SecretKey::kSize;  // 61 bytes
inline constexpr std::size_t kMaxWrapContextSize = 1024;

// Seals `file_key` under a subkey of `master`. `context` (e.g. the file's id, <= kMaxWrapContextSize bytes) is
// bound, not stored: unwrapping needs the same context, so a wrapped key cannot be moved to another file.
Result<Bytes> WrapFileKey(const SecretKey& master, const SecretKey& file_key, ByteSpan context);
// kAuthFailed for a wrong master key (hence a wrong passphrase), a wrong context, or tampering; kCorruption when
// `wrapped` has the wrong size or version.
Result<SecretKey> UnwrapFileKey(const SecretKey& master, ByteSpan wrapped, ByteSpan context);

// ---- Subkeys ----

inline constexpr std::size_t kMaxSubkeyPurposeSize = 64;

// HKDF-SHA256(master, info = "cairn/v1/subkey/" purpose). `purpose` names the use ("manifest", "ids"): 1 to
// kMaxSubkeyPurposeSize characters from [a-z0-9._-]; kInvalidArgument otherwise.
Result<SecretKey> DeriveSubkey(const SecretKey& master, std::string_view purpose);

}  // namespace cairn
