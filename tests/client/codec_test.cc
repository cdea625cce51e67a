// Encoder/decoder round trips, erasures, corruption and tampering, over in-memory shards.
#include <gtest/gtest.h>

#include <random>

#include "cairn/core/aead.h"
#include "cairn/core/merkle.h"
#include "decoder.h"
#include "encoder.h"
#include "memory_shards.h"

namespace cairn::client {
namespace {

constexpr std::uint32_t kUnit = 256;      // chunk = 240 plaintext bytes
constexpr std::uint64_t kSegment = 5000;  // not a multiple of the stripe (4 x 240 = 960)

Bytes RandomData(std::size_t n, std::uint32_t seed) {
  std::mt19937_64 rng(seed);
  Bytes b(n);
  for (auto& x : b) x = static_cast<std::uint8_t>(rng());
  return b;
}

Bytes TestKey(std::uint8_t fill = 7) { return Bytes(kAeadKeySize, fill); }

EncodeOptions SmallOptions(int k = 4, int m = 2, int threads = 2, std::size_t batch = 3) {
  EncodeOptions o;
  o.params = {k, m, kSegment, kUnit};
  o.threads = threads;
  o.stripes_per_batch = batch;
  return o;
}

struct Encoded {
  FileCoding coding;
  MemoryShards shards;
};

std::unique_ptr<Encoded> Encode(const Bytes& data, const EncodeOptions& o, std::size_t max_read = SIZE_MAX) {
  auto e = std::make_unique<Encoded>();
  MemoryInput in(data, max_read);
  auto r = EncodeFile(in, data.size(), TestKey(), o, e->shards);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (r.ok()) e->coding = *r;
  return e;
}

Result<Bytes> Decode(Encoded& e, const DecodeOptions& o = {}, ByteSpan key = {}) {
  Bytes k = TestKey();
  MemoryOutput out;
  auto r = DecodeFile(e.coding, key.empty() ? ByteSpan(k) : key, e.shards, out, o);
  if (!r.ok()) return r.status();
  return out.bytes;
}

TEST(CodecTest, RoundTripsEdgeSizes) {
  const std::uint64_t stripe = 4 * (kUnit - kAeadTagSize);
  for (std::uint64_t size : std::initializer_list<std::uint64_t>{0, 1, stripe - 1, stripe, stripe + 1, kSegment - 1,
                                                                 kSegment, kSegment + 1, 3 * kSegment + 17}) {
    for (int threads : {1, 2}) {
      SCOPED_TRACE("size=" + std::to_string(size) + " threads=" + std::to_string(threads) + " seed=11");
      Bytes data = RandomData(size, 11);
      auto e = Encode(data, SmallOptions(4, 2, threads));
      std::uint64_t segments = size == 0 ? 1 : (size + kSegment - 1) / kSegment;
      ASSERT_EQ(e->coding.segments.size(), segments);
      EXPECT_EQ(e->coding.size, size);
      EXPECT_EQ(e->shards.count(), segments * 6);
      EXPECT_TRUE(ValidateFileCoding(e->coding).ok());
      auto back = Decode(*e);
      ASSERT_TRUE(back.ok()) << back.status().ToString();
      EXPECT_EQ(*back, data);
    }
  }
}

TEST(CodecTest, ShortReadsAndBatchSizesGiveTheSameShards) {
  Bytes data = RandomData(2 * kSegment + 333, 12);
  StreamHeader h;
  h.chunk_size = kUnit - kAeadTagSize;
  h.nonce.fill(9);
  auto run = [&](std::size_t max_read, std::size_t batch, int threads) {
    MemoryShards shards;
    MemoryInput in(data, max_read);
    auto r = EncodeFileWithHeader(in, TestKey(), h, SmallOptions(4, 2, threads, batch), shards);
    EXPECT_TRUE(r.ok());
    return r.ok() ? r->segments.back().comm_d : std::vector<Hash32>{};
  };
  auto base = run(SIZE_MAX, 16, 1);
  EXPECT_EQ(run(7, 1, 2), base);
  EXPECT_EQ(run(1000, 5, 2), base);
}

TEST(CodecTest, CommDIsTheMerkleRootOfEachShard) {
  Bytes data = RandomData(3000, 13);
  auto e = Encode(data, SmallOptions());
  for (int j = 0; j < 6; ++j) {
    Bytes* shard = e->shards.Find(0, j);
    ASSERT_NE(shard, nullptr);
    EXPECT_EQ(shard->size(), e->coding.segments[0].shard_size);
    auto root = MerkleRoot(*shard);
    ASSERT_TRUE(root.ok());
    EXPECT_EQ(*root, e->coding.segments[0].comm_d[j]) << "shard " << j;
  }
}

TEST(CodecTest, EveryErasurePatternUpToMDecodes) {
  Bytes data = RandomData(2 * kSegment + 100, 14);
  for (int mask = 0; mask < 64; ++mask) {
    int lost = __builtin_popcount(mask);
    auto e = Encode(data, SmallOptions());
    for (int j = 0; j < 6; ++j) {
      if (mask & (1 << j)) {
        for (std::uint32_t s = 0; s < 3; ++s) e->shards.Erase(s, j);
      }
    }
    SCOPED_TRACE("lost mask " + std::to_string(mask));
    auto back = Decode(*e);
    if (lost <= 2) {
      ASSERT_TRUE(back.ok()) << back.status().ToString();
      EXPECT_EQ(*back, data);
    } else {
      ASSERT_FALSE(back.ok());
      EXPECT_EQ(back.status().code(), Code::kNotFound);
      EXPECT_NE(back.status().message().find("missing shards"), std::string::npos) << back.status().message();
    }
  }
}

TEST(CodecTest, EverySingleByteFlipInAShardIsDetectedAndRepaired) {
  Bytes data = RandomData(700, 15);
  auto clean = Encode(data, SmallOptions());
  for (int j = 0; j < 6; ++j) {
    std::size_t size = clean->shards.Find(0, j)->size();
    for (std::size_t i = 0; i < size; ++i) {
      Encoded e;
      e.coding = clean->coding;
      for (int t = 0; t < 6; ++t) {
        auto w = e.shards.Create(0, t);
        ASSERT_TRUE((*w)->Append(*clean->shards.Find(0, t)).ok());
        ASSERT_TRUE((*w)->Commit().ok());
      }
      (*e.shards.Find(0, j))[i] ^= 0x01;
      MemoryOutput out;
      Bytes key = TestKey();
      auto r = DecodeFile(e.coding, key, e.shards, out, {});
      ASSERT_TRUE(r.ok()) << "shard " << j << " byte " << i << ": " << r.status().ToString();
      EXPECT_EQ(out.bytes, data);
      if (j < 4) {
        ASSERT_EQ(r->segments[0].corrupt, std::vector<int>{j}) << "shard " << j << " byte " << i;
      }
    }
  }
}

TEST(CodecTest, WrongKeyFailsAuthentication) {
  Bytes data = RandomData(1000, 16);
  auto e = Encode(data, SmallOptions());
  Bytes wrong = TestKey(8);
  auto back = Decode(*e, {}, wrong);
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.status().code(), Code::kAuthFailed);
}

TEST(CodecTest, SegmentsSwappedFailAuthentication) {
  Bytes data = RandomData(2 * kSegment, 17);
  auto e = Encode(data, SmallOptions());
  // Move segment 1's shards (with their comm_d) into segment 0's place: every shard check passes, the AEAD must not.
  std::swap(e->coding.segments[0], e->coding.segments[1]);
  for (int j = 0; j < 6; ++j) std::swap(*e->shards.Find(0, j), *e->shards.Find(1, j));
  auto back = Decode(*e);
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.status().code(), Code::kAuthFailed);
}

TEST(CodecTest, TruncatedStreamFailsAuthentication) {
  Bytes data = RandomData(2 * (kUnit - kAeadTagSize), 18);  // two chunks in one stripe
  auto e = Encode(data, SmallOptions());
  // Claim the file ended after its first chunk: the same stripe and shards, but chunk 0 was not sealed as last.
  e->coding.size = kUnit - kAeadTagSize;
  e->coding.segments[0].plaintext_size = e->coding.size;
  ASSERT_TRUE(ValidateFileCoding(e->coding).ok());
  auto back = Decode(*e);
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.status().code(), Code::kAuthFailed);
}

TEST(CodecTest, ByteRangesMatchTheSlice) {
  Bytes data = RandomData(3 * kSegment + 77, 19);
  auto e = Encode(data, SmallOptions());
  std::mt19937_64 rng(20);
  SCOPED_TRACE("seed=20");
  for (int t = 0; t < 60; ++t) {
    std::uint64_t off = rng() % (data.size() + 10);
    std::uint64_t len = rng() % 7000;
    DecodeOptions o;
    o.offset = off;
    o.length = len;
    auto back = Decode(*e, o);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    std::uint64_t a = std::min<std::uint64_t>(off, data.size());
    std::uint64_t b = std::min<std::uint64_t>(data.size(), a + len);
    EXPECT_EQ(*back, Bytes(data.begin() + a, data.begin() + b)) << "off=" << off << " len=" << len;
  }
}

TEST(CodecTest, RangeReadTouchesOnlyItsSegment) {
  Bytes data = RandomData(3 * kSegment, 21);
  auto e = Encode(data, SmallOptions());
  for (int j = 0; j < 6; ++j) e->shards.Erase(0, j);  // segment 0 entirely gone
  DecodeOptions o;
  o.offset = kSegment + 10;
  o.length = 100;
  auto back = Decode(*e, o);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, Bytes(data.begin() + kSegment + 10, data.begin() + kSegment + 110));
}

TEST(CodecTest, WideCodesRoundTripWithLosses) {
  for (auto [k, m] : {std::pair{10, 4}, std::pair{29, 51}}) {
    SCOPED_TRACE("k=" + std::to_string(k) + " m=" + std::to_string(m) + " seed=22");
    Bytes data = RandomData(60000, 22);
    auto e = Encode(data, SmallOptions(k, m));
    std::mt19937 rng(22);
    std::vector<int> idx(k + m);
    for (int i = 0; i < k + m; ++i) idx[i] = i;
    std::shuffle(idx.begin(), idx.end(), rng);
    for (int i = 0; i < m; ++i) {
      for (std::uint32_t s = 0; s < e->coding.segments.size(); ++s) e->shards.Erase(s, idx[i]);
    }
    auto back = Decode(*e);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, data);
  }
}

TEST(CodecTest, DefaultUnitWithRealSegmentSizes) {
  Bytes data = RandomData((3 << 20) + 5, 23);
  EncodeOptions o;
  o.params = {10, 4, 1 << 20, 0};
  auto e = Encode(data, o);
  EXPECT_EQ(e->coding.unit_size, kMaxUnitSize);
  EXPECT_EQ(e->coding.segments.size(), 4u);
  std::uint64_t expect = 0;
  for (const auto& s : e->coding.segments) expect += 14 * s.shard_size;
  EXPECT_EQ(e->shards.total_bytes(), expect);
  // At real segment sizes the overhead is the 16-byte tags plus at most one stripe of padding per segment.
  double overhead = 14.0 * GeometryFor(64ull << 20, 10, kMaxUnitSize).shard_size / (64ull << 20);
  EXPECT_LT(overhead, 1.4 * 1.01);
  e->shards.Erase(1, 3);
  e->shards.Erase(2, 0);
  auto back = Decode(*e);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, data);
}

TEST(CodecTest, UnitSizeFollowsSmallFiles) {
  EXPECT_EQ(ChooseUnitSize(0, 4, kSegment), 64u);
  EXPECT_EQ(ChooseUnitSize(1, 4, kSegment), 64u);
  EXPECT_EQ(ChooseUnitSize(10000, 4, 1 << 20), 4096u);
  EXPECT_EQ(ChooseUnitSize(1ull << 30, 10, 64ull << 20), kMaxUnitSize);
  EXPECT_FALSE(ValidateCodingParams({0, 2, kSegment, 0}).ok());
  EXPECT_FALSE(ValidateCodingParams({200, 56, kSegment, 0}).ok());
  EXPECT_FALSE(ValidateCodingParams({4, 2, 0, 0}).ok());
  EXPECT_FALSE(ValidateCodingParams({4, 2, kSegment, 100}).ok());
  EXPECT_TRUE(ValidateCodingParams({4, 2, kSegment, 128}).ok());
}

TEST(CodecTest, CancelStopsEncoding) {
  Bytes data = RandomData(20 * kSegment, 24);
  std::atomic<bool> cancel{true};
  EncodeOptions o = SmallOptions();
  o.cancel = &cancel;
  MemoryShards shards;
  MemoryInput in(data);
  auto r = EncodeFile(in, data.size(), TestKey(), o, shards);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kCancelled);
}

}  // namespace
}  // namespace cairn::client
