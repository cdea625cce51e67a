// A deal as the provider records it: who asked, for which shard, on what terms, and how far it got.
//
// States and transitions (anything else is refused by the DealStore):
//   accepted -> downloading -> stored -> removed
//   accepted or downloading -> failed -> removed
//   accepted or downloading -> stored, or -> removed (the client gave up)
// accepted, downloading and stored deals hold capacity (reserved while not yet stored, used once stored).
// Sealing (a later issue) adds states after "stored" and fields (comm_r, seal progress, vouchers); the record is a
// bencoded dictionary, and keys this version does not know are kept and written back unchanged, so a record is
// never rewritten to add them.
//
// Thread-safety: plain values and reentrant functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cairn/core/bytes.h"
#include "cairn/core/identity.h"
#include "cairn/core/ids.h"
#include "cairn/core/status.h"
#include "cairn/core/wire.h"

namespace cairn::provider {

enum class DealState : std::uint8_t { kAccepted, kDownloading, kStored, kFailed, kRemoved };

// "accepted", "downloading", "stored", "failed", "removed" (the control protocol's names).
std::string_view DealStateName(DealState s);
Result<DealState> ParseDealState(std::string_view name);
// True for states that hold capacity.
bool HoldsCapacity(DealState s);
// True when the store lets a deal move from `from` to `to`.
bool IsAllowedTransition(DealState from, DealState to);

struct DealRecord {
  DealId id;
  Ed25519PublicKey client{};
  ShardId shard;               // comm_d
  std::uint64_t size = 0;      // bytes
  std::uint64_t price = 0;     // per GiB-epoch, as proposed
  std::uint64_t duration = 0;  // epochs
  Hash32 info_hash{};          // v2 info-hash of the shard's torrent
  std::string peer;            // "ip:port" the client seeds from
  DealState state = DealState::kAccepted;
  std::string reason;         // why it failed; empty otherwise
  std::uint64_t created = 0;  // unix seconds
  std::uint64_t updated = 0;  // unix seconds of the last state change
  wire::Value::Dict extra;    // keys written by a later version, kept as they were

  // Grammar at the top of deal.cc.
  Bytes Encode() const;
  // kCorruption for anything that is not a version 1 record.
  static Result<DealRecord> Decode(ByteSpan bytes);
};

}  // namespace cairn::provider
