// Swarm's public operations: each validates its input on the caller's thread, then posts the libtorrent work to
// the owner thread (swarm_impl.cc) or waits on the snapshots it publishes.
#include "cairn/core/swarm.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "swarm_impl.h"

namespace cairn {

using swarm_internal::ParseResumeData;
using swarm_internal::ParseTorrent;
using swarm_internal::ToSha1;
using swarm_internal::ToSha256;
using swarm_internal::ToTcp;

namespace {

Result<std::string> AbsoluteDir(const std::string& dir) {
  if (dir.empty()) return Status::InvalidArgument("empty directory");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError("create " + dir + ": " + ec.message());
  std::filesystem::path abs = std::filesystem::absolute(dir, ec);
  if (ec) return Status::IOError("absolute path of " + dir + ": " + ec.message());
  return abs.lexically_normal().string();
}

Result<std::vector<lt::tcp::endpoint>> ToTcpAll(const std::vector<Endpoint>& peers) {
  std::vector<lt::tcp::endpoint> out;
  for (const Endpoint& p : peers) {
    CAIRN_ASSIGN_OR_RETURN(lt::tcp::endpoint e, ToTcp(p));
    out.push_back(e);
  }
  return out;
}

}  // namespace

Result<SwarmOptions::DiskIo> DiskIoFromEnv(const char* var, SwarmOptions::DiskIo fallback) {
  const char* v = std::getenv(var);
  if (v == nullptr) return fallback;
  const std::string_view io(v);
  if (io == "mmap") return SwarmOptions::DiskIo::kMmap;
  if (io == "posix") return SwarmOptions::DiskIo::kPosix;
  return Status::InvalidArgument(std::string(var) + " must be mmap or posix");
}

std::string_view TorrentStateName(TorrentState s) {
  switch (s) {
    case TorrentState::kChecking:
      return "checking";
    case TorrentState::kFetchingMetadata:
      return "fetching-metadata";
    case TorrentState::kDownloading:
      return "downloading";
    case TorrentState::kSeeding:
      return "seeding";
    case TorrentState::kError:
      return "error";
  }
  return "unknown";
}

Swarm::Swarm(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Swarm::~Swarm() = default;

Result<std::unique_ptr<Swarm>> Swarm::Start(const SwarmOptions& options) {
  CAIRN_RETURN_IF_ERROR(swarm_internal::ValidateOptions(options));
  auto impl = std::make_unique<Impl>(options);
  CAIRN_RETURN_IF_ERROR(impl->Start());
  return std::unique_ptr<Swarm>(new Swarm(std::move(impl)));
}

Endpoint Swarm::listen_endpoint() const {
  std::lock_guard<std::mutex> lock(impl_->mu_);
  return impl_->tcp_endpoint_;
}

Endpoint Swarm::dht_endpoint() const {
  std::lock_guard<std::mutex> lock(impl_->mu_);
  return impl_->udp_endpoint_;
}

Result<TorrentId> Swarm::Seed(const std::string& file_path, ByteSpan torrent, const SeedOptions& options) {
  CAIRN_ASSIGN_OR_RETURN(std::shared_ptr<lt::torrent_info> ti, ParseTorrent(torrent));
  std::error_code ec;
  const std::filesystem::path path = std::filesystem::absolute(file_path, ec).lexically_normal();
  if (ec) return Status::IOError("absolute path of " + file_path + ": " + ec.message());
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) return Status::NotFound(file_path + ": " + ec.message());
  const std::int64_t want = ti->files().file_size(lt::file_index_t{0});
  if (size != static_cast<std::uintmax_t>(want)) {
    return Status::InvalidArgument(file_path + " has " + std::to_string(size) + " bytes, the torrent " +
                                   std::to_string(want));
  }
  lt::add_torrent_params atp;
  atp.save_path = path.parent_path().string();
  // The file may be stored under any name: map the torrent's single file onto it.
  const std::string base = path.filename().string();
  if (ti->files().file_path(lt::file_index_t{0}) != base) atp.renamed_files[lt::file_index_t{0}] = base;
  if (options.trust_data && options.pieces_verified) {
    // libtorrent 2.0 reads add_torrent_params::verified_pieces only in seed mode: the pieces set there are served
    // without the async hash a seed-mode torrent otherwise runs on each piece's first request.
    atp.verified_pieces.resize(ti->num_pieces(), true);
  }
  atp.ti = std::move(ti);
  if (options.trust_data) atp.flags |= lt::torrent_flags::seed_mode;
  atp.upload_limit = options.upload_rate_limit > 0 ? options.upload_rate_limit : -1;
  return impl_->Call([this, atp = std::move(atp)](lt::session& ses) mutable -> Result<TorrentId> {
    return impl_->AddTorrent(ses, std::move(atp));
  });
}

Result<TorrentId> Swarm::Download(const DownloadRequest& request) {
  lt::add_torrent_params atp;
  if (!request.torrent.empty()) {
    CAIRN_ASSIGN_OR_RETURN(atp.ti, ParseTorrent(request.torrent));
    if (request.info_hash && ToSha256(*request.info_hash) != atp.ti->info_hashes().v2) {
      return Status::InvalidArgument("the info-hash does not match the torrent");
    }
  } else if (request.info_hash) {
    atp.info_hashes = lt::info_hash_t(ToSha256(*request.info_hash));
  } else {
    return Status::InvalidArgument("a download needs a torrent or an info-hash");
  }
  CAIRN_ASSIGN_OR_RETURN(atp.save_path, AbsoluteDir(request.save_dir));
  CAIRN_ASSIGN_OR_RETURN(std::vector<lt::tcp::endpoint> peers, ToTcpAll(request.peers));
  atp.peers = std::move(peers);
  atp.download_limit = request.download_rate_limit > 0 ? request.download_rate_limit : -1;
  return impl_->Call([this, atp = std::move(atp)](lt::session& ses) mutable -> Result<TorrentId> {
    return impl_->AddTorrent(ses, std::move(atp));
  });
}

Result<TorrentId> Swarm::AddFromResumeData(ByteSpan resume_data, const std::vector<Endpoint>& peers) {
  CAIRN_ASSIGN_OR_RETURN(lt::add_torrent_params atp, ParseResumeData(resume_data));
  CAIRN_ASSIGN_OR_RETURN(std::vector<lt::tcp::endpoint> extra, ToTcpAll(peers));
  atp.peers.insert(atp.peers.end(), extra.begin(), extra.end());
  return impl_->Call([this, atp = std::move(atp)](lt::session& ses) mutable -> Result<TorrentId> {
    return impl_->AddTorrent(ses, std::move(atp));
  });
}

Result<TorrentStatus> Swarm::GetStatus(TorrentId id) const {
  std::lock_guard<std::mutex> lock(impl_->mu_);
  auto it = impl_->snapshots_.find(id.value());
  if (it == impl_->snapshots_.end()) return Status::NotFound("no torrent " + std::to_string(id.value()));
  return it->second;
}

Status Swarm::WaitForComplete(TorrentId id, SteadyTime deadline) const {
  std::unique_lock<std::mutex> lock(impl_->mu_);
  Status result = Status::DeadlineExceeded("torrent " + std::to_string(id.value()) + " did not complete in time");
  impl_->cv_.wait_until(lock, deadline, [&] {
    auto it = impl_->snapshots_.find(id.value());
    if (it == impl_->snapshots_.end()) {
      result = Status::NotFound("no torrent " + std::to_string(id.value()));
      return true;
    }
    if (it->second.state == TorrentState::kSeeding) {
      result = Status::Ok();
      return true;
    }
    if (it->second.state == TorrentState::kError) {
      result = Status::IOError("torrent " + std::to_string(id.value()) + ": " + it->second.error);
      return true;
    }
    return false;
  });
  return result;
}

Status Swarm::WaitFor(TorrentId id, const std::function<bool(const TorrentStatus&)>& done, SteadyTime deadline) const {
  std::unique_lock<std::mutex> lock(impl_->mu_);
  Status result =
      Status::DeadlineExceeded("torrent " + std::to_string(id.value()) + " did not reach the state in time");
  impl_->cv_.wait_until(lock, deadline, [&] {
    auto it = impl_->snapshots_.find(id.value());
    if (it == impl_->snapshots_.end()) {
      result = Status::NotFound("no torrent " + std::to_string(id.value()));
      return true;
    }
    if (done(it->second)) {
      result = Status::Ok();
      return true;
    }
    return false;
  });
  return result;
}

Status Swarm::ConnectPeer(TorrentId id, const Endpoint& peer) {
  CAIRN_ASSIGN_OR_RETURN(lt::tcp::endpoint ep, ToTcp(peer));
  return impl_->Call([this, id, ep](lt::session&) -> Status {
    CAIRN_ASSIGN_OR_RETURN(lt::torrent_handle h, impl_->Handle(id));
    h.connect_peer(ep);
    return Status::Ok();
  });
}

Status Swarm::Remove(TorrentId id, RemoveFiles files, SteadyTime deadline) {
  auto slot = std::make_shared<Impl::RemoveSlot>();
  slot->delete_files = files == RemoveFiles::kDelete;
  CAIRN_RETURN_IF_ERROR(impl_->Call([this, id, files, slot](lt::session& ses) -> Status {
    CAIRN_ASSIGN_OR_RETURN(lt::torrent_handle h, impl_->Handle(id));
    {
      std::lock_guard<std::mutex> lock(impl_->mu_);
      impl_->remove_slots_.emplace_back(h.info_hashes().v2, slot);
    }
    ses.remove_torrent(h, files == RemoveFiles::kDelete ? lt::session::delete_files : lt::remove_flags_t{});
    impl_->ForgetTorrent(id);
    return Status::Ok();
  }));
  std::unique_lock<std::mutex> lock(impl_->mu_);
  if (!impl_->cv_.wait_until(lock, deadline, [&] { return slot->done; })) {
    return Status::DeadlineExceeded("removal of torrent " + std::to_string(id.value()) + " not confirmed in time");
  }
  return slot->status;
}

Status Swarm::Flush(TorrentId id, SteadyTime deadline) {
  auto slot = std::make_shared<Impl::FlushSlot>();
  CAIRN_RETURN_IF_ERROR(impl_->Call([this, id, slot](lt::session&) -> Status {
    CAIRN_ASSIGN_OR_RETURN(lt::torrent_handle h, impl_->Handle(id));
    {
      std::lock_guard<std::mutex> lock(impl_->mu_);
      impl_->flush_slots_.emplace(id.value(), slot);
    }
    h.flush_cache();
    return Status::Ok();
  }));
  std::unique_lock<std::mutex> lock(impl_->mu_);
  if (!impl_->cv_.wait_until(lock, deadline, [&] { return slot->done; })) {
    // Forget the slot: a late alert must not find it, and the map must not grow with abandoned waits.
    for (auto it = impl_->flush_slots_.begin(); it != impl_->flush_slots_.end(); ++it) {
      if (it->second == slot) {
        impl_->flush_slots_.erase(it);
        break;
      }
    }
    return Status::DeadlineExceeded("flush of torrent " + std::to_string(id.value()) + " not confirmed in time");
  }
  return Status::Ok();
}

Result<Bytes> Swarm::SaveResumeData(TorrentId id, SteadyTime deadline) {
  auto slot = std::make_shared<Impl::ResumeSlot>();
  CAIRN_RETURN_IF_ERROR(impl_->Call([this, id, slot](lt::session&) -> Status {
    CAIRN_ASSIGN_OR_RETURN(lt::torrent_handle h, impl_->Handle(id));
    {
      std::lock_guard<std::mutex> lock(impl_->mu_);
      impl_->resume_slots_.emplace(id.value(), slot);
    }
    h.save_resume_data(lt::torrent_handle::flush_disk_cache | lt::torrent_handle::save_info_dict);
    return Status::Ok();
  }));
  std::unique_lock<std::mutex> lock(impl_->mu_);
  if (!impl_->cv_.wait_until(lock, deadline, [&] { return slot->done; })) {
    return Status::DeadlineExceeded("resume data of torrent " + std::to_string(id.value()) + " not ready in time");
  }
  return slot->result;
}

Status Swarm::AddDhtNode(const Endpoint& node) {
  if (!impl_->options().enable_dht) return Status::FailedPrecondition("the DHT is off");
  CAIRN_RETURN_IF_ERROR(ToTcp(node).status());
  return impl_->Call([node](lt::session& ses) -> Status {
    ses.add_dht_node({node.ip, node.port});
    return Status::Ok();
  });
}

int Swarm::DhtNodeCount() const {
  std::lock_guard<std::mutex> lock(impl_->mu_);
  return impl_->dht_nodes_;
}

Status Swarm::WaitForDhtNodes(int min_nodes, SteadyTime deadline) const {
  if (!impl_->options().enable_dht) return Status::FailedPrecondition("the DHT is off");
  std::unique_lock<std::mutex> lock(impl_->mu_);
  if (!impl_->cv_.wait_until(lock, deadline, [&] { return impl_->dht_nodes_ >= min_nodes; })) {
    return Status::DeadlineExceeded("DHT has " + std::to_string(impl_->dht_nodes_) + " nodes, wanted " +
                                    std::to_string(min_nodes));
  }
  return Status::Ok();
}

Status Swarm::AnnounceRendezvous(const RendezvousKey& key, std::uint16_t port) {
  if (!impl_->options().enable_dht) return Status::FailedPrecondition("the DHT is off");
  if (port == 0) return Status::InvalidArgument("cannot announce port 0");
  return impl_->Call([this, key, port](lt::session& ses) -> Status {
    impl_->RememberRendezvous(key, port);
    ses.dht_announce(ToSha1(key), port);
    return Status::Ok();
  });
}

Status Swarm::StopAnnouncing(const RendezvousKey& key) {
  return impl_->Call([this, key](lt::session&) -> Status {
    impl_->ForgetRendezvous(key);
    return Status::Ok();
  });
}

Result<std::vector<Endpoint>> Swarm::LookupRendezvous(const RendezvousKey& key, std::chrono::milliseconds timeout,
                                                      std::size_t enough, const RendezvousCallback& on_heard,
                                                      const std::atomic<bool>* cancel) {
  if (!impl_->options().enable_dht) return Status::FailedPrecondition("the DHT is off");
  const SteadyTime deadline = std::chrono::steady_clock::now() + timeout;
  // A lookup that started while the routing table was nearly empty ends early and finds nothing: re-issue it, at
  // least every 2 s however long the lookup.
  const auto retry_every =
      std::clamp<std::chrono::milliseconds>(timeout / 4, std::chrono::milliseconds(500), std::chrono::seconds(2));
  constexpr std::chrono::milliseconds kCancelPoll{100};
  auto slot = std::make_shared<Impl::LookupSlot>();
  slot->key = ToSha1(key);
  {
    std::lock_guard<std::mutex> lock(impl_->mu_);
    impl_->lookups_.push_back(slot);
  }
  Status status;
  std::size_t reported = 0;  // slot->arrived[0, reported) went to on_heard
  bool stopped = false;      // on_heard asked to stop, or `cancel` was set
  auto enough_known = [&] { return enough > 0 && slot->found.size() >= enough; };
  auto fresh_arrived = [&] { return on_heard && slot->arrived.size() > reported; };
  std::unique_lock<std::mutex> lock(impl_->mu_);
  while (!stopped && !enough_known() && std::chrono::steady_clock::now() < deadline) {
    lock.unlock();
    status = impl_->Call([key](lt::session& ses) -> Status {
      ses.dht_get_peers(ToSha1(key));
      return Status::Ok();
    });
    lock.lock();
    if (!status.ok()) break;
    const SteadyTime until = std::min(deadline, std::chrono::steady_clock::now() + retry_every);
    for (;;) {
      const SteadyTime wake = cancel ? std::min(until, std::chrono::steady_clock::now() + kCancelPoll) : until;
      impl_->cv_.wait_until(lock, wake, [&] { return enough_known() || fresh_arrived(); });
      if (cancel && cancel->load()) {
        stopped = true;
        break;
      }
      if (fresh_arrived()) {
        // Hand over what arrived since the last call, without the lock (the callback may take its time).
        std::vector<Endpoint> fresh(slot->arrived.begin() + static_cast<std::ptrdiff_t>(reported), slot->arrived.end());
        reported = slot->arrived.size();
        lock.unlock();
        for (const Endpoint& ep : fresh) {
          if (!on_heard(ep)) {
            stopped = true;
            break;
          }
        }
        lock.lock();
        if (stopped) break;
      }
      if (enough_known() || std::chrono::steady_clock::now() >= until) break;
    }
  }
  impl_->lookups_.erase(std::remove(impl_->lookups_.begin(), impl_->lookups_.end(), slot), impl_->lookups_.end());
  if (!status.ok()) return status;
  return std::vector<Endpoint>(slot->found.begin(), slot->found.end());
}

Status Swarm::ForceReannounce() {
  return impl_->Call([this](lt::session& ses) -> Status {
    impl_->AnnounceAll(ses);
    return Status::Ok();
  });
}

}  // namespace cairn
