// Moving shards: SegmentUploader (upload.h) places the shards of a put; SwarmShardSource fetches stored shards back
// for the decoder.
//
// Thread-safety: SwarmShardSource::Open may be called from several threads (the decoder opens shards in parallel).
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "client_net.h"
#include "object_record.h"
#include "shard_io.h"
#include "upload.h"

namespace cairn::client {

class SwarmShardSource : public ShardSource {
 public:
  // Shards are downloaded into `work_dir` (created; the caller removes it).
  SwarmShardSource(ClientNet& net, const ObjectRecord& record, std::string work_dir,
                   std::chrono::seconds stall_timeout = std::chrono::seconds(20));
  ~SwarmShardSource() override;
  Result<std::unique_ptr<ShardReader>> Open(std::uint32_t segment, int shard) override;

 private:
  Result<std::unique_ptr<ShardReader>> Fetch(const Placement& p);
  ClientNet& net_;
  const ObjectRecord& record_;
  std::string work_dir_;
  std::chrono::seconds stall_timeout_;
  std::mutex mu_;
  std::vector<TorrentId> torrents_;
};

}  // namespace cairn::client
