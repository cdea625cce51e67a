// The state of a running provider and the methods of its three parts: startup and shutdown (daemon.cc), the control
// request handler (daemon_requests.cc, io thread) and the owner loop (daemon_downloads.cc, owner thread).
//
// Thread-safety: fields under "owner only" are touched by the owner thread alone; fields under `mu` by anyone
// holding it; the rest are set during Start and read-only afterwards (the stores and the swarm are thread-safe).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "cairn/core/control.h"
#include "cairn/core/identity.h"
#include "cairn/core/ids.h"
#include "cairn/core/kv_store.h"
#include "cairn/core/network.h"
#include "cairn/core/swarm.h"
#include "cairn/provider/config.h"
#include "cairn/provider/daemon.h"
#include "cairn/provider/data_dir.h"
#include "cairn/provider/deal_store.h"

namespace cairn::provider {

// Work the io thread hands to the owner.
struct PostedWork {
  enum class Kind { kStartDownload, kDropDeal };
  Kind kind;
  DealId deal;
  ShardId shard;
};

// An unfinished download (owner only).
struct ActiveDownload {
  TorrentId torrent;
  ShardId shard;
  std::uint64_t size = 0;
  Endpoint peer;
  std::uint64_t last_bytes = 0;
  std::chrono::steady_clock::time_point started;
  std::chrono::steady_clock::time_point last_progress;
  std::chrono::steady_clock::time_point last_connect;
  std::uint64_t saved_bytes = 0;  // bytes_done when resume data was last saved
  int flush_attempts = 0;         // flushes of the finished download that were not confirmed in time
};

class Daemon::Core {
 public:
  Core(DaemonOptions options, Env* env, Identity identity)
      : options(std::move(options)), env(env), dir(this->options.data_dir), identity(std::move(identity)) {}

  // ---- daemon.cc ----
  Status Open();
  Status Shutdown();

  // ---- daemon_requests.cc (io thread) ----
  control::Reply Handle(const control::Envelope& request);
  control::Reply HandleRecord();
  control::Reply HandlePropose(const control::Envelope& request);
  control::Reply HandleDeal(const control::Envelope& request);
  control::Reply HandleFetch(const control::Envelope& request);
  control::Reply HandleRemove(const control::Envelope& request);
  void Post(PostedWork work);

  // ---- daemon_downloads.cc (owner thread) ----
  std::chrono::milliseconds Tick();
  // Resumes unfinished deals and seeds stored shards (at startup).
  Status ResumeAll();
  void StartDownload(const DealId& deal);
  void DropDeal(const DealId& deal, const ShardId& shard);
  void AdvanceDownloads();
  // A download reached "seeding" and was flushed: check comm_d, install in shards/, record "stored", seed from there.
  void FinishDownload(const DealId& deal, const ActiveDownload& download, const std::string& path);
  void FailDeal(const DealId& deal, const std::string& reason);
  Status SeedShard(const DealRecord& deal);
  void SaveResumeData(bool all);
  // A crash between the rename into shards/ and the "stored" commit leaves a complete file for a deal still
  // downloading: check it against comm_d and record it stored instead of downloading it again.
  void RecoverInstalledShards();
  void DeleteOrphans();
  // Re-announces torrents and the rendezvous once the DHT has nodes, and often while the network is young.
  void MaybeReannounce();
  std::uint64_t Now() const;  // unix seconds

  const DaemonOptions options;
  Env* const env;
  const DataDir dir;
  const Identity identity;
  ProviderConfig config;
  NetworkConfig network;
  int lock_fd = -1;
  std::unique_ptr<KvStore> kv;
  std::unique_ptr<DealStore> deals;
  std::unique_ptr<Swarm> swarm;
  std::unique_ptr<control::ControlServer> server;
  Endpoint ctl_endpoint;
  Endpoint bt_endpoint;
  std::string version;
  std::atomic<bool> stopping{false};
  bool shut_down = false;

  std::mutex mu;
  std::deque<PostedWork> work;           // under mu
  std::map<DealId, std::uint64_t> have;  // under mu: verified bytes of active downloads

  // owner only
  std::map<DealId, ActiveDownload> downloads;
  std::map<ShardId, TorrentId> seeding;
  std::chrono::steady_clock::time_point last_resume_save;
  std::chrono::steady_clock::time_point started;
  std::chrono::steady_clock::time_point last_reannounce;
  int reannounced_nodes = 0;  // DHT size at the last re-announce
};

}  // namespace cairn::provider
