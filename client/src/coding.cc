#include "coding.h"

#include <bit>

namespace cairn::client {

Status ValidateCodingParams(const CodingParams& p) {
  if (p.k < 1) return Status::InvalidArgument("k must be at least 1");
  if (p.m < 0) return Status::InvalidArgument("m must not be negative");
  if (p.k + p.m > kMaxShards) return Status::InvalidArgument("k + m must be at most 255");
  if (p.segment_size < 1 || p.segment_size > kMaxSegmentSize) {
    return Status::InvalidArgument("segment size must be between 1 byte and 16 GiB");
  }
  if (p.unit_size != 0 &&
      (p.unit_size < kMinUnitSize || p.unit_size > kMaxUnitSize || !std::has_single_bit(p.unit_size))) {
    return Status::InvalidArgument("unit size must be a power of two between 64 B and 64 KiB");
  }
  return Status::Ok();
}

std::uint32_t ChooseUnitSize(std::uint64_t file_size_hint, int k, std::uint64_t segment_size) {
  std::uint64_t first = std::min(file_size_hint, segment_size);
  std::uint64_t need = (first + kAeadTagSize + static_cast<std::uint64_t>(k) - 1) / static_cast<std::uint64_t>(k);
  std::uint64_t unit = kMinUnitSize;
  while (unit < need && unit < kMaxUnitSize) unit <<= 1;
  return static_cast<std::uint32_t>(unit);
}

SegmentGeometry GeometryFor(std::uint64_t plaintext_size, int k, std::uint32_t unit_size) {
  SegmentGeometry g;
  g.plaintext_size = plaintext_size;
  g.chunks = StreamChunkCount(plaintext_size, unit_size - static_cast<std::uint32_t>(kAeadTagSize));
  g.stripes = (g.chunks + static_cast<std::uint64_t>(k) - 1) / static_cast<std::uint64_t>(k);
  g.shard_size = g.stripes * unit_size;
  return g;
}

Status ValidateFileCoding(const FileCoding& c) {
  CodingParams p{c.k, c.m, c.segment_size, c.unit_size};
  CAIRN_RETURN_IF_ERROR(ValidateCodingParams(p));
  if (c.unit_size == 0) return Status::Corruption("unit size missing");
  if (c.header.chunk_size != c.unit_size - kAeadTagSize) {
    return Status::Corruption("stream chunk size does not match the unit size");
  }
  std::uint64_t expect_segments = c.size == 0 ? 1 : (c.size + c.segment_size - 1) / c.segment_size;
  if (c.segments.size() != expect_segments) {
    return Status::Corruption("segment count " + std::to_string(c.segments.size()) + " does not match file size");
  }
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < c.segments.size(); ++i) {
    const SegmentCoding& s = c.segments[i];
    bool last = i + 1 == c.segments.size();
    std::uint64_t want = last ? c.size - total : c.segment_size;
    if (s.plaintext_size != want) {
      return Status::Corruption("segment " + std::to_string(i) + " has a wrong plaintext size");
    }
    total += s.plaintext_size;
    if (s.shard_size != GeometryFor(s.plaintext_size, c.k, c.unit_size).shard_size) {
      return Status::Corruption("segment " + std::to_string(i) + " has a wrong shard size");
    }
    if (s.comm_d.size() != static_cast<std::size_t>(c.k + c.m)) {
      return Status::Corruption("segment " + std::to_string(i) + " lists a wrong number of shards");
    }
  }
  return Status::Ok();
}

ByteSpan FileStreamContext() {
  static constexpr char kContext[] = "cairn/file-stream/v1";
  return AsBytes(std::string_view(kContext, sizeof(kContext) - 1));
}

}  // namespace cairn::client
