// ReplayCache: (from, nonce) pairs of accepted control frames, kept while a replay of the frame would still pass
// the freshness check. See control.h for the contract.
#include <cstring>

#include "cairn/core/control.h"

namespace cairn::control {

ReplayCache::ReplayCache(std::size_t capacity, std::int64_t window_seconds)
    : capacity_(capacity), window_seconds_(window_seconds) {}

void ReplayCache::DropExpired(std::int64_t now_seconds) {
  while (!expiries_.empty() && expiries_.top().at < now_seconds) {
    keys_.erase(expiries_.top().key);
    expiries_.pop();
  }
}

Status ReplayCache::Insert(const Ed25519PublicKey& from, const Nonce& nonce, std::int64_t ts,
                           std::int64_t now_seconds) {
  DropExpired(now_seconds);
  Key key;
  std::memcpy(key.data(), from.data(), from.size());
  std::memcpy(key.data() + from.size(), nonce.data(), nonce.size());
  if (keys_.count(key) != 0) return Status::AlreadyExists("nonce already used by this sender");
  if (keys_.size() >= capacity_) return Status::Unavailable("replay cache full");
  keys_.insert(key);
  // A frame stamped ts is fresh while now <= ts + window; it may be forgotten once now > ts + window.
  expiries_.push(Expiry{ts + window_seconds_, key});
  return Status::Ok();
}

}  // namespace cairn::control
