// Four SHA-256 digests at once: four messages of one length hashed in the four interleaved lanes of Sha256Compress4,
// which hides SHA-NI's latency (1.6-1.9x one lane for 16 KiB messages, measured on the development machines), for
// bulk hashing of many equal blocks such as a torrent's 16 KiB leaves.
//
// Thread-safety: reentrant.
#pragma once

#include <cstddef>
#include <cstdint>

#include "cairn/core/bytes.h"

namespace cairn {

// out[i] = SHA-256 of messages[i][0, length) for i < 4. The messages may overlap or repeat.
void Sha256Digest4(const std::uint8_t* const messages[4], std::size_t length, Hash32 out[4]);

}  // namespace cairn
