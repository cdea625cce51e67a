#include "cairn/core/endpoint.h"

#include <gtest/gtest.h>

namespace cairn {
namespace {

TEST(EndpointTest, ParsesAndPrintsIpv4AndIpv6) {
  auto v4 = ParseEndpoint("127.0.3.1:6881");
  ASSERT_TRUE(v4.ok()) << v4.status().ToString();
  EXPECT_EQ(*v4, (Endpoint{"127.0.3.1", 6881}));
  EXPECT_EQ(ToString(*v4), "127.0.3.1:6881");
  auto v6 = ParseEndpoint("[::1]:0");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(*v6, (Endpoint{"::1", 0}));
  EXPECT_EQ(ToString(*v6), "[::1]:0");
  EXPECT_EQ(ParseEndpoint("1.2.3.4:65535")->port, 65535);
}

TEST(EndpointTest, RejectsNamesBadPortsAndMissingBrackets) {
  for (const char* bad : {"localhost:80", "1.2.3.4", "1.2.3.4:", "1.2.3.4:65536", "1.2.3.4:-1", "1.2.3.4:8x",
                          "1.2.3.4:080000", "::1:80", "[::1]80", "[1.2.3.4]:80", "[::1:80", "256.1.1.1:1", ":80"}) {
    EXPECT_EQ(ParseEndpoint(bad).status().code(), Code::kInvalidArgument) << bad;
  }
}

TEST(EndpointTest, RecognisesUnspecifiedAddresses) {
  EXPECT_TRUE(IsUnspecifiedIp("0.0.0.0"));
  EXPECT_TRUE(IsUnspecifiedIp("::"));
  EXPECT_FALSE(IsUnspecifiedIp("127.0.0.1"));
  EXPECT_FALSE(IsUnspecifiedIp("::1"));
  EXPECT_FALSE(IsUnspecifiedIp("nonsense"));
  EXPECT_TRUE(IsIpLiteral("10.0.0.1"));
  EXPECT_FALSE(IsIpLiteral("example.com"));
  EXPECT_FALSE(IsIpLiteral(""));
}

}  // namespace
}  // namespace cairn
