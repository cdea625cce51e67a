// Regression test for shards hashed before libtorrent had written them: many shard downloads finish at the same
// time while every core is busy, and each must be stored (its comm_d checked against the bytes on disk). libtorrent
// 2.0 reports a piece, and then the torrent, as complete once the piece's hash passed, which it may compute from
// blocks still queued for writing; the daemon must flush before it reads the file. The test thread is the owner.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <thread>

#include <fcntl.h>
#include <unistd.h>

#include "cairn/core/control.h"
#include "cairn/core/control_messages.h"
#include "cairn/core/merkle.h"
#include "cairn/core/network.h"
#include "cairn/core/swarm.h"
#include "cairn/core/temp_dir.h"
#include "cairn/provider/daemon.h"
#include "cairn/provider/data_dir.h"

namespace cairn::provider {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::uint64_t kSeed = 0x5eed'f1a5;
constexpr int kShardsPerRound = 24;
constexpr std::size_t kShardSize = 2 << 20;
constexpr int kPieceSize = 64 << 10;

// Seeded bytes (splitmix64), cheap enough for tens of MiB.
Bytes MakeShard(std::uint64_t seed) {
  Bytes out(kShardSize);
  std::uint64_t x = seed;
  for (std::size_t i = 0; i < out.size(); i += 8) {
    x += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = x;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    for (int b = 0; b < 8; ++b) out[i + b] = static_cast<std::uint8_t>(z >> (8 * b));
  }
  return out;
}

// Busy threads that keep every core loaded while they live, so libtorrent's disk threads run late.
class CpuLoad {
 public:
  explicit CpuLoad(unsigned threads) {
    for (unsigned i = 0; i < threads; ++i) {
      workers_.emplace_back([this, i] {
        std::uint64_t x = i + 1;
        while (!stop_.load(std::memory_order_relaxed)) {
          for (int k = 0; k < 4096; ++k) x = x * 6364136223846793005ULL + 1442695040888963407ULL;
          sink_.fetch_xor(x, std::memory_order_relaxed);
        }
      });
    }
  }
  ~CpuLoad() {
    stop_ = true;
    for (std::thread& t : workers_) t.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> sink_{0};
  std::vector<std::thread> workers_;
};

// A thread that keeps the file system's journal busy (rewrites and syncs a file), so that writes through
// libtorrent's memory maps wait on it: the way many providers syncing their shards on one disk slow each other.
class IoLoad {
 public:
  explicit IoLoad(std::string path) : path_(std::move(path)) {
    worker_ = std::thread([this] {
      const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      if (fd < 0) return;
      std::vector<char> chunk(4 << 20, 'x');
      off_t offset = 0;
      while (!stop_.load(std::memory_order_relaxed)) {
        if (::pwrite(fd, chunk.data(), chunk.size(), offset) != static_cast<ssize_t>(chunk.size())) break;
        if (::fdatasync(fd) != 0) break;
        offset = (offset + static_cast<off_t>(chunk.size())) % (64 << 20);
      }
      ::close(fd);
    });
  }
  ~IoLoad() {
    stop_ = true;
    worker_.join();
    ::unlink(path_.c_str());
  }

 private:
  std::string path_;
  std::atomic<bool> stop_{false};
  std::thread worker_;
};

int Rounds() {
  // CAIRN_FLUSH_STRESS_ROUNDS=N runs a longer stress by hand (see provider/README.md).
  if (const char* s = std::getenv("CAIRN_FLUSH_STRESS_ROUNDS")) {
    const int n = std::atoi(s);
    if (n > 0 && n <= 1000) return n;
  }
  return 3;
}

TEST(DaemonFlushTest, ConcurrentDownloadsUnderCpuLoadAllMatchCommD) {
  const int rounds = Rounds();
  SCOPED_TRACE("seed " + std::to_string(kSeed) + ", rounds " + std::to_string(rounds));
  auto tmp = TempDir::Create("provider-flush");
  ASSERT_TRUE(tmp.ok());
  Env* env = Env::Default();
  DataDir dir(tmp->Join("p"));
  ProviderConfig config;
  config.capacity = static_cast<std::uint64_t>(rounds) * kShardsPerRound * kShardSize;
  config.max_shard_size = kShardSize;
  ASSERT_TRUE(dir.Initialize(env, config).ok());
  NetworkConfig network = NetworkConfig::Devnet("flush-test");
  const std::string network_file = tmp->Join("network");
  ASSERT_TRUE(WriteFileAtomic(env, network_file, AsBytes(network.Serialize())).ok());

  SwarmOptions so;
  so.listen = Endpoint{"127.0.217.1", 0};
  auto seeder = Swarm::Start(so);
  ASSERT_TRUE(seeder.ok()) << seeder.status().ToString();
  DaemonOptions o;
  o.data_dir = dir.root();
  o.network_file = network_file;
  o.listen = Endpoint{"127.0.218.1", 0};
  o.resume_interval = std::chrono::seconds(3600);  // no resume saves: they flush too, and would hide the race
  auto daemon = Daemon::Start(o);
  ASSERT_TRUE(daemon.ok()) << daemon.status().ToString();
  Identity me = Identity::Generate();
  control::ControlClient client(me, network.network_id);
  auto state_of = [&](const DealId& deal) -> std::string {
    auto r = client.Call((*daemon)->control_endpoint(), (*daemon)->id(), control::kTypeDeal,
                         control::DealRef{deal}.ToBody(), std::chrono::seconds(30));
    if (!r.ok() || r->type != control::kTypeOk) return "?";
    auto reply = control::DealStatusReply::FromBody(r->body);
    return reply.ok() ? reply->state : "?";
  };

  int stored = 0;
  std::vector<std::string> failed;
  for (int round = 0; round < rounds; ++round) {
    // Seed this round's shards, then propose them all at once.
    std::map<DealId, int> pending;
    std::vector<control::ProposeRequest> proposals;
    for (int i = 0; i < kShardsPerRound; ++i) {
      const int n = round * kShardsPerRound + i;
      Bytes data = MakeShard(kSeed + static_cast<std::uint64_t>(n));
      std::string name = "s";
      name += std::to_string(n);  // appended: GCC 12 warns falsely (-Wrestrict) on "s" + std::to_string(n)
      const std::string path = tmp->Join(name);
      ASSERT_TRUE(WriteFileAtomic(env, path, data).ok());
      auto torrent = Swarm::MakeTorrent(path, kPieceSize);
      ASSERT_TRUE(torrent.ok());
      ASSERT_TRUE((*seeder)->Seed(path, torrent->torrent).ok());
      control::ProposeRequest p;
      p.shard = ShardId(*MerkleRoot(data));
      p.size = data.size();
      p.info_hash = torrent->info_hash;
      p.torrent = torrent->torrent;
      p.price = 1;
      p.duration = 1;
      p.peer = (*seeder)->listen_endpoint();
      proposals.push_back(std::move(p));
    }
    CpuLoad load(2 * std::max(1u, std::thread::hardware_concurrency()));
    IoLoad io(tmp->Join("io-load"));
    for (int i = 0; i < kShardsPerRound; ++i) {
      auto r = client.Call((*daemon)->control_endpoint(), (*daemon)->id(), control::kTypePropose, proposals[i].ToBody(),
                           std::chrono::seconds(30));
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      ASSERT_EQ(r->type, control::kTypeOk);
      pending.emplace(control::ComputeDealId(me.public_key(), proposals[i].ToBody()), round * kShardsPerRound + i);
    }
    auto last_check = Clock::now();
    for (auto deadline = Clock::now() + std::chrono::seconds(180); !pending.empty() && Clock::now() < deadline;) {
      std::this_thread::sleep_for((*daemon)->Tick());
      if (Clock::now() - last_check < std::chrono::milliseconds(250)) continue;
      last_check = Clock::now();
      for (auto it = pending.begin(); it != pending.end();) {
        const std::string state = state_of(it->first);
        if (state == "stored") {
          ++stored;
        } else if (state == "failed") {
          failed.push_back("shard " + std::to_string(it->second));
        } else {
          ++it;
          continue;
        }
        it = pending.erase(it);
      }
    }
    EXPECT_TRUE(pending.empty()) << pending.size() << " deals neither stored nor failed in round " << round;
  }
  EXPECT_EQ(stored, rounds * kShardsPerRound);
  EXPECT_TRUE(failed.empty()) << failed.size() << " deals failed (see the daemon's log), first: " << failed[0];
  EXPECT_TRUE((*daemon)->Shutdown().ok());
}

// Swarm::Flush, which the daemon relies on: it answers for a finished download (whose file then holds every byte),
// and fails for a torrent the Swarm does not know.
TEST(DaemonFlushTest, SwarmFlushConfirmsFinishedDownload) {
  SCOPED_TRACE("seed " + std::to_string(kSeed));
  auto tmp = TempDir::Create("provider-flush");
  ASSERT_TRUE(tmp.ok());
  Env* env = Env::Default();
  Bytes data = MakeShard(kSeed);
  const std::string path = tmp->Join("src");
  ASSERT_TRUE(WriteFileAtomic(env, path, data).ok());
  auto torrent = Swarm::MakeTorrent(path, kPieceSize);
  ASSERT_TRUE(torrent.ok());
  SwarmOptions so;
  so.listen = Endpoint{"127.0.217.2", 0};
  auto seeder = Swarm::Start(so);
  ASSERT_TRUE(seeder.ok());
  ASSERT_TRUE((*seeder)->Seed(path, torrent->torrent).ok());
  so.listen = Endpoint{"127.0.218.2", 0};
  auto leech = Swarm::Start(so);
  ASSERT_TRUE(leech.ok());
  DownloadRequest req;
  req.torrent = torrent->torrent;
  req.save_dir = tmp->Join("dl");
  ASSERT_TRUE(env->CreateDirs(req.save_dir).ok());
  req.peers = {(*seeder)->listen_endpoint()};
  auto id = (*leech)->Download(req);
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE((*leech)->WaitForComplete(*id, Clock::now() + std::chrono::seconds(60)).ok());
  ASSERT_TRUE((*leech)->Flush(*id, Clock::now() + std::chrono::seconds(30)).ok());
  auto back = ReadFileToBytes(env, req.save_dir + "/" + torrent->name, kShardSize);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, data);
  EXPECT_FALSE((*leech)->Flush(TorrentId(id->value() + 1000), Clock::now() + std::chrono::seconds(1)).ok());
}

}  // namespace
}  // namespace cairn::provider
