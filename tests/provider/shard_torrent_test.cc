#include "shard_torrent.h"

#include <gtest/gtest.h>

#include <random>

#include "cairn/core/env.h"
#include "cairn/core/sha256.h"
#include "cairn/core/swarm.h"
#include "cairn/core/temp_dir.h"
#include "cairn/core/wire.h"

namespace cairn::provider {
namespace {

class ShardTorrentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::Create("shard-torrent");
    ASSERT_TRUE(dir.ok());
    dir_.emplace(std::move(*dir));
    Bytes data(100000);
    std::mt19937 rng(5);
    for (auto& b : data) b = static_cast<std::uint8_t>(rng());
    path_ = dir_->Join("shard.bin");
    ASSERT_TRUE(WriteFileAtomic(Env::Default(), path_, data).ok());
    auto t = Swarm::MakeTorrent(path_, 16 << 10);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    torrent_ = *t;
  }
  std::optional<TempDir> dir_;
  std::string path_;
  TorrentFile torrent_;
};

TEST_F(ShardTorrentTest, AcceptsRealTorrent) {
  auto info = CheckShardTorrent(torrent_.torrent, torrent_.info_hash, 100000);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->name, "shard.bin");
  EXPECT_EQ(info->piece_length, 16u << 10);
}

TEST_F(ShardTorrentTest, RefusesMismatches) {
  Hash32 wrong = torrent_.info_hash;
  wrong[7] ^= 1;
  EXPECT_EQ(CheckShardTorrent(torrent_.torrent, wrong, 100000).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(CheckShardTorrent(torrent_.torrent, torrent_.info_hash, 100001).status().code(), Code::kInvalidArgument);
  Bytes truncated(torrent_.torrent.begin(), torrent_.torrent.end() - 1);
  EXPECT_FALSE(CheckShardTorrent(truncated, torrent_.info_hash, 100000).ok());
  EXPECT_FALSE(CheckShardTorrent(AsBytes("garbage"), torrent_.info_hash, 100000).ok());
}

// A hand-built info dictionary, hashed honestly, with one thing wrong at a time.
TEST(ShardTorrentShapeTest, RefusesWrongShapes) {
  auto make = [](const std::string& name, wire::Value::Dict tree, std::int64_t version, std::int64_t piece) {
    wire::Value::Dict info;
    info["name"] = wire::Value::Str(name);
    info["meta version"] = version;
    info["piece length"] = piece;
    info["file tree"] = wire::Value(std::move(tree));
    Hash32 ih = Sha256Digest(wire::Encode(wire::Value(info)));
    wire::Value::Dict root;
    root["info"] = wire::Value(std::move(info));
    return std::make_pair(wire::Encode(wire::Value(std::move(root))), ih);
  };
  auto file = [](std::int64_t length) {
    wire::Value::Dict leaf;
    leaf["length"] = length;
    leaf["pieces root"] = wire::Value(Bytes(32, 1));
    wire::Value::Dict entry;
    entry[""] = wire::Value(std::move(leaf));
    return wire::Value(std::move(entry));
  };
  wire::Value::Dict one;
  one["a.bin"] = file(500);
  auto [good, good_ih] = make("a.bin", one, 2, 16384);
  EXPECT_TRUE(CheckShardTorrent(good, good_ih, 500).ok());

  auto [v1, v1_ih] = make("a.bin", one, 1, 16384);
  EXPECT_FALSE(CheckShardTorrent(v1, v1_ih, 500).ok());
  auto [odd_piece, odd_ih] = make("a.bin", one, 2, 20000);
  EXPECT_FALSE(CheckShardTorrent(odd_piece, odd_ih, 500).ok());
  wire::Value::Dict two = one;
  two["b.bin"] = file(1);
  auto [multi, multi_ih] = make("a.bin", two, 2, 16384);
  EXPECT_FALSE(CheckShardTorrent(multi, multi_ih, 500).ok());
  wire::Value::Dict escape;
  escape["../x"] = file(500);
  auto [bad_name, bad_name_ih] = make("../x", escape, 2, 16384);
  EXPECT_FALSE(CheckShardTorrent(bad_name, bad_name_ih, 500).ok());
  wire::Value::Dict nested;
  wire::Value::Dict dir;
  dir["inner"] = file(500);
  nested["a.bin"] = wire::Value(std::move(dir));
  auto [deep, deep_ih] = make("a.bin", nested, 2, 16384);
  EXPECT_FALSE(CheckShardTorrent(deep, deep_ih, 500).ok());
}

TEST(PlainFileNameTest, AllowsOnlySimpleNames) {
  EXPECT_TRUE(IsPlainFileName("s0-3.shard"));
  EXPECT_TRUE(IsPlainFileName("ABC_def.1"));
  for (const char* bad : {"", ".", "..", ".hidden", "a/b", "a b", "a\\b", "x\n"}) {
    EXPECT_FALSE(IsPlainFileName(bad)) << bad;
  }
  EXPECT_FALSE(IsPlainFileName(std::string(201, 'a')));
}

}  // namespace
}  // namespace cairn::provider
