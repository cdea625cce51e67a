#include "cairn/core/network.h"

#include <gtest/gtest.h>

#include <string>

#include "cairn/core/env.h"
#include "cairn/core/hex.h"
#include "cairn/core/temp_dir.h"

namespace cairn {
namespace {

bool HasSubstr(const Status& s, std::string_view needle) { return s.message().find(needle) != std::string::npos; }

TEST(NetworkConfigTest, DevnetDefaultsMatchTheDesignTable) {
  const NetworkConfig c = NetworkConfig::Devnet("dev");
  EXPECT_EQ(c.network_id, "dev");
  EXPECT_TRUE(c.bootstrap.empty());
  EXPECT_EQ(c.k, 4);
  EXPECT_EQ(c.m, 2);
  EXPECT_EQ(c.segment_size, 64u << 20);
  EXPECT_EQ(c.epoch_seconds, 10u);
  EXPECT_EQ(c.seal_layers, 11);
  EXPECT_EQ(c.challenges, 20);
  EXPECT_EQ(c.deadline_ms, 500u);
  EXPECT_EQ(c.faults_before_repair, 3);
  EXPECT_TRUE(c.Validate().ok());
}

TEST(NetworkConfigTest, ProductionDefaultsMatchTheDesignTable) {
  const NetworkConfig c = NetworkConfig::Production("main");
  EXPECT_EQ(c.k, 10);
  EXPECT_EQ(c.m, 4);
  EXPECT_EQ(c.segment_size, std::uint64_t{1} << 30);
  EXPECT_EQ(c.epoch_seconds, 3600u);
  EXPECT_EQ(c.deadline_ms, 1000u);
  EXPECT_TRUE(c.Validate().ok());
}

TEST(NetworkConfigTest, ParseOnlyIdGivesDevnetDefaults) {
  auto c = NetworkConfig::Parse("network_id = x1\n");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(*c, NetworkConfig::Devnet("x1"));
}

TEST(NetworkConfigTest, ParseReadsEveryKeyWithCommentsBlanksAndCrlf) {
  const std::string text =
      "# a devnet\r\n"
      "\n"
      "   network_id=my-net.2\t\n"
      "bootstrap = 127.0.1.1:6881 ,127.0.2.1:6882, [::1]:7000\n"
      "k = 10\n"
      "m = 4\r\n"
      "  # indented comment\n"
      "segment_size = 1048576\n"
      "epoch_seconds = 60\n"
      "seal_layers = 2\n"
      "challenges = 5\n"
      "deadline_ms = 250\n"
      "faults_before_repair = 7";  // no final newline
  auto c = NetworkConfig::Parse(text);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->network_id, "my-net.2");
  ASSERT_EQ(c->bootstrap.size(), 3u);
  EXPECT_EQ(c->bootstrap[0], (Endpoint{"127.0.1.1", 6881}));
  EXPECT_EQ(c->bootstrap[1], (Endpoint{"127.0.2.1", 6882}));
  EXPECT_EQ(c->bootstrap[2], (Endpoint{"::1", 7000}));
  EXPECT_EQ(c->k, 10);
  EXPECT_EQ(c->m, 4);
  EXPECT_EQ(c->segment_size, 1048576u);
  EXPECT_EQ(c->epoch_seconds, 60u);
  EXPECT_EQ(c->seal_layers, 2);
  EXPECT_EQ(c->challenges, 5);
  EXPECT_EQ(c->deadline_ms, 250u);
  EXPECT_EQ(c->faults_before_repair, 7);
}

TEST(NetworkConfigTest, SerializeRoundTrips) {
  NetworkConfig a = NetworkConfig::Production("prod_1");
  a.bootstrap = {{"10.0.0.1", 6881}, {"fe80::1", 1}};
  NetworkConfig b = NetworkConfig::Devnet("d");
  for (const NetworkConfig& c : {a, b}) {
    auto back = NetworkConfig::Parse(c.Serialize());
    ASSERT_TRUE(back.ok()) << back.status().ToString() << "\n" << c.Serialize();
    EXPECT_EQ(*back, c);
  }
}

TEST(NetworkConfigTest, SerializeFormatIsFrozen) {
  NetworkConfig c = NetworkConfig::Devnet("devnet");
  c.bootstrap = {{"127.0.1.1", 6881}, {"127.0.2.1", 6881}};
  EXPECT_EQ(c.Serialize(),
            "# cairn network file, version 1\n"
            "network_id = devnet\n"
            "bootstrap = 127.0.1.1:6881, 127.0.2.1:6881\n"
            "k = 4\n"
            "m = 2\n"
            "segment_size = 67108864\n"
            "epoch_seconds = 10\n"
            "seal_layers = 11\n"
            "challenges = 20\n"
            "deadline_ms = 500\n"
            "faults_before_repair = 3\n");
}

struct BadCase {
  std::string text;
  std::string message_part;  // the error must name this
};

TEST(NetworkConfigTest, ParseRefusesBadInputNamingTheLine) {
  const std::string id = "network_id = n\n";
  const BadCase cases[] = {
      {id + "colour = blue\n", "line 2: unknown key \"colour\""},
      {id + "k = 4\nk = 5\n", "line 3: key \"k\" appears twice"},
      {id + "network_id = n\n", "line 2: key \"network_id\" appears twice"},
      {id + "k 4\n", "line 2: expected \"key = value\""},
      {id + " = 4\n", "line 2: missing key"},
      {id + "K = 4\n", "line 2: malformed key"},
      {id + "k = \n", "line 2: k needs a value"},
      {id + "k = 4x\n", "line 2: k must be a decimal integer"},
      {id + "k = -1\n", "line 2: k must be a decimal integer"},
      {id + "k = 4 # four\n", "line 2: k must be a decimal integer"},
      {id + "segment_size = 99999999999999999999\n", "line 2: segment_size does not fit 64 bits"},
      {id + "segment_size = 123456789012345678901\n", "line 2: segment_size is too long"},
      {id + "k = 0\n", "line 2: k = 0 is outside 1..255"},
      {id + "k = 256\n", "line 2: k = 256 is outside"},
      {id + "m = 255\n", "line 2: m = 255 is outside 0..254"},
      {id + "segment_size = 4095\n", "segment_size = 4095 is outside"},
      {id + "segment_size = 17179869185\n", "segment_size = 17179869185 is outside"},
      {id + "epoch_seconds = 0\n", "epoch_seconds = 0 is outside"},
      {id + "epoch_seconds = 604801\n", "epoch_seconds = 604801 is outside"},
      {id + "seal_layers = 65\n", "seal_layers = 65 is outside"},
      {id + "challenges = 0\n", "challenges = 0 is outside"},
      {id + "deadline_ms = 600001\n", "deadline_ms = 600001 is outside"},
      {id + "faults_before_repair = 101\n", "faults_before_repair = 101 is outside"},
      {id + "k = 200\nm = 56\n", "k + m = 256 exceeds 255"},
      {"network_id = has space\n", "line 1: network_id must be"},
      {"network_id = " + std::string(65, 'a') + "\n", "line 1: network_id must be"},
      {"network_id = caf\xc3\xa9\n", "line 1: holds a byte that is not printable ASCII"},
      {"k = 4\n", "missing required key \"network_id\""},
      {"", "missing required key \"network_id\""},
      {id + "bootstrap = 127.0.0.1\n", "line 2: bootstrap entry \"127.0.0.1\""},
      {id + "bootstrap = localhost:80\n", "line 2: bootstrap entry \"localhost:80\""},
      {id + "bootstrap = 127.0.0.1:0\n", "line 2: bootstrap entry \"127.0.0.1:0\" has port 0"},
      {id + "bootstrap = 0.0.0.0:80\n", "is not a node's address"},
      {id + "bootstrap = 1.2.3.4:5, 1.2.3.4:5\n", "bootstrap lists 1.2.3.4:5 twice"},
      {id + "bootstrap = 1.2.3.4:5,,1.2.3.4:6\n", "bootstrap has an empty entry"},
      {id + "bootstrap = 1.2.3.4:5,\n", "bootstrap has an empty entry"},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.text);
    auto r = NetworkConfig::Parse(c.text);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    EXPECT_TRUE(HasSubstr(r.status(), c.message_part)) << r.status().ToString();
  }
}

TEST(NetworkConfigTest, ParseAcceptsRangeBoundaries) {
  auto c = NetworkConfig::Parse(
      "network_id = n\nk = 1\nm = 0\nsegment_size = 4096\nepoch_seconds = 604800\nseal_layers = 64\n"
      "challenges = 1000\ndeadline_ms = 1\nfaults_before_repair = 1\n");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->k, 1);
  EXPECT_EQ(c->m, 0);
  EXPECT_EQ(c->epoch_seconds, 604800u);
  auto wide = NetworkConfig::Parse("network_id = n\nk = 200\nm = 55\n");
  ASSERT_TRUE(wide.ok()) << wide.status().ToString();
}

TEST(NetworkConfigTest, ParseLimitsSizesAndBootstrapCount) {
  std::string big = "network_id = n\n";
  big += std::string(kMaxNetworkFileBytes, '#');
  EXPECT_EQ(NetworkConfig::Parse(big).status().code(), Code::kResourceExhausted);

  const std::string long_line = "network_id = n\n#" + std::string(kMaxNetworkFileLineBytes, 'x') + "\n";
  auto r = NetworkConfig::Parse(long_line);
  EXPECT_EQ(r.status().code(), Code::kResourceExhausted);
  EXPECT_TRUE(HasSubstr(r.status(), "line 2")) << r.status().ToString();

  std::string nodes;
  for (std::size_t i = 0; i <= kMaxBootstrapNodes; ++i) {
    if (i != 0) nodes.push_back(',');
    nodes.append("10.0.0.1:");
    nodes.append(std::to_string(1000 + i));
  }
  auto many = NetworkConfig::Parse("network_id = n\nbootstrap = " + nodes + "\n");
  ASSERT_FALSE(many.ok());
  EXPECT_TRUE(HasSubstr(many.status(), "more than 64 nodes")) << many.status().ToString();
}

TEST(NetworkConfigTest, ValidateNamesTheBadField) {
  NetworkConfig c = NetworkConfig::Devnet("ok");
  c.challenges = 0;
  EXPECT_TRUE(HasSubstr(c.Validate(), "challenges"));
  c = NetworkConfig::Devnet("");
  EXPECT_TRUE(HasSubstr(c.Validate(), "network_id"));
  c = NetworkConfig::Devnet("ok");
  c.bootstrap = {{"1.2.3.4", 0}};
  EXPECT_TRUE(HasSubstr(c.Validate(), "1.2.3.4:0"));
}

TEST(NetworkConfigTest, LoadReadsAFileAndNamesThePathOnError) {
  auto dir = TempDir::Create("net-test");
  ASSERT_TRUE(dir.ok());
  Env* env = Env::Default();
  const std::string path = dir->Join("network");
  NetworkConfig want = NetworkConfig::Devnet("loaded");
  want.bootstrap = {{"127.0.3.1", 4000}};
  const std::string text = want.Serialize();
  ASSERT_TRUE(WriteFileAtomic(env, path, AsBytes(text)).ok());
  auto got = NetworkConfig::Load(env, path);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, want);

  auto missing = NetworkConfig::Load(env, dir->Join("nope"));
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(HasSubstr(missing.status(), dir->Join("nope")));

  ASSERT_TRUE(WriteFileAtomic(env, path, AsBytes("network_id = a\nk = 9000\n")).ok());
  auto bad = NetworkConfig::Load(env, path);
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(HasSubstr(bad.status(), path));
  EXPECT_TRUE(HasSubstr(bad.status(), "line 2"));

  ASSERT_TRUE(WriteFileAtomic(env, path, Bytes(kMaxNetworkFileBytes + 1, '#')).ok());
  EXPECT_EQ(NetworkConfig::Load(env, path).status().code(), Code::kResourceExhausted);
}

TEST(NetworkConfigTest, RendezvousKeyIsSha1OfPrefixAndId) {
  auto key = ProviderRendezvousKey("devnet");
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  // python3 -c "import hashlib; print(hashlib.sha1(b'cairn/providers/devnet').hexdigest())"
  EXPECT_EQ(ToHex(ByteSpan(*key)), "acd026de9615e463254b449b5a82da5fa1f12b3d");
  auto other = ProviderRendezvousKey("devnet2");
  ASSERT_TRUE(other.ok());
  EXPECT_NE(*key, *other);
}

TEST(NetworkConfigTest, NetworkIdCharacterSet) {
  EXPECT_TRUE(IsValidNetworkId("a"));
  EXPECT_TRUE(IsValidNetworkId("A-z_0.9"));
  EXPECT_TRUE(IsValidNetworkId(std::string(kMaxNetworkIdBytes, 'x')));
  EXPECT_FALSE(IsValidNetworkId(""));
  EXPECT_FALSE(IsValidNetworkId(std::string(kMaxNetworkIdBytes + 1, 'x')));
  EXPECT_FALSE(IsValidNetworkId("a/b"));
  EXPECT_FALSE(IsValidNetworkId("a b"));
  EXPECT_FALSE(IsValidNetworkId(std::string("a\0b", 3)));
}

}  // namespace
}  // namespace cairn
