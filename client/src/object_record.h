// What the client keeps per stored object: its manifest and where each shard lives (provider, deal, torrent, and
// the provider's signed storage receipt). Stored sealed under the manifest key in the repository's LMDB, keyed by
// name. Format v1: a canonical bencoded dictionary (grammar at the top of object_record.cc).
//
// Thread-safety: values.
#pragma once

#include <string>
#include <vector>

#include "cairn/core/endpoint.h"
#include "cairn/core/identity.h"
#include "manifest.h"

namespace cairn::client {

struct Placement {
  std::uint32_t segment = 0;
  int shard = 0;
  Ed25519PublicKey provider{};
  Endpoint control;  // the provider's control endpoint when the deal was made
  Hash32 deal{};
  Hash32 info_hash{};
  Bytes torrent;
  Bytes receipt;  // the provider's signed "deal" ok reply in state "stored" (raw envelope bytes)
};

struct ObjectRecord {
  Manifest manifest;
  std::vector<Placement> placements;

  Bytes Serialize() const;
  static Result<ObjectRecord> Parse(ByteSpan bytes);
};

Result<Bytes> SealObjectRecord(const ObjectRecord& r, ByteSpan key);
Result<ObjectRecord> OpenObjectRecord(ByteSpan sealed, ByteSpan key);

}  // namespace cairn::client
