#include "cairn/core/sha256.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "cairn/core/hex.h"

namespace cairn {
namespace {

constexpr std::uint64_t kSeed = 0x5eed5a256ull;

Bytes RandomBytes(std::mt19937_64& rng, std::size_t n) {
  Bytes b(n);
  for (auto& x : b) x = static_cast<std::uint8_t>(rng());
  return b;
}

Sha256State RandomState(std::mt19937_64& rng) {
  Sha256State s;
  for (auto& w : s.h) w = static_cast<std::uint32_t>(rng());
  return s;
}

bool SameState(const Sha256State& a, const Sha256State& b) {
  for (int i = 0; i < 8; ++i) {
    if (a.h[i] != b.h[i]) return false;
  }
  return true;
}

Hash32 OpensslSha256(ByteSpan data) {
  Hash32 out{};
  unsigned int len = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EXPECT_NE(ctx, nullptr);
  EXPECT_EQ(EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr), 1);
  EXPECT_EQ(EVP_DigestUpdate(ctx, data.data(), data.size()), 1);
  EXPECT_EQ(EVP_DigestFinal_ex(ctx, out.data(), &len), 1);
  EXPECT_EQ(len, 32u);
  EVP_MD_CTX_free(ctx);
  return out;
}

TEST(Sha256Test, FipsVectors) {
  struct Vector {
    std::string message;
    const char* digest;
  };
  const Vector vectors[] = {
      {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
      {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
       "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
       "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
      {std::string(1000000, 'a'), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
  };
  for (const Vector& v : vectors) {
    SCOPED_TRACE(v.message.substr(0, 16) + " (" + std::to_string(v.message.size()) + " bytes)");
    EXPECT_EQ(ToHex(Sha256Digest(AsBytes(v.message))), v.digest);
    // Byte at a time through the streaming interface.
    Sha256 h;
    for (char c : v.message) h.Update(&c, 1);
    EXPECT_EQ(ToHex(h.Finish()), v.digest);
  }
}

TEST(Sha256Test, ReferenceCompressionMatchesFipsAbc) {
  // "abc" padded by hand: 0x80, zeros, then the length 24 bits. Checks the reference twin on its own.
  std::uint8_t block[64] = {'a', 'b', 'c', 0x80};
  block[63] = 24;
  Sha256State s = Sha256InitialState();
  Sha256CompressRef(s, block, 1);
  EXPECT_EQ(ToHex(Sha256StateBytes(s)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256Test, MatchesOpensslForEveryLengthWithRandomSplits) {
  SCOPED_TRACE("seed " + std::to_string(kSeed));
  std::mt19937_64 rng(kSeed);
  Sha256 h;
  for (std::size_t len = 0; len <= 1100; ++len) {
    SCOPED_TRACE("length " + std::to_string(len));
    const Bytes data = RandomBytes(rng, len);
    const Hash32 expected = OpensslSha256(data);
    ASSERT_EQ(Sha256Digest(data), expected);
    // Up to four random split points (repeats give empty updates).
    std::vector<std::size_t> cuts = {0, len};
    const int ncuts = static_cast<int>(rng() % 5);
    for (int i = 0; i < ncuts; ++i) cuts.push_back(len == 0 ? 0 : rng() % (len + 1));
    std::sort(cuts.begin(), cuts.end());
    for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
      h.Update(ByteSpan(data).subspan(cuts[i], cuts[i + 1] - cuts[i]));
    }
    // Finish resets, so the same object serves the next length.
    ASSERT_EQ(h.Finish(), expected);
  }
}

TEST(Sha256Test, ShaNiMatchesReferenceOnRandomStatesAndBlocks) {
  if (!Sha256HasShaNi()) {
    std::fprintf(stderr, "[  SKIPPED ] this CPU has no SHA-NI; the fast kernels are not in use\n");
    GTEST_SKIP() << "CPU lacks SHA-NI";
  }
  SCOPED_TRACE("seed " + std::to_string(kSeed + 1));
  std::mt19937_64 rng(kSeed + 1);
  for (int iter = 0; iter < 2000; ++iter) {
    const std::size_t nblocks = 1 + rng() % 9;
    const Bytes blocks = RandomBytes(rng, 64 * nblocks);
    const Sha256State start = RandomState(rng);
    Sha256State fast = start, ref = start;
    Sha256Compress(fast, blocks.data(), nblocks);
    Sha256CompressRef(ref, blocks.data(), nblocks);
    ASSERT_TRUE(SameState(fast, ref)) << "iteration " << iter << ", " << nblocks << " blocks";
  }
}

TEST(Sha256Test, Compress4MatchesFourReferenceCompressions) {
  if (!Sha256HasShaNi()) std::fprintf(stderr, "note: no SHA-NI, checking the four-call fallback\n");
  SCOPED_TRACE("seed " + std::to_string(kSeed + 2));
  std::mt19937_64 rng(kSeed + 2);
  for (int iter = 0; iter < 2000; ++iter) {
    Bytes data[4];
    Sha256State states[4], expected[4];
    Sha256State* ptrs[4];
    const std::uint8_t* blocks[4];
    for (int l = 0; l < 4; ++l) {
      data[l] = RandomBytes(rng, 64);
      states[l] = expected[l] = RandomState(rng);
      ptrs[l] = &states[l];
      blocks[l] = data[l].data();
      Sha256CompressRef(expected[l], blocks[l], 1);
    }
    Sha256Compress4(ptrs, blocks);
    for (int l = 0; l < 4; ++l) ASSERT_TRUE(SameState(states[l], expected[l])) << "iteration " << iter << " lane " << l;
  }
}

TEST(Sha256Test, Compress4LanesMayShareStateInputsAndBlocks) {
  // Identical inputs in every lane must give identical outputs (no cross-lane mixing).
  std::uint8_t block[64];
  for (int i = 0; i < 64; ++i) block[i] = static_cast<std::uint8_t>(i * 7);
  Sha256State s[4] = {Sha256InitialState(), Sha256InitialState(), Sha256InitialState(), Sha256InitialState()};
  Sha256State* ptrs[4] = {&s[0], &s[1], &s[2], &s[3]};
  const std::uint8_t* blocks[4] = {block, block, block, block};
  Sha256Compress4(ptrs, blocks);
  Sha256State ref = Sha256InitialState();
  Sha256CompressRef(ref, block, 1);
  for (int l = 0; l < 4; ++l) EXPECT_TRUE(SameState(s[l], ref)) << "lane " << l;
}

TEST(Sha256Test, StateBytesIsBigEndian) {
  const Hash32 b = Sha256StateBytes(Sha256InitialState());
  EXPECT_EQ(ToHex(b), "6a09e667bb67ae853c6ef372a54ff53a510e527f9b05688c1f83d9ab5be0cd19");
}

}  // namespace
}  // namespace cairn
