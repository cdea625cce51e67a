// Loopback transfer of one 256 MiB file between two sessions: bare libtorrent sessions (the baseline the end-to-end
// put/get is compared to) against the same transfer through the Swarm interface, in the same run.
//
// For each iteration a fresh downloader session fetches the file from a seeder that already checked it (so seeding
// costs no hashing); only the transfer is timed, from adding the torrent to the downloader's "finished". Both sides
// run TCP only on 127.0.0.1. Bare sessions differ from defaults only in what the loopback needs (listen address, uTP
// off, no LSD/UPnP/NAT-PMP/DHT, status alerts); the Swarm adds its own tuning (swarm_lt.cc BuildSettings).
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <libtorrent/add_torrent_params.hpp>
#include <libtorrent/alert_types.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/settings_pack.hpp>
#include <libtorrent/torrent_info.hpp>
#include <random>
#include <string>
#include <vector>

#include "cairn/core/swarm.h"

namespace cairn {
namespace {

namespace fs = std::filesystem;
namespace lt = libtorrent;

constexpr std::size_t kFileBytes = 256 << 20;
constexpr int kPieceSize = 1 << 20;
constexpr int kIterations = 3;
constexpr double kMiB = 1024.0 * 1024.0;

// One seed file and its torrent, shared by all benchmarks of the run.
struct Corpus {
  fs::path dir;
  fs::path file;
  TorrentFile torrent;
  bool ok = false;

  Corpus() {
    std::string tmpl = (fs::temp_directory_path() / "cairn-bench-swarm-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) return;
    dir = tmpl;
    fs::create_directories(dir / "seed");
    file = dir / "seed" / "shard.bin";
    std::mt19937_64 rng(20240601);
    std::vector<std::uint64_t> chunk(1 << 17);  // 1 MiB
    std::ofstream out(file, std::ios::binary);
    for (std::size_t done = 0; done < kFileBytes; done += chunk.size() * 8) {
      for (auto& w : chunk) w = rng();
      out.write(reinterpret_cast<const char*>(chunk.data()), static_cast<std::streamsize>(chunk.size() * 8));
    }
    out.close();
    if (!out) return;
    auto t = Swarm::MakeTorrent(file.string(), kPieceSize);
    if (!t.ok()) return;
    torrent = *t;
    ok = true;
  }
  ~Corpus() {
    std::error_code ec;
    if (!dir.empty()) fs::remove_all(dir, ec);
  }
};

Corpus& GetCorpus() {
  static Corpus corpus;
  return corpus;
}

bool SameFile(const fs::path& a, const fs::path& b) {
  std::ifstream fa(a, std::ios::binary), fb(b, std::ios::binary);
  std::vector<char> ba(1 << 20), bb(1 << 20);
  while (fa && fb) {
    fa.read(ba.data(), static_cast<std::streamsize>(ba.size()));
    fb.read(bb.data(), static_cast<std::streamsize>(bb.size()));
    if (fa.gcount() != fb.gcount() || std::memcmp(ba.data(), bb.data(), static_cast<std::size_t>(fa.gcount())) != 0) {
      return false;
    }
  }
  return fa.eof() && fb.eof();
}

lt::settings_pack BareSettings() {
  lt::settings_pack s;
  s.set_str(lt::settings_pack::listen_interfaces, "127.0.0.1:0");
  s.set_bool(lt::settings_pack::enable_outgoing_utp, false);
  s.set_bool(lt::settings_pack::enable_incoming_utp, false);
  s.set_bool(lt::settings_pack::enable_dht, false);
  s.set_bool(lt::settings_pack::enable_lsd, false);
  s.set_bool(lt::settings_pack::enable_upnp, false);
  s.set_bool(lt::settings_pack::enable_natpmp, false);
  s.set_int(lt::settings_pack::alert_mask, lt::alert_category::status | lt::alert_category::error);
  return s;
}

// Pops alerts until a torrent_finished_alert (true) or a torrent error / the deadline (false).
bool WaitFinished(lt::session& ses, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<lt::alert*> alerts;
  while (std::chrono::steady_clock::now() < deadline) {
    ses.wait_for_alert(std::chrono::milliseconds(100));
    ses.pop_alerts(&alerts);
    for (lt::alert* a : alerts) {
      if (lt::alert_cast<lt::torrent_finished_alert>(a)) return true;
      if (lt::alert_cast<lt::torrent_error_alert>(a)) return false;
    }
  }
  return false;
}

void BM_TransferRawLibtorrent(benchmark::State& state) {
  Corpus& c = GetCorpus();
  if (!c.ok) return state.SkipWithError("cannot prepare the seed file");
  lt::session seeder(BareSettings());
  lt::error_code ec;
  lt::add_torrent_params seed;
  seed.ti =
      std::make_shared<lt::torrent_info>(lt::span<char const>(reinterpret_cast<const char*>(c.torrent.torrent.data()),
                                                              static_cast<std::ptrdiff_t>(c.torrent.torrent.size())),
                                         ec, lt::from_span);
  if (ec) return state.SkipWithError("bad torrent");
  seed.save_path = c.file.parent_path().string();
  seed.flags &= ~(lt::torrent_flags::auto_managed | lt::torrent_flags::paused);
  seeder.add_torrent(seed, ec);
  if (ec || !WaitFinished(seeder, std::chrono::seconds(60))) return state.SkipWithError("seeder did not check");
  const lt::tcp::endpoint seeder_ep(lt::make_address("127.0.0.1"), seeder.listen_port());

  int round = 0;
  for (auto _ : state) {
    const fs::path down = c.dir / ("raw-" + std::to_string(round++));
    lt::session leecher(BareSettings());
    lt::add_torrent_params get;
    get.ti = seed.ti;
    get.save_path = down.string();
    get.flags &= ~(lt::torrent_flags::auto_managed | lt::torrent_flags::paused);
    get.peers.push_back(seeder_ep);
    const auto start = std::chrono::steady_clock::now();
    leecher.add_torrent(get, ec);
    const bool finished = !ec && WaitFinished(leecher, std::chrono::seconds(120));
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    state.SetIterationTime(secs);
    if (!finished || !SameFile(c.file, down / c.torrent.name)) return state.SkipWithError("transfer failed");
    std::error_code rm;
    fs::remove_all(down, rm);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(kFileBytes));
}
BENCHMARK(BM_TransferRawLibtorrent)->Iterations(kIterations)->UseManualTime()->Unit(benchmark::kMillisecond);

void BM_TransferSwarm(benchmark::State& state) {
  Corpus& c = GetCorpus();
  if (!c.ok) return state.SkipWithError("cannot prepare the seed file");
  auto seeder = Swarm::Start(SwarmOptions{});
  if (!seeder.ok()) return state.SkipWithError(seeder.status().ToString().c_str());
  SeedOptions checked;
  checked.trust_data = false;
  auto sid = (*seeder)->Seed(c.file.string(), c.torrent.torrent, checked);
  if (!sid.ok() ||
      !(*seeder)->WaitForComplete(*sid, std::chrono::steady_clock::now() + std::chrono::seconds(60)).ok()) {
    return state.SkipWithError("seeder did not check");
  }

  int round = 0;
  for (auto _ : state) {
    const fs::path down = c.dir / ("swarm-" + std::to_string(round++));
    auto leecher = Swarm::Start(SwarmOptions{});
    if (!leecher.ok()) return state.SkipWithError(leecher.status().ToString().c_str());
    DownloadRequest r;
    r.torrent = c.torrent.torrent;
    r.save_dir = down.string();
    r.peers = {(*seeder)->listen_endpoint()};
    const auto start = std::chrono::steady_clock::now();
    auto lid = (*leecher)->Download(r);
    const bool finished =
        lid.ok() &&
        (*leecher)->WaitForComplete(*lid, std::chrono::steady_clock::now() + std::chrono::seconds(120)).ok();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    state.SetIterationTime(secs);
    if (!finished || !SameFile(c.file, down / c.torrent.name)) return state.SkipWithError("transfer failed");
    leecher->reset();
    std::error_code rm;
    fs::remove_all(down, rm);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(kFileBytes));
}
BENCHMARK(BM_TransferSwarm)->Iterations(kIterations)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cairn
