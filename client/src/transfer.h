// Moving shards: Upload places every shard of an encoded file with a distinct provider per segment, seeds it, and
// waits for each provider's signed storage receipt; SwarmShardSource fetches stored shards back for the decoder.
//
// Thread-safety: Upload runs on the caller's thread. SwarmShardSource::Open may be called from several threads (the
// decoder opens shards in parallel).
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

namespace cairn::client {

struct UploadOptions {
  std::uint64_t max_price = UINT64_MAX;
  std::uint64_t duration_epochs = 1000;
  std::chrono::milliseconds poll_interval{250};
  std::chrono::seconds stall_timeout{30};  // a deal with no download progress this long is moved elsewhere
  std::function<void(std::uint64_t done, std::uint64_t total)> progress;  // shard bytes received by providers
  const std::atomic<bool>* cancel = nullptr;
  std::uint64_t seed = 0;  // placement tie-breaks
  // Providers already looked up (e.g. while the file was encoding); empty: Upload looks them up itself.
  std::vector<ProviderInfo> providers;
};

// How many providers a put with a k + m code looks for: one per shard of a segment, and two spares.
std::size_t ProvidersWanted(int k, int m);

// Seeds the shards in `spool_dir` (SpoolShardPath names) and places them. Returns one placement per shard once
// every shard has a receipt; on failure no placement is returned, and deals already made are removed (best effort).
Result<std::vector<Placement>> Upload(ClientNet& net, const FileCoding& coding, const std::string& spool_dir,
                                      const UploadOptions& options);

// The piece size used for a shard torrent: a power of two >= 16 KiB giving at most 1024 pieces.
int ShardPieceSize(std::uint64_t shard_size);

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
