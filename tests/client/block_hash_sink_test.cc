#include "block_hash_sink.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "cairn/core/sha256.h"
#include "cairn/core/swarm.h"
#include "memory_shards.h"

namespace cairn::client {
namespace {

std::vector<Hash32> Expected(ByteSpan data) {
  std::vector<Hash32> out;
  for (std::size_t off = 0; off < data.size(); off += kTorrentBlockSize) {
    out.push_back(Sha256Digest(data.subspan(off, std::min(kTorrentBlockSize, data.size() - off))));
  }
  return out;
}

Bytes Random(std::size_t n, std::mt19937_64& rng) {
  Bytes b(n);
  for (auto& x : b) x = static_cast<std::uint8_t>(rng());
  return b;
}

TEST(BlockHashingSinkTest, HashesEveryBlockWhateverTheAppendSizes) {
  const std::uint64_t seed = 4242;
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  MemoryShards mem;
  BlockHashingSink sink(mem);
  // Whole blocks, a partial last block, one byte, and appends that straddle block edges in every way.
  const std::size_t sizes[] = {4 * kTorrentBlockSize, 3 * kTorrentBlockSize + 5, 1, kTorrentBlockSize - 1,
                               (1 << 20) + 777};
  int shard = 0;
  for (std::size_t size : sizes) {
    SCOPED_TRACE("size " + std::to_string(size));
    const Bytes data = Random(size, rng);
    auto w = sink.Create(7, shard);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    for (std::size_t off = 0; off < size;) {
      // Up to five blocks: appends of four or more whole blocks take the four-lane path.
      const std::size_t n = std::min<std::size_t>(size - off, 1 + rng() % (5 * kTorrentBlockSize));
      ASSERT_TRUE((*w)->Append(ByteSpan(data).subspan(off, n)).ok());
      off += n;
    }
    EXPECT_FALSE(sink.Take(7, shard).ok());  // not committed yet
    ASSERT_TRUE((*w)->Commit().ok());
    auto hashes = sink.Take(7, shard);
    ASSERT_TRUE(hashes.ok()) << hashes.status().ToString();
    EXPECT_EQ(*hashes, Expected(data));
    // The bytes went through unchanged, and the hashes are handed out once.
    ASSERT_NE(mem.Find(7, shard), nullptr);
    EXPECT_EQ(*mem.Find(7, shard), data);
    EXPECT_EQ(sink.Take(7, shard).status().code(), Code::kNotFound);
    ++shard;
  }
}

TEST(BlockHashingSinkTest, AShardWrittenAgainForgetsItsOldHashes) {
  MemoryShards mem;
  BlockHashingSink sink(mem);
  const Bytes first(kTorrentBlockSize, 1);
  auto w = sink.Create(0, 0);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Append(first).ok());
  ASSERT_TRUE((*w)->Commit().ok());
  auto again = sink.Create(0, 0);  // rewritten, never committed
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE((*again)->Append(Bytes(10, 2)).ok());
  EXPECT_EQ(sink.Take(0, 0).status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace cairn::client
