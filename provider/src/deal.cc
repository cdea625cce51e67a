// Deal record, version 1: the canonical bencoding (core/wire.h) of one dictionary.
//   record := { "v": 1, "id": 32 bytes, "client": 32, "shard": 32, "size": int, "price": int, "dur": int,
//               "ih": 32, "peer": str, "state": str, "why": str, "t0": int (created, unix s), "t1": int (updated),
//               <any other key>: kept verbatim in DealRecord::extra }
// Keys are sorted by the canonical encoder; "v" names the format so a later incompatible change can be detected.
#include "cairn/provider/deal.h"

#include <algorithm>
#include <array>

#include "cairn/core/control_messages.h"

namespace cairn::provider {
namespace {

using wire::Value;

constexpr std::array<std::string_view, 13> kKnownKeys = {"v",  "id",   "client", "shard", "size", "price", "dur",
                                                         "ih", "peer", "state",  "why",   "t0",   "t1"};
constexpr std::size_t kMaxRecordBytes = 64 << 10;
constexpr std::size_t kMaxReasonBytes = 512;

Result<Hash32> Hash(const Value::Dict& d, std::string_view key) { return wire::GetHash32(d, key); }

}  // namespace

std::string_view DealStateName(DealState s) {
  switch (s) {
    case DealState::kAccepted:
      return control::kStateAccepted;
    case DealState::kDownloading:
      return control::kStateDownloading;
    case DealState::kStored:
      return control::kStateStored;
    case DealState::kFailed:
      return control::kStateFailed;
    case DealState::kRemoved:
      return control::kStateRemoved;
  }
  return "unknown";
}

Result<DealState> ParseDealState(std::string_view name) {
  for (DealState s :
       {DealState::kAccepted, DealState::kDownloading, DealState::kStored, DealState::kFailed, DealState::kRemoved}) {
    if (DealStateName(s) == name) return s;
  }
  return Status::InvalidArgument("unknown deal state '" + std::string(name) + "'");
}

bool HoldsCapacity(DealState s) {
  return s == DealState::kAccepted || s == DealState::kDownloading || s == DealState::kStored;
}

bool IsAllowedTransition(DealState from, DealState to) {
  switch (from) {
    case DealState::kAccepted:
      return to == DealState::kDownloading || to == DealState::kStored || to == DealState::kFailed ||
             to == DealState::kRemoved;
    case DealState::kDownloading:
      return to == DealState::kStored || to == DealState::kFailed || to == DealState::kRemoved;
    case DealState::kStored:
    case DealState::kFailed:
      return to == DealState::kRemoved;
    case DealState::kRemoved:
      return false;
  }
  return false;
}

Bytes DealRecord::Encode() const {
  Value::Dict d = extra;
  d["v"] = std::int64_t{1};
  d["id"] = Value::Of(ByteSpan(id.value()));
  d["client"] = Value::Of(ByteSpan(client));
  d["shard"] = Value::Of(ByteSpan(shard.value()));
  d["size"] = static_cast<std::int64_t>(size);
  d["price"] = static_cast<std::int64_t>(price);
  d["dur"] = static_cast<std::int64_t>(duration);
  d["ih"] = Value::Of(ByteSpan(info_hash));
  d["peer"] = Value::Str(peer);
  d["state"] = Value::Str(DealStateName(state));
  d["why"] = Value::Str(reason);
  d["t0"] = static_cast<std::int64_t>(created);
  d["t1"] = static_cast<std::int64_t>(updated);
  return wire::Encode(Value(std::move(d)));
}

Result<DealRecord> DealRecord::Decode(ByteSpan bytes) {
  wire::DecodeLimits limits;
  limits.max_bytes = kMaxRecordBytes;
  auto parsed = wire::DecodeFrameBody(bytes, limits);
  if (!parsed.ok()) return Status::Corruption("deal record: " + parsed.status().message());
  const Value::Dict& d = *parsed;
  auto fields = [&]() -> Result<DealRecord> {
    DealRecord r;
    CAIRN_ASSIGN_OR_RETURN(std::int64_t version, wire::GetInt(d, "v", 1, 1));
    (void)version;
    CAIRN_ASSIGN_OR_RETURN(Hash32 id, Hash(d, "id"));
    r.id = DealId(id);
    CAIRN_ASSIGN_OR_RETURN(Hash32 client, Hash(d, "client"));
    std::copy(client.begin(), client.end(), r.client.begin());
    CAIRN_ASSIGN_OR_RETURN(Hash32 shard, Hash(d, "shard"));
    r.shard = ShardId(shard);
    CAIRN_ASSIGN_OR_RETURN(r.size, wire::GetUint(d, "size", control::kMaxShardSize));
    CAIRN_ASSIGN_OR_RETURN(r.price, wire::GetUint(d, "price", control::kMaxPriceValue));
    CAIRN_ASSIGN_OR_RETURN(r.duration, wire::GetUint(d, "dur", control::kMaxDurationEpochs));
    CAIRN_ASSIGN_OR_RETURN(r.info_hash, Hash(d, "ih"));
    CAIRN_ASSIGN_OR_RETURN(r.peer, wire::GetText(d, "peer", 64));
    CAIRN_ASSIGN_OR_RETURN(std::string state, wire::GetText(d, "state", control::kMaxStateBytes));
    CAIRN_ASSIGN_OR_RETURN(r.state, ParseDealState(state));
    CAIRN_ASSIGN_OR_RETURN(r.reason, wire::GetText(d, "why", kMaxReasonBytes));
    CAIRN_ASSIGN_OR_RETURN(r.created, wire::GetUint(d, "t0", std::uint64_t{1} << 62));
    CAIRN_ASSIGN_OR_RETURN(r.updated, wire::GetUint(d, "t1", std::uint64_t{1} << 62));
    for (const auto& [key, value] : d) {
      if (std::find(kKnownKeys.begin(), kKnownKeys.end(), key) == kKnownKeys.end()) r.extra.emplace(key, value);
    }
    return r;
  }();
  if (!fields.ok()) return Status::Corruption("deal record: " + fields.status().message());
  return fields;
}

}  // namespace cairn::provider
