#include "client_net.h"

#include <cerrno>
#include <cstdlib>
#include <future>
#include <mutex>
#include <optional>
#include <set>

#include "cairn/core/hex.h"
#include "trace.h"

namespace cairn::client {

ClientNet::ClientNet(NetworkConfig network, const Identity& identity)
    : network_(std::move(network)), control_(identity, network_.network_id) {}

namespace {

// CAIRN_DISCOVERY_PASS_MS: the length of one DHT lookup pass of Discover, 200..60000 ms (default 1000). Longer passes
// suit a slow or large network; tests use them to keep a lookup under way for as long as a put runs.
Result<std::chrono::milliseconds> PassFromEnv() {
  const char* v = std::getenv("CAIRN_DISCOVERY_PASS_MS");
  if (v == nullptr || v[0] == '\0') return std::chrono::milliseconds(1000);
  char* end = nullptr;
  errno = 0;
  const long long ms = std::strtoll(v, &end, 10);
  if (errno != 0 || end == v || *end != '\0' || ms < 200 || ms > 60000) {
    return Status::InvalidArgument(
        "CAIRN_DISCOVERY_PASS_MS must be a whole number of milliseconds in [200, 60000], not '" + std::string(v) + "'");
  }
  return std::chrono::milliseconds(ms);
}

}  // namespace

Result<std::unique_ptr<ClientNet>> ClientNet::Start(const NetworkConfig& network, const Identity& identity) {
  std::unique_ptr<ClientNet> net(new ClientNet(network, identity));
  CAIRN_ASSIGN_OR_RETURN(net->pass_, PassFromEnv());
  SwarmOptions so;
  so.listen = Endpoint{"127.0.0.1", 0};
  so.enable_dht = true;
  so.dht_bootstrap = network.bootstrap;
  // pread/pwrite by default: with libtorrent's mmap I/O every shard seeded or fetched counts in the client's RSS
  // (6.3 GiB for a 4 GiB put). CAIRN_CLIENT_DISK_IO=mmap|posix overrides it (benchmarks compare the two).
  CAIRN_ASSIGN_OR_RETURN(so.disk_io, DiskIoFromEnv("CAIRN_CLIENT_DISK_IO", SwarmOptions::DiskIo::kPosix));
  CAIRN_ASSIGN_OR_RETURN(net->swarm_, Swarm::Start(so));
  return net;
}

Result<ProviderInfo> ParseProviderRecord(const control::Envelope& reply) {
  CAIRN_ASSIGN_OR_RETURN(ProviderInfo p, control::ProviderRecord::FromBody(reply.body));
  if (p.id != reply.from) return Status::Corruption("provider record names another key than its signer");
  return p;
}

Result<std::vector<DiscoveredProvider>> ClientNet::Discover(std::size_t want, std::chrono::milliseconds timeout,
                                                            const UpdateCallback& on_update,
                                                            const std::atomic<bool>* stop) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  (void)swarm_->WaitForDhtNodes(1, deadline);
  CAIRN_ASSIGN_OR_RETURN(RendezvousKey key, ProviderRendezvousKey(network_.network_id));
  // Each endpoint heard is asked for its record at once, on a thread of its own; `calls` is declared after what
  // those threads use, so an early return waits for them (a std::async future blocks in its destructor).
  std::mutex asking_mu;    // guards `asking`; held for each on_update call, so they come one at a time
  std::size_t asking = 0;  // record calls under way
  std::set<Endpoint> found;
  std::vector<std::future<std::optional<DiscoveredProvider>>> calls;
  auto ask = [&](const Endpoint& ep) {
    if (!found.insert(ep).second) return true;
    {
      std::lock_guard<std::mutex> lock(asking_mu);
      ++asking;
    }
    calls.push_back(std::async(std::launch::async, [this, ep, &asking_mu, &asking, &on_update] {
      auto reply = control_.Call(ep, std::nullopt, control::kTypeRecord, {}, std::chrono::milliseconds(3000));
      DiscoveryUpdate update;
      if (reply.ok() && reply->type == control::kTypeOk) {
        auto info = ParseProviderRecord(*reply);
        if (info.ok()) update.provider = DiscoveredProvider{std::move(*info), std::move(reply->raw)};
      }
      std::lock_guard<std::mutex> lock(asking_mu);
      update.asking = --asking;
      if (on_update) on_update(update);
      return std::move(update.provider);
    }));
    return true;
  };
  // Replies have no end marker: look up in passes (a second by default), returning as soon as `want` are known, and
  // stop early once a pass finds no provider the previous one did not. Each pass returns what that pass heard; passes
  // are merged, so a node slow to answer in one pass loses nothing.
  int passes = 0;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    auto pass = std::max(std::min(left, pass_), std::chrono::milliseconds(200));
    std::size_t before = found.size();
    CAIRN_ASSIGN_OR_RETURN(std::vector<Endpoint> heard, swarm_->LookupRendezvous(key, pass, want, ask, stop));
    ++passes;
    for (const Endpoint& ep : heard) ask(ep);
    if (found.size() >= want || std::chrono::steady_clock::now() >= deadline || (stop && stop->load())) break;
    if (!found.empty() && found.size() == before) break;
  }
  if (TraceEnabled()) {
    Trace("discovery passes ended: " + std::to_string(passes) + " passes, " + std::to_string(found.size()) +
          " providers heard");
  }
  std::vector<DiscoveredProvider> out;
  for (auto& f : calls) {
    auto p = f.get();
    if (p) out.push_back(std::move(*p));
  }
  if (out.empty()) {
    return Status::Unavailable("no provider of network " + network_.network_id + " answered (found " +
                               std::to_string(found.size()) + " in the DHT)");
  }
  return out;
}

Result<control::Envelope> ClientNet::CallOk(const Endpoint& ep, const Ed25519PublicKey& provider, std::string_view type,
                                            wire::Value::Dict body, std::chrono::milliseconds timeout) const {
  CAIRN_ASSIGN_OR_RETURN(control::Envelope reply, control_.Call(ep, provider, type, std::move(body), timeout));
  if (reply.type == control::kTypeOk) return reply;
  auto err = control::ParseErrorBody(reply);
  std::string msg = err.ok() ? err->code + ": " + err->msg : "malformed error reply";
  Code code = Code::kFailedPrecondition;
  if (err.ok() && err->code == "not-found") code = Code::kNotFound;
  return Status(code, "provider " + ToString(ep) + " refused " + std::string(type) + ": " + msg);
}

}  // namespace cairn::client
