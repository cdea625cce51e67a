// SHA-256: a streaming hasher and the raw compression function, with a SHA-NI path chosen at run time and a plain
// C++ reference twin that tests cross-check against it (and against OpenSSL).
//
// Why our own: a Merkle node or a seal label is a handful of compressions; library call overhead (OpenSSL's one-shot
// SHA256() costs 4x a compression) and single-lane latency would dominate. Compress4 runs four independent
// compressions interleaved, which hides SHA-NI latency: one lane is bound by sha256rnds2's latency, four lanes by its
// throughput. On the Zen 5 development machine those differ by only ~1.34x, so Compress4 gives about 1.4x one lane
// (the ceiling there is ~1.45x; bench/core_sha_merkle.cc measures both the ceiling and the kernels).
//
// Thread-safety: all functions are reentrant; a Sha256 object is not shared between threads.
#pragma once

#include <cstddef>
#include <cstdint>

#include "cairn/core/bytes.h"

namespace cairn {

// The eight 32-bit words of SHA-256's chaining state.
struct Sha256State {
  std::uint32_t h[8];
};

// FIPS 180-4 initial state.
Sha256State Sha256InitialState();

// Applies the compression function to `nblocks` consecutive 64-byte blocks. No padding is added.
void Sha256Compress(Sha256State& state, const std::uint8_t* blocks, std::size_t nblocks);
// Same, portable C++ only (the reference twin).
void Sha256CompressRef(Sha256State& state, const std::uint8_t* blocks, std::size_t nblocks);
// Four independent lanes, one 64-byte block each: states[i] <- compress(states[i], blocks[i]).
// REQUIRES: the four states are distinct objects (blocks may repeat).
void Sha256Compress4(Sha256State* const states[4], const std::uint8_t* const blocks[4]);
// True when the CPU has SHA-NI and the fast paths are in use.
bool Sha256HasShaNi();

// The state serialised big-endian: the SHA-256 digest once padding has been applied.
Hash32 Sha256StateBytes(const Sha256State& state);

// Streaming SHA-256 (FIPS 180-4 with padding).
class Sha256 {
 public:
  Sha256() { Reset(); }
  void Reset();
  void Update(ByteSpan data);
  void Update(const void* data, std::size_t n) { Update(ByteSpan(static_cast<const std::uint8_t*>(data), n)); }
  // Pads, returns the digest, and resets.
  Hash32 Finish();

 private:
  Sha256State state_;
  std::uint8_t buf_[64];
  std::size_t buf_len_ = 0;
  std::uint64_t total_ = 0;
};

Hash32 Sha256Digest(ByteSpan data);

}  // namespace cairn
