// The client's view of the network: one swarm session (seeding shards during puts, downloading them during gets, a
// DHT node for discovery), the signed control channel, and discovery of providers through the DHT rendezvous and
// their signed records.
//
// Thread-safety: Swarm and ControlClient are thread-safe; so are these methods.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cairn/core/control.h"
#include "cairn/core/control_messages.h"
#include "cairn/core/network.h"
#include "cairn/core/swarm.h"

namespace cairn::client {

using ProviderInfo = control::ProviderRecord;

// A provider found by discovery: its record, and the signed reply that carried it (Envelope::raw), which can be
// kept and checked again later (ProviderCache).
struct DiscoveredProvider {
  ProviderInfo info;
  Bytes signed_record;
};

// What a discovery under way has just learnt: one endpoint heard in the DHT has answered, with a provider whose
// record checked out (or none: refused, unreachable, a bad record), and how many endpoints heard so far are still
// being asked for their records.
struct DiscoveryUpdate {
  std::optional<DiscoveredProvider> provider;
  std::size_t asking = 0;
};

class ClientNet {
 public:
  static Result<std::unique_ptr<ClientNet>> Start(const NetworkConfig& network, const Identity& identity);

  Swarm& swarm() { return *swarm_; }
  const control::ControlClient& control() const { return control_; }
  const NetworkConfig& network() const { return network_; }

  // Finds providers through the DHT and asks each for its signed record. Returns those that answered. Looks up
  // until at least `want` are found or `timeout` passes, in passes (DHT replies have no end marker) whose findings
  // are merged. Each endpoint is asked for its record as soon as a reply names it, and `on_update`, if set, is
  // called as each answers (DiscoveryUpdate): one call at a time (on Discover's helper threads), once per endpoint,
  // every call before Discover returns. Whoever waits for the first few providers need not wait for the last pass.
  // `stop`, if set, ends the lookup within about 100 ms of becoming true; the records of what was heard until then
  // are still asked for and returned.
  using UpdateCallback = std::function<void(const DiscoveryUpdate&)>;
  Result<std::vector<DiscoveredProvider>> Discover(std::size_t want, std::chrono::milliseconds timeout,
                                                   const UpdateCallback& on_update = {},
                                                   const std::atomic<bool>* stop = nullptr);
  // One signed call that must come back "ok" from `provider`; an "error" reply becomes a Status naming its code.
  Result<control::Envelope> CallOk(const Endpoint& ep, const Ed25519PublicKey& provider, std::string_view type,
                                   wire::Value::Dict body, std::chrono::milliseconds timeout) const;

 private:
  ClientNet(NetworkConfig network, const Identity& identity);
  NetworkConfig network_;
  std::chrono::milliseconds pass_{1000};  // length of one lookup pass (CAIRN_DISCOVERY_PASS_MS)
  control::ControlClient control_;
  std::unique_ptr<Swarm> swarm_;
};

// Parses a "record" reply and checks that it names its signer.
Result<ProviderInfo> ParseProviderRecord(const control::Envelope& reply);

}  // namespace cairn::client
