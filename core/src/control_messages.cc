// Bodies of the control protocol v1 messages; the field table is in control_messages.h. Every integer is a bencode
// integer, every 32-byte id a raw byte string, every endpoint the text "ip:port" (IPv6 as "[addr]:port").
#include "cairn/core/control_messages.h"

#include <algorithm>

#include "cairn/core/sha256.h"

namespace cairn::control {
namespace {

using wire::Value;

constexpr std::size_t kMaxEndpointText = 64;

Value HashValue(const Hash32& h) { return Value::Of(ByteSpan(h)); }

Result<Endpoint> GetEndpoint(const Value::Dict& d, std::string_view key) {
  CAIRN_ASSIGN_OR_RETURN(std::string text, wire::GetText(d, key, kMaxEndpointText));
  Result<Endpoint> e = ParseEndpoint(text);
  if (!e.ok()) return Status::InvalidArgument("key '" + std::string(key) + "': " + e.status().message());
  return e;
}

Result<std::string> GetState(const Value::Dict& d) {
  CAIRN_ASSIGN_OR_RETURN(std::string s, wire::GetText(d, "state", kMaxStateBytes));
  if (s.empty()) return Status::InvalidArgument("key 'state' is empty");
  return s;
}

}  // namespace

Value::Dict ProviderRecord::ToBody() const {
  Value::Dict d;
  d["id"] = Value::Of(ByteSpan(id));
  d["ctl"] = Value::Str(ToString(ctl));
  d["bt"] = Value::Str(ToString(bt));
  d["cap"] = static_cast<std::int64_t>(capacity);
  d["free"] = static_cast<std::int64_t>(free);
  d["price"] = static_cast<std::int64_t>(price);
  d["ver"] = Value::Str(version);
  return d;
}

Result<ProviderRecord> ProviderRecord::FromBody(const Value::Dict& body) {
  ProviderRecord r;
  CAIRN_ASSIGN_OR_RETURN(ByteSpan id, wire::GetBytes(body, "id", kEd25519PublicKeySize, kEd25519PublicKeySize));
  std::copy(id.begin(), id.end(), r.id.begin());
  CAIRN_ASSIGN_OR_RETURN(r.ctl, GetEndpoint(body, "ctl"));
  CAIRN_ASSIGN_OR_RETURN(r.bt, GetEndpoint(body, "bt"));
  CAIRN_ASSIGN_OR_RETURN(r.capacity, wire::GetUint(body, "cap", kMaxCapacityValue));
  CAIRN_ASSIGN_OR_RETURN(r.free, wire::GetUint(body, "free", r.capacity));
  CAIRN_ASSIGN_OR_RETURN(r.price, wire::GetUint(body, "price", kMaxPriceValue));
  CAIRN_ASSIGN_OR_RETURN(r.version, wire::GetText(body, "ver", kMaxVersionBytes));
  return r;
}

Value::Dict ProposeRequest::ToBody() const {
  Value::Dict d;
  d["shard"] = HashValue(shard.value());
  d["size"] = static_cast<std::int64_t>(size);
  d["ih"] = HashValue(info_hash);
  d["torrent"] = Value(torrent);
  d["price"] = static_cast<std::int64_t>(price);
  d["dur"] = static_cast<std::int64_t>(duration);
  d["ticket"] = HashValue(ticket);
  d["peer"] = Value::Str(ToString(peer));
  return d;
}

Result<ProposeRequest> ProposeRequest::FromBody(const Value::Dict& body) {
  ProposeRequest p;
  CAIRN_ASSIGN_OR_RETURN(Hash32 shard, wire::GetHash32(body, "shard"));
  p.shard = ShardId(shard);
  CAIRN_ASSIGN_OR_RETURN(p.size, wire::GetUint(body, "size", kMaxShardSize));
  if (p.size == 0) return Status::InvalidArgument("key 'size' is 0");
  CAIRN_ASSIGN_OR_RETURN(p.info_hash, wire::GetHash32(body, "ih"));
  CAIRN_ASSIGN_OR_RETURN(ByteSpan torrent, wire::GetBytes(body, "torrent", 1, kMaxTorrentBytes));
  p.torrent = ToBytes(torrent);
  CAIRN_ASSIGN_OR_RETURN(p.price, wire::GetUint(body, "price", kMaxPriceValue));
  CAIRN_ASSIGN_OR_RETURN(p.duration, wire::GetUint(body, "dur", kMaxDurationEpochs));
  if (p.duration == 0) return Status::InvalidArgument("key 'dur' is 0");
  CAIRN_ASSIGN_OR_RETURN(p.ticket, wire::GetHash32(body, "ticket"));
  CAIRN_ASSIGN_OR_RETURN(p.peer, GetEndpoint(body, "peer"));
  if (p.peer.port == 0) return Status::InvalidArgument("key 'peer' has port 0");
  return p;
}

DealId ComputeDealId(const Ed25519PublicKey& client, const Value::Dict& propose_body) {
  static constexpr std::string_view kTag = "cairn/deal/v1";
  Sha256 h;
  h.Update(AsBytes(kTag));
  h.Update(ByteSpan(client));
  h.Update(wire::Encode(Value(propose_body)));
  return DealId(h.Finish());
}

Value::Dict ProposeReply::ToBody() const {
  Value::Dict d;
  d["deal"] = HashValue(deal.value());
  d["state"] = Value::Str(state);
  return d;
}

Result<ProposeReply> ProposeReply::FromBody(const Value::Dict& body) {
  ProposeReply r;
  CAIRN_ASSIGN_OR_RETURN(Hash32 deal, wire::GetHash32(body, "deal"));
  r.deal = DealId(deal);
  CAIRN_ASSIGN_OR_RETURN(r.state, GetState(body));
  return r;
}

Value::Dict DealRef::ToBody() const {
  Value::Dict d;
  d["deal"] = HashValue(deal.value());
  return d;
}

Result<DealRef> DealRef::FromBody(const Value::Dict& body) {
  CAIRN_ASSIGN_OR_RETURN(Hash32 deal, wire::GetHash32(body, "deal"));
  return DealRef{DealId(deal)};
}

Value::Dict DealStatusReply::ToBody() const {
  Value::Dict d;
  d["deal"] = HashValue(deal.value());
  d["state"] = Value::Str(state);
  d["have"] = static_cast<std::int64_t>(have);
  d["shard"] = HashValue(shard.value());
  return d;
}

Result<DealStatusReply> DealStatusReply::FromBody(const Value::Dict& body) {
  DealStatusReply r;
  CAIRN_ASSIGN_OR_RETURN(Hash32 deal, wire::GetHash32(body, "deal"));
  r.deal = DealId(deal);
  CAIRN_ASSIGN_OR_RETURN(r.state, GetState(body));
  CAIRN_ASSIGN_OR_RETURN(r.have, wire::GetUint(body, "have", kMaxShardSize));
  CAIRN_ASSIGN_OR_RETURN(Hash32 shard, wire::GetHash32(body, "shard"));
  r.shard = ShardId(shard);
  return r;
}

Value::Dict FetchRequest::ToBody() const {
  Value::Dict d;
  d["shard"] = HashValue(shard.value());
  return d;
}

Result<FetchRequest> FetchRequest::FromBody(const Value::Dict& body) {
  CAIRN_ASSIGN_OR_RETURN(Hash32 shard, wire::GetHash32(body, "shard"));
  return FetchRequest{ShardId(shard)};
}

Value::Dict FetchReply::ToBody() const {
  Value::Dict d;
  d["ih"] = HashValue(info_hash);
  d["torrent"] = Value(torrent);
  d["bt"] = Value::Str(ToString(bt));
  return d;
}

Result<FetchReply> FetchReply::FromBody(const Value::Dict& body) {
  FetchReply r;
  CAIRN_ASSIGN_OR_RETURN(r.info_hash, wire::GetHash32(body, "ih"));
  CAIRN_ASSIGN_OR_RETURN(ByteSpan torrent, wire::GetBytes(body, "torrent", 1, kMaxTorrentBytes));
  r.torrent = ToBytes(torrent);
  CAIRN_ASSIGN_OR_RETURN(r.bt, GetEndpoint(body, "bt"));
  return r;
}

}  // namespace cairn::control
