// A ShardSink wrapper that hashes each shard's BitTorrent v2 blocks (SHA-256 of every 16 KiB, kTorrentBlockSize) as
// the encoder appends them, while the bytes are still in cache, so the uploader builds the shard's torrent from
// those hashes (Swarm::MakeTorrentFromBlockHashes) instead of reading and hashing the spooled file again.
//
// Thread-safety: the encoder calls Create and the writers from one thread (as any ShardSink); Take may be called
// from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "cairn/core/bytes.h"
#include "shard_io.h"

namespace cairn::client {

class BlockHashingSink : public ShardSink {
 public:
  // REQUIRES: `inner` outlives this sink and its writers.
  explicit BlockHashingSink(ShardSink& inner) : inner_(inner) {}

  Result<std::unique_ptr<ShardWriter>> Create(std::uint32_t segment, int shard) override;

  // The block hashes of a shard committed through this sink, handed over once (they are removed). kNotFound when
  // there are none (never written here, not committed, or already taken).
  Result<std::vector<Hash32>> Take(std::uint32_t segment, int shard);

  // Called by the writers on a successful commit.
  void Committed(std::uint32_t segment, int shard, std::vector<Hash32> hashes);

 private:
  ShardSink& inner_;
  std::mutex mu_;
  std::map<std::pair<std::uint32_t, int>, std::vector<Hash32>> done_;
};

}  // namespace cairn::client
