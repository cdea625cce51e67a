// How a file is cut, encrypted and erasure-coded: the parameters and the per-segment geometry shared by the encoder,
// the decoder and the manifest.
//
// A file is a sequence of segments of `segment_size` plaintext bytes (the last one shorter; an empty file is one
// empty segment). Each segment is one AEAD stream (core/aead.h) whose chunks hold `unit_size - 16` plaintext bytes,
// so each chunk's ciphertext with its tag fills exactly one `unit_size` unit (a short last chunk is zero padded).
// Chunks are laid out in stripes of k units: chunk c of a segment is unit (c mod k) of stripe (c div k); the m parity
// units of a stripe are the Reed-Solomon parity of its k data units. Shard j of a segment is unit j of every stripe,
// concatenated, so every shard of a segment has the same size (stripes x unit_size). A unit is a power of two >= 64
// bytes, so it is an aligned, perfect subtree of the shard's Merkle tree (comm_d).
#pragma once

#include <cstdint>
#include <vector>

#include "cairn/core/aead.h"
#include "cairn/core/bytes.h"
#include "cairn/core/status.h"

namespace cairn::client {

inline constexpr std::uint32_t kMinUnitSize = 64;
inline constexpr std::uint32_t kMaxUnitSize = 64 * 1024;
inline constexpr std::uint64_t kMaxSegmentSize = 16ull << 30;
inline constexpr int kMaxShards = 255;

struct CodingParams {
  int k = 4;
  int m = 2;
  std::uint64_t segment_size = 64ull << 20;
  std::uint32_t unit_size = 0;  // 0: chosen from the file size (ChooseUnitSize)
};

Status ValidateCodingParams(const CodingParams& p);

// The largest unit <= kMaxUnitSize that does not inflate a small segment: the smallest power of two >= 64 with
// k * unit >= (plaintext of the first segment + 16), capped at kMaxUnitSize.
std::uint32_t ChooseUnitSize(std::uint64_t file_size_hint, int k, std::uint64_t segment_size);

struct SegmentGeometry {
  std::uint64_t plaintext_size = 0;
  std::uint64_t chunks = 0;   // AEAD chunks (>= 1)
  std::uint64_t stripes = 0;  // ceil(chunks / k)
  std::uint64_t shard_size = 0;
};

// REQUIRES: unit_size > kAeadTagSize, k >= 1.
SegmentGeometry GeometryFor(std::uint64_t plaintext_size, int k, std::uint32_t unit_size);

// One segment as stored: its plaintext size, and the comm_d of each of its k+m shards.
struct SegmentCoding {
  std::uint64_t plaintext_size = 0;
  std::uint64_t shard_size = 0;
  std::vector<Hash32> comm_d;  // k+m entries
};

// Everything needed (with the file key) to decode a file.
struct FileCoding {
  std::uint64_t size = 0;
  int k = 0;
  int m = 0;
  std::uint64_t segment_size = 0;
  std::uint32_t unit_size = 0;
  StreamHeader header;  // header.chunk_size == unit_size - kAeadTagSize
  std::vector<SegmentCoding> segments;
};

// Checks the internal consistency of a FileCoding read from an untrusted place: parameter ranges, segment sizes
// summing to `size`, every segment full but the last, shard sizes matching the geometry, k+m comm_d each.
Status ValidateFileCoding(const FileCoding& c);

// The AEAD context string bound into every chunk of a file's streams.
ByteSpan FileStreamContext();

}  // namespace cairn::client
