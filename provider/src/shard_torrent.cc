// What a shard torrent must look like (BEP 52, v2 only or hybrid; only the fields checked are listed):
//   torrent   := { "info": info, ... }
//   info      := { "meta version": 2, "name": str, "piece length": int (power of two >= 16 KiB),
//                  "file tree": { name: { "": { "length": size, "pieces root": 32 bytes (when size > 0) } } }, ... }
//   info-hash := SHA-256 of the canonical bencoding of info (libtorrent writes canonical bencode, and wire::Decode
//                accepts nothing else, so re-encoding the decoded value gives back the exact bytes)
#include "shard_torrent.h"

#include "cairn/core/sha256.h"
#include "cairn/core/wire.h"

namespace cairn::provider {
namespace {

using wire::Value;

constexpr std::size_t kMaxNameBytes = 200;

Status Bad(std::string_view why) { return Status::InvalidArgument("shard torrent: " + std::string(why)); }

}  // namespace

bool IsPlainFileName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameBytes || name.front() == '.') return false;
  for (char c : name) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Result<ShardTorrentInfo> CheckShardTorrent(ByteSpan torrent, const Hash32& info_hash, std::uint64_t size) {
  wire::DecodeLimits limits;
  limits.max_bytes = torrent.size();
  limits.max_depth = 8;
  limits.max_tokens = 2000;
  auto root = wire::DecodeFrameBody(torrent, limits);
  if (!root.ok()) return Bad(root.status().message());
  auto info = wire::GetDict(*root, "info");
  if (!info.ok()) return Bad(info.status().message());
  const Value::Dict& i = **info;
  if (Sha256Digest(wire::Encode(Value(i))) != info_hash) return Bad("info-hash does not match the info dictionary");
  auto version = wire::GetInt(i, "meta version", 2, 2);
  if (!version.ok()) return Bad("not a BitTorrent v2 torrent");
  auto piece = wire::GetInt(i, "piece length", 16 << 10, std::int64_t{1} << 30);
  if (!piece.ok() || (*piece & (*piece - 1)) != 0) return Bad("piece length is not a power of two >= 16 KiB");
  auto name = wire::GetText(i, "name", kMaxNameBytes);
  if (!name.ok() || !IsPlainFileName(*name)) return Bad("the name is not a plain file name");
  auto tree = wire::GetDict(i, "file tree");
  if (!tree.ok()) return Bad(tree.status().message());
  if ((*tree)->size() != 1 || (*tree)->begin()->first != *name) return Bad("not a single-file torrent");
  const Value& entry = (*tree)->begin()->second;
  if (!entry.is_dict()) return Bad("the file tree entry is not a dictionary");
  auto file = wire::GetDict(entry.as_dict(), "");
  if (!file.ok() || entry.as_dict().size() != 1) return Bad("the file tree entry is not a file");
  auto length = wire::GetUint(**file, "length", std::uint64_t{1} << 62);
  if (!length.ok()) return Bad(length.status().message());
  if (*length != size) {
    return Bad("the file has " + std::to_string(*length) + " bytes, the proposal says " + std::to_string(size));
  }
  ShardTorrentInfo out;
  out.name = *name;
  out.piece_length = static_cast<std::uint64_t>(*piece);
  return out;
}

}  // namespace cairn::provider
