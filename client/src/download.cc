#include <thread>

#include "cairn/core/env.h"
#include "spool.h"
#include "transfer.h"

namespace cairn::client {

SwarmShardSource::SwarmShardSource(ClientNet& net, const ObjectRecord& record, std::string work_dir,
                                   std::chrono::seconds stall_timeout)
    : net_(net), record_(record), work_dir_(std::move(work_dir)), stall_timeout_(stall_timeout) {}

SwarmShardSource::~SwarmShardSource() {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (TorrentId id : torrents_) (void)net_.swarm().Remove(id, RemoveFiles::kKeep, deadline);
}

Result<std::unique_ptr<ShardReader>> SwarmShardSource::Open(std::uint32_t segment, int shard) {
  const Placement* found = nullptr;
  for (const Placement& p : record_.placements) {
    if (p.segment == segment && p.shard == shard) found = &p;
  }
  if (!found) return Status::NotFound("no placement recorded");
  return Fetch(*found);
}

Result<std::unique_ptr<ShardReader>> SwarmShardSource::Fetch(const Placement& p) {
  control::FetchRequest req{ShardId(record_.manifest.coding.segments[p.segment].comm_d[p.shard])};
  auto reply = net_.CallOk(p.control, p.provider, control::kTypeFetch, req.ToBody(), std::chrono::seconds(5));
  if (!reply.ok()) return Status::NotFound(reply.status().message());
  auto fetched = control::FetchReply::FromBody(reply->body);
  if (!fetched.ok() || fetched->info_hash != p.info_hash) {
    return Status::NotFound("provider answered fetch with another torrent");
  }
  const Endpoint& bt = fetched->bt;
  std::string dir = work_dir_ + "/s" + std::to_string(p.segment) + "-" + std::to_string(p.shard);
  CAIRN_RETURN_IF_ERROR(Env::Default()->CreateDirs(dir));
  DownloadRequest dl;
  dl.torrent = p.torrent;  // our own copy: the provider cannot substitute hashes
  dl.save_dir = dir;
  dl.peers = {bt};
  CAIRN_ASSIGN_OR_RETURN(TorrentId id, net_.swarm().Download(dl));
  {
    std::lock_guard<std::mutex> lock(mu_);
    torrents_.push_back(id);
  }
  std::uint64_t last = 0;
  auto last_progress = std::chrono::steady_clock::now();
  for (;;) {
    CAIRN_ASSIGN_OR_RETURN(TorrentStatus st, net_.swarm().GetStatus(id));
    if (st.state == TorrentState::kSeeding) {
      // libtorrent hashes blocks still queued for writing: the file may lack them until the flush is confirmed.
      Status flushed = net_.swarm().Flush(id, std::chrono::steady_clock::now() + std::chrono::seconds(30));
      if (!flushed.ok()) return Status::NotFound("writes of the downloaded shard not confirmed: " + flushed.message());
      return OpenFileShard(Env::Default(), st.save_path + "/" + st.name);
    }
    if (st.state == TorrentState::kError) return Status::NotFound("download failed: " + st.error);
    if (st.failed_bytes > 0) {
      return Status::Corruption("provider served bytes that fail the torrent's hashes");
    }
    if (st.bytes_done > last) {
      last = st.bytes_done;
      last_progress = std::chrono::steady_clock::now();
    } else if (std::chrono::steady_clock::now() - last_progress > stall_timeout_) {
      return Status::NotFound("download from provider stalled");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace cairn::client
