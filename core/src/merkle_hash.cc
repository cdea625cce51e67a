#include "merkle_hash.h"

#include <cstring>
#include <string_view>

#include "sha256_internal.h"

namespace cairn::internal {
namespace {

Sha256State DomainIv(std::string_view domain) {
  std::uint8_t block[64] = {};
  std::memcpy(block, domain.data(), domain.size());
  Sha256State state = Sha256InitialState();
  Sha256Compress(state, block, 1);
  return state;
}

}  // namespace

const Sha256State& MerkleLeafIv() {
  static const Sha256State iv = DomainIv("cairn/merkle/v1/leaf");
  return iv;
}

const Sha256State& MerkleNodeIv() {
  static const Sha256State iv = DomainIv("cairn/merkle/v1/node");
  return iv;
}

Hash32 HashBlock(const Sha256State& iv, const std::uint8_t* block) {
  Sha256State state = iv;
  Sha256Compress(state, block, 1);
  return Sha256StateBytes(state);
}

void HashBlocks(const Sha256State& iv, const std::uint8_t* in, std::size_t count, Hash32* out) {
  if (CpuHasShaNi()) {
    Sha256HashBlocksShaNi(iv, in, count, out);
    return;
  }
  // Portable path: the same batching through the public four-lane entry point.
  Sha256State s[4];
  Sha256State* const states[4] = {&s[0], &s[1], &s[2], &s[3]};
  std::size_t k = 0;
  for (; k + 4 <= count; k += 4) {
    const std::uint8_t* const blocks[4] = {in + 64 * k, in + 64 * (k + 1), in + 64 * (k + 2), in + 64 * (k + 3)};
    s[0] = s[1] = s[2] = s[3] = iv;
    Sha256Compress4(states, blocks);
    for (int l = 0; l < 4; ++l) out[k + l] = Sha256StateBytes(s[l]);
  }
  const std::size_t rest = count - k;
  if (rest == 1) {
    out[k] = HashBlock(iv, in + 64 * k);
  } else if (rest > 1) {
    // Two or three blocks: one four-lane call (spare lanes repeat the last block) beats two or three single ones.
    const std::uint8_t* blocks[4];
    for (std::size_t l = 0; l < 4; ++l) blocks[l] = in + 64 * (k + (l < rest ? l : rest - 1));
    s[0] = s[1] = s[2] = s[3] = iv;
    Sha256Compress4(states, blocks);
    for (std::size_t l = 0; l < rest; ++l) out[k + l] = Sha256StateBytes(s[l]);
  }
}

}  // namespace cairn::internal
