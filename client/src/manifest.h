// A file's manifest: its name and attributes, its wrapped file key, and its FileCoding (everything needed to decode
// it). Serialised in a versioned binary format (grammar at the top of manifest.cc, frozen by golden vectors) and
// stored sealed (AEAD) under a key derived from the client's master key.
//
// Thread-safety: values.
#pragma once

#include <cstdint>
#include <string>

#include "cairn/core/bytes.h"
#include "cairn/core/status.h"
#include "coding.h"

namespace cairn::client {

inline constexpr std::size_t kMaxNameBytes = 4096;
inline constexpr std::size_t kMaxWrappedKeyBytes = 256;
inline constexpr std::uint32_t kMaxSegments = 1u << 24;
inline constexpr std::size_t kMaxManifestBytes = 64u << 20;

struct Manifest {
  std::string name;
  std::int64_t mtime_ns = 0;
  std::uint32_t mode = 0;
  Bytes wrapped_key;  // the file key sealed under the master key (keys.h)
  FileCoding coding;

  // Plain (unencrypted) v1 bytes.
  Bytes Serialize() const;
  // Parses plain bytes with explicit limits and validates the coding; kCorruption on any inconsistency.
  static Result<Manifest> Parse(ByteSpan bytes);
};

// Sealed form: SealMessage(manifest_key, aad = "cairn/manifest/v1", Serialize()).
Result<Bytes> SealManifest(const Manifest& m, ByteSpan manifest_key);
Result<Manifest> OpenManifest(ByteSpan sealed, ByteSpan manifest_key);

}  // namespace cairn::client
