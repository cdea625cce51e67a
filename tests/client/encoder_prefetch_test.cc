// What the encoder prefetches while it hashes: BatchReader hands each batch the lent stripe that follows it, or the
// one a given distance further on (EncodeBatch::upcoming), nothing for a stream that does not lend; and the prefetching seal path gives the shards
// of the copying path with units big enough for the AVX-512 kernel (which is the one that prefetches).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>

#include "encoder_batch.h"
#include "lend_test_util.h"

namespace cairn::client {
namespace {

Bytes Noise(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  Bytes out(n);
  for (std::uint8_t& x : out) x = static_cast<std::uint8_t>(rng() >> 24);
  return out;
}

TEST(EncoderPrefetchTest, UpcomingIsTheLentStripeThatStartsTheAskedDistanceAfterEachBatch) {
  const CodingParams params{4, 2, 5000, 256};  // stripes of 960 plaintext bytes
  const StripeLayout layout(params);
  const Bytes data = Noise(3 * 5000 + 1234, 61);
  for (std::size_t stripes : {std::size_t{1}, std::size_t{2}, std::size_t{4}}) {
    for (std::size_t after : {std::size_t{0}, std::size_t{1}, 2 * layout.stripe_plain, data.size()}) {
      SCOPED_TRACE("stripes per batch " + std::to_string(stripes) + ", after " + std::to_string(after) + ", seed 61");
      MemoryInput in(data);
      BatchReader reader(in, layout);
      EncodeBatch b(layout, stripes);
      std::size_t consumed = 0;
      int batches = 0;
      do {
        ASSERT_TRUE(reader.Next(b, after).ok());
        consumed += b.plaintext_size;
        const std::size_t start = std::min(consumed + after, data.size());
        const std::size_t want = std::min(layout.stripe_plain, data.size() - start);
        ASSERT_EQ(b.upcoming.size(), want) << "batch " << batches;
        if (want > 0) {
          EXPECT_EQ(b.upcoming.data(), data.data() + start) << "batch " << batches;
        }
        ++batches;
      } while (!b.input_ends && batches < 1000);
      EXPECT_EQ(consumed, data.size());
    }
  }
}

TEST(EncoderPrefetchTest, NothingIsUpcomingFromAStreamThatDoesNotLend) {
  const CodingParams params{4, 2, 5000, 256};
  const StripeLayout layout(params);
  const Bytes data = Noise(2 * 5000 + 17, 62);
  ReadOnlyInput in(data);
  BatchReader reader(in, layout);
  EncodeBatch b(layout, 2);
  int batches = 0;
  do {
    ASSERT_TRUE(reader.Next(b).ok());
    EXPECT_TRUE(b.upcoming.empty()) << "batch " << batches;
    ++batches;
  } while (!b.input_ends && batches < 1000);
  EXPECT_GT(batches, 1);
}

TEST(EncoderPrefetchTest, LentAndCopiedGiveTheSameShardsWithKernelSizedUnits) {
  // 4 KiB units (128 nodes: the AVX-512 subtree kernel runs, and prefetches), loans that straddle chunks or not.
  const Bytes key(kAeadKeySize, 0x42);
  StreamHeader header;
  header.chunk_size = 4096 - kAeadTagSize;
  header.nonce.fill(0x17);
  const Bytes data = Noise(3 * (256 << 10) + 5000, 63);
  for (int threads : {1, 2}) {
    EncodeOptions o;
    o.params = {10, 4, 256 << 10, 4096};
    o.threads = threads;
    MemoryShards copied_shards;
    ReadOnlyInput copied(data, 100000);
    auto want = EncodeFileWithHeader(copied, key, header, o, copied_shards);
    ASSERT_TRUE(want.ok()) << want.status().ToString();
    for (std::size_t max_lend : {SIZE_MAX, std::size_t{100000}, std::size_t{4080}, std::size_t{3000}}) {
      SCOPED_TRACE("threads " + std::to_string(threads) + " max_lend " + std::to_string(max_lend) + " seed 63");
      MemoryShards shards;
      MemoryInput lent(data, max_lend);
      auto got = EncodeFileWithHeader(lent, key, header, o, shards);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      EXPECT_TRUE(SameShards(*want, copied_shards, *got, shards));
    }
  }
}

}  // namespace
}  // namespace cairn::client
