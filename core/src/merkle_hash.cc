// The Merkle hash domains and HashBlocks, which picks a kernel at run time (AVX-512 sixteen lanes, SHA-NI four lanes,
// the portable reference) or takes the one a test or CAIRN_SHA256_PATH forced.
#include "merkle_hash.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
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

HashPath PathFromEnvironment() {
  const char* name = std::getenv("CAIRN_SHA256_PATH");
  if (name == nullptr) return HashPath::kAuto;
  const std::string_view v(name);
  HashPath path = HashPath::kAuto;
  if (v == "portable") {
    path = HashPath::kPortable;
  } else if (v == "shani") {
    path = HashPath::kShaNi;
  } else if (v == "avx512") {
    path = HashPath::kAvx512;
  } else if (v != "auto" && !v.empty()) {
    std::fprintf(stderr, "cairn: ignoring CAIRN_SHA256_PATH=%s (auto, portable, shani or avx512)\n", name);
  }
  if (!HashPathAvailable(path)) {
    std::fprintf(stderr, "cairn: ignoring CAIRN_SHA256_PATH=%s: this CPU lacks it\n", name);
    return HashPath::kAuto;
  }
  return path;
}

std::atomic<HashPath>& ForcedPath() {
  static std::atomic<HashPath> path{PathFromEnvironment()};
  return path;
}

// The path HashBlocks takes now: the forced one, else the fastest available.
HashPath ResolvePath() {
  const HashPath forced = ForcedPath().load(std::memory_order_relaxed);
  if (forced != HashPath::kAuto) return forced;
  static const HashPath best =
      CpuHasAvx512() ? HashPath::kAvx512 : (CpuHasShaNi() ? HashPath::kShaNi : HashPath::kPortable);
  return best;
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
  switch (ResolvePath()) {
    case HashPath::kAvx512: {
      const std::size_t rest = count % 16;
      if (rest >= kAvx512MinRest || !CpuHasShaNi()) {
        Sha256HashBlocksAvx512(iv, in, count, out);
        return;
      }
      const std::size_t whole = count - rest;
      if (whole > 0) Sha256HashBlocksAvx512(iv, in, whole, out);
      // The first call wrote below in + 32 * whole, so the rest's inputs are intact; the aliasing rule still holds.
      if (rest > 0) Sha256HashBlocksShaNi(iv, in + 64 * whole, rest, out + whole);
      return;
    }
    case HashPath::kShaNi:
      Sha256HashBlocksShaNi(iv, in, count, out);
      return;
    case HashPath::kPortable:
    case HashPath::kAuto:  // not returned by ResolvePath
      break;
  }
  // Block k is read whole before out[k] (which ends at or below in + 64 k + 32) is written.
  for (std::size_t k = 0; k < count; ++k) {
    Sha256State state = iv;
    Sha256CompressRef(state, in + 64 * k, 1);
    out[k] = Sha256StateBytes(state);
  }
}

Hash32 PerfectSubtreeRoot(const std::uint8_t* nodes, std::size_t count, Hash32* scratch, ByteSpan warm) {
  static_assert(kMaxPerfectSubtreeNodes <= (std::size_t{32} << (kMaxSubtreeLevels - 1)));
  std::size_t hashes = count / 2;
  if (hashes >= 16 && ResolvePath() == HashPath::kAvx512) {
    Sha256MerkleSubtreeAvx512(MerkleLeafIv(), MerkleNodeIv(), nodes, hashes / 16, scratch, warm.data(), warm.size());
    hashes = 16;
  } else {
    HashBlocks(MerkleLeafIv(), nodes, hashes, scratch);
  }
  for (; hashes > 1; hashes /= 2) HashBlocks(MerkleNodeIv(), scratch[0].data(), hashes / 2, scratch);
  return scratch[0];
}

bool HashPathAvailable(HashPath path) {
  switch (path) {
    case HashPath::kShaNi:
      return CpuHasShaNi();
    case HashPath::kAvx512:
      return CpuHasAvx512();
    case HashPath::kAuto:
    case HashPath::kPortable:
      return true;
  }
  return false;
}

bool ForceHashPath(HashPath path) {
  if (!HashPathAvailable(path)) return false;
  ForcedPath().store(path, std::memory_order_relaxed);
  return true;
}

HashPath ForcedHashPath() { return ForcedPath().load(std::memory_order_relaxed); }

}  // namespace cairn::internal
