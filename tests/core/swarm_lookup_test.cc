// Swarm::LookupRendezvous with a callback: endpoints are handed over as DHT replies bring them, while the lookup is
// still under way, each once, and the callback can end the lookup. Real libtorrent sessions sharing 127.0.0.1 (the
// same-IP DHT settings), each on a port of its own.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
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

std::unique_ptr<Swarm> StartDhtNode(std::vector<Endpoint> bootstrap) {
  SwarmOptions o;
  o.listen = Endpoint{"127.0.0.1", 0};
  o.enable_dht = true;
  o.dht_bootstrap = std::move(bootstrap);
  o.dht_allow_same_ip = true;
  auto s = Swarm::Start(o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(*s) : nullptr;
}

// `count` DHT nodes bootstrapped from the first, each with at least one node in its routing table.
std::vector<std::unique_ptr<Swarm>> StartDht(int count) {
  std::vector<std::unique_ptr<Swarm>> nodes;
  nodes.push_back(StartDhtNode({}));
  if (nodes[0] == nullptr) return {};
  for (int i = 1; i < count; ++i) {
    nodes.push_back(StartDhtNode({nodes[0]->dht_endpoint()}));
    if (nodes.back() == nullptr) return {};
  }
  for (auto& n : nodes) {
    Status s = n->WaitForDhtNodes(1, In(seconds(30)));
    EXPECT_TRUE(s.ok()) << s.ToString();
    if (!s.ok()) return {};
  }
  return nodes;
}

RendezvousKey KeyOf(const std::string& network_id) {
  auto key = ProviderRendezvousKey(network_id);
  EXPECT_TRUE(key.ok()) << key.status().ToString();
  return key.ok() ? *key : RendezvousKey{};
}

// What the callback saw, shared with the test's thread.
struct Heard {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Endpoint> endpoints;
};

TEST(SwarmLookupTest, CallbackGetsEachEndpointWhileTheLookupRunsAndCanEndIt) {
  constexpr int kNodes = 4;
  std::vector<std::unique_ptr<Swarm>> nodes = StartDht(kNodes);
  ASSERT_EQ(nodes.size(), static_cast<std::size_t>(kNodes));
  // Three nodes announce a port each; the fourth looks them up.
  const RendezvousKey key = KeyOf("incremental-lookup");
  std::set<Endpoint> announced;
  for (int i = 1; i < kNodes; ++i) {
    const std::uint16_t port = static_cast<std::uint16_t>(5000 + i);
    ASSERT_TRUE(nodes[i]->AnnounceRendezvous(key, port).ok());
    announced.insert(Endpoint{"127.0.0.1", port});
  }

  // A lookup with no early return and a timeout far beyond the test's waits: whatever the callback gets before the
  // test stops waiting came while the lookup was under way, not in a batch at its end.
  Heard heard;
  auto lookup = std::async(std::launch::async, [&] {
    return nodes[0]->LookupRendezvous(key, seconds(300), 0, [&](const Endpoint& ep) {
      std::lock_guard<std::mutex> lock(heard.mu);
      heard.endpoints.push_back(ep);
      heard.cv.notify_all();
      return std::set<Endpoint>(heard.endpoints.begin(), heard.endpoints.end()) != announced;  // all in: stop
    });
  });
  // Announces may miss the nodes near the key while routing tables fill up: announce again until all are heard.
  const SteadyTime deadline = In(seconds(120));
  {
    std::unique_lock<std::mutex> lock(heard.mu);
    while (heard.endpoints.size() < announced.size() && std::chrono::steady_clock::now() < deadline) {
      if (heard.cv.wait_for(lock, seconds(3), [&] { return heard.endpoints.size() >= announced.size(); })) break;
      lock.unlock();
      for (int i = 1; i < kNodes; ++i) ASSERT_TRUE(nodes[i]->ForceReannounce().ok());
      lock.lock();
    }
  }
  // The callback ended the lookup once it had all three, long before its 300 s timeout.
  ASSERT_EQ(lookup.wait_until(deadline + seconds(30)), std::future_status::ready)
      << "the lookup did not end when its callback asked it to";
  auto result = lookup.get();
  ASSERT_TRUE(result.ok()) << result.status().ToString();

  std::lock_guard<std::mutex> lock(heard.mu);
  EXPECT_EQ(std::set<Endpoint>(heard.endpoints.begin(), heard.endpoints.end()), announced);
  EXPECT_EQ(heard.endpoints.size(), announced.size()) << "an endpoint was handed over twice";
  // The result holds everything heard, the callback's endpoints included.
  const std::set<Endpoint> returned(result->begin(), result->end());
  for (const Endpoint& ep : heard.endpoints) EXPECT_EQ(returned.count(ep), 1u) << ToString(ep);
}

TEST(SwarmLookupTest, CallbackIsNotCalledForAnUnknownKeyAndTheLookupEndsAtItsTimeout) {
  std::vector<std::unique_ptr<Swarm>> nodes = StartDht(3);
  ASSERT_EQ(nodes.size(), 3u);
  int calls = 0;
  auto result = nodes[2]->LookupRendezvous(KeyOf("nobody-announced-this"), milliseconds(1500), 0, [&](const Endpoint&) {
    ++calls;
    return true;
  });
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_TRUE(result->empty());
  EXPECT_EQ(calls, 0);
}

TEST(SwarmLookupTest, CancelEndsALongLookup) {
  std::vector<std::unique_ptr<Swarm>> nodes = StartDht(3);
  ASSERT_EQ(nodes.size(), 3u);
  std::atomic<bool> cancel{false};
  auto lookup = std::async(std::launch::async, [&] {
    return nodes[2]->LookupRendezvous(KeyOf("nobody-announced-this-either"), seconds(300), 0, {}, &cancel);
  });
  cancel = true;
  // Far sooner than the lookup's 300 s timeout, whatever the scheduling.
  ASSERT_EQ(lookup.wait_for(seconds(60)), std::future_status::ready) << "the cancelled lookup still runs";
  auto result = lookup.get();
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_TRUE(result->empty());
}

}  // namespace
}  // namespace cairn
