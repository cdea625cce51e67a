// The repository's cache of provider records, so a put can start proposing at once instead of waiting for a DHT
// lookup (1-2 s): each record is kept as the signed reply that carried it, and is checked again when loaded (its
// signature, its network, that it is a provider record naming its signer, and that it was signed within `max_age`
// and not in the future beyond the allowed clock skew). Entries that fail a check are skipped and deleted; a put
// refreshes the cache with what its own lookup finds, so a stale entry costs at most one refused proposal.
//
// Layout: LMDB database "providers" of the repository, key = network id + "/" + provider id (hex), value = the
// signed reply (control::Envelope::raw), at most control::kMaxFrameBytes.
//
// Thread-safety: as KvStore (every method may be called from any thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "cairn/core/kv_store.h"
#include "client_net.h"

namespace cairn::client {

class ProviderCache {
 public:
  // REQUIRES: `store` outlives the cache; `db` is a database of it.
  ProviderCache(KvStore& store, KvDb db, std::string network_id)
      : store_(store), db_(db), net_(std::move(network_id)) {}

  // The records of this network signed within `max_age` of `now_seconds` (unix seconds), checked as above.
  Result<std::vector<ProviderInfo>> Load(std::int64_t now_seconds, std::chrono::seconds max_age);
  // Stores (or replaces) each provider's signed record. REQUIRES: each came from ClientNet::Discover.
  Status Save(const std::vector<DiscoveredProvider>& found);

 private:
  std::string Key(const Ed25519PublicKey& id) const;
  KvStore& store_;
  KvDb db_;
  std::string net_;
};

// Checks one cached record as Load does. kAuthFailed, kFailedPrecondition, kCorruption or kDeadlineExceeded (too
// old or from the future) when it must not be used.
Result<ProviderInfo> CheckCachedRecord(ByteSpan signed_record, std::string_view network_id, std::int64_t now_seconds,
                                       std::chrono::seconds max_age);

}  // namespace cairn::client
