// Lower-case hexadecimal encoding of bytes.
#pragma once

#include <string>
#include <string_view>

#include "cairn/core/bytes.h"
#include "cairn/core/status.h"

namespace cairn {

std::string ToHex(ByteSpan bytes);
// Accepts upper or lower case; fails on odd length or a non-hex character.
Result<Bytes> FromHex(std::string_view hex);
// Exactly 64 hex characters -> Hash32.
Result<Hash32> HashFromHex(std::string_view hex);

}  // namespace cairn
