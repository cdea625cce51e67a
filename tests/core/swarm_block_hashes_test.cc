// Swarm::MakeTorrentFromBlockHashes must give byte for byte the torrent MakeTorrent makes by reading the file.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "cairn/core/sha256.h"
#include "cairn/core/swarm.h"
#include "swarm_test_util.h"

namespace cairn {
namespace {

using swarm_test::RandomBytes;
using swarm_test::ScratchDir;
using swarm_test::WriteFile;

std::vector<Hash32> BlockHashes(ByteSpan data) {
  std::vector<Hash32> out;
  for (std::size_t off = 0; off < data.size(); off += kTorrentBlockSize) {
    out.push_back(Sha256Digest(data.subspan(off, std::min(kTorrentBlockSize, data.size() - off))));
  }
  return out;
}

TEST(SwarmBlockHashesTest, SameTorrentAsHashingTheFile) {
  ScratchDir dir;
  const std::uint64_t seed = 20261122;
  SCOPED_TRACE("seed " + std::to_string(seed));
  constexpr std::size_t kB = kTorrentBlockSize;
  struct Case {
    std::size_t size;
    int piece_size;
  };
  // One byte, block edges, one piece, a partial last block, a last piece holding fewer blocks than a piece (the
  // zero-padded leaves), a piece count that is not a power of two, and a file within one piece of many blocks.
  const Case cases[] = {{1, 16 << 10},
                        {kB - 1, 16 << 10},
                        {kB, 16 << 10},
                        {kB + 1, 16 << 10},
                        {5 * kB + 77, 16 << 10},
                        {5 * (64 << 10) + kB + 5, 64 << 10},
                        {7 * (64 << 10), 64 << 10},
                        {(128 << 10) - 3, 256 << 10},
                        {(1 << 20) + 12345, 128 << 10}};
  int i = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE("size " + std::to_string(c.size) + ", piece " + std::to_string(c.piece_size));
    const Bytes data = RandomBytes(c.size, seed + static_cast<std::uint64_t>(i++));
    const auto file = dir.path() / "s0-3";
    WriteFile(file, data);
    auto read = Swarm::MakeTorrent(file.string(), c.piece_size);
    ASSERT_TRUE(read.ok()) << read.status().ToString();
    const std::vector<Hash32> hashes = BlockHashes(data);
    auto built = Swarm::MakeTorrentFromBlockHashes("s0-3", c.size, c.piece_size, hashes);
    ASSERT_TRUE(built.ok()) << built.status().ToString();
    EXPECT_EQ(built->torrent, read->torrent);
    EXPECT_EQ(built->info_hash, read->info_hash);
    EXPECT_EQ(built->file_root, read->file_root);
    EXPECT_EQ(built->size, c.size);
    EXPECT_EQ(built->piece_size, c.piece_size);
  }
}

TEST(SwarmBlockHashesTest, AWrongBlockHashChangesTheTorrent) {
  const Bytes data = RandomBytes(9 * kTorrentBlockSize + 10, 99);
  std::vector<Hash32> hashes = BlockHashes(data);
  auto good = Swarm::MakeTorrentFromBlockHashes("f", data.size(), 64 << 10, hashes);
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  hashes.back()[0] ^= 1;  // the partial last block, in the last (zero-padded) piece
  auto bad = Swarm::MakeTorrentFromBlockHashes("f", data.size(), 64 << 10, hashes);
  ASSERT_TRUE(bad.ok()) << bad.status().ToString();
  EXPECT_NE(bad->file_root, good->file_root);
  EXPECT_NE(bad->info_hash, good->info_hash);
}

TEST(SwarmBlockHashesTest, RefusesInconsistentArguments) {
  const std::vector<Hash32> two(2, Hash32{1});
  EXPECT_EQ(
      Swarm::MakeTorrentFromBlockHashes("f", kTorrentBlockSize + 1, 16 << 10, std::vector<Hash32>(1)).status().code(),
      Code::kInvalidArgument);  // two blocks, one hash
  EXPECT_EQ(Swarm::MakeTorrentFromBlockHashes("f", kTorrentBlockSize, 16 << 10, two).status().code(),
            Code::kInvalidArgument);  // one block, two hashes
  EXPECT_EQ(Swarm::MakeTorrentFromBlockHashes("f", 0, 16 << 10, {}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Swarm::MakeTorrentFromBlockHashes("f", 2 * kTorrentBlockSize, 3000, two).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(Swarm::MakeTorrentFromBlockHashes("a/b", 2 * kTorrentBlockSize, 16 << 10, two).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(Swarm::MakeTorrentFromBlockHashes("", 2 * kTorrentBlockSize, 16 << 10, two).status().code(),
            Code::kInvalidArgument);
  EXPECT_TRUE(Swarm::MakeTorrentFromBlockHashes("f", 2 * kTorrentBlockSize, 16 << 10, two).ok());
}

}  // namespace
}  // namespace cairn
