#include "hkdf.h"

#include <gtest/gtest.h>

#include "cairn/core/hex.h"

namespace cairn {
namespace {

// RFC 5869, appendix A, test cases 1 and 3.
TEST(HkdfTest, MatchesRfc5869Vectors) {
  Bytes ikm(22, 0x0b);
  Bytes salt = *FromHex("000102030405060708090a0b0c");
  Bytes info = *FromHex("f0f1f2f3f4f5f6f7f8f9");
  Bytes okm(42);
  ASSERT_TRUE(HkdfSha256(ikm, salt, info, okm).ok());
  EXPECT_EQ(ToHex(okm), "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");

  ASSERT_TRUE(HkdfSha256(ikm, {}, {}, okm).ok());
  EXPECT_EQ(ToHex(okm), "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

TEST(HkdfTest, RejectsEmptyKeyAndBadLength) {
  Bytes out(32);
  EXPECT_EQ(HkdfSha256({}, {}, {}, out).code(), Code::kInvalidArgument);
  Bytes ikm(32, 1);
  EXPECT_EQ(HkdfSha256(ikm, {}, {}, {}).code(), Code::kInvalidArgument);
  Bytes too_long(255 * 32 + 1);
  EXPECT_EQ(HkdfSha256(ikm, {}, {}, too_long).code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace cairn
