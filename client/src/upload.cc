#include <map>
#include <thread>

#include "cairn/core/aead.h"
#include "cairn/core/hex.h"
#include "placement.h"
#include "spool.h"
#include "transfer.h"

namespace cairn::client {
namespace {

using Clock = std::chrono::steady_clock;

struct ShardJob {
  std::uint32_t seg = 0;
  int shard = 0;
  Hash32 comm_d{};
  std::uint64_t size = 0;
  TorrentFile torrent;
  std::optional<ProviderInfo> provider;  // the provider currently holding the job
  Hash32 deal{};
  bool done = false;
  Bytes receipt;
  std::set<std::string> tried;
  int unreachable = 0;
  int second_chances = 0;  // times a provider whose deal failed was allowed to be tried again
  std::uint64_t have = 0;
  Clock::time_point last_progress;
};

std::string Id(const Ed25519PublicKey& k) { return ToHex(k); }

class Uploader {
 public:
  Uploader(ClientNet& net, const FileCoding& c, std::string spool, const UploadOptions& o)
      : net_(net), c_(c), spool_(std::move(spool)), opt_(o) {}

  Result<std::vector<Placement>> Run() {
    std::vector<ProviderInfo> found = opt_.providers;
    if (found.empty()) {
      CAIRN_ASSIGN_OR_RETURN(found, net_.Discover(Want(), std::chrono::seconds(8)));
    }
    for (auto& p : found) providers_[Id(p.id)] = p;
    Status st = Prepare();
    if (st.ok()) st = Loop();
    if (!st.ok()) {
      Abandon();
      Cleanup();
      return st;
    }
    Cleanup();
    std::vector<Placement> out;
    for (const ShardJob& j : jobs_) {
      Placement p;
      p.segment = j.seg;
      p.shard = j.shard;
      p.provider = j.provider->id;
      p.control = j.provider->ctl;
      p.deal = j.deal;
      p.info_hash = j.torrent.info_hash;
      p.torrent = j.torrent.torrent;
      p.receipt = j.receipt;
      out.push_back(std::move(p));
    }
    return out;
  }

 private:
  Status Prepare() {
    int n = c_.k + c_.m;
    for (std::uint32_t s = 0; s < c_.segments.size(); ++s) {
      for (int j = 0; j < n; ++j) {
        ShardJob job;
        job.seg = s;
        job.shard = j;
        job.comm_d = c_.segments[s].comm_d[j];
        job.size = c_.segments[s].shard_size;
        std::string path = SpoolShardPath(spool_, s, j);
        CAIRN_ASSIGN_OR_RETURN(job.torrent, Swarm::MakeTorrent(path, ShardPieceSize(job.size)));
        CAIRN_ASSIGN_OR_RETURN(TorrentId id, net_.swarm().Seed(path, job.torrent.torrent));
        seeds_.push_back(id);
        total_ += job.size;
        jobs_.push_back(std::move(job));
      }
    }
    return Status::Ok();
  }

  // Providers ranked for a job: placement order for its segment, then anyone else that fits.
  std::optional<ProviderInfo> NextProvider(const ShardJob& job) {
    std::set<std::string> exclude = dead_;
    exclude.insert(job.tried.begin(), job.tried.end());
    for (const ShardJob& other : jobs_) {
      if (other.seg == job.seg && &other != &job && other.provider) exclude.insert(Id(other.provider->id));
    }
    std::vector<Candidate> cands;
    for (const auto& [id, p] : providers_) cands.push_back({id, ToString(p.ctl), p.free, p.price, failures_[id]});
    PlacementRequest req;
    req.shards = 1;
    req.spares = 0;
    req.shard_size = job.size;
    req.max_price = opt_.max_price;
    req.exclude = exclude;
    req.seed = opt_.seed ^ (static_cast<std::uint64_t>(job.seg) << 8) ^ static_cast<std::uint64_t>(job.shard);
    auto placed = Place(cands, req);
    if (!placed.ok() || placed->empty()) return std::nullopt;
    return providers_[placed->front().id];
  }

  std::size_t Want() const { return ProvidersWanted(c_.k, c_.m); }

  // Looks the providers up again: one missed by the first lookup, or started since, can take the shard; known ones
  // get fresh records (free space). What this put learned about failures and unreachable providers stays.
  void Rediscover() {
    auto found = net_.Discover(Want(), std::chrono::seconds(8));
    if (!found.ok()) return;
    for (auto& p : *found) providers_[Id(p.id)] = p;
  }

  Status Propose(ShardJob& job) {
    bool rediscovered = false;
    for (;;) {
      auto p = NextProvider(job);
      if (!p && !rediscovered) {
        rediscovered = true;
        Rediscover();
        continue;
      }
      if (!p) {
        return Status::Unavailable("segment " + std::to_string(job.seg) + " shard " + std::to_string(job.shard) +
                                   ": no provider left to take it (" + std::to_string(providers_.size()) +
                                   " known, " + std::to_string(dead_.size()) + " unreachable, " +
                                   std::to_string(job.tried.size()) + " tried)");
      }
      std::string id = Id(p->id);
      job.tried.insert(id);
      control::ProposeRequest req;
      req.shard = ShardId(job.comm_d);
      req.size = job.size;
      req.info_hash = job.torrent.info_hash;
      req.torrent = job.torrent.torrent;
      req.price = p->price;
      req.duration = opt_.duration_epochs;
      RandomBytes(req.ticket);
      req.peer = net_.swarm().listen_endpoint();
      auto reply = net_.CallOk(p->ctl, p->id, control::kTypePropose, req.ToBody(), std::chrono::seconds(5));
      if (!reply.ok()) {
        if (reply.status().code() != Code::kFailedPrecondition) dead_.insert(id);
        ++failures_[id];
        continue;
      }
      auto accepted = control::ProposeReply::FromBody(reply->body);
      if (!accepted.ok()) {
        ++failures_[id];
        continue;
      }
      job.provider = *p;
      job.deal = accepted->deal.value();
      job.unreachable = 0;
      job.have = 0;
      job.last_progress = Clock::now();
      return Status::Ok();
    }
  }

  void Drop(ShardJob& job, bool provider_dead) {
    std::string id = Id(job.provider->id);
    if (provider_dead) dead_.insert(id);
    ++failures_[id];
    RemoveDeal(job);
    job.provider.reset();
    // A live provider whose deal failed (a download error, a check that failed) may take the shard again, once,
    // after every other candidate: when each provider already holds a shard of the segment there is no other.
    if (!provider_dead && job.second_chances < 1) {
      ++job.second_chances;
      job.tried.erase(id);
    }
  }

  void RemoveDeal(const ShardJob& job) {
    if (!job.provider) return;
    (void)net_.control().Call(job.provider->ctl, job.provider->id, control::kTypeRemove,
                              control::DealRef{DealId(job.deal)}.ToBody(), std::chrono::seconds(2));
  }

  Status Poll(ShardJob& job) {
    auto reply = net_.CallOk(job.provider->ctl, job.provider->id, control::kTypeDeal,
                             control::DealRef{DealId(job.deal)}.ToBody(), std::chrono::seconds(3));
    if (!reply.ok()) {
      if (++job.unreachable >= 8) Drop(job, true);
      return Status::Ok();
    }
    job.unreachable = 0;
    auto status = control::DealStatusReply::FromBody(reply->body);
    if (!status.ok() || status->deal.value() != job.deal) return Status::Ok();
    const std::string& state = status->state;
    if (state == control::kStateStored) {
      job.done = true;
      job.have = job.size;
      job.receipt = reply->raw;
      return Status::Ok();
    }
    if (state == control::kStateFailed || state == control::kStateRemoved) {
      Drop(job, false);
      return Status::Ok();
    }
    if (status->have > job.have) {
      job.have = status->have;
      job.last_progress = Clock::now();
    } else if (Clock::now() - job.last_progress > opt_.stall_timeout) {
      Drop(job, false);
    }
    return Status::Ok();
  }

  Status Loop() {
    for (;;) {
      if (opt_.cancel && opt_.cancel->load()) return Status::Cancelled("put cancelled");
      bool all_done = true;
      std::uint64_t done_bytes = 0;
      for (ShardJob& job : jobs_) {
        if (job.done) {
          done_bytes += job.size;
          continue;
        }
        all_done = false;
        if (!job.provider) {
          CAIRN_RETURN_IF_ERROR(Propose(job));
          continue;
        }
        CAIRN_RETURN_IF_ERROR(Poll(job));
        done_bytes += job.have;
      }
      if (opt_.progress) opt_.progress(done_bytes, total_);
      if (all_done) return Status::Ok();
      std::this_thread::sleep_for(opt_.poll_interval);
    }
  }

  void Abandon() {
    for (ShardJob& job : jobs_) {
      if (job.provider) RemoveDeal(job);
    }
  }

  void Cleanup() {
    auto deadline = Clock::now() + std::chrono::seconds(5);
    for (TorrentId id : seeds_) (void)net_.swarm().Remove(id, RemoveFiles::kKeep, deadline);
  }

  ClientNet& net_;
  const FileCoding& c_;
  std::string spool_;
  const UploadOptions& opt_;
  std::map<std::string, ProviderInfo> providers_;
  std::map<std::string, std::uint32_t> failures_;
  std::set<std::string> dead_;
  std::vector<ShardJob> jobs_;
  std::vector<TorrentId> seeds_;
  std::uint64_t total_ = 0;
};

}  // namespace

std::size_t ProvidersWanted(int k, int m) { return static_cast<std::size_t>(k + m) + 2; }

int ShardPieceSize(std::uint64_t shard_size) {
  std::uint64_t piece = 16 * 1024;
  while (piece * 1024 < shard_size && piece < (16u << 20)) piece <<= 1;
  return static_cast<int>(piece);
}

Result<std::vector<Placement>> Upload(ClientNet& net, const FileCoding& coding, const std::string& spool_dir,
                                      const UploadOptions& options) {
  Uploader u(net, coding, spool_dir, options);
  return u.Run();
}

}  // namespace cairn::client
