// Daemon: a running provider. It opens the data dir (identity, config, LMDB), joins the network's swarm (one
// libtorrent session: TCP, private DHT), answers the signed control channel ("record", "propose", "deal", "fetch",
// "remove"), announces itself under the network's DHT rendezvous key, downloads accepted shards, checks them
// against comm_d, stores them durably in shards/ and seeds them.
//
// Threads: the owner thread (the one that calls Start, Tick and Shutdown) owns downloads and seeding; the control
// server's io thread answers requests, writing deal records itself and posting work (start a download, drop a
// shard) to the owner through a queue; libtorrent runs its own threads inside the Swarm.
//
// Restart: Start resumes every accepted or downloading deal (from saved resume data, else by re-adding the torrent,
// which re-checks what the spool already holds) and seeds every stored shard. Shutdown stops the control server
// first, saves resume data of unfinished downloads, then stops the swarm.
//
// Fault injection (TEST ONLY, off by default): with corrupt_serve (CAIRN_TEST_CORRUPT_SERVE=1 in `run`), each stored
// shard is served from a copy whose bytes are flipped after libtorrent checked it, so clients receive data that fails
// its hashes. The stored shard itself stays intact.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "cairn/core/endpoint.h"
#include "cairn/core/env.h"
#include "cairn/core/identity.h"
#include "cairn/core/status.h"

namespace cairn::provider {

struct DaemonOptions {
  std::string data_dir;
  std::string network_file;
  Endpoint listen{"127.0.0.1", 7650};  // control channel: an explicit IP; port 0 picks one
  // BitTorrent and DHT. Default: the control IP and control port + 1 (port 0 when the control port is 0). The IP
  // must equal the control IP: the DHT announce carries the control port on the address the DHT sees.
  std::optional<Endpoint> bt_listen;
  bool corrupt_serve = false;               // TEST ONLY, see above
  std::chrono::seconds stall_timeout{600};  // a download with no progress this long fails
  std::chrono::seconds resume_interval{5};  // resume data of active downloads is saved this often
  Env* env = nullptr;                       // nullptr: Env::Default()
  // Called on the io thread after it posted work for the owner (e.g. a new deal to download), so an owner loop that
  // sleeps between ticks can wake up at once. Must be cheap and thread-safe. May be empty.
  std::function<void()> wake_owner;
};

class Daemon {
 public:
  // Everything up to serving: the data dir is locked (kFailedPrecondition when another daemon holds it), deals are
  // resumed, the control server listens and the rendezvous is announced.
  static Result<std::unique_ptr<Daemon>> Start(DaemonOptions options);
  ~Daemon();  // Shutdown() when not done yet
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // One round of the owner loop: runs posted work, advances downloads (finishing complete ones), saves resume data
  // when due. Returns how long to wait before the next round: short while downloads run, so a finished shard is
  // noticed quickly; longer when idle. REQUIRES: the owner thread.
  std::chrono::milliseconds Tick();
  // Stops accepting requests, saves resume data, stops the swarm; takes a few seconds at most. Idempotent.
  // REQUIRES: the owner thread.
  Status Shutdown();

  Endpoint control_endpoint() const;
  Endpoint bt_endpoint() const;
  const Ed25519PublicKey& id() const;

  class Core;

 private:
  explicit Daemon(std::unique_ptr<Core> core);
  std::unique_ptr<Core> core_;
};

}  // namespace cairn::provider
