// Domain tags and the tagged-hash convention shared by every derivation in proofs/.
//
// A tag is an ASCII string of at most 32 bytes, zero-padded to exactly 32 bytes ("tag32"); every hash in proofs/
// starts with one, so no two derivations can collide on the same input bytes.
//
// Thread-safety: reentrant.
#pragma once

#include <string_view>

#include "cairn/core/bytes.h"
#include "cairn/core/sha256.h"

namespace cairn::proofs {

inline constexpr std::string_view kTagParams = "cairn/porep/params/v1";
inline constexpr std::string_view kTagReplicaId = "cairn/porep/replica-id/v1";
inline constexpr std::string_view kTagGraphBase = "cairn/porep/graph/base/v1";
inline constexpr std::string_view kTagGraphExpander = "cairn/porep/graph/expander/v1";
inline constexpr std::string_view kTagLabel = "cairn/porep/label/v1";
inline constexpr std::string_view kTagColumn = "cairn/porep/column/v1";
inline constexpr std::string_view kTagCommR = "cairn/porep/comm-r/v1";
inline constexpr std::string_view kTagSealChallenge = "cairn/porep/seal-challenge/v1";
inline constexpr std::string_view kTagStorageChallenge = "cairn/porep/storage-challenge/v1";

// The 32-byte zero-padded form of `tag`. REQUIRES: tag.size() <= 32.
Hash32 Tag32(std::string_view tag);

// A streaming SHA-256 that has already absorbed Tag32(tag).
Sha256 TaggedHasher(std::string_view tag);

}  // namespace cairn::proofs
