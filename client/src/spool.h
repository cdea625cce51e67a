// Shards as files: a ShardSink that writes each shard into a folder as "s<segment>-<shard>" (a temp file renamed into
// place, so a reader never sees a partial shard under its final name), and a ShardReader over a file.
// Durable spools also fsync the file and the folder (AtomicFileWriter). A put's spool is volatile: it only feeds the
// upload and is deleted once the providers' receipts are in, and a crashed put starts again from its source, so
// forcing 1.5x the file to disk would only slow the put down.
//
// Thread-safety: the encoder calls the sink from one thread; a FileShardReader may be read by one thread at a time.
#pragma once

#include <string>

#include "cairn/core/env.h"
#include "shard_io.h"

namespace cairn::client {

std::string SpoolShardPath(const std::string& dir, std::uint32_t segment, int shard);

enum class SpoolDurability { kDurable, kVolatile };

class SpoolSink : public ShardSink {
 public:
  SpoolSink(Env* env, std::string dir, SpoolDurability durability = SpoolDurability::kDurable)
      : env_(env), dir_(std::move(dir)), durability_(durability) {}
  Result<std::unique_ptr<ShardWriter>> Create(std::uint32_t segment, int shard) override;

 private:
  Env* env_;
  std::string dir_;
  SpoolDurability durability_;
};

// Opens `path` as a shard; its size is the file's size.
Result<std::unique_ptr<ShardReader>> OpenFileShard(Env* env, const std::string& path);

// Reads the shards a SpoolSink wrote.
class SpoolSource : public ShardSource {
 public:
  SpoolSource(Env* env, std::string dir) : env_(env), dir_(std::move(dir)) {}
  Result<std::unique_ptr<ShardReader>> Open(std::uint32_t segment, int shard) override {
    return OpenFileShard(env_, SpoolShardPath(dir_, segment, shard));
  }

 private:
  Env* env_;
  std::string dir_;
};

}  // namespace cairn::client
