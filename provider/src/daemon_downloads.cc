// The owner loop: posted work, downloads, finishing (comm_d check, durable install, "stored"), seeding, resume data.
#include <set>

#include "cairn/core/control_messages.h"
#include "cairn/core/hex.h"
#include "daemon_core.h"
#include "log.h"
#include "shard_file.h"

namespace cairn::provider {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxResumeDataBytes = 64 << 20;
constexpr auto kSwarmOpTimeout = std::chrono::seconds(5);
constexpr auto kReconnectInterval = std::chrono::seconds(5);
// A finished download whose writes libtorrent has not confirmed after this many flushes (5 s each) fails.
constexpr int kMaxFlushAttempts = 6;

std::string Short(const Hash32& h) { return ToHex(ByteSpan(h).first(6)); }

Result<control::ProposeRequest> LoadProposal(const DealStore& store, const DealId& deal) {
  CAIRN_ASSIGN_OR_RETURN(Bytes body, store.GetProposal(deal));
  CAIRN_ASSIGN_OR_RETURN(wire::Value::Dict dict, wire::DecodeFrameBody(body));
  return control::ProposeRequest::FromBody(dict);
}

void RemoveQuietly(Env* env, const std::string& path) {
  Status s = env->RemoveFile(path);
  if (!s.ok() && s.code() != Code::kNotFound) LogLine("cannot remove " + path + ": " + s.ToString());
}

}  // namespace

std::uint64_t Daemon::Core::Now() const { return env->WallMicros() / 1'000'000; }

std::chrono::milliseconds Daemon::Core::Tick() {
  std::deque<PostedWork> batch;
  {
    std::lock_guard<std::mutex> lock(mu);
    batch.swap(work);
  }
  for (const PostedWork& w : batch) {
    if (w.kind == PostedWork::Kind::kStartDownload) StartDownload(w.deal);
    if (w.kind == PostedWork::Kind::kDropDeal) DropDeal(w.deal, w.shard);
  }
  AdvanceDownloads();
  MaybeReannounce();
  if (Clock::now() - last_resume_save >= options.resume_interval) SaveResumeData(false);
  return downloads.empty() ? std::chrono::milliseconds(100) : std::chrono::milliseconds(25);
}

void Daemon::Core::MaybeReannounce() {
  // libtorrent announces what was added before the DHT had nodes only after 15 minutes, and announces stored while
  // few nodes were known miss the nodes closest to the key that join later: re-announce whenever the routing table
  // has doubled, every 5 s during the first minute (a devnet's clients arrive then) and every minute until ten.
  const auto now = Clock::now();
  const int nodes = swarm->DhtNodeCount();
  if (nodes <= 0) return;
  const bool grew = nodes >= 2 * std::max(reannounced_nodes, 1) || reannounced_nodes == 0;
  const auto age = now - started;
  const auto cadence = age < std::chrono::minutes(1) ? std::chrono::seconds(5) : std::chrono::seconds(60);
  const bool young = age < std::chrono::minutes(10) && now - last_reannounce >= cadence;
  if (!(grew && now - last_reannounce >= std::chrono::seconds(2)) && !young) return;
  Status s = swarm->ForceReannounce();
  if (!s.ok()) LogLine("DHT re-announce failed: " + s.ToString());
  last_reannounce = now;
  reannounced_nodes = nodes;
}

Status Daemon::Core::ResumeAll() {
  CAIRN_ASSIGN_OR_RETURN(std::vector<DealRecord> all, deals->List());
  int resumed = 0, seeded = 0;
  for (const DealRecord& d : all) {
    if (d.state == DealState::kAccepted || d.state == DealState::kDownloading) {
      StartDownload(d.id);
      ++resumed;
    } else if (d.state == DealState::kStored) {
      Status s = SeedShard(d);
      if (!s.ok()) {
        LogLine("cannot seed stored shard " + Short(d.shard.value()) + ": " + s.ToString());
      } else {
        ++seeded;
      }
    }
  }
  LogLine("resumed " + std::to_string(resumed) + " downloads, seeding " + std::to_string(seeded) + " shards");
  return Status::Ok();
}

void Daemon::Core::RecoverInstalledShards() {
  auto all = deals->List();
  if (!all.ok()) return;
  for (const DealRecord& d : *all) {
    if (d.state != DealState::kAccepted && d.state != DealState::kDownloading) continue;
    const std::string path = dir.ShardPath(d.shard);
    if (!env->FileExists(path)) continue;
    auto comm_d = ComputeFileCommD(env, path, d.size);
    if (!comm_d.ok() || *comm_d != d.shard.value()) continue;  // DeleteOrphans removes it
    auto stored = deals->Transition(d.id, DealState::kStored, "", Now());
    if (stored.ok()) {
      LogLine("deal " + Short(d.id.value()) + ": found its complete shard installed, recorded it stored");
      (void)RemoveFlatDir(env, dir.SpoolDir(d.id));
      RemoveQuietly(env, dir.ResumePath(d.id));
    }
  }
}

void Daemon::Core::DeleteOrphans() {
  auto all = deals->List();
  if (!all.ok()) {
    LogLine("cannot list deals to clean up: " + all.status().ToString());
    return;
  }
  std::set<std::string> stored, active;
  for (const DealRecord& d : *all) {
    if (d.state == DealState::kStored) stored.insert(ToHex(d.shard.value()));
    if (d.state == DealState::kAccepted || d.state == DealState::kDownloading) active.insert(ToHex(d.id.value()));
  }
  auto sweep = [&](const std::string& dir, const std::set<std::string>& keep, bool dirs) {
    auto names = env->ListDir(dir);
    if (!names.ok()) return;
    for (const std::string& name : *names) {
      if (keep.count(name)) continue;
      LogLine("deleting leftover " + dir + "/" + name);
      if (dirs) {
        Status s = RemoveFlatDir(env, dir + "/" + name);
        if (!s.ok()) LogLine("cannot remove " + dir + "/" + name + ": " + s.ToString());
      } else {
        RemoveQuietly(env, dir + "/" + name);
      }
    }
  };
  sweep(dir.shards_dir(), stored, false);  // shards of removed deals, atomic-write temp files
  sweep(dir.spool_dir(), active, true);
  sweep(dir.resume_dir(), active, false);
  if (env->FileExists(dir.corrupt_dir())) sweep(dir.corrupt_dir(), {}, false);
}

void Daemon::Core::StartDownload(const DealId& deal) {
  if (downloads.count(deal)) return;
  auto found = deals->Get(deal);
  if (!found.ok() || !found->has_value()) return;
  DealRecord d = **found;
  if (d.state != DealState::kAccepted && d.state != DealState::kDownloading) return;
  auto proposal = LoadProposal(*deals, deal);
  if (!proposal.ok()) {
    FailDeal(deal, "cannot read the proposal: " + proposal.status().message());
    return;
  }
  const std::string spool = dir.SpoolDir(deal);
  Status made = env->CreateDirs(spool);
  if (!made.ok()) {
    FailDeal(deal, "cannot create the spool: " + made.message());
    return;
  }
  Result<TorrentId> id = Status::NotFound("no resume data");
  if (env->FileExists(dir.ResumePath(deal))) {
    auto resume = ReadFileToBytes(env, dir.ResumePath(deal), kMaxResumeDataBytes);
    if (resume.ok()) id = swarm->AddFromResumeData(*resume, {proposal->peer});
    if (!id.ok())
      LogLine("deal " + Short(deal.value()) + ": resume data unusable, downloading again: " + id.status().ToString());
  }
  if (!id.ok()) {
    DownloadRequest req;
    req.torrent = proposal->torrent;
    req.save_dir = spool;
    req.peers = {proposal->peer};
    id = swarm->Download(req);
  }
  if (!id.ok()) {
    FailDeal(deal, "cannot start the download: " + id.status().message());
    return;
  }
  if (d.state == DealState::kAccepted) {
    auto moved = deals->Transition(deal, DealState::kDownloading, "", Now());
    if (!moved.ok()) {  // removed meanwhile
      (void)swarm->Remove(*id, RemoveFiles::kDelete, Clock::now() + kSwarmOpTimeout);
      return;
    }
  }
  ActiveDownload a;
  a.torrent = *id;
  a.shard = d.shard;
  a.size = d.size;
  a.peer = proposal->peer;
  a.started = a.last_progress = a.last_connect = Clock::now();
  downloads.emplace(deal, a);
  LogLine("deal " + Short(deal.value()) + ": downloading from " + d.peer);
}

void Daemon::Core::AdvanceDownloads() {
  for (auto it = downloads.begin(); it != downloads.end();) {
    const DealId deal = it->first;
    ActiveDownload& a = it->second;
    auto st = swarm->GetStatus(a.torrent);
    if (!st.ok()) {
      LogLine("deal " + Short(deal.value()) + ": no torrent status: " + st.status().ToString());
      ++it;
      continue;
    }
    {
      std::lock_guard<std::mutex> lock(mu);
      have[deal] = st->bytes_done;
    }
    const auto now = Clock::now();
    if (st->state == TorrentState::kSeeding) {
      // libtorrent calls a piece complete once its hash passed, and hashes blocks still queued for writing: the
      // file may lack them until the flush is confirmed. Never read it before (a comm_d mismatch, or worse, a
      // shard installed with holes, follows).
      Status flushed = swarm->Flush(a.torrent, Clock::now() + kSwarmOpTimeout);
      if (!flushed.ok()) {
        LogLine("deal " + Short(deal.value()) + ": writes of the finished download not confirmed yet: " +
                flushed.ToString());
        if (++a.flush_attempts < kMaxFlushAttempts) {
          ++it;
          continue;
        }
        (void)swarm->Remove(a.torrent, RemoveFiles::kDelete, Clock::now() + kSwarmOpTimeout);
        it = downloads.erase(it);
        FailDeal(deal, "the downloaded shard's writes were not confirmed: " + flushed.message());
        continue;
      }
      ActiveDownload done = a;
      it = downloads.erase(it);
      FinishDownload(deal, done, st->save_path + "/" + st->name);
      continue;
    }
    // Progress seen in this snapshot counts before the stall check: a tick that comes late (a loaded machine) must
    // not fail a download that moved meanwhile.
    if (st->bytes_done > a.last_bytes) {
      a.last_bytes = st->bytes_done;
      a.last_progress = now;
    }
    if (st->state == TorrentState::kError || now - a.last_progress > options.stall_timeout) {
      std::string why = st->state == TorrentState::kError ? "download error: " + st->error : "download stalled";
      (void)swarm->Remove(a.torrent, RemoveFiles::kDelete, now + kSwarmOpTimeout);
      it = downloads.erase(it);
      FailDeal(deal, why);
      continue;
    }
    if (st->peers == 0 && now - a.last_connect > kReconnectInterval) {
      a.last_connect = now;
      (void)swarm->ConnectPeer(a.torrent, a.peer);
    }
    ++it;
  }
}

void Daemon::Core::FinishDownload(const DealId& deal, const ActiveDownload& a, const std::string& path) {
  const auto t0 = Clock::now();
  // REQUIRES: the torrent was flushed (AdvanceDownloads), so every block is in the file. Close libtorrent's handles
  // on the spool file before it moves.
  Status removed = swarm->Remove(a.torrent, RemoveFiles::kKeep, Clock::now() + kSwarmOpTimeout);
  if (!removed.ok()) LogLine("deal " + Short(deal.value()) + ": removing the torrent: " + removed.ToString());
  const auto t1 = Clock::now();
  auto comm_d = ComputeFileCommD(env, path, a.size);
  if (!comm_d.ok()) {
    FailDeal(deal, "downloaded shard unreadable: " + comm_d.status().message());
    return;
  }
  if (*comm_d != a.shard.value()) {
    FailDeal(deal, "downloaded shard does not match its comm_d");
    return;
  }
  const auto t2 = Clock::now();
  const std::string final_path = dir.ShardPath(a.shard);
  Status installed = InstallFileDurably(env, path, final_path);
  if (!installed.ok()) {
    FailDeal(deal, "cannot store the shard: " + installed.message());
    return;
  }
  const auto t3 = Clock::now();
  auto stored = deals->Transition(deal, DealState::kStored, "", Now());
  if (!stored.ok()) {  // removed while we were finishing
    RemoveQuietly(env, final_path);
    FailDeal(deal, "");
    return;
  }
  (void)RemoveFlatDir(env, dir.SpoolDir(deal));
  RemoveQuietly(env, dir.ResumePath(deal));
  {
    std::lock_guard<std::mutex> lock(mu);
    have.erase(deal);
  }
  auto ms = [](Clock::duration d) {
    return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) + " ms";
  };
  LogLine("deal " + Short(deal.value()) + ": shard " + Short(a.shard.value()) + " stored (" + std::to_string(a.size) +
          " bytes; download " + ms(t0 - a.started) + ", torrent removal " + ms(t1 - t0) + ", comm_d " + ms(t2 - t1) +
          ", fsync + rename " + ms(t3 - t2) + ", commit " + ms(Clock::now() - t3) + ")");
  Status seeded = SeedShard(*stored);
  if (!seeded.ok()) LogLine("cannot seed shard " + Short(a.shard.value()) + ": " + seeded.ToString());
}

void Daemon::Core::FailDeal(const DealId& deal, const std::string& reason) {
  auto found = deals->Get(deal);
  if (found.ok() && found->has_value() && IsAllowedTransition((*found)->state, DealState::kFailed)) {
    auto moved = deals->Transition(deal, DealState::kFailed, reason, Now());
    if (!moved.ok()) LogLine("deal " + Short(deal.value()) + ": cannot record failure: " + moved.status().ToString());
    LogLine("deal " + Short(deal.value()) + " failed: " + reason);
  }
  Status s = RemoveFlatDir(env, dir.SpoolDir(deal));
  if (!s.ok()) LogLine("cannot remove spool of deal " + Short(deal.value()) + ": " + s.ToString());
  RemoveQuietly(env, dir.ResumePath(deal));
  std::lock_guard<std::mutex> lock(mu);
  have.erase(deal);
}

void Daemon::Core::DropDeal(const DealId& deal, const ShardId& shard) {
  const auto deadline = Clock::now() + kSwarmOpTimeout;
  auto active = downloads.find(deal);
  if (active != downloads.end()) {
    (void)swarm->Remove(active->second.torrent, RemoveFiles::kDelete, deadline);
    downloads.erase(active);
  }
  Status s = RemoveFlatDir(env, dir.SpoolDir(deal));
  if (!s.ok()) LogLine("cannot remove spool of deal " + Short(deal.value()) + ": " + s.ToString());
  RemoveQuietly(env, dir.ResumePath(deal));
  {
    std::lock_guard<std::mutex> lock(mu);
    have.erase(deal);
  }
  // Another deal may hold the shard by now (this one failed or was removed first). If it is stored, the file is its
  // own and stays; if it is still downloading, its file arrives by rename later, so the old one can go.
  auto holder = deals->FindByShard(shard);
  if (!holder.ok()) {
    LogLine("cannot look up shard " + Short(shard.value()) + ", keeping its file: " + holder.status().ToString());
    return;
  }
  if (holder->has_value() && (*holder)->id != deal && (*holder)->state == DealState::kStored) return;
  auto seeded = seeding.find(shard);
  if (seeded != seeding.end()) {
    (void)swarm->Remove(seeded->second, RemoveFiles::kKeep, deadline);
    seeding.erase(seeded);
  }
  RemoveQuietly(env, dir.ShardPath(shard));
  RemoveQuietly(env, dir.CorruptPath(shard));
}

Status Daemon::Core::SeedShard(const DealRecord& deal) {
  if (seeding.count(deal.shard)) return Status::Ok();
  CAIRN_ASSIGN_OR_RETURN(control::ProposeRequest proposal, LoadProposal(*deals, deal.id));
  const std::string path = dir.ShardPath(deal.shard);
  if (!env->FileExists(path)) return Status::NotFound("stored shard file " + path + " is missing");
  TorrentId id;
  if (options.corrupt_serve) {
    // TEST ONLY: serve a copy that libtorrent checks while intact and that is corrupted afterwards, so peers get
    // bytes failing their hashes.
    const std::string copy = dir.CorruptPath(deal.shard);
    CAIRN_RETURN_IF_ERROR(env->CreateDirs(dir.corrupt_dir()));
    CAIRN_RETURN_IF_ERROR(CopyFileDurably(env, path, copy));
    SeedOptions so;
    so.trust_data = false;
    CAIRN_ASSIGN_OR_RETURN(id, swarm->Seed(copy, proposal.torrent, so));
    CAIRN_RETURN_IF_ERROR(swarm->WaitForComplete(id, Clock::now() + std::chrono::seconds(60)));
    CAIRN_RETURN_IF_ERROR(CorruptFileInPlace(copy));
    LogLine("TEST ONLY: serving a corrupted copy of shard " + Short(deal.shard.value()));
  } else {
    CAIRN_ASSIGN_OR_RETURN(id, swarm->Seed(path, proposal.torrent));
  }
  seeding.emplace(deal.shard, id);
  return Status::Ok();
}

void Daemon::Core::SaveResumeData(bool all) {
  last_resume_save = Clock::now();
  for (auto& [deal, a] : downloads) {
    auto st = swarm->GetStatus(a.torrent);
    if (!st.ok() || (!all && st->bytes_done == a.saved_bytes)) continue;
    auto data = swarm->SaveResumeData(a.torrent, Clock::now() + std::chrono::seconds(2));
    if (!data.ok()) {
      LogLine("deal " + Short(deal.value()) + ": no resume data: " + data.status().ToString());
      continue;
    }
    Status s = WriteFileAtomic(env, dir.ResumePath(deal), *data);
    if (!s.ok()) {
      LogLine("deal " + Short(deal.value()) + ": cannot save resume data: " + s.ToString());
      continue;
    }
    a.saved_bytes = st->bytes_done;
  }
}

}  // namespace cairn::provider
