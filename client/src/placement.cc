#include "placement.h"

#include <algorithm>
#include <map>
#include <random>

namespace cairn::client {

std::string NetworkGroup(const std::string& endpoint) {
  std::string host = endpoint.substr(0, endpoint.rfind(':'));
  int dots = 0;
  for (char c : host) {
    if (c == '.')
      ++dots;
    else if (c < '0' || c > '9')
      return host;
  }
  if (dots != 3) return host;
  return host.substr(0, host.rfind('.'));
}

Result<std::vector<Candidate>> Place(const std::vector<Candidate>& providers, const PlacementRequest& req) {
  if (req.shards < 1) return Status::InvalidArgument("placement needs at least one shard");
  std::vector<Candidate> fit;
  std::set<std::string> seen;
  for (const Candidate& c : providers) {
    if (req.exclude.count(c.id) || !seen.insert(c.id).second) continue;
    if (c.free_bytes < req.shard_size || c.price > req.max_price) continue;
    fit.push_back(c);
  }
  if (static_cast<int>(fit.size()) < req.shards) {
    return Status::Unavailable("only " + std::to_string(fit.size()) + " providers can take a shard of " +
                               std::to_string(req.shard_size) + " bytes; " + std::to_string(req.shards) + " needed");
  }
  std::mt19937_64 rng(req.seed);
  std::shuffle(fit.begin(), fit.end(), rng);
  std::stable_sort(fit.begin(), fit.end(), [](const Candidate& a, const Candidate& b) {
    if (a.failures != b.failures) return a.failures < b.failures;
    if (a.price != b.price) return a.price < b.price;
    return a.free_bytes > b.free_bytes;
  });
  // Round-robin over network groups in rank order: the first pass takes the best provider of each /24, the next pass
  // the second best, so shards spread over as many /24s as exist.
  std::map<std::string, std::vector<const Candidate*>> groups;
  std::vector<std::string> group_order;
  for (const Candidate& c : fit) {
    std::string g = NetworkGroup(c.endpoint);
    if (groups[g].empty()) group_order.push_back(g);
    groups[g].push_back(&c);
  }
  std::vector<Candidate> out;
  std::size_t want = static_cast<std::size_t>(req.shards + std::max(0, req.spares));
  for (std::size_t round = 0; out.size() < want; ++round) {
    bool any = false;
    for (const std::string& g : group_order) {
      const auto& members = groups[g];
      if (round < members.size()) {
        out.push_back(*members[round]);
        any = true;
        if (out.size() == want) break;
      }
    }
    if (!any) break;
  }
  return out;
}

}  // namespace cairn::client
