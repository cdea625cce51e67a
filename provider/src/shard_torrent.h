// Checks that a proposed shard torrent is what the proposal says before any byte is downloaded: a single-file
// BitTorrent v2 torrent whose info dictionary hashes to the proposed info-hash and whose one file has the proposed
// size and a plain name. The torrent is untrusted input: it is decoded with explicit limits.
//
// Thread-safety: reentrant.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cairn/core/bytes.h"
#include "cairn/core/status.h"

namespace cairn::provider {

struct ShardTorrentInfo {
  std::string name;  // the file name; [A-Za-z0-9._-], not starting with '.'
  std::uint64_t piece_length = 0;
};

// kInvalidArgument with the reason for anything that does not match.
Result<ShardTorrentInfo> CheckShardTorrent(ByteSpan torrent, const Hash32& info_hash, std::uint64_t size);

// True for a file name a shard torrent may use: 1..200 characters of [A-Za-z0-9._-], not starting with '.'.
bool IsPlainFileName(std::string_view name);

}  // namespace cairn::provider
