#include "cairn/core/digest4.h"

#include <gtest/gtest.h>

#include <random>

#include "cairn/core/sha256.h"

namespace cairn {
namespace {

TEST(Sha256Digest4Test, EachLaneEqualsOneShotSha256ForEveryPaddingCase) {
  const std::uint64_t seed = 1604;
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  Bytes data(4 * 20000);
  for (auto& b : data) b = static_cast<std::uint8_t>(rng());
  // Every tail length around the one- and two-block padding cases, and a torrent block.
  std::vector<std::size_t> lengths;
  for (std::size_t n = 0; n <= 200; ++n) lengths.push_back(n);
  lengths.push_back(16384);
  lengths.push_back(16384 - 9);
  for (std::size_t len : lengths) {
    SCOPED_TRACE("length " + std::to_string(len));
    const std::uint8_t* m[4] = {data.data(), data.data() + 20000, data.data() + 40000 + 3, data.data() + 60000 + 7};
    Hash32 out[4];
    Sha256Digest4(m, len, out);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(out[i], Sha256Digest(ByteSpan(m[i], len))) << "lane " << i;
  }
}

TEST(Sha256Digest4Test, RepeatedMessagesGiveEqualDigests) {
  const Bytes block(16384, 0xab);
  const std::uint8_t* m[4] = {block.data(), block.data(), block.data(), block.data()};
  Hash32 out[4];
  Sha256Digest4(m, block.size(), out);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(out[i], Sha256Digest(block));
}

}  // namespace
}  // namespace cairn
