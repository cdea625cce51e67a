#include "cairn/provider/config.h"

#include <gtest/gtest.h>

namespace cairn::provider {
namespace {

TEST(ByteSizeTest, ParsesUnits) {
  EXPECT_EQ(*ParseByteSize("1048576"), 1048576u);
  EXPECT_EQ(*ParseByteSize("64K"), 64u << 10);
  EXPECT_EQ(*ParseByteSize("16M"), 16u << 20);
  EXPECT_EQ(*ParseByteSize("10GiB"), std::uint64_t{10} << 30);
  EXPECT_EQ(*ParseByteSize("2tb"), std::uint64_t{2} << 40);
  EXPECT_EQ(*ParseByteSize(" 5 g "), std::uint64_t{5} << 30);
  for (const char* bad : {"", "G", "-1", "1.5G", "10X", "99999999999999999999999", "4194305T"}) {
    EXPECT_FALSE(ParseByteSize(bad).ok()) << bad;
  }
}

TEST(ByteSizeTest, Formats) {
  EXPECT_EQ(FormatByteSize(12), "12 B");
  EXPECT_EQ(FormatByteSize(1536), "1.5 KiB");
  EXPECT_EQ(FormatByteSize(std::uint64_t{16} << 30), "16.0 GiB");
}

TEST(ProviderConfigTest, RoundTrips) {
  ProviderConfig c;
  c.capacity = std::uint64_t{10} << 30;
  c.price = 7;
  c.max_shard_size = 64 << 20;
  auto back = ProviderConfig::Parse(c.Serialize());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->capacity, c.capacity);
  EXPECT_EQ(back->price, 7u);
  EXPECT_EQ(back->max_shard_size, c.max_shard_size);
}

TEST(ProviderConfigTest, RefusesBadFiles) {
  const char* kCases[] = {
      "capacity = 1G\nprice = 1\n",                                     // missing key
      "capacity = 1G\nprice = 1\nmax_shard_size = 1M\nprice = 2\n",     // repeated
      "capacity = 1G\nprice = 1\nmax_shard_size = 1M\ncolour = red\n",  // unknown
      "capacity = 1G\nprice = 1\nmax_shard_size = 2G\n",                // shard larger than capacity
      "capacity = 1K\nprice = 1\nmax_shard_size = 1K\n",                // capacity too small
      "capacity 1G\n",                                                  // syntax
      "capacity = 1G\nprice = 1M\nmax_shard_size = 1M\n",               // price is a plain number
  };
  for (const char* text : kCases) {
    auto r = ProviderConfig::Parse(text);
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << text;
  }
  auto r = ProviderConfig::Parse("# c\ncapacity = 1G\ncolour = red\n");
  EXPECT_NE(r.status().message().find("line 3"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace cairn::provider
