#include "cairn/core/hex.h"

#include <gtest/gtest.h>

namespace cairn {
namespace {

TEST(HexTest, RoundTripsEveryByte) {
  Bytes all(256);
  for (int i = 0; i < 256; ++i) all[i] = static_cast<std::uint8_t>(i);
  std::string h = ToHex(all);
  ASSERT_EQ(h.size(), 512u);
  EXPECT_EQ(h.substr(0, 8), "00010203");
  auto back = FromHex(h);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, all);
}

TEST(HexTest, RejectsOddLengthAndBadDigits) {
  EXPECT_EQ(FromHex("abc").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(FromHex("zz").status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(FromHex("AbCd").ok());
  EXPECT_FALSE(HashFromHex("00").ok());
}

TEST(StatusTest, ResultCarriesValueOrError) {
  Result<int> ok = 7;
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 7);
  Result<int> bad = Status::NotFound("x");
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kNotFound);
  EXPECT_EQ(bad.status().ToString(), "not found: x");
  EXPECT_EQ(Status::IOError("a").WithContext("b").message(), "b: a");
}

TEST(ByteReaderTest, FailsStickyOnShortInput) {
  Bytes b = {0, 0, 0, 5, 1};
  ByteReader r(b);
  std::uint32_t v;
  ASSERT_TRUE(r.ReadBE32(v));
  EXPECT_EQ(v, 5u);
  std::uint64_t w;
  EXPECT_FALSE(r.ReadBE64(w));
  std::uint8_t u;
  EXPECT_FALSE(r.ReadU8(u));  // sticky: the byte is there but the reader already failed
  EXPECT_FALSE(r.ok());
}

}  // namespace
}  // namespace cairn
