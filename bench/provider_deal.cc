// A whole deal on one machine: a client session seeds 64 MiB shards, a provider daemon (in-process, on its own
// owner thread, woken when work is posted as `run` is) gets a signed "propose" per shard, and the time runs until its
// "deal" reply says "stored" (download, comm_d check, fsync + rename, LMDB commit). Baselines in the same run: bare
// Swarm sessions moving the same torrents from the same seeder, start of download to complete, both with a fresh
// session per shard and with one long-lived session (as the daemon has). Every round moves a different shard.
#include <benchmark/benchmark.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <random>
#include <thread>

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
constexpr std::size_t kShardBytes = 64 << 20;
constexpr int kRounds = 4;

struct Shard {
  std::string path;
  Hash32 comm_d{};
  TorrentFile torrent;
};

// The client side: kRounds * 3 distinct shards seeded by one session (a fresh shard for every round of every case).
struct Client {
  Client() {
    dir.emplace(std::move(*TempDir::Create("bench-deal")));
    SwarmOptions so;
    so.listen = Endpoint{"127.0.77.1", 0};
    swarm = std::move(*Swarm::Start(so));
    Bytes data(kShardBytes);
    std::mt19937_64 rng(2);
    for (int i = 0; i < kRounds * 3; ++i) {
      for (auto& b : data) b = static_cast<std::uint8_t>(rng());
      Shard s;
      s.path = dir->Join("shard" + std::to_string(i));
      if (!WriteFileAtomic(Env::Default(), s.path, data).ok()) std::abort();
      s.comm_d = *MerkleRoot(data);
      s.torrent = *Swarm::MakeTorrent(s.path, 256 << 10);
      SeedOptions seed;
      seed.trust_data = false;  // checked now, so no case pays for lazy piece checks
      auto id = swarm->Seed(s.path, s.torrent.torrent, seed);
      if (!id.ok() || !swarm->WaitForComplete(*id, Clock::now() + std::chrono::seconds(60)).ok()) std::abort();
      shards.push_back(std::move(s));
    }
  }
  const Shard& Next() { return shards[next++ % shards.size()]; }
  std::optional<TempDir> dir;
  std::unique_ptr<Swarm> swarm;
  std::vector<Shard> shards;
  std::size_t next = 0;
};

Client& C() {
  static Client c;
  return c;
}

Status DownloadFrom(Swarm& reader, const Shard& s, const std::string& out) {
  CAIRN_RETURN_IF_ERROR(Env::Default()->CreateDirs(out));
  DownloadRequest dl;
  dl.torrent = s.torrent.torrent;
  dl.save_dir = out;
  dl.peers = {C().swarm->listen_endpoint()};
  CAIRN_ASSIGN_OR_RETURN(TorrentId id, reader.Download(dl));
  return reader.WaitForComplete(id, Clock::now() + std::chrono::seconds(60));
}

void BM_RawFreshSessionBaseline(benchmark::State& state) {
  C();
  int round = 0;
  for (auto _ : state) {
    state.PauseTiming();
    SwarmOptions so;
    so.listen = Endpoint{"127.0.78.1", 0};
    auto reader = Swarm::Start(so);
    const Shard& s = C().Next();
    state.ResumeTiming();
    if (!DownloadFrom(**reader, s, C().dir->Join("fresh" + std::to_string(++round))).ok()) {
      state.SkipWithError("download failed");
    }
    state.PauseTiming();
    reader->reset();
    state.ResumeTiming();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kShardBytes));
}
BENCHMARK(BM_RawFreshSessionBaseline)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(kRounds);

void BM_RawLongLivedSessionBaseline(benchmark::State& state) {
  C();
  SwarmOptions so;
  so.listen = Endpoint{"127.0.80.1", 0};
  auto reader = Swarm::Start(so);
  int round = 0;
  for (auto _ : state) {
    if (!DownloadFrom(**reader, C().Next(), C().dir->Join("long" + std::to_string(++round))).ok()) {
      state.SkipWithError("download failed");
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kShardBytes));
}
BENCHMARK(BM_RawLongLivedSessionBaseline)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(kRounds);

void BM_ProposeToStored(benchmark::State& state) {
  C();
  auto tmp = TempDir::Create("bench-provider");
  DataDir dir(tmp->Join("p"));
  ProviderConfig config;
  config.capacity = std::uint64_t{4} << 30;
  config.max_shard_size = 256 << 20;
  if (!dir.Initialize(Env::Default(), config).ok()) std::abort();
  NetworkConfig network = NetworkConfig::Devnet("bench-deal");
  const std::string network_file = tmp->Join("network");
  if (!WriteFileAtomic(Env::Default(), network_file, AsBytes(network.Serialize())).ok()) std::abort();

  std::atomic<bool> stop{false};
  std::atomic<bool> ready{false};
  std::mutex mu;
  std::condition_variable cv;
  bool woken = false;
  Endpoint ctl;
  Ed25519PublicKey provider_id{};
  std::thread owner([&] {
    DaemonOptions o;
    o.data_dir = dir.root();
    o.network_file = network_file;
    o.listen = Endpoint{"127.0.79.1", 0};
    o.wake_owner = [&] {
      std::lock_guard<std::mutex> lock(mu);
      woken = true;
      cv.notify_one();
    };
    auto daemon = Daemon::Start(o);
    if (!daemon.ok()) std::abort();
    ctl = (*daemon)->control_endpoint();
    provider_id = (*daemon)->id();
    ready = true;
    while (!stop) {
      const auto wait = (*daemon)->Tick();
      std::unique_lock<std::mutex> lock(mu);
      cv.wait_for(lock, wait, [&] { return woken; });
      woken = false;
    }
    (void)(*daemon)->Shutdown();
  });
  while (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(5));

  Identity me = Identity::Generate();
  control::ControlClient client(me, network.network_id);
  for (auto _ : state) {
    const Shard& s = C().Next();
    control::ProposeRequest p;
    p.shard = ShardId(s.comm_d);
    p.size = kShardBytes;
    p.info_hash = s.torrent.info_hash;
    p.torrent = s.torrent.torrent;
    p.price = 1;
    p.duration = 1;
    p.peer = C().swarm->listen_endpoint();
    const DealId deal = control::ComputeDealId(me.public_key(), p.ToBody());
    auto r = client.Call(ctl, provider_id, control::kTypePropose, p.ToBody(), std::chrono::seconds(5));
    if (!r.ok() || r->type != control::kTypeOk) state.SkipWithError("propose refused");
    for (auto deadline = Clock::now() + std::chrono::seconds(60);;) {
      auto st =
          client.Call(ctl, provider_id, control::kTypeDeal, control::DealRef{deal}.ToBody(), std::chrono::seconds(5));
      if (st.ok() && st->type == control::kTypeOk &&
          control::DealStatusReply::FromBody(st->body)->state == control::kStateStored) {
        break;
      }
      if (Clock::now() > deadline) {
        state.SkipWithError("not stored in time");
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kShardBytes));
  stop = true;
  owner.join();
}
BENCHMARK(BM_ProposeToStored)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(kRounds);

}  // namespace
}  // namespace cairn::provider
