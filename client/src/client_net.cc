#include "client_net.h"

#include <future>
#include <set>

#include "cairn/core/hex.h"

namespace cairn::client {

ClientNet::ClientNet(NetworkConfig network, const Identity& identity)
    : network_(std::move(network)), control_(identity, network_.network_id) {}

Result<std::unique_ptr<ClientNet>> ClientNet::Start(const NetworkConfig& network, const Identity& identity) {
  std::unique_ptr<ClientNet> net(new ClientNet(network, identity));
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

Result<std::vector<DiscoveredProvider>> ClientNet::Discover(std::size_t want, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  (void)swarm_->WaitForDhtNodes(1, deadline);
  CAIRN_ASSIGN_OR_RETURN(RendezvousKey key, ProviderRendezvousKey(network_.network_id));
  // Replies have no end marker: look up in passes of a second, returning as soon as `want` are known, and stop
  // early once a pass finds no provider the previous one did not.
  // Each pass returns what that pass heard; passes are merged, so a node slow to answer in one pass loses nothing.
  std::set<Endpoint> found;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    auto pass = std::max(std::min(left, std::chrono::milliseconds(1000)), std::chrono::milliseconds(200));
    std::size_t before = found.size();
    CAIRN_ASSIGN_OR_RETURN(std::vector<Endpoint> heard, swarm_->LookupRendezvous(key, pass, want));
    found.insert(heard.begin(), heard.end());
    if (found.size() >= want || std::chrono::steady_clock::now() >= deadline) break;
    if (!found.empty() && found.size() == before) break;
  }
  const std::vector<Endpoint> eps(found.begin(), found.end());
  std::vector<std::future<Result<control::Envelope>>> calls;
  for (const Endpoint& ep : eps) {
    calls.push_back(std::async(std::launch::async, [this, ep] {
      return control_.Call(ep, std::nullopt, control::kTypeRecord, {}, std::chrono::milliseconds(3000));
    }));
  }
  std::vector<DiscoveredProvider> out;
  for (auto& f : calls) {
    auto reply = f.get();
    if (!reply.ok() || reply->type != control::kTypeOk) continue;
    auto info = ParseProviderRecord(*reply);
    if (info.ok()) out.push_back({std::move(*info), std::move(reply->raw)});
  }
  if (out.empty()) {
    return Status::Unavailable("no provider of network " + network_.network_id + " answered (found " +
                               std::to_string(eps.size()) + " in the DHT)");
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
