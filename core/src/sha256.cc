// SHA-256: run-time dispatch between the SHA-NI kernels and the reference, and the FIPS 180-4 streaming hasher
// (padding: 0x80, zeros up to 56 mod 64, then the message length in bits as a big-endian u64).
#include "cairn/core/sha256.h"

#include <bit>
#include <cstring>

#include "sha256_internal.h"

namespace cairn {

Sha256State Sha256InitialState() {
  return Sha256State{{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19}};
}

bool Sha256HasShaNi() { return internal::CpuHasShaNi(); }

void Sha256Compress(Sha256State& state, const std::uint8_t* blocks, std::size_t nblocks) {
  if (internal::CpuHasShaNi()) {
    internal::Sha256CompressShaNi(state, blocks, nblocks);
  } else {
    Sha256CompressRef(state, blocks, nblocks);
  }
}

void Sha256Compress4(Sha256State* const states[4], const std::uint8_t* const blocks[4]) {
  if (internal::CpuHasShaNi()) {
    internal::Sha256Compress4ShaNi(states, blocks);
  } else {
    for (int i = 0; i < 4; ++i) Sha256CompressRef(*states[i], blocks[i], 1);
  }
}

Hash32 Sha256StateBytes(const Sha256State& state) {
  // A byte swap and a 4-byte store per word: the byte-at-a-time PutBE32 vectorises badly here, and this runs once
  // per Merkle hash.
  Hash32 out;
  for (int i = 0; i < 8; ++i) {
    std::uint32_t word = state.h[i];
    if constexpr (std::endian::native == std::endian::little) word = __builtin_bswap32(word);
    std::memcpy(out.data() + 4 * i, &word, 4);
  }
  return out;
}

void Sha256::Reset() {
  state_ = Sha256InitialState();
  buf_len_ = 0;
  total_ = 0;
}

void Sha256::Update(ByteSpan data) {
  if (data.empty()) return;  // also keeps a null data() away from memcpy
  const std::uint8_t* p = data.data();
  std::size_t n = data.size();
  total_ += n;
  if (buf_len_ > 0) {
    const std::size_t take = n < 64 - buf_len_ ? n : 64 - buf_len_;
    std::memcpy(buf_ + buf_len_, p, take);
    buf_len_ += take;
    p += take;
    n -= take;
    if (buf_len_ < 64) return;
    Sha256Compress(state_, buf_, 1);
    buf_len_ = 0;
  }
  const std::size_t whole = n / 64;
  if (whole > 0) {
    Sha256Compress(state_, p, whole);
    p += 64 * whole;
    n -= 64 * whole;
  }
  if (n > 0) {
    std::memcpy(buf_, p, n);
    buf_len_ = n;
  }
}

Hash32 Sha256::Finish() {
  // The length field counts bits modulo 2^64, as FIPS 180-4 specifies.
  const std::uint64_t bits = total_ * 8;
  std::uint8_t tail[128] = {};
  std::memcpy(tail, buf_, buf_len_);
  tail[buf_len_] = 0x80;
  const std::size_t tail_len = buf_len_ < 56 ? 64 : 128;
  PutBE64(tail + tail_len - 8, bits);
  Sha256Compress(state_, tail, tail_len / 64);
  const Hash32 digest = Sha256StateBytes(state_);
  Reset();
  return digest;
}

Hash32 Sha256Digest(ByteSpan data) {
  Sha256 h;
  h.Update(data);
  return h.Finish();
}

}  // namespace cairn
