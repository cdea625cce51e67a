// Test helpers for the encoder's lending path: a Read-only view of memory (so the encoder copies), and checks that
// two encodes stored the same shards and codings.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "coding.h"
#include "encoder.h"
#include "memory_shards.h"

namespace cairn::client {

// MemoryInput through Read only: the encoder's copying path.
class ReadOnlyInput : public InputStream {
 public:
  explicit ReadOnlyInput(ByteSpan data, std::size_t max_read = SIZE_MAX) : inner_(data, max_read) {}
  Result<std::size_t> Read(MutableByteSpan out) override { return inner_.Read(out); }

 private:
  MemoryInput inner_;
};

// Success when both encodes have the same segments (sizes, comm_d) and byte-identical shards.
inline testing::AssertionResult SameShards(const FileCoding& a, MemoryShards& sa, const FileCoding& b,
                                           MemoryShards& sb) {
  if (a.size != b.size || a.segments.size() != b.segments.size()) return testing::AssertionFailure() << "sizes differ";
  for (std::uint32_t s = 0; s < a.segments.size(); ++s) {
    if (a.segments[s].comm_d != b.segments[s].comm_d) return testing::AssertionFailure() << "comm_d of segment " << s;
    for (int j = 0; j < a.k + a.m; ++j) {
      const Bytes* x = sa.Find(s, j);
      const Bytes* y = sb.Find(s, j);
      if (x == nullptr || y == nullptr || *x != *y) {
        return testing::AssertionFailure() << "shard " << j << " of segment " << s << " differs";
      }
    }
  }
  return testing::AssertionSuccess();
}

// Encodes `in`, then `data` through the copying path, with the same options, key and header; success when both
// encodes succeed and store the same shards.
inline testing::AssertionResult EncodesLikeMemory(InputStream& in, const Bytes& data, const EncodeOptions& o) {
  StreamHeader h;
  h.chunk_size = o.params.unit_size - static_cast<std::uint32_t>(kAeadTagSize);
  const Bytes key(kAeadKeySize, 8);
  MemoryShards got_shards, want_shards;
  auto got = EncodeFileWithHeader(in, key, h, o, got_shards);
  if (!got.ok()) return testing::AssertionFailure() << got.status().ToString();
  ReadOnlyInput mem(data);
  auto want = EncodeFileWithHeader(mem, key, h, o, want_shards);
  if (!want.ok()) return testing::AssertionFailure() << "from memory: " << want.status().ToString();
  return SameShards(*want, want_shards, *got, got_shards);
}

}  // namespace cairn::client
