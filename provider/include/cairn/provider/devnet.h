// The local devnet: N provider processes on loopback that form a private network, for development, demos, tests
// and benchmarks.
//
//   <dir>/network        the network file (a fresh network id; the first providers as DHT bootstrap nodes)
//   <dir>/p<i>/          provider i's data dir (initialized on first start, reused afterwards), with
//   <dir>/p<i>/pid       the process id of its `cairn-provider run`, and
//   <dir>/p<i>/log       its stdout and stderr
// Provider i listens on 127.<net>.<i+1>.1 (each in its own /24, so libtorrent's DHT defaults hold): the control
// channel on base_port and BitTorrent + DHT on base_port + 1. Restarting a stopped devnet in the same dir keeps the
// network id and every provider's identity and shards.
//
// Thread-safety: call from one thread; StartDevnet forks.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "cairn/core/endpoint.h"
#include "cairn/core/identity.h"
#include "cairn/core/status.h"

namespace cairn::provider {

inline constexpr int kMaxDevnetProviders = 250;

struct DevnetOptions {
  std::string dir;
  int providers = 6;                                // 1..kMaxDevnetProviders
  std::uint16_t base_port = 7700;                   // control port; BitTorrent and DHT use base_port + 1
  int loopback_net = 0;                             // the second byte of every address: 127.<net>.<i+1>.1, 0..255
  int bootstrap_nodes = 3;                          // the first ones become DHT bootstrap nodes (at most `providers`)
  std::uint64_t capacity = std::uint64_t{4} << 30;  // per provider, on first start
  std::uint64_t price = 1;
  std::uint64_t max_shard_size = std::uint64_t{1} << 30;
  std::string binary;                 // the cairn-provider executable; empty: this process's own
  std::chrono::seconds timeout{120};  // for every provider to answer and the DHT to find them all
  int corrupt_provider = -1;          // TEST ONLY: this provider runs with CAIRN_TEST_CORRUPT_SERVE=1
};

struct DevnetProvider {
  int index = 0;
  std::string data_dir;
  Endpoint ctl;
  Endpoint bt;
  pid_t pid = 0;
  Ed25519PublicKey id{};
};

// Writes the network file, initializes missing data dirs, starts every provider (the bootstrap nodes first) and
// returns once each answers a signed "record" with its own key and a DHT rendezvous lookup finds all of them.
// kAlreadyExists when a devnet already runs in `dir`; kDeadlineExceeded (processes left running, so their logs can
// be read; stop them with StopDevnet) when they do not come up in time; kUnavailable when one exits early.
// Progress lines go to `progress` when it is not null.
Result<std::vector<DevnetProvider>> StartDevnet(const DevnetOptions& options, std::ostream* progress);

// SIGTERM to every provider with a pid file in `dir`, then SIGKILL to those still running after `grace`. Pid files
// are removed; data stays. OK when nothing runs.
Status StopDevnet(const std::string& dir, std::chrono::milliseconds grace, std::ostream* progress);

}  // namespace cairn::provider
