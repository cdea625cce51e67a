// Real libtorrent sessions on loopback. Every session binds port 0 on an explicit 127.x address and reads the port
// back; every wait has a deadline.
#include "cairn/core/swarm.h"
#include "swarm_test_util.h"

#include <gtest/gtest.h>
#include <openssl/sha.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace cairn {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::size_t kFileSize = 4 << 20;
constexpr int kPieceSize = 256 << 10;

using swarm_test::In;
using swarm_test::OverwriteInPlace;
using swarm_test::RandomBytes;
using swarm_test::ReadFile;
using swarm_test::WriteFile;
using TempDir = swarm_test::ScratchDir;

std::unique_ptr<Swarm> StartSwarm(const std::string& ip, bool dht = false, std::vector<Endpoint> bootstrap = {},
                                  bool same_ip = false) {
  SwarmOptions o;
  o.listen = Endpoint{ip, 0};
  o.enable_dht = dht;
  o.dht_bootstrap = std::move(bootstrap);
  o.dht_allow_same_ip = same_ip;
  o.status_interval = milliseconds(100);
  auto s = Swarm::Start(o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(*s) : nullptr;
}

struct Fixture {
  TempDir dir;
  Bytes data;
  fs::path seed_file;
  TorrentFile torrent;
};

std::unique_ptr<Fixture> MakeFixture(std::uint64_t seed, std::size_t size = kFileSize) {
  auto f = std::make_unique<Fixture>();
  f->data = RandomBytes(size, seed);
  fs::create_directories(f->dir.path() / "seed");
  f->seed_file = f->dir.path() / "seed" / "shard.bin";
  WriteFile(f->seed_file, f->data);
  auto t = Swarm::MakeTorrent(f->seed_file.string(), kPieceSize);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  if (t.ok()) f->torrent = *t;
  return f;
}

// BEP 52 "pieces root", computed independently: SHA-256 over 16 KiB blocks, leaves padded with zero hashes to a
// power of two, pairs hashed upwards.
Hash32 PiecesRoot(ByteSpan data) {
  constexpr std::size_t kBlock = 16 << 10;
  std::vector<Hash32> layer;
  for (std::size_t off = 0; off < data.size(); off += kBlock) {
    Hash32 h;
    const std::size_t n = std::min(kBlock, data.size() - off);
    EXPECT_NE(SHA256(data.data() + off, n, h.data()), nullptr);
    layer.push_back(h);
  }
  std::size_t width = 1;
  while (width < layer.size()) width *= 2;
  layer.resize(width, Hash32{});
  while (layer.size() > 1) {
    std::vector<Hash32> up(layer.size() / 2);
    for (std::size_t i = 0; i < up.size(); ++i) {
      std::uint8_t pair[64];
      std::copy(layer[2 * i].begin(), layer[2 * i].end(), pair);
      std::copy(layer[2 * i + 1].begin(), layer[2 * i + 1].end(), pair + 32);
      EXPECT_NE(SHA256(pair, sizeof(pair), up[i].data()), nullptr);
    }
    layer = std::move(up);
  }
  return layer[0];
}

RendezvousKey Key(std::string_view label) {
  Hash32 h;
  EXPECT_NE(SHA256(reinterpret_cast<const std::uint8_t*>(label.data()), label.size(), h.data()), nullptr);
  RendezvousKey k;
  std::copy(h.begin(), h.begin() + 20, k.begin());
  return k;
}

TEST(SwarmTest, RefusesUnspecifiedOrNamedListenAddress) {
  SwarmOptions o;
  o.listen = Endpoint{"0.0.0.0", 0};
  EXPECT_EQ(Swarm::Start(o).status().code(), Code::kInvalidArgument);
  o.listen = Endpoint{"::", 0};
  EXPECT_EQ(Swarm::Start(o).status().code(), Code::kInvalidArgument);
  o.listen = Endpoint{"localhost", 0};
  EXPECT_EQ(Swarm::Start(o).status().code(), Code::kInvalidArgument);
}

TEST(SwarmTest, ListensOnAFreePortAndRefusesABusyOne) {
  auto a = StartSwarm("127.0.0.1");
  ASSERT_NE(a, nullptr);
  const Endpoint ep = a->listen_endpoint();
  EXPECT_EQ(ep.ip, "127.0.0.1");
  EXPECT_NE(ep.port, 0);
  SwarmOptions o;
  o.listen = ep;  // the same explicit port: no silent move to port+1
  auto b = Swarm::Start(o);
  EXPECT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), Code::kUnavailable) << b.status().ToString();
}

TEST(SwarmTest, MakeTorrentIsDeterministicV2WithTheFileMerkleRoot) {
  TempDir dir;
  const Bytes data = RandomBytes((1 << 20) + 12345, 7);  // not a whole number of blocks: exercises padding
  const fs::path file = dir.path() / "f.bin";
  WriteFile(file, data);
  auto a = Swarm::MakeTorrent(file.string(), 64 << 10);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  auto b = Swarm::MakeTorrent(file.string(), 64 << 10);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->torrent, b->torrent);
  EXPECT_EQ(a->info_hash, b->info_hash);
  EXPECT_EQ(a->size, data.size());
  EXPECT_EQ(a->piece_size, 64 << 10);
  EXPECT_EQ(a->name, "f.bin");
  EXPECT_EQ(a->file_root, PiecesRoot(data));
  // v2 only: no SHA-1 "pieces" string in the info dictionary.
  EXPECT_EQ(std::string(AsStringView(a->torrent)).find("6:pieces"), std::string::npos);

  EXPECT_EQ(Swarm::MakeTorrent(file.string(), 3000).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Swarm::MakeTorrent(file.string(), 8 << 10).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Swarm::MakeTorrent((dir.path() / "missing").string(), 64 << 10).status().code(), Code::kNotFound);
  WriteFile(dir.path() / "empty", {});
  EXPECT_EQ(Swarm::MakeTorrent((dir.path() / "empty").string(), 64 << 10).status().code(), Code::kInvalidArgument);
}

TEST(SwarmTest, RejectsMalformedTorrentBytes) {
  auto s = StartSwarm("127.0.0.1");
  ASSERT_NE(s, nullptr);
  TempDir dir;
  DownloadRequest r;
  r.save_dir = dir.path().string();
  r.torrent = ToBytes(AsBytes("d4:infod4:name1:xee"));
  EXPECT_FALSE(s->Download(r).ok());
  r.torrent = ToBytes(AsBytes("not bencode"));
  EXPECT_EQ(s->Download(r).status().code(), Code::kCorruption);
  r.torrent.clear();
  EXPECT_EQ(s->Download(r).status().code(), Code::kInvalidArgument);  // neither torrent nor info-hash
  EXPECT_EQ(s->AddFromResumeData(AsBytes("garbage")).status().code(), Code::kCorruption);
}

TEST(SwarmTest, DownloadsFromADirectlyConnectedSeeder) {
  auto f = MakeFixture(1);
  auto seeder = StartSwarm("127.0.0.1");
  auto leecher = StartSwarm("127.0.0.1");
  ASSERT_TRUE(seeder && leecher);
  auto sid = seeder->Seed(f->seed_file.string(), f->torrent.torrent);
  ASSERT_TRUE(sid.ok()) << sid.status().ToString();
  ASSERT_TRUE(seeder->WaitForComplete(*sid, In(seconds(60))).ok());
  // Adding the same torrent twice is refused.
  EXPECT_EQ(seeder->Seed(f->seed_file.string(), f->torrent.torrent).status().code(), Code::kAlreadyExists);

  DownloadRequest r;
  r.torrent = f->torrent.torrent;
  r.save_dir = (f->dir.path() / "down").string();
  r.peers = {seeder->listen_endpoint()};
  auto lid = leecher->Download(r);
  ASSERT_TRUE(lid.ok()) << lid.status().ToString();
  Status done = leecher->WaitForComplete(*lid, In(seconds(60)));
  ASSERT_TRUE(done.ok()) << done.ToString();
  // A finished torrent's last blocks may still be queued for writing: read the file only once they are in it.
  ASSERT_TRUE(leecher->Flush(*lid, In(seconds(30))).ok());

  auto st = leecher->GetStatus(*lid);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->state, TorrentState::kSeeding);
  EXPECT_EQ(st->bytes_done, kFileSize);
  EXPECT_EQ(st->bytes_total, kFileSize);
  EXPECT_EQ(st->info_hash, f->torrent.info_hash);
  EXPECT_EQ(st->failed_bytes, 0u);
  EXPECT_EQ(ReadFile(fs::path(st->save_path) / st->name), f->data);

  // Removing with kDelete drops the torrent and its file.
  ASSERT_TRUE(leecher->Remove(*lid, RemoveFiles::kDelete, In(seconds(60))).ok());
  EXPECT_EQ(leecher->GetStatus(*lid).status().code(), Code::kNotFound);
  EXPECT_FALSE(fs::exists(fs::path(st->save_path) / st->name));
}

TEST(SwarmTest, DownloadsAFileThatEndsMidPiece) {
  const std::size_t size = (1 << 20) + 12345;  // the v2 torrent pads the last piece; the file must not grow
  auto f = MakeFixture(6, size);
  ASSERT_EQ(f->torrent.size, size);
  auto seeder = StartSwarm("127.0.0.1");
  auto leecher = StartSwarm("127.0.0.1");
  ASSERT_TRUE(seeder && leecher);
  // Seeded from a file under another name than the torrent's.
  const fs::path renamed = f->dir.path() / "seed" / "stored-under-another-name";
  fs::rename(f->seed_file, renamed);
  auto sid = seeder->Seed(renamed.string(), f->torrent.torrent);
  ASSERT_TRUE(sid.ok()) << sid.status().ToString();
  DownloadRequest r;
  r.torrent = f->torrent.torrent;
  r.save_dir = (f->dir.path() / "down").string();
  r.peers = {seeder->listen_endpoint()};
  auto lid = leecher->Download(r);
  ASSERT_TRUE(lid.ok());
  ASSERT_TRUE(leecher->WaitForComplete(*lid, In(seconds(60))).ok());
  ASSERT_TRUE(leecher->Flush(*lid, In(seconds(30))).ok());
  auto st = leecher->GetStatus(*lid);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->bytes_total, size);
  EXPECT_EQ(st->bytes_done, size);
  EXPECT_EQ(st->name, "shard.bin");
  EXPECT_EQ(ReadFile(fs::path(st->save_path) / st->name), f->data);
  EXPECT_EQ(seeder->GetStatus(*sid)->name, "stored-under-another-name");
}

TEST(SwarmTest, FindsASeederThroughAPrivateDhtAndJoinsByInfoHash) {
  auto f = MakeFixture(2);
  // Each node on its own 127.0.X.1 (a distinct /24), so libtorrent's per-IP DHT defaults stay on.
  constexpr int kNodes = 4;
  std::vector<std::unique_ptr<Swarm>> nodes;
  nodes.push_back(StartSwarm("127.0.41.1", true));
  ASSERT_NE(nodes[0], nullptr);
  const Endpoint boot = nodes[0]->dht_endpoint();
  for (int i = 1; i < kNodes; ++i) {
    nodes.push_back(StartSwarm("127.0." + std::to_string(41 + i) + ".1", true, {boot}));
    ASSERT_NE(nodes.back(), nullptr);
  }
  for (auto& n : nodes) {
    Status s = n->WaitForDhtNodes(1, In(seconds(60)));
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  Swarm& seeder = *nodes[1];
  Swarm& leecher = *nodes[3];
  auto sid = seeder.Seed(f->seed_file.string(), f->torrent.torrent);
  ASSERT_TRUE(sid.ok()) << sid.status().ToString();

  const RendezvousKey key = Key("cairn/providers/test-net");
  ASSERT_TRUE(seeder.AnnounceRendezvous(key, seeder.listen_endpoint().port).ok());
  std::vector<Endpoint> found;
  const SteadyTime deadline = In(seconds(60));
  while (found.empty() && std::chrono::steady_clock::now() < deadline) {
    auto r = leecher.LookupRendezvous(key, milliseconds(2000), 1);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    found = *r;
    if (found.empty()) {
      ASSERT_TRUE(seeder.ForceReannounce().ok());
    }
  }
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0], seeder.listen_endpoint());

  // An unrelated key finds nothing, and says so at the timeout.
  auto none = leecher.LookupRendezvous(Key("cairn/providers/other-net"), milliseconds(1000));
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());

  DownloadRequest r;
  r.info_hash = f->torrent.info_hash;  // no torrent bytes: the metadata comes over ut_metadata
  r.save_dir = (f->dir.path() / "down").string();
  r.peers = found;
  auto lid = leecher.Download(r);
  ASSERT_TRUE(lid.ok()) << lid.status().ToString();
  Status done = leecher.WaitForComplete(*lid, In(seconds(60)));
  ASSERT_TRUE(done.ok()) << done.ToString();
  ASSERT_TRUE(leecher.Flush(*lid, In(seconds(30))).ok());
  auto st = leecher.GetStatus(*lid);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->name, "shard.bin");
  EXPECT_EQ(ReadFile(fs::path(st->save_path) / st->name), f->data);
}

TEST(SwarmTest, FindsRendezvousWithDhtNodesSharingOneAddress) {
  std::vector<std::unique_ptr<Swarm>> nodes;
  nodes.push_back(StartSwarm("127.0.0.1", true, {}, true));
  ASSERT_NE(nodes[0], nullptr);
  for (int i = 1; i < 3; ++i) {
    nodes.push_back(StartSwarm("127.0.0.1", true, {nodes[0]->dht_endpoint()}, true));
    ASSERT_NE(nodes.back(), nullptr);
  }
  for (auto& n : nodes) ASSERT_TRUE(n->WaitForDhtNodes(1, In(seconds(60))).ok());
  const RendezvousKey key = Key("same-ip");
  ASSERT_TRUE(nodes[1]->AnnounceRendezvous(key, 4242).ok());
  std::vector<Endpoint> found;
  const SteadyTime deadline = In(seconds(60));
  while (found.empty() && std::chrono::steady_clock::now() < deadline) {
    auto r = nodes[2]->LookupRendezvous(key, milliseconds(2000), 1);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    found = *r;
    if (found.empty()) {
      ASSERT_TRUE(nodes[1]->ForceReannounce().ok());
    }
  }
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0], (Endpoint{"127.0.0.1", 4242}));
}

TEST(SwarmTest, InterruptedDownloadResumesInANewSession) {
  auto f = MakeFixture(3);
  // The first source holds only the first half of the file (its copy of the second half rotted, and it checked the
  // file before serving), so the first session stops at exactly half whatever the scheduling: no race between
  // interrupting it and its finishing.
  const fs::path half_file = f->dir.path() / "seed" / "half.bin";
  fs::copy_file(f->seed_file, half_file);
  OverwriteInPlace(half_file, kFileSize / 2, Bytes(kFileSize / 2, 0));
  auto half_seeder = StartSwarm("127.0.0.1");
  ASSERT_NE(half_seeder, nullptr);
  SeedOptions checked;
  checked.trust_data = false;
  auto hid = half_seeder->Seed(half_file.string(), f->torrent.torrent, checked);
  ASSERT_TRUE(hid.ok()) << hid.status().ToString();
  ASSERT_TRUE(
      half_seeder
          ->WaitFor(
              *hid, [](const TorrentStatus& s) { return s.state == TorrentState::kDownloading; }, In(seconds(60)))
          .ok());
  ASSERT_EQ(half_seeder->GetStatus(*hid)->bytes_done, kFileSize / 2);

  DownloadRequest r;
  r.torrent = f->torrent.torrent;
  r.save_dir = (f->dir.path() / "down").string();
  r.peers = {half_seeder->listen_endpoint()};
  auto second = StartSwarm("127.0.0.1");
  ASSERT_NE(second, nullptr);
  TorrentId rid;
  std::uint64_t resumed_bytes = 0;
  {
    auto first = StartSwarm("127.0.0.1");
    ASSERT_NE(first, nullptr);
    auto lid = first->Download(r);
    ASSERT_TRUE(lid.ok());
    Status got_half = first->WaitFor(
        *lid, [](const TorrentStatus& s) { return s.bytes_done >= kFileSize / 2; }, In(seconds(60)));
    ASSERT_TRUE(got_half.ok()) << got_half.ToString();
    ASSERT_EQ(first->GetStatus(*lid)->bytes_done, kFileSize / 2) << "bytes the half source does not have arrived";
    // bytes_done counts written blocks of pieces not yet hash-checked, which resume data drops; the last pieces'
    // checks may still be queued. Saved again until the resume data records the whole half (the second session
    // has no peer, so its progress comes from the resume data alone).
    const SteadyTime deadline = In(seconds(60));
    for (;;) {
      auto data = first->SaveResumeData(*lid, In(seconds(30)));
      ASSERT_TRUE(data.ok()) << data.status().ToString();
      auto added = second->AddFromResumeData(*data);
      ASSERT_TRUE(added.ok()) << added.status().ToString();
      rid = *added;
      ASSERT_TRUE(
          second
              ->WaitFor(
                  rid, [](const TorrentStatus& s) { return s.state == TorrentState::kDownloading; }, In(seconds(60)))
              .ok());
      resumed_bytes = second->GetStatus(rid)->bytes_done;
      if (resumed_bytes >= kFileSize / 2 || std::chrono::steady_clock::now() >= deadline) break;
      ASSERT_TRUE(second->Remove(rid, RemoveFiles::kKeep, In(seconds(30))).ok());
      std::this_thread::sleep_for(milliseconds(50));  // poll interval of the condition above
    }
  }  // the first session is destroyed midway
  EXPECT_EQ(resumed_bytes, kFileSize / 2) << "the resume data lacks pieces the first session had";

  // A source with the whole file finishes the download; only the missing half is fetched.
  auto seeder = StartSwarm("127.0.0.1");
  ASSERT_NE(seeder, nullptr);
  ASSERT_TRUE(seeder->Seed(f->seed_file.string(), f->torrent.torrent).ok());
  ASSERT_TRUE(second->ConnectPeer(rid, seeder->listen_endpoint()).ok());
  Status done = second->WaitForComplete(rid, In(seconds(60)));
  ASSERT_TRUE(done.ok()) << done.ToString();
  ASSERT_TRUE(second->Flush(rid, In(seconds(30))).ok());
  auto st = second->GetStatus(rid);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(ReadFile(fs::path(st->save_path) / st->name), f->data);
}

TEST(SwarmTest, BytesCorruptedUnderASeederFailTheirHashAndNeverComplete) {
  auto f = MakeFixture(4);
  auto seeder = StartSwarm("127.0.0.1");
  auto leecher = StartSwarm("127.0.0.1");
  ASSERT_TRUE(seeder && leecher);
  SeedOptions checked;
  checked.trust_data = false;  // verified once at add time...
  auto sid = seeder->Seed(f->seed_file.string(), f->torrent.torrent, checked);
  ASSERT_TRUE(sid.ok());
  ASSERT_TRUE(seeder->WaitForComplete(*sid, In(seconds(60))).ok());
  // ...then the file rots on disk: the seeder serves these bytes without knowing.
  const std::size_t bad_offset = 5 * kPieceSize + 1000;
  OverwriteInPlace(f->seed_file, bad_offset, RandomBytes(4096, 99));

  DownloadRequest r;
  r.torrent = f->torrent.torrent;
  r.save_dir = (f->dir.path() / "down").string();
  r.peers = {seeder->listen_endpoint()};
  auto lid = leecher->Download(r);
  ASSERT_TRUE(lid.ok());
  Status failed = leecher->WaitFor(
      *lid, [](const TorrentStatus& s) { return s.failed_bytes > 0; }, In(seconds(60)));
  ASSERT_TRUE(failed.ok()) << "no hash failure seen: " << failed.ToString();
  EXPECT_EQ(leecher->WaitForComplete(*lid, In(seconds(3))).code(), Code::kDeadlineExceeded);
  auto st = leecher->GetStatus(*lid);
  ASSERT_TRUE(st.ok());
  EXPECT_NE(st->state, TorrentState::kSeeding);
  // v2 torrents verify 16 KiB blocks against the piece's Merkle tree, so every block but the rotten one may count
  // as done; the rotten block never does.
  EXPECT_LE(st->bytes_done, kFileSize - 16 * 1024);
}

TEST(SwarmTest, CorruptFileIsNotSeeded) {
  auto f = MakeFixture(5);
  OverwriteInPlace(f->seed_file, 2 * kPieceSize + 17, RandomBytes(100, 98));

  // Checked before serving: the bad piece is found at once and the torrent is not a seed.
  auto checker = StartSwarm("127.0.0.1");
  ASSERT_NE(checker, nullptr);
  SeedOptions checked;
  checked.trust_data = false;
  auto cid = checker->Seed(f->seed_file.string(), f->torrent.torrent, checked);
  ASSERT_TRUE(cid.ok());
  ASSERT_TRUE(
      checker
          ->WaitFor(
              *cid, [](const TorrentStatus& s) { return s.state == TorrentState::kDownloading; }, In(seconds(60)))
          .ok());
  EXPECT_EQ(checker->GetStatus(*cid)->bytes_done, kFileSize - kPieceSize);

  // Trusted (seed mode): the piece is checked when first requested, fails, and is never sent.
  auto seeder = StartSwarm("127.0.0.1");
  auto leecher = StartSwarm("127.0.0.1");
  ASSERT_TRUE(seeder && leecher);
  auto sid = seeder->Seed(f->seed_file.string(), f->torrent.torrent);
  ASSERT_TRUE(sid.ok());
  DownloadRequest r;
  r.torrent = f->torrent.torrent;
  r.save_dir = (f->dir.path() / "down").string();
  r.peers = {seeder->listen_endpoint()};
  auto lid = leecher->Download(r);
  ASSERT_TRUE(lid.ok());
  Status left_seed_mode = seeder->WaitFor(
      *sid, [](const TorrentStatus& s) { return s.state == TorrentState::kDownloading; }, In(seconds(60)));
  ASSERT_TRUE(left_seed_mode.ok()) << left_seed_mode.ToString();
  EXPECT_EQ(leecher->WaitForComplete(*lid, In(seconds(3))).code(), Code::kDeadlineExceeded);
  auto st = leecher->GetStatus(*lid);
  ASSERT_TRUE(st.ok());
  EXPECT_NE(st->state, TorrentState::kSeeding);
  EXPECT_LE(st->bytes_done, kFileSize - kPieceSize);
}

TEST(SwarmTest, DhtCallsFailWhenTheDhtIsOff) {
  auto s = StartSwarm("127.0.0.1");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->AnnounceRendezvous(Key("x"), 1).code(), Code::kFailedPrecondition);
  EXPECT_EQ(s->LookupRendezvous(Key("x"), milliseconds(10)).status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(s->AddDhtNode(Endpoint{"127.0.0.1", 1}).code(), Code::kFailedPrecondition);
  EXPECT_EQ(s->GetStatus(TorrentId(12345)).status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace cairn
