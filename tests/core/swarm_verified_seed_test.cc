// SeedOptions::pieces_verified: a seed-mode torrent whose pieces are all marked verified is served without the
// first-request hash, per torrent (another torrent of the same session keeps its check). Real libtorrent sessions
// on loopback; every wait has a deadline.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>

#include "cairn/core/swarm.h"
#include "swarm_test_util.h"

namespace cairn {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::size_t kFileSize = 4 << 20;
constexpr int kPieceSize = 256 << 10;

using swarm_test::In;
using swarm_test::RandomBytes;
using swarm_test::ReadFile;
using swarm_test::WriteFile;
using TempDir = swarm_test::ScratchDir;

std::unique_ptr<Swarm> StartSwarm() {
  SwarmOptions o;
  o.listen = Endpoint{"127.0.0.1", 0};
  o.status_interval = milliseconds(100);
  auto s = Swarm::Start(o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(*s) : nullptr;
}

// A file of random bytes (seed printed by the caller) and its torrent, made before any corruption.
struct Shard {
  fs::path file;
  Bytes data;
  TorrentFile torrent;
};

Shard MakeShard(const fs::path& dir, const std::string& name, std::uint64_t seed) {
  Shard s;
  fs::create_directories(dir);
  s.file = dir / name;
  s.data = RandomBytes(kFileSize, seed);
  WriteFile(s.file, s.data);
  auto t = Swarm::MakeTorrent(s.file.string(), kPieceSize);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  if (t.ok()) s.torrent = *t;
  return s;
}

// Rewrites `n` bytes at `offset` in place, after the torrent was made.
void Corrupt(const fs::path& p, std::size_t offset, std::size_t n) {
  std::fstream f(p, std::ios::binary | std::ios::in | std::ios::out);
  f.seekp(static_cast<std::streamoff>(offset));
  const Bytes junk = RandomBytes(n, 77);
  f.write(reinterpret_cast<const char*>(junk.data()), static_cast<std::streamsize>(junk.size()));
  f.flush();
  ASSERT_TRUE(f.good()) << p;
}

Result<TorrentId> StartDownload(Swarm& leecher, const Shard& s, const fs::path& dir, const Swarm& seeder) {
  DownloadRequest r;
  r.torrent = s.torrent.torrent;
  r.save_dir = dir.string();
  r.peers = {seeder.listen_endpoint()};
  return leecher.Download(r);
}

SeedOptions Verified() {
  SeedOptions o;
  o.trust_data = true;
  o.pieces_verified = true;
  return o;
}

TEST(SwarmVerifiedSeedTest, ServesAGoodFileWhole) {
  SCOPED_TRACE("seed 11");
  TempDir dir;
  Shard s = MakeShard(dir.path() / "seed", "shard.bin", 11);
  auto seeder = StartSwarm();
  auto leecher = StartSwarm();
  ASSERT_TRUE(seeder && leecher);
  auto sid = seeder->Seed(s.file.string(), s.torrent.torrent, Verified());
  ASSERT_TRUE(sid.ok()) << sid.status().ToString();
  ASSERT_TRUE(seeder->WaitForComplete(*sid, In(seconds(60))).ok());
  auto lid = StartDownload(*leecher, s, dir.path() / "down", *seeder);
  ASSERT_TRUE(lid.ok()) << lid.status().ToString();
  Status done = leecher->WaitForComplete(*lid, In(seconds(60)));
  ASSERT_TRUE(done.ok()) << done.ToString();
  // A finished torrent's last blocks may still be queued for writing: read the file only once they are in it.
  ASSERT_TRUE(leecher->Flush(*lid, In(seconds(30))).ok());
  auto st = leecher->GetStatus(*lid);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->failed_bytes, 0u);
  EXPECT_EQ(ReadFile(fs::path(st->save_path) / st->name), s.data);
}

// Proof that the seeder does not hash: a piece corrupted after MakeTorrent is sent as is (the leecher's check
// fails it) and the seeder stays a seed, while the same damage under a plain seed-mode torrent of the same session
// is caught by the seeder, which leaves seed mode.
TEST(SwarmVerifiedSeedTest, SkipsTheFirstRequestHashOnlyForThatTorrent) {
  SCOPED_TRACE("seeds 12, 13");
  TempDir dir;
  Shard verified = MakeShard(dir.path() / "seed", "verified.bin", 12);
  Shard trusted = MakeShard(dir.path() / "seed", "trusted.bin", 13);
  Corrupt(verified.file, 3 * kPieceSize + 100, 64);
  Corrupt(trusted.file, 3 * kPieceSize + 100, 64);

  auto seeder = StartSwarm();
  auto leecher = StartSwarm();
  ASSERT_TRUE(seeder && leecher);
  auto vid = seeder->Seed(verified.file.string(), verified.torrent.torrent, Verified());
  ASSERT_TRUE(vid.ok()) << vid.status().ToString();
  auto tid = seeder->Seed(trusted.file.string(), trusted.torrent.torrent);  // trust_data only
  ASSERT_TRUE(tid.ok()) << tid.status().ToString();

  auto lv = StartDownload(*leecher, verified, dir.path() / "down-v", *seeder);
  auto lc = StartDownload(*leecher, trusted, dir.path() / "down-t", *seeder);
  ASSERT_TRUE(lv.ok() && lc.ok());

  // Unhashed: the bad piece reaches the leecher and fails there.
  Status failed = leecher->WaitFor(
      *lv, [](const TorrentStatus& st) { return st.failed_bytes > 0; }, In(seconds(60)));
  ASSERT_TRUE(failed.ok()) << "the leecher saw no bad piece: " << failed.ToString();
  // Hashed on first request: the seeder finds the piece bad and stops seeding it.
  Status left = seeder->WaitFor(
      *tid, [](const TorrentStatus& st) { return st.state == TorrentState::kDownloading; }, In(seconds(60)));
  ASSERT_TRUE(left.ok()) << left.ToString();

  auto vs = seeder->GetStatus(*vid);
  ASSERT_TRUE(vs.ok());
  EXPECT_EQ(vs->state, TorrentState::kSeeding);
  EXPECT_EQ(leecher->WaitForComplete(*lv, In(seconds(2))).code(), Code::kDeadlineExceeded);
  auto ls = leecher->GetStatus(*lv);
  ASSERT_TRUE(ls.ok());
  // v2 torrents verify 16 KiB blocks against the piece's Merkle tree, so every block but the rotten one may count
  // as done; the rotten block never does.
  EXPECT_LE(ls->bytes_done, kFileSize - 16 * 1024);
}

}  // namespace
}  // namespace cairn
