#include "cairn/core/digest4.h"

#include <cstring>

#include "cairn/core/sha256.h"

namespace cairn {

void Sha256Digest4(const std::uint8_t* const messages[4], std::size_t length, Hash32 out[4]) {
  Sha256State state[4];
  Sha256State* states[4];
  for (int i = 0; i < 4; ++i) {
    state[i] = Sha256InitialState();
    states[i] = &state[i];
  }
  const std::size_t full = length / 64;
  for (std::size_t b = 0; b < full; ++b) {
    const std::uint8_t* blocks[4] = {messages[0] + 64 * b, messages[1] + 64 * b, messages[2] + 64 * b,
                                     messages[3] + 64 * b};
    Sha256Compress4(states, blocks);
  }
  // FIPS 180-4 padding: the tail, 0x80, zeros, the bit length big-endian in the last 8 bytes; one or two blocks.
  const std::size_t tail = length % 64;
  const std::size_t pad_blocks = tail < 56 ? 1 : 2;
  std::uint8_t pad[4][128];
  const std::uint64_t bits = static_cast<std::uint64_t>(length) * 8;
  for (int i = 0; i < 4; ++i) {
    std::memset(pad[i], 0, sizeof(pad[i]));
    if (tail > 0) std::memcpy(pad[i], messages[i] + 64 * full, tail);
    pad[i][tail] = 0x80;
    for (int j = 0; j < 8; ++j) pad[i][64 * pad_blocks - 1 - j] = static_cast<std::uint8_t>(bits >> (8 * j));
  }
  for (std::size_t b = 0; b < pad_blocks; ++b) {
    const std::uint8_t* blocks[4] = {pad[0] + 64 * b, pad[1] + 64 * b, pad[2] + 64 * b, pad[3] + 64 * b};
    Sha256Compress4(states, blocks);
  }
  for (int i = 0; i < 4; ++i) out[i] = Sha256StateBytes(state[i]);
}

}  // namespace cairn
