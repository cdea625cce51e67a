// Object record, version 1: canonical bencode (core/wire.h) of
//   { "v": 1, "manifest": <Manifest v1 bytes>,
//     "placements": [ { "seg": int, "shard": int, "provider": 32 bytes, "ctl": "ip:port", "deal": 32 bytes,
//                       "ih": 32 bytes, "torrent": bytes (<= 1 MiB), "receipt": bytes (<= 1 MiB) } ... ] }
// Placements are checked against the manifest: segment and shard in range. Sealed with core SealMessage under the
// manifest key, aad "cairn/object/v1".
#include "object_record.h"

#include "cairn/core/aead.h"
#include "cairn/core/wire.h"

namespace cairn::client {
namespace {

constexpr std::string_view kAad = "cairn/object/v1";
constexpr std::size_t kMaxRecordBytes = 512u << 20;
constexpr std::size_t kMaxBlob = 1u << 20;

}  // namespace

Bytes ObjectRecord::Serialize() const {
  wire::Value::List list;
  for (const Placement& p : placements) {
    wire::Value::Dict d;
    d["seg"] = wire::Value(static_cast<std::int64_t>(p.segment));
    d["shard"] = wire::Value(static_cast<std::int64_t>(p.shard));
    d["provider"] = wire::Value::Of(p.provider);
    d["ctl"] = wire::Value::Str(ToString(p.control));
    d["deal"] = wire::Value::Of(p.deal);
    d["ih"] = wire::Value::Of(p.info_hash);
    d["torrent"] = wire::Value(p.torrent);
    d["receipt"] = wire::Value(p.receipt);
    list.emplace_back(std::move(d));
  }
  wire::Value::Dict root;
  root["v"] = wire::Value(std::int64_t{1});
  root["manifest"] = wire::Value(manifest.Serialize());
  root["placements"] = wire::Value(std::move(list));
  return wire::Encode(wire::Value(std::move(root)));
}

Result<ObjectRecord> ObjectRecord::Parse(ByteSpan bytes) {
  wire::DecodeLimits limits;
  limits.max_bytes = kMaxRecordBytes;
  limits.max_depth = 4;
  limits.max_tokens = 1 << 24;
  auto v = wire::Decode(bytes, limits);
  if (!v.ok() || !v->is_dict()) return Status::Corruption("object record is not a bencoded dictionary");
  const auto& root = v->as_dict();
  auto version = wire::GetInt(root, "v", 1, 1);
  if (!version.ok()) return Status::Corruption("object record: unsupported version");
  auto mbytes = wire::GetBytes(root, "manifest", 1, kMaxManifestBytes);
  if (!mbytes.ok()) return Status::Corruption("object record: " + mbytes.status().message());
  ObjectRecord r;
  CAIRN_ASSIGN_OR_RETURN(r.manifest, Manifest::Parse(*mbytes));
  const FileCoding& c = r.manifest.coding;
  auto list = wire::GetList(root, "placements", c.segments.size() * static_cast<std::size_t>(c.k + c.m) * 4);
  if (!list.ok()) return Status::Corruption("object record: " + list.status().message());
  for (const wire::Value& item : **list) {
    if (!item.is_dict()) return Status::Corruption("object record: placement is not a dictionary");
    const auto& d = item.as_dict();
    Placement p;
    auto seg = wire::GetInt(d, "seg", 0, static_cast<std::int64_t>(c.segments.size()) - 1);
    auto shard = wire::GetInt(d, "shard", 0, c.k + c.m - 1);
    auto provider = wire::GetBytes(d, "provider", 32, 32);
    auto ctl = wire::GetText(d, "ctl", 64);
    auto deal = wire::GetHash32(d, "deal");
    auto ih = wire::GetHash32(d, "ih");
    auto torrent = wire::GetBytes(d, "torrent", 1, kMaxBlob);
    auto receipt = wire::GetBytes(d, "receipt", 0, kMaxBlob);
    if (!seg.ok() || !shard.ok() || !provider.ok() || !ctl.ok() || !deal.ok() || !ih.ok() || !torrent.ok() ||
        !receipt.ok()) {
      return Status::Corruption("object record: a placement has a missing or out-of-range field");
    }
    auto ep = ParseEndpoint(*ctl);
    if (!ep.ok()) return Status::Corruption("object record: bad provider endpoint");
    p.segment = static_cast<std::uint32_t>(*seg);
    p.shard = static_cast<int>(*shard);
    std::copy(provider->begin(), provider->end(), p.provider.begin());
    p.control = *ep;
    p.deal = *deal;
    p.info_hash = *ih;
    p.torrent = ToBytes(*torrent);
    p.receipt = ToBytes(*receipt);
    r.placements.push_back(std::move(p));
  }
  return r;
}

Result<Bytes> SealObjectRecord(const ObjectRecord& r, ByteSpan key) {
  return SealMessage(key, AsBytes(kAad), r.Serialize());
}

Result<ObjectRecord> OpenObjectRecord(ByteSpan sealed, ByteSpan key) {
  CAIRN_ASSIGN_OR_RETURN(Bytes plain, OpenMessage(key, AsBytes(kAad), sealed));
  return ObjectRecord::Parse(plain);
}

}  // namespace cairn::client
