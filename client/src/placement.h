// Placement: which providers receive the k + m shards of a segment. Each shard goes to a distinct provider; among
// providers that fit (enough free space, price at most the client's limit, not excluded), it prefers distinct /24
// networks, then fewer past failures, more free space and a lower price. A few spare candidates are returned in order
// so the uploader can start them too and drop the slowest (the long tail), or fall back when one refuses.
//
// Deterministic for a given input and seed (ties broken by a seeded shuffle), so tests can check it.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "cairn/core/status.h"

namespace cairn::client {

struct Candidate {
  std::string id;        // provider public key (hex)
  std::string endpoint;  // control "ip:port"
  std::uint64_t free_bytes = 0;
  std::uint64_t price = 0;
  std::uint32_t failures = 0;  // past failed deals or audits with this client
};

struct PlacementRequest {
  int shards = 0;  // k + m
  int spares = 2;  // extra candidates beyond `shards`, if available
  std::uint64_t shard_size = 0;
  std::uint64_t max_price = UINT64_MAX;
  std::set<std::string> exclude;  // provider ids not to use (already holding a shard of this segment, refused...)
  std::uint64_t seed = 0;
};

// The /24 of an IPv4 "a.b.c.d:port" endpoint ("a.b.c"), or the host part for anything else.
std::string NetworkGroup(const std::string& endpoint);

// Returns up to shards + spares distinct candidates, best first; kUnavailable when fewer than `shards` fit.
Result<std::vector<Candidate>> Place(const std::vector<Candidate>& providers, const PlacementRequest& request);

}  // namespace cairn::client
