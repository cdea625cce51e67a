// HKDF-SHA256 (RFC 5869) through OpenSSL's EVP_KDF: the one key-derivation function core uses for stream keys and
// subkeys.
//
// Thread-safety: reentrant.
#pragma once

#include "cairn/core/bytes.h"
#include "cairn/core/status.h"

namespace cairn {

// out <- HKDF-Expand(HKDF-Extract(salt, ikm), info, out.size()). An empty salt means the RFC's default (32 zero
// bytes). REQUIRES: !ikm.empty(), 0 < out.size() <= 255 * 32.
Status HkdfSha256(ByteSpan ikm, ByteSpan salt, ByteSpan info, MutableByteSpan out);

}  // namespace cairn
