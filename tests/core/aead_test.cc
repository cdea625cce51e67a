#include "cairn/core/aead.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>

#include "cairn/core/hex.h"

namespace cairn {
namespace {

constexpr std::uint32_t kSmallChunk = 32;

Bytes SequenceBytes(std::uint8_t first, std::size_t n) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(first + i);
  return b;
}

Bytes RandomData(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  Bytes b(n);
  for (auto& x : b) x = static_cast<std::uint8_t>(rng());
  return b;
}

StreamHeader TestHeader(std::uint32_t chunk_size) {
  StreamHeader h;
  h.chunk_size = chunk_size;
  for (std::size_t i = 0; i < kStreamNonceSize; ++i) h.nonce[i] = static_cast<std::uint8_t>(0xa0 + i);
  return h;
}

// Seals a whole stream chunk by chunk, the way the client will.
Bytes SealStream(ByteSpan key, const StreamHeader& h, ByteSpan context, std::uint64_t stream_index,
                 ByteSpan plaintext) {
  auto sealer = StreamSealer::Create(key, h, context, stream_index);
  EXPECT_TRUE(sealer.ok()) << sealer.status().ToString();
  if (!sealer.ok()) return {};
  const std::uint64_t chunks = StreamChunkCount(plaintext.size(), h.chunk_size);
  Bytes out(StreamCiphertextSize(plaintext.size(), h.chunk_size));
  std::size_t in_pos = 0, out_pos = 0;
  for (std::uint64_t i = 0; i < chunks; ++i) {
    const std::size_t n = std::min<std::size_t>(h.chunk_size, plaintext.size() - in_pos);
    Status s = (*sealer)->SealChunk(i, i + 1 == chunks, plaintext.subspan(in_pos, n),
                                    MutableByteSpan(out).subspan(out_pos, n + kAeadTagSize));
    EXPECT_TRUE(s.ok()) << s.ToString();
    in_pos += n;
    out_pos += n + kAeadTagSize;
  }
  EXPECT_EQ(out_pos, out.size());
  return out;
}

// Opens a stream sealed by SealStream; the last chunk is whatever remains after full sealed chunks.
Result<Bytes> OpenStream(ByteSpan key, const StreamHeader& h, ByteSpan context, std::uint64_t stream_index,
                         ByteSpan ciphertext) {
  CAIRN_ASSIGN_OR_RETURN(auto opener, StreamOpener::Create(key, h, context, stream_index));
  const std::size_t sealed_chunk = h.chunk_size + kAeadTagSize;
  Bytes out;
  std::size_t pos = 0;
  for (std::uint64_t i = 0;; ++i) {
    const std::size_t left = ciphertext.size() - pos;
    const bool last = left <= sealed_chunk;
    const std::size_t n = last ? left : sealed_chunk;
    Bytes plain(n >= kAeadTagSize ? n - kAeadTagSize : 0);
    CAIRN_RETURN_IF_ERROR(opener->OpenChunk(i, last, ciphertext.subspan(pos, n), plain));
    Append(out, plain);
    pos += n;
    if (last) break;
  }
  return out;
}

class StreamTest : public ::testing::Test {
 protected:
  Bytes key_ = SequenceBytes(0, kAeadKeySize);
  Bytes context_ = ToBytes(AsBytes("file-1"));
  StreamHeader header_ = TestHeader(kSmallChunk);
};

TEST_F(StreamTest, RoundTripsBoundarySizes) {
  for (std::size_t size :
       {0u, 1u, kSmallChunk - 1, kSmallChunk, kSmallChunk + 1, 5 * kSmallChunk + 7, 6 * kSmallChunk}) {
    SCOPED_TRACE("size " + std::to_string(size) + ", seed " + std::to_string(size));
    Bytes plain = RandomData(size, static_cast<std::uint32_t>(size));
    Bytes sealed = SealStream(key_, header_, context_, 3, plain);
    EXPECT_EQ(sealed.size(), StreamCiphertextSize(size, kSmallChunk));
    auto opened = OpenStream(key_, header_, context_, 3, sealed);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    EXPECT_EQ(*opened, plain);
    if (size > 0) {
      EXPECT_NE(Bytes(sealed.begin(), sealed.begin() + size), plain);
    }
  }
}

TEST_F(StreamTest, RoundTripsWithDefaultChunkSize) {
  StreamHeader h = StreamHeader::New();
  ASSERT_EQ(h.chunk_size, kDefaultChunkSize);
  Bytes plain = RandomData(3 * kDefaultChunkSize + 1000, 42);
  SCOPED_TRACE("seed 42");
  Bytes sealed = SealStream(key_, h, context_, 0, plain);
  ASSERT_EQ(sealed.size(), plain.size() + 4 * kAeadTagSize);
  auto opened = OpenStream(key_, h, context_, 0, sealed);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(*opened, plain);
}

TEST(StreamSizeTest, ChunkCountAndCiphertextSize) {
  EXPECT_EQ(StreamChunkCount(0, 16), 1u);
  EXPECT_EQ(StreamChunkCount(1, 16), 1u);
  EXPECT_EQ(StreamChunkCount(16, 16), 1u);
  EXPECT_EQ(StreamChunkCount(17, 16), 2u);
  EXPECT_EQ(StreamChunkCount(std::uint64_t{1} << 40, kDefaultChunkSize), 16781314u);  // ceil(2^40 / 65520)
  EXPECT_EQ(StreamCiphertextSize(0, 16), 16u);
  EXPECT_EQ(StreamCiphertextSize(33, 16), 33u + 3 * 16);
  EXPECT_EQ(StreamChunkCount(5, 0), 0u);
}

TEST_F(StreamTest, EveryByteFlipIsDetected) {
  const std::uint32_t seed = 7;
  SCOPED_TRACE("seed " + std::to_string(seed));
  Bytes plain = RandomData(2 * kSmallChunk + 11, seed);  // three chunks, the last one short
  Bytes sealed = SealStream(key_, header_, context_, 0, plain);
  ASSERT_EQ(sealed.size(), plain.size() + 3 * kAeadTagSize);
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    for (std::uint8_t mask : {0x01, 0x80}) {
      Bytes bad = sealed;
      bad[i] ^= mask;
      auto opened = OpenStream(key_, header_, context_, 0, bad);
      ASSERT_FALSE(opened.ok()) << "flip of byte " << i << " mask " << int{mask} << " went unnoticed";
      EXPECT_EQ(opened.status().code(), Code::kAuthFailed) << "byte " << i;
    }
  }
}

TEST_F(StreamTest, SwappedChunksFail) {
  Bytes plain = RandomData(3 * kSmallChunk, 11);
  Bytes sealed = SealStream(key_, header_, context_, 0, plain);
  const std::size_t sc = kSmallChunk + kAeadTagSize;
  Bytes swapped = sealed;
  std::swap_ranges(swapped.begin(), swapped.begin() + sc, swapped.begin() + sc);
  EXPECT_EQ(OpenStream(key_, header_, context_, 0, swapped).status().code(), Code::kAuthFailed);
}

TEST_F(StreamTest, ChunkMovedToAnotherStreamOrContextFails) {
  Bytes plain = RandomData(2 * kSmallChunk, 12);
  Bytes sealed = SealStream(key_, header_, context_, 4, plain);
  ASSERT_TRUE(OpenStream(key_, header_, context_, 4, sealed).ok());
  EXPECT_EQ(OpenStream(key_, header_, context_, 5, sealed).status().code(), Code::kAuthFailed);
  EXPECT_EQ(OpenStream(key_, header_, AsBytes("file-2"), 4, sealed).status().code(), Code::kAuthFailed);
  EXPECT_EQ(OpenStream(key_, header_, {}, 4, sealed).status().code(), Code::kAuthFailed);
  StreamHeader other_nonce = header_;
  other_nonce.nonce[0] ^= 1;
  EXPECT_EQ(OpenStream(key_, other_nonce, context_, 4, sealed).status().code(), Code::kAuthFailed);

  // One chunk of stream 4 spliced into stream 5 at the same position.
  Bytes other = SealStream(key_, header_, context_, 5, plain);
  std::copy(sealed.begin(), sealed.begin() + kSmallChunk + kAeadTagSize, other.begin());
  EXPECT_EQ(OpenStream(key_, header_, context_, 5, other).status().code(), Code::kAuthFailed);
}

TEST_F(StreamTest, TruncationFails) {
  Bytes plain = RandomData(2 * kSmallChunk + 5, 13);
  Bytes sealed = SealStream(key_, header_, context_, 0, plain);
  const std::size_t sc = kSmallChunk + kAeadTagSize;
  // Last chunk dropped: chunk 1 is then opened as the last one.
  Bytes dropped(sealed.begin(), sealed.begin() + 2 * sc);
  EXPECT_EQ(OpenStream(key_, header_, context_, 0, dropped).status().code(), Code::kAuthFailed);
  // A non-last chunk opened as last, directly.
  auto opener = StreamOpener::Create(key_, header_, context_, 0);
  ASSERT_TRUE(opener.ok());
  Bytes out(kSmallChunk);
  EXPECT_EQ((*opener)->OpenChunk(0, true, ByteSpan(sealed).first(sc), out).code(), Code::kAuthFailed);
  // And the last chunk opened as not last (its length already gives it away).
  Bytes out_last(5);
  EXPECT_FALSE((*opener)->OpenChunk(2, false, ByteSpan(sealed).subspan(2 * sc), out_last).ok());
  // Everything but the last chunk removed from a full-size stream.
  Bytes full = SealStream(key_, header_, context_, 0, RandomData(2 * kSmallChunk, 14));
  EXPECT_EQ(OpenStream(key_, header_, context_, 0, ByteSpan(full).first(sc)).status().code(), Code::kAuthFailed);
}

TEST_F(StreamTest, WrongKeyFailsAndClearsOutput) {
  Bytes plain = RandomData(kSmallChunk, 15);
  Bytes sealed = SealStream(key_, header_, context_, 0, plain);
  Bytes wrong = key_;
  wrong[31] ^= 1;
  auto opener = StreamOpener::Create(wrong, header_, context_, 0);
  ASSERT_TRUE(opener.ok());
  Bytes out(kSmallChunk, 0xee);
  EXPECT_EQ((*opener)->OpenChunk(0, true, sealed, out).code(), Code::kAuthFailed);
  EXPECT_EQ(out, Bytes(kSmallChunk, 0)) << "unauthenticated plaintext left in the output buffer";
}

TEST_F(StreamTest, SealsAndOpensInPlace) {
  Bytes plain = RandomData(kSmallChunk, 16);
  Bytes buf = plain;
  buf.resize(kSmallChunk + kAeadTagSize);
  auto sealer = StreamSealer::Create(key_, header_, context_, 0);
  ASSERT_TRUE(sealer.ok());
  ASSERT_TRUE((*sealer)->SealChunk(0, true, ByteSpan(buf).first(kSmallChunk), buf).ok());
  EXPECT_EQ(buf, SealStream(key_, header_, context_, 0, plain));
  auto opener = StreamOpener::Create(key_, header_, context_, 0);
  ASSERT_TRUE(opener.ok());
  ASSERT_TRUE((*opener)->OpenChunk(0, true, buf, MutableByteSpan(buf).first(kSmallChunk)).ok());
  EXPECT_EQ(Bytes(buf.begin(), buf.begin() + kSmallChunk), plain);
}

TEST_F(StreamTest, RejectsBadArguments) {
  EXPECT_EQ(StreamSealer::Create(ByteSpan(key_).first(16), header_, context_, 0).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(StreamSealer::Create(key_, header_, Bytes(kMaxStreamContextSize + 1), 0).status().code(),
            Code::kInvalidArgument);
  EXPECT_TRUE(StreamSealer::Create(key_, header_, Bytes(kMaxStreamContextSize), 0).ok());
  StreamHeader bad = header_;
  bad.chunk_size = kMinChunkSize - 1;
  EXPECT_EQ(StreamOpener::Create(key_, bad, context_, 0).status().code(), Code::kInvalidArgument);

  auto sealer = StreamSealer::Create(key_, header_, context_, 0);
  ASSERT_TRUE(sealer.ok());
  Bytes plain(kSmallChunk), out(kSmallChunk + kAeadTagSize);
  EXPECT_EQ((*sealer)->SealChunk(0, false, ByteSpan(plain).first(10), MutableByteSpan(out).first(26)).code(),
            Code::kInvalidArgument);  // short non-last chunk
  EXPECT_EQ((*sealer)->SealChunk(0, false, plain, MutableByteSpan(out).first(40)).code(), Code::kInvalidArgument);
  Bytes big(kSmallChunk + 1), big_out(kSmallChunk + 1 + kAeadTagSize);
  EXPECT_EQ((*sealer)->SealChunk(0, true, big, big_out).code(), Code::kInvalidArgument);
  // Partial overlap of input and output.
  Bytes buf(kSmallChunk + kAeadTagSize + 1);
  EXPECT_EQ((*sealer)->SealChunk(0, false, ByteSpan(buf).first(kSmallChunk), MutableByteSpan(buf).subspan(1)).code(),
            Code::kInvalidArgument);

  auto opener = StreamOpener::Create(key_, header_, context_, 0);
  ASSERT_TRUE(opener.ok());
  Bytes tiny(kAeadTagSize - 1);
  EXPECT_EQ((*opener)->OpenChunk(0, true, tiny, {}).code(), Code::kCorruption);
}

TEST(StreamHeaderTest, RoundTripsAndRejectsMalformed) {
  StreamHeader h = TestHeader(kDefaultChunkSize);
  Bytes b = h.Serialize();
  ASSERT_EQ(b.size(), kStreamHeaderSize);
  auto back = StreamHeader::Parse(b);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->chunk_size, kDefaultChunkSize);
  EXPECT_EQ(back->nonce, h.nonce);
  EXPECT_EQ(back->version, 1);
  EXPECT_EQ(back->algorithm, 1);

  auto expect_bad = [](Bytes bytes, const char* what) {
    auto r = StreamHeader::Parse(bytes);
    EXPECT_FALSE(r.ok()) << what;
    EXPECT_EQ(r.status().code(), Code::kCorruption) << what;
  };
  Bytes bad = b;
  bad[0] = 'X';
  expect_bad(bad, "magic");
  bad = b;
  bad[2] = 2;
  expect_bad(bad, "version");
  bad = b;
  bad[3] = 2;
  expect_bad(bad, "algorithm");
  bad = b;
  PutBE32(bad.data() + 4, kMinChunkSize - 1);
  expect_bad(bad, "chunk size too small");
  PutBE32(bad.data() + 4, kMaxChunkSize + 1);
  expect_bad(bad, "chunk size too large");
  PutBE32(bad.data() + 4, 0);
  expect_bad(bad, "chunk size zero");
  expect_bad(Bytes(b.begin(), b.end() - 1), "short");
  bad = b;
  bad.push_back(0);
  expect_bad(bad, "long");
  PutBE32(b.data() + 4, kMaxChunkSize);
  EXPECT_TRUE(StreamHeader::Parse(b).ok());
}

// Frozen format: these bytes were computed independently (Python `cryptography`: HKDF + AESGCM) from the grammar in
// aead.cc. A change here is a format change and needs a new version.
TEST(StreamGoldenTest, FixedInputsGiveFixedCiphertext) {
  Bytes key = SequenceBytes(0, 32);
  StreamHeader h;
  h.chunk_size = 16;
  for (std::size_t i = 0; i < 16; ++i) h.nonce[i] = static_cast<std::uint8_t>(0xa0 + i);
  EXPECT_EQ(ToHex(h.Serialize()), "4353010100000010a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
  const std::string plain = "cairn stream golden vector, v1!";
  Bytes sealed = SealStream(key, h, AsBytes("file-1"), 7, AsBytes(plain));
  EXPECT_EQ(ToHex(sealed),
            "dcc440734049b9672a902cbab4190ec9f591f19fcd8a6e3602599ecb792df15306d7e6826c883d294d6088b473861264b9aa72d0"
            "86bb02830cf9c770e8f47c");
  EXPECT_EQ(ToHex(SealStream(key, h, AsBytes("file-1"), 7, {})), "a9882abe8101c63b4b859cc6c39330bd");
  auto opened = OpenStream(key, h, AsBytes("file-1"), 7, sealed);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(AsStringView(*opened), plain);
}

constexpr char kGoldenMessageHex[] =
    "01c0c1c2c3c4c5c6c7c8c9cacb3e6443a31bf651cb07dc455acec782a0fa862d30b94b7b9162898498413b5b3aa3338fdf2f4f";

TEST(MessageGoldenTest, OpensFrozenMessage) {
  Bytes key = SequenceBytes(0x40, 32);
  Bytes sealed = *FromHex(kGoldenMessageHex);
  auto opened = OpenMessage(key, AsBytes("cairn/test/aad"), sealed);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(AsStringView(*opened), "a small sealed message");
}

TEST(MessageTest, RoundTripsWithFreshNonces) {
  Bytes key = SequenceBytes(0x40, 32);
  for (std::size_t size : {0u, 1u, 32u, 1000u}) {
    Bytes plain = RandomData(size, static_cast<std::uint32_t>(size + 100));
    auto a = SealMessage(key, AsBytes("purpose"), plain);
    auto b = SealMessage(key, AsBytes("purpose"), plain);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a->size(), size + kMessageOverhead);
    EXPECT_EQ((*a)[0], 1);
    EXPECT_NE(*a, *b) << "two seals of one message must use different nonces";
    auto opened = OpenMessage(key, AsBytes("purpose"), *a);
    ASSERT_TRUE(opened.ok());
    EXPECT_EQ(*opened, plain);
  }
}

TEST(MessageTest, TamperingWrongKeyAndWrongAadFail) {
  Bytes key = SequenceBytes(0x40, 32);
  Bytes sealed = *FromHex(kGoldenMessageHex);
  const ByteSpan aad = AsBytes("cairn/test/aad");
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    Bytes bad = sealed;
    bad[i] ^= 0x01;
    auto r = OpenMessage(key, aad, bad);
    ASSERT_FALSE(r.ok()) << "flip of byte " << i << " went unnoticed";
    EXPECT_EQ(r.status().code(), i == 0 ? Code::kCorruption : Code::kAuthFailed) << "byte " << i;
  }
  EXPECT_EQ(OpenMessage(key, AsBytes("cairn/test/aae"), sealed).status().code(), Code::kAuthFailed);
  EXPECT_EQ(OpenMessage(key, {}, sealed).status().code(), Code::kAuthFailed);
  Bytes wrong = key;
  wrong[0] ^= 1;
  EXPECT_EQ(OpenMessage(wrong, aad, sealed).status().code(), Code::kAuthFailed);
  // Truncated by one byte: still long enough to parse, so it fails authentication.
  EXPECT_EQ(OpenMessage(key, aad, ByteSpan(sealed).first(sealed.size() - 1)).status().code(), Code::kAuthFailed);
}

TEST(MessageTest, RejectsMalformed) {
  Bytes key(32, 1);
  EXPECT_EQ(OpenMessage(key, {}, Bytes(kMessageOverhead - 1, 1)).status().code(), Code::kCorruption);
  EXPECT_EQ(OpenMessage(key, {}, {}).status().code(), Code::kCorruption);
  EXPECT_EQ(SealMessage(Bytes(31), {}, {}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(OpenMessage(Bytes(33), {}, Bytes(40)).status().code(), Code::kInvalidArgument);
}

TEST(RandomBytesTest, FillsBuffers) {
  Bytes a(32), b(32);
  RandomBytes(a);
  RandomBytes(b);
  EXPECT_NE(a, b);
  EXPECT_NE(a, Bytes(32, 0));
  RandomBytes({});  // empty is fine
}

}  // namespace
}  // namespace cairn
