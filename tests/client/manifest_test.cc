#include "manifest.h"

#include <gtest/gtest.h>

#include "cairn/core/aead.h"
#include "cairn/core/hex.h"

namespace cairn::client {
namespace {

Manifest Sample() {
  Manifest m;
  m.name = "photos/2026/cairn.jpg";
  m.mtime_ns = 1763769600123456789LL;
  m.mode = 0100644;
  m.wrapped_key = Bytes(61, 0xAB);
  FileCoding& c = m.coding;
  c.k = 2;
  c.m = 1;
  c.segment_size = 1000;
  c.unit_size = 256;
  c.size = 1500;
  c.header.chunk_size = 240;
  for (int i = 0; i < 16; ++i) c.header.nonce[i] = static_cast<std::uint8_t>(i);
  for (std::uint64_t s = 0; s < 2; ++s) {
    SegmentCoding sc;
    sc.plaintext_size = s == 0 ? 1000 : 500;
    sc.shard_size = GeometryFor(sc.plaintext_size, 2, 256).shard_size;
    for (int j = 0; j < 3; ++j) {
      Hash32 h;
      h.fill(static_cast<std::uint8_t>(16 * s + j));
      sc.comm_d.push_back(h);
    }
    c.segments.push_back(sc);
  }
  return m;
}

bool SameManifest(const Manifest& a, const Manifest& b) { return a.Serialize() == b.Serialize(); }

TEST(ManifestTest, GoldenVectorFreezesTheFormat) {
  Bytes plain = Sample().Serialize();
  // Computed once from this implementation; a change here is a format change and needs a new version.
  EXPECT_EQ(ToHex(plain),
            "43524e4d0100001570686f746f732f323032362f636169726e2e6a7067187a2b1b40fdcd15000081a4003dababababababab"
            "abababababababababababababababababababababababababababababababababababababababababababababababababab"
            "abababab00000000000005dc020100000000000003e80000010043530101000000f0000102030405060708090a0b0c0d0e0f"
            "0000000200000000000003e80000000000000300000000000000000000000000000000000000000000000000000000000000"
            "0000010101010101010101010101010101010101010101010101010101010101010102020202020202020202020202020202"
            "0202020202020202020202020202020200000000000001f40000000000000200101010101010101010101010101010101010"
            "1010101010101010101010101010111111111111111111111111111111111111111111111111111111111111111112121212"
            "12121212121212121212121212121212121212121212121212121212");
  auto back = Manifest::Parse(plain);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(SameManifest(*back, Sample()));
  EXPECT_EQ(back->name, "photos/2026/cairn.jpg");
  EXPECT_EQ(back->mtime_ns, 1763769600123456789LL);
}

TEST(ManifestTest, SealedRoundTripAndWrongKey) {
  Bytes key(32, 1);
  auto sealed = SealManifest(Sample(), key);
  ASSERT_TRUE(sealed.ok());
  auto opened = OpenManifest(*sealed, key);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_TRUE(SameManifest(*opened, Sample()));
  Bytes other(32, 2);
  EXPECT_EQ(OpenManifest(*sealed, other).status().code(), Code::kAuthFailed);
}

TEST(ManifestTest, EverySingleByteFlipOfTheSealedManifestIsDetected) {
  Bytes key(32, 1);
  auto sealed = SealManifest(Sample(), key);
  ASSERT_TRUE(sealed.ok());
  for (std::size_t i = 0; i < sealed->size(); ++i) {
    for (std::uint8_t bit : {0x01, 0x80}) {
      Bytes t = *sealed;
      t[i] ^= bit;
      auto r = OpenManifest(t, key);
      EXPECT_FALSE(r.ok()) << "byte " << i << " bit " << int(bit);
    }
  }
}

TEST(ManifestTest, EveryTruncationIsRejected) {
  Bytes plain = Sample().Serialize();
  for (std::size_t n = 0; n < plain.size(); ++n) {
    auto r = Manifest::Parse(ByteSpan(plain.data(), n));
    EXPECT_FALSE(r.ok()) << "length " << n;
  }
  Bytes longer = plain;
  longer.push_back(0);
  EXPECT_FALSE(Manifest::Parse(longer).ok());
}

TEST(ManifestTest, InconsistentOrHugeCountsAreRejectedWithoutAllocation) {
  Bytes plain = Sample().Serialize();
  // Locate the segment count (4 bytes before the segment table) and make it huge.
  std::size_t table = plain.size() - 2 * (16 + 3 * 32);
  Bytes t = plain;
  PutBE32(&t[table - 4], 0xFFFFFFFF);
  EXPECT_EQ(Manifest::Parse(t).status().code(), Code::kCorruption);
  PutBE32(&t[table - 4], 3);  // plausible but inconsistent with the bytes present
  EXPECT_EQ(Manifest::Parse(t).status().code(), Code::kCorruption);
  // A segment size that does not match the file size.
  Manifest m = Sample();
  m.coding.segments[1].plaintext_size = 400;
  EXPECT_EQ(Manifest::Parse(m.Serialize()).status().code(), Code::kCorruption);
  m = Sample();
  m.coding.segments[0].shard_size += 64;
  EXPECT_EQ(Manifest::Parse(m.Serialize()).status().code(), Code::kCorruption);
  m = Sample();
  m.coding.k = 0;
  EXPECT_FALSE(Manifest::Parse(m.Serialize()).ok());
}

TEST(ManifestTest, SealRefusesBadNames) {
  Bytes key(32, 1);
  Manifest m = Sample();
  m.name = "";
  EXPECT_EQ(SealManifest(m, key).status().code(), Code::kInvalidArgument);
  m.name.assign(kMaxNameBytes + 1, 'x');
  EXPECT_EQ(SealManifest(m, key).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace cairn::client
