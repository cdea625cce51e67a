// Shards as files: a ShardSink that writes each shard durably (AtomicFileWriter: temp, fsync, rename) into a
// folder as "s<segment>-<shard>", and a ShardReader over a file.
//
// Thread-safety: the encoder calls the sink from one thread; a FileShardReader may be read by one thread at a time.
#pragma once

#include <string>

#include "cairn/core/env.h"
#include "shard_io.h"

namespace cairn::client {

std::string SpoolShardPath(const std::string& dir, std::uint32_t segment, int shard);

class SpoolSink : public ShardSink {
 public:
  SpoolSink(Env* env, std::string dir) : env_(env), dir_(std::move(dir)) {}
  Result<std::unique_ptr<ShardWriter>> Create(std::uint32_t segment, int shard) override;

 private:
  Env* env_;
  std::string dir_;
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
