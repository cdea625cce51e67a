#include "upload.h"

#include <algorithm>
#include <filesystem>
#include <future>
#include <map>
#include <optional>
#include <set>

#include "cairn/core/aead.h"
#include "cairn/core/env.h"
#include "cairn/core/hex.h"
#include "placement.h"
#include "spool.h"
#include "trace.h"

namespace cairn::client {
namespace {

using Clock = std::chrono::steady_clock;

std::string Id(const Ed25519PublicKey& k) { return ToHex(k); }

// One deal made for a shard: the first proposal, or a spare's.
struct Attempt {
  ProviderInfo provider;
  Hash32 deal{};
  std::uint64_t have = 0;
  Clock::time_point last_progress;
  int unreachable = 0;
  // The "deal" call under way, if any: a provider slow to answer holds back only its own deals.
  std::shared_ptr<std::future<Result<control::Envelope>>> poll;
};

struct ShardJob {
  std::uint32_t seg = 0;
  int shard = 0;
  Hash32 comm_d{};
  std::uint64_t size = 0;
  TorrentFile torrent;
  std::vector<Attempt> attempts;  // live deals; more than one while a spare races the first
  bool done = false;
  Attempt winner;  // the attempt whose receipt counts, once done
  Bytes receipt;
  std::set<std::string> tried;
  int second_chances = 0;  // times a provider whose deal failed was allowed to be tried again
  bool spared = false;     // a spare was proposed (once per shard)
  Clock::time_point proposed;
  Clock::duration took{};         // proposal -> receipt
  Clock::time_point stuck_since;  // when no provider could be found for it (zero: one was)

  std::uint64_t have() const {
    std::uint64_t h = 0;
    for (const Attempt& a : attempts) h = std::max(h, a.have);
    return done ? size : h;
  }
};

struct Segment {
  std::uint32_t index = 0;
  std::vector<ShardJob> jobs;
  std::vector<TorrentId> seeds;
  std::vector<std::string> files;
  bool complete = false;
};

// What one parallel proposal brought back.
struct ProposalOutcome {
  Result<control::Envelope> reply = Status::Internal("not sent");
};

}  // namespace

class SegmentUploader::Impl {
 public:
  Impl(ClientNet& net, int k, int m, std::string spool, UploadOptions o)
      : net_(net), k_(k), m_(m), spool_(std::move(spool)), opt_(std::move(o)) {
    thread_ = std::thread([this] { Main(); });
  }

  ~Impl() { Abort(); }

  Status AddSegment(std::uint32_t seg, const SegmentCoding& coding) {
    std::unique_lock<std::mutex> lock(mu_);
    const std::uint64_t segment_bytes = coding.shard_size * static_cast<std::uint64_t>(n());
    const std::size_t by_bytes = segment_bytes > 0 ? opt_.spool_budget_bytes / segment_bytes : 0;
    const std::size_t limit = std::max<std::size_t>({1, opt_.max_segments_in_flight, by_bytes});
    for (;;) {
      Deliver(lock);
      if (!result_.ok() || ended_ || in_flight_ < limit) break;
      cv_.wait(lock);
    }
    if (!result_.ok()) return result_;
    if (ended_) return Status::Cancelled("upload stopped");
    pending_.emplace_back(seg, coding);
    ++in_flight_;
    cv_.notify_all();
    return Status::Ok();
  }

  Result<std::vector<Placement>> Finish() {
    {
      std::unique_lock<std::mutex> lock(mu_);
      no_more_ = true;
      cv_.notify_all();
      for (;;) {
        Deliver(lock);
        if (ended_) break;
        cv_.wait(lock);
      }
    }
    if (thread_.joinable()) thread_.join();
    std::lock_guard<std::mutex> lock(mu_);
    CAIRN_RETURN_IF_ERROR(result_);
    return std::move(placements_);
  }

  // Hands the latest upload progress to the progress function, on the caller's thread.
  void ReportProgress() {
    std::unique_lock<std::mutex> lock(mu_);
    Deliver(lock);
  }

  void Abort() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      abort_ = true;
      cv_.notify_all();
    }
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Main() {
    Status st = Loop();
    if (!st.ok()) {
      Abandon();
    }
    Cleanup();
    std::lock_guard<std::mutex> lock(mu_);
    if (st.ok()) {
      for (const Segment& s : segments_) {
        for (const ShardJob& j : s.jobs) {
          Placement p;
          p.segment = j.seg;
          p.shard = j.shard;
          p.provider = j.winner.provider.id;
          p.control = j.winner.provider.ctl;
          p.deal = j.winner.deal;
          p.info_hash = j.torrent.info_hash;
          p.torrent = j.torrent.torrent;
          p.receipt = j.receipt;
          placements_.push_back(std::move(p));
        }
      }
    }
    result_ = st;
    ended_ = true;
    cv_.notify_all();
  }

  int n() const { return k_ + m_; }
  std::size_t Want() const { return ProvidersWanted(k_, m_); }

  // Starts a provider lookup in the background, unless one is under way. Returns as soon as `want` are found; each
  // provider is handed over (heard_) as soon as its record is in, and wakes the loop.
  void StartDiscovery(std::size_t want) {
    if (discovery_.valid()) return;
    last_discovery_ = Clock::now();
    discovery_ = std::async(std::launch::async, [this, want] {
      return net_.Discover(
          want, std::chrono::seconds(8),
          [this](const DiscoveryUpdate& u) {
            std::lock_guard<std::mutex> lock(mu_);
            if (u.provider) heard_.push_back(u.provider->info);
            asking_ = u.asking;
            cv_.notify_all();
          },
          &stop_discovery_);
    });
  }

  // Merges what the lookup under way has found so far, and the result of a finished one: providers it found get
  // fresh records (free space); what this put learned about failures and unreachable providers stays.
  void CollectDiscovery() {
    std::vector<ProviderInfo> heard;
    {
      std::lock_guard<std::mutex> lock(mu_);
      heard.swap(heard_);
      discovery_asking_ = asking_;
    }
    for (ProviderInfo& p : heard) providers_[Id(p.id)] = std::move(p);
    if (!heard.empty() && TraceEnabled()) Trace("discovery: " + std::to_string(providers_.size()) + " providers known");
    if (!discovery_.valid() || discovery_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return;
    auto found = discovery_.get();
    if (!found.ok()) {
      Trace("discovery failed: " + found.status().ToString());
      return;
    }
    for (const DiscoveredProvider& p : *found) providers_[Id(p.info.id)] = p.info;
    Trace("discovery done: " + std::to_string(found->size()) + " providers");
    if (opt_.discovered) opt_.discovered(*found);
  }
  // Takes the segments handed over; returns false once there will be no more and none is pending.
  Status TakePending(bool& no_more) {
    std::deque<std::pair<std::uint32_t, SegmentCoding>> taken;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (abort_) return Status::Cancelled("put aborted");
      taken.swap(pending_);
      no_more = no_more_;
    }
    for (auto& [seg, sc] : taken) CAIRN_RETURN_IF_ERROR(StartSegment(seg, sc));
    return Status::Ok();
  }

  // The shard's torrent: from the block hashes its writer computed, or by hashing the spooled file.
  Result<TorrentFile> MakeShardTorrent(std::uint32_t seg, int shard, const std::string& path, std::uint64_t size) {
    if (opt_.block_hashes) {
      auto hashes = opt_.block_hashes(seg, shard);
      if (hashes.ok()) {
        const std::string name = std::filesystem::path(path).filename().string();
        return Swarm::MakeTorrentFromBlockHashes(name, size, ShardPieceSize(size), *hashes);
      }
    }
    return Swarm::MakeTorrent(path, ShardPieceSize(size));
  }

  // Makes and seeds the segment's shard torrents.
  Status StartSegment(std::uint32_t seg, const SegmentCoding& sc) {
    if (sc.comm_d.size() != static_cast<std::size_t>(n())) return Status::Internal("segment with a wrong shard count");
    Segment s;
    s.index = seg;
    const auto t0 = Clock::now();
    Clock::duration making{};
    for (int j = 0; j < n(); ++j) {
      ShardJob job;
      job.seg = seg;
      job.shard = j;
      job.comm_d = sc.comm_d[j];
      job.size = sc.shard_size;
      std::string path = SpoolShardPath(spool_, seg, j);
      const auto m0 = Clock::now();
      CAIRN_ASSIGN_OR_RETURN(job.torrent, MakeShardTorrent(seg, j, path, job.size));
      making += Clock::now() - m0;
      // The encoder just wrote this file and its blocks were hashed on the way out (or MakeTorrent just read them):
      // serve it without hashing it again.
      // A shard damaged on disk since then fails the provider's piece check (and the decoder's comm_d check).
      SeedOptions seed;
      seed.trust_data = true;
      seed.pieces_verified = true;
      CAIRN_ASSIGN_OR_RETURN(TorrentId id, net_.swarm().Seed(path, job.torrent.torrent, seed));
      s.seeds.push_back(id);
      s.files.push_back(path);
      total_ += job.size;
      s.jobs.push_back(std::move(job));
    }
    segments_.push_back(std::move(s));
    if (TraceEnabled()) {
      auto ms = [](Clock::duration d) {
        return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
      };
      Trace("segment " + std::to_string(seg) + " torrents made (" + ms(making) + " ms) and seeded (" +
            ms(Clock::now() - t0 - making) + " ms)");
    }
    return Status::Ok();
  }

  // Providers ranked for a job: placement order for its segment, then anyone else that fits. Excludes providers
  // holding (or proposed) another shard of the segment, and the ones this shard already tried.
  std::optional<ProviderInfo> NextProvider(const Segment& s, const ShardJob& job, const std::set<std::string>& busy) {
    std::set<std::string> exclude = dead_;
    exclude.insert(job.tried.begin(), job.tried.end());
    exclude.insert(busy.begin(), busy.end());
    for (const ShardJob& other : s.jobs) {
      for (const Attempt& a : other.attempts) exclude.insert(Id(a.provider.id));
      if (other.done) exclude.insert(Id(other.winner.provider.id));
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

  // Unless k + m providers were known before the put, its first proposals wait while its lookup is under way and
  // knows fewer providers than a segment has shards, and then, for at most kStragglerGrace, for the records of
  // providers already heard (placement ranks every candidate: free space, price, failures). Later rounds place with
  // whatever is known by then.
  bool FirstProposalsWait(Clock::time_point now) {
    static constexpr std::chrono::milliseconds kStragglerGrace{500};
    if (proposed_any_ || !discovery_.valid() || opt_.providers.size() >= static_cast<std::size_t>(n())) return false;
    if (providers_.size() < static_cast<std::size_t>(n())) return true;
    if (discovery_asking_ == 0) return false;
    if (enough_since_ == Clock::time_point{}) enough_since_ = now;
    return now - enough_since_ < kStragglerGrace;
  }

  bool WantsSpare(const Segment& s, const ShardJob& job, Clock::time_point now) const {
    if (job.done || job.spared || job.attempts.size() != 1) return false;
    int quorum = opt_.spare_quorum > 0 ? opt_.spare_quorum : n() - 1;
    std::vector<Clock::duration> took;
    for (const ShardJob& o : s.jobs) {
      if (o.done) took.push_back(o.took);
    }
    if (static_cast<int>(took.size()) < quorum || took.empty()) return false;
    std::nth_element(took.begin(), took.begin() + static_cast<std::ptrdiff_t>(took.size() / 2), took.end());
    auto median = took[took.size() / 2];
    auto wait = std::max<Clock::duration>(std::chrono::duration_cast<Clock::duration>(median * opt_.spare_factor),
                                          opt_.spare_min_wait);
    return now - job.proposed > wait;
  }

  // Proposes every shard that has no live deal, and spares for the laggards, all calls in parallel.
  Status ProposeRound() {
    struct Planned {
      Segment* seg;
      ShardJob* job;
      ProviderInfo provider;
      control::ProposeRequest req;
    };
    std::vector<Planned> plan;
    auto now = Clock::now();
    const bool gathering = FirstProposalsWait(now);
    for (Segment& s : segments_) {
      if (s.complete) continue;
      std::set<std::string> busy;  // chosen in this round
      for (ShardJob& job : s.jobs) {
        bool primary = !job.done && job.attempts.empty() && !gathering;
        bool spare = WantsSpare(s, job, now);
        if (!primary && !spare) continue;
        auto p = NextProvider(s, job, busy);
        if (!p && primary && Clock::now() - last_discovery_ > std::chrono::seconds(1)) {
          // One missed by the lookups so far, or started since, may take it: look again (in the background).
          StartDiscovery(Want());
        }
        if (!p) {
          if (spare) {
            job.spared = true;  // no spare to be had: wait for the first deal
            continue;
          }
          // A provider missed by the lookups so far may still turn up, and a sibling's deal may fail and free one:
          // give up only after a while with no candidate.
          if (job.stuck_since == Clock::time_point{}) job.stuck_since = Clock::now();
          if (Clock::now() - job.stuck_since < opt_.no_provider_timeout) continue;
          return Status::Unavailable("segment " + std::to_string(job.seg) + " shard " + std::to_string(job.shard) +
                                     ": no provider left to take it (" + std::to_string(providers_.size()) +
                                     " known, " + std::to_string(dead_.size()) + " unreachable, " +
                                     std::to_string(job.tried.size()) + " tried)");
        }
        if (spare) job.spared = true;
        job.stuck_since = {};
        std::string id = Id(p->id);
        busy.insert(id);
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
        plan.push_back({&s, &job, *p, std::move(req)});
      }
    }
    if (plan.empty()) return Status::Ok();
    proposed_any_ = true;
    if (TraceEnabled()) {
      Trace("proposing " + std::to_string(plan.size()) + " shards (" + std::to_string(providers_.size()) +
            " providers known, lookup " + (discovery_.valid() ? "under way)" : "done)"));
    }
    std::vector<std::future<Result<control::Envelope>>> calls;
    calls.reserve(plan.size());
    for (const Planned& pl : plan) {
      calls.push_back(std::async(std::launch::async, [this, &pl] {
        return net_.CallOk(pl.provider.ctl, pl.provider.id, control::kTypePropose, pl.req.ToBody(),
                           std::chrono::seconds(5));
      }));
    }
    for (std::size_t i = 0; i < plan.size(); ++i) {
      auto reply = calls[i].get();
      Planned& pl = plan[i];
      std::string id = Id(pl.provider.id);
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
      Attempt a;
      a.provider = pl.provider;
      a.deal = accepted->deal.value();
      a.last_progress = Clock::now();
      if (pl.job->attempts.empty() && !pl.job->done) pl.job->proposed = a.last_progress;
      if (pl.job->done) {
        // The shard was stored meanwhile (cannot happen within one round, kept for safety): drop the extra deal.
        RemoveDeal(a);
        continue;
      }
      pl.job->attempts.push_back(std::move(a));
    }
    if (TraceEnabled()) Trace(std::to_string(plan.size()) + " proposals answered");
    return Status::Ok();
  }

  // Removes a deal in the background (a paused provider must not hold the upload back); Cleanup waits for it.
  void RemoveDeal(const Attempt& a) {
    removals_.push_back(std::async(std::launch::async, [this, ctl = a.provider.ctl, id = a.provider.id, deal = a.deal] {
      (void)net_.control().Call(ctl, id, control::kTypeRemove, control::DealRef{DealId(deal)}.ToBody(),
                                std::chrono::seconds(3));
    }));
  }

  // Ends attempt `i` of `job` after a failure.
  void Drop(ShardJob& job, std::size_t i, bool provider_dead) {
    Attempt a = job.attempts[i];
    job.attempts.erase(job.attempts.begin() + static_cast<std::ptrdiff_t>(i));
    std::string id = Id(a.provider.id);
    if (provider_dead) dead_.insert(id);
    ++failures_[id];
    RemoveDeal(a);
    // A live provider whose deal failed (a download error, a check that failed) may take the shard again, once,
    // after every other candidate: when each provider already holds a shard of the segment there is no other.
    if (!provider_dead && job.second_chances < 1) {
      ++job.second_chances;
      job.tried.erase(id);
    }
  }

  // Polls every live deal of the unfinished segments, in parallel and without waiting for a slow provider: each
  // deal has at most one "deal" call under way, whose answer is handled in the first round after it arrives.
  void PollRound() {
    auto now = Clock::now();
    for (Segment& s : segments_) {
      if (s.complete) continue;
      for (ShardJob& job : s.jobs) {
        for (std::size_t ai = 0; !job.done && ai < job.attempts.size();) {
          Attempt& a = job.attempts[ai];
          if (!a.poll) {
            ++polls_;
            a.poll = std::make_shared<std::future<Result<control::Envelope>>>(
                std::async(std::launch::async, [this, ctl = a.provider.ctl, id = a.provider.id, deal = a.deal] {
                  return net_.CallOk(ctl, id, control::kTypeDeal, control::DealRef{DealId(deal)}.ToBody(),
                                     opt_.poll_timeout);
                }));
            ++ai;
            continue;
          }
          if (a.poll->wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
            ++ai;
            continue;
          }
          auto reply = a.poll->get();
          a.poll.reset();
          if (HandleDealReply(job, ai, reply, now)) ++ai;
        }
      }
    }
  }

  // Returns false when attempt `ai` was removed from the job (dropped, or the job is done).
  bool HandleDealReply(ShardJob& job, std::size_t ai, const Result<control::Envelope>& reply, Clock::time_point now) {
    Attempt& a = job.attempts[ai];
    if (!reply.ok()) {
      if (++a.unreachable < 8) return true;
      Drop(job, ai, true);
      return false;
    }
    a.unreachable = 0;
    auto status = control::DealStatusReply::FromBody(reply->body);
    if (!status.ok() || status->deal.value() != a.deal) return true;
    const std::string& state = status->state;
    if (state == control::kStateStored) {
      job.done = true;
      job.winner = a;
      job.winner.poll.reset();
      job.receipt = reply->raw;
      job.took = now - job.proposed;
      for (std::size_t j = 0; j < job.attempts.size(); ++j) {
        if (j == ai) continue;
        RemoveDeal(job.attempts[j]);  // the spare race's loser
        // A std::async future blocks in its destructor: keep an unanswered poll until Cleanup.
        if (job.attempts[j].poll) stale_polls_.push_back(std::move(job.attempts[j].poll));
      }
      job.attempts.clear();
      return false;
    }
    if (state == control::kStateFailed || state == control::kStateRemoved) {
      Drop(job, ai, false);
      return false;
    }
    if (status->have > a.have) {
      a.have = status->have;
      a.last_progress = now;
    } else if (now - a.last_progress > opt_.stall_timeout) {
      Drop(job, ai, false);
      return false;
    }
    return true;
  }

  // Segments whose shards all have receipts: stop seeding them, delete their spool files, make room for the next.
  void RetireComplete() {
    std::size_t retired = 0;
    for (Segment& s : segments_) {
      if (s.complete) continue;
      bool all = std::all_of(s.jobs.begin(), s.jobs.end(), [](const ShardJob& j) { return j.done; });
      if (!all) continue;
      s.complete = true;
      if (TraceEnabled()) {
        Trace("segment " + std::to_string(s.index) + " every receipt in (" + std::to_string(polls_) +
              " deal polls so far)");
      }
      auto deadline = Clock::now() + std::chrono::seconds(5);
      for (TorrentId id : s.seeds) (void)net_.swarm().Remove(id, RemoveFiles::kKeep, deadline);
      s.seeds.clear();
      for (const std::string& f : s.files) (void)Env::Default()->RemoveFile(f);
      ++retired;
    }
    if (retired > 0) {
      std::lock_guard<std::mutex> lock(mu_);
      in_flight_ -= retired;
      cv_.notify_all();
    }
  }

  // Publishes progress for the caller's thread (progress functions run there, not on the uploader's thread).
  void Report() {
    if (!opt_.progress) return;
    std::uint64_t done = 0;
    for (const Segment& s : segments_) {
      for (const ShardJob& j : s.jobs) done += j.have();
    }
    std::lock_guard<std::mutex> lock(mu_);
    progress_ = {done, total_};
    progress_new_ = true;
    cv_.notify_all();
  }

  // REQUIRES: `lock` holds mu_. Calls the progress function without the lock.
  void Deliver(std::unique_lock<std::mutex>& lock) {
    if (!progress_new_ || !opt_.progress) return;
    progress_new_ = false;
    auto [done, total] = progress_;
    lock.unlock();
    opt_.progress(done, total);
    lock.lock();
  }

  Status Loop() {
    for (const ProviderInfo& p : opt_.providers) providers_[Id(p.id)] = p;
    if (!providers_.empty()) Trace(std::to_string(providers_.size()) + " providers known before the lookup");
    // Without enough known providers, first proposals wait until this lookup has found k + m (it hands each provider
    // over as its record comes in: FirstProposalsWait) and not for its last pass; the lookup keeps gathering
    // meanwhile, for later proposals and segments. Known ones are refreshed in the background by a lookup that
    // returns once it has heard as many. Either stops when the put is over.
    StartDiscovery(providers_.empty() ? Want() : std::max(providers_.size(), static_cast<std::size_t>(n())));
    for (;;) {
      if (opt_.cancel && opt_.cancel->load()) return Status::Cancelled("put cancelled");
      CollectDiscovery();
      bool no_more = false;
      CAIRN_RETURN_IF_ERROR(TakePending(no_more));
      CAIRN_RETURN_IF_ERROR(ProposeRound());
      PollRound();
      RetireComplete();
      Report();
      bool all_complete = std::all_of(segments_.begin(), segments_.end(), [](const Segment& s) { return s.complete; });
      if (no_more && all_complete) {
        std::lock_guard<std::mutex> lock(mu_);
        if (pending_.empty()) return Status::Ok();
        continue;
      }
      std::unique_lock<std::mutex> lock(mu_);
      // Wake early when a segment is handed over, a provider is found, the put ends or is aborted.
      cv_.wait_for(lock, opt_.poll_interval,
                   [&] { return abort_ || !pending_.empty() || !heard_.empty() || (no_more_ && !no_more); });
    }
  }

  void Abandon() {
    for (Segment& s : segments_) {
      for (ShardJob& job : s.jobs) {
        for (const Attempt& a : job.attempts) RemoveDeal(a);
        if (job.done) RemoveDeal(job.winner);
      }
    }
  }

  void Cleanup() {
    // The put is over: a lookup still under way stops (within 100 ms), and what it found refreshes the cache.
    stop_discovery_ = true;
    if (discovery_.valid()) {
      discovery_.wait();
      CollectDiscovery();
    }
    auto deadline = Clock::now() + std::chrono::seconds(5);
    for (Segment& s : segments_) {
      for (TorrentId id : s.seeds) (void)net_.swarm().Remove(id, RemoveFiles::kKeep, deadline);
      s.seeds.clear();
    }
    for (auto& r : removals_) r.get();
    removals_.clear();
    // Polls still under way end within their timeout.
    for (auto& p : stale_polls_) p->wait();
    stale_polls_.clear();
    for (Segment& s : segments_) {
      for (ShardJob& job : s.jobs) {
        for (Attempt& a : job.attempts) {
          if (a.poll) a.poll->wait();
        }
      }
    }
  }

  ClientNet& net_;
  const int k_;
  const int m_;
  const std::string spool_;
  const UploadOptions opt_;
  std::thread thread_;

  // Handover between the put's thread and the uploader's.
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<std::uint32_t, SegmentCoding>> pending_;
  std::size_t in_flight_ = 0;  // handed over and not yet complete
  bool no_more_ = false;
  bool abort_ = false;
  bool ended_ = false;
  Status result_;
  std::vector<Placement> placements_;
  std::pair<std::uint64_t, std::uint64_t> progress_{0, 0};
  bool progress_new_ = false;
  std::vector<ProviderInfo> heard_;          // found by the lookup under way, not yet merged into providers_
  std::size_t asking_ = 0;                   // endpoints that lookup heard and is still asking for their records
  std::atomic<bool> stop_discovery_{false};  // set when the put is over

  // The uploader thread's own state.
  std::map<std::string, ProviderInfo> providers_;
  std::map<std::string, std::uint32_t> failures_;
  std::set<std::string> dead_;
  std::deque<Segment> segments_;  // a deque: jobs are referred to by pointer while new segments arrive
  std::vector<std::future<void>> removals_;
  std::vector<std::shared_ptr<std::future<Result<control::Envelope>>>> stale_polls_;
  Clock::time_point last_discovery_;
  std::size_t discovery_asking_ = 0;  // asking_ when last collected
  bool proposed_any_ = false;         // this put has sent a proposal
  Clock::time_point enough_since_;    // when the first proposals had k + m providers and waited for stragglers
  std::future<Result<std::vector<DiscoveredProvider>>> discovery_;  // the lookup under way, if valid()
  std::uint64_t total_ = 0;
  std::uint64_t polls_ = 0;  // "deal" calls made (for the trace)
};

SegmentUploader::SegmentUploader(ClientNet& net, int k, int m, std::string spool_dir, UploadOptions options)
    : impl_(std::make_unique<Impl>(net, k, m, std::move(spool_dir), std::move(options))) {}

SegmentUploader::~SegmentUploader() = default;

Status SegmentUploader::AddSegment(std::uint32_t seg, const SegmentCoding& coding) {
  return impl_->AddSegment(seg, coding);
}

Result<std::vector<Placement>> SegmentUploader::Finish() { return impl_->Finish(); }

void SegmentUploader::Abort() { impl_->Abort(); }

void SegmentUploader::ReportProgress() { impl_->ReportProgress(); }

std::size_t ProvidersWanted(int k, int m) { return static_cast<std::size_t>(k + m) + 2; }

int ShardPieceSize(std::uint64_t shard_size) {
  std::uint64_t piece = std::uint64_t{16} * 1024;
  while (piece * 1024 < shard_size && piece < (16u << 20)) piece <<= 1;
  return static_cast<int>(piece);
}

}  // namespace cairn::client
