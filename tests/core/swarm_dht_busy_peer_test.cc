// A node that exchanges many DHT messages with the same few nodes, as a client does with a network's providers (its
// shard torrents' announces, its rendezvous lookups), must still hear them afterwards. libtorrent's default DoS guard
// drops every message from an IP that sent 50 within 10 s, for 5 minutes: a client's later lookups then heard few
// providers or none. Real libtorrent sessions: providers on loopback addresses of their own (127.251.<i+1>.1, each in
// its own /24, same-IP settings as a devnet's), the client on 127.0.0.1 with the default DHT settings of a client.
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "cairn/core/network.h"
#include "cairn/core/swarm.h"
#include "swarm_test_util.h"

namespace cairn {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using swarm_test::In;

std::unique_ptr<Swarm> StartNode(const std::string& ip, bool provider, std::vector<Endpoint> bootstrap) {
  SwarmOptions o;
  o.listen = Endpoint{ip, 0};
  o.enable_dht = true;
  o.dht_bootstrap = std::move(bootstrap);
  o.dht_allow_same_ip = provider;
  auto s = Swarm::Start(o);
  EXPECT_TRUE(s.ok()) << ip << ": " << s.status().ToString();
  return s.ok() ? std::move(*s) : nullptr;
}

std::string ProviderIp(int i) { return "127.251." + std::to_string(i + 1) + ".1"; }

std::string Names(const std::set<Endpoint>& endpoints) {
  std::string out;
  for (const Endpoint& ep : endpoints) {
    out += ' ';
    out += ToString(ep);
  }
  return out;
}

std::set<Endpoint> Lookup(Swarm& client, const RendezvousKey& key, std::chrono::milliseconds timeout,
                          std::size_t enough) {
  auto found = client.LookupRendezvous(key, timeout, enough);
  EXPECT_TRUE(found.ok()) << found.status().ToString();
  return found.ok() ? std::set<Endpoint>(found->begin(), found->end()) : std::set<Endpoint>{};
}

TEST(SwarmDhtBusyPeerTest, ClientStillHearsProvidersAfterABurstOfLookups) {
  constexpr int kProviders = 6;
  // More lookups than libtorrent's default lets one IP answer within 10 s (each lookup gets a reply from every node).
  constexpr int kBurst = 80;
  auto key = ProviderRendezvousKey("busy-peer");
  ASSERT_TRUE(key.ok()) << key.status().ToString();

  std::vector<std::unique_ptr<Swarm>> providers;
  std::set<Endpoint> announced;
  for (int i = 0; i < kProviders; ++i) {
    std::vector<Endpoint> bootstrap;
    if (i > 0) bootstrap.push_back(providers[0]->dht_endpoint());
    providers.push_back(StartNode(ProviderIp(i), /*provider=*/true, bootstrap));
    ASSERT_NE(providers.back(), nullptr);
    const auto port = static_cast<std::uint16_t>(7000 + i);
    ASSERT_TRUE(providers.back()->AnnounceRendezvous(*key, port).ok());
    announced.insert(Endpoint{ProviderIp(i), port});
  }
  std::unique_ptr<Swarm> client = StartNode("127.0.0.1", /*provider=*/false, {providers[0]->dht_endpoint()});
  ASSERT_NE(client, nullptr);
  for (auto& p : providers) ASSERT_TRUE(p->WaitForDhtNodes(1, In(seconds(60))).ok());
  ASSERT_TRUE(client->WaitForDhtNodes(1, In(seconds(60))).ok());

  // The client hears every provider once (announces may miss nodes while routing tables fill up: re-announce).
  std::set<Endpoint> heard;
  const SteadyTime deadline = In(seconds(120));
  while (heard != announced && std::chrono::steady_clock::now() < deadline) {
    for (const Endpoint& ep : Lookup(*client, *key, seconds(3), kProviders)) heard.insert(ep);
    if (heard != announced) {
      for (auto& p : providers) ASSERT_TRUE(p->ForceReannounce().ok());
    }
  }
  ASSERT_EQ(heard, announced) << "the client never heard every provider";

  // A burst of lookups, each ending as soon as it has heard everyone: every provider's node answers each of them.
  for (int i = 0; i < kBurst; ++i) Lookup(*client, *key, seconds(3), kProviders);

  // Still heard, each of them: nothing the providers' nodes send the client is dropped. The lookup returns as soon as
  // all are in; its generous timeout is only for a loaded machine.
  const std::set<Endpoint> after = Lookup(*client, *key, seconds(60), kProviders);
  EXPECT_EQ(after, announced) << "after " << kBurst << " lookups the client hears only" << Names(after);
}

}  // namespace
}  // namespace cairn
