// The owner thread of a Swarm: session lifetime, task queue, alert handling and published snapshots.
#include "swarm_impl.h"

#include <algorithm>
#include <chrono>
#include <libtorrent/alert_types.hpp>
#include <libtorrent/mmap_disk_io.hpp>
#include <libtorrent/posix_disk_io.hpp>
#include <libtorrent/session_params.hpp>
#include <libtorrent/torrent_info.hpp>
#include <libtorrent/write_resume_data.hpp>
#include <string>

namespace cairn {

using swarm_internal::BuildSettings;
using swarm_internal::FromAddress;
using swarm_internal::FromErrorCode;
using swarm_internal::FromSha256;
using swarm_internal::FromTcp;
using swarm_internal::ToSha1;

namespace {

constexpr auto kStartTimeout = std::chrono::seconds(10);

TorrentState StateOf(const lt::torrent_status& st) {
  if (st.errc) return TorrentState::kError;
  switch (st.state) {
    case lt::torrent_status::checking_files:
    case lt::torrent_status::checking_resume_data:
      return TorrentState::kChecking;
    case lt::torrent_status::downloading_metadata:
      return TorrentState::kFetchingMetadata;
    case lt::torrent_status::finished:
    case lt::torrent_status::seeding:
      return st.is_seeding ? TorrentState::kSeeding : TorrentState::kDownloading;
    default:
      return TorrentState::kDownloading;
  }
}

std::string ErrorOf(const lt::torrent_status& st) {
  if (!st.errc) return {};
  std::string where;
  if (st.error_file == lt::torrent_status::error_file_metadata) where = " (metadata)";
  if (st.error_file == lt::torrent_status::error_file_ssl_ctx) where = " (ssl)";
  return st.errc.message() + where;
}

}  // namespace

Swarm::Impl::~Impl() {
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    stop_ = true;
  }
  queue_cv_.notify_one();
  if (owner_.joinable()) owner_.join();
}

Status Swarm::Impl::Start() {
  std::promise<Status> started;
  std::future<Status> created = started.get_future();
  owner_ = std::thread([this, p = std::move(started)]() mutable { Run(std::move(p)); });
  CAIRN_RETURN_IF_ERROR(created.get());

  std::unique_lock<std::mutex> lock(mu_);
  const bool decided = cv_.wait_for(lock, kStartTimeout, [&] {
    return !listen_error_.empty() || (tcp_listening_ && (udp_listening_ || !options_.enable_dht));
  });
  if (!listen_error_.empty())
    return Status::Unavailable("cannot listen on " + ToString(options_.listen) + ": " + listen_error_);
  if (!decided) return Status::DeadlineExceeded("the session did not start listening");
  lock.unlock();

  if (!options_.enable_dht) return Status::Ok();
  // Turned on only now: with enable_dht at construction and no nodes yet, libtorrent drops the DHT state.
  return Call([this](lt::session& ses) -> Status {
    lt::settings_pack on;
    on.set_bool(lt::settings_pack::enable_dht, true);
    ses.apply_settings(std::move(on));
    for (const Endpoint& node : options_.dht_bootstrap) ses.add_dht_node({node.ip, node.port});
    dht_started_ = true;
    next_bootstrap_ping_ = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    return Status::Ok();
  });
}

void Swarm::Impl::Run(std::promise<Status> started) {
  try {
    lt::session_params params(BuildSettings(options_));
    params.disk_io_constructor =
        options_.disk_io == SwarmOptions::DiskIo::kPosix ? lt::posix_disk_io_constructor : lt::mmap_disk_io_constructor;
    session_ = std::make_unique<lt::session>(std::move(params));
  } catch (const std::exception& e) {
    started.set_value(Status::Internal(std::string("cannot create the libtorrent session: ") + e.what()));
    return;
  }
  session_->set_alert_notify([this] {
    // Called on libtorrent's thread: only flag and wake, never call back into the session.
    {
      std::lock_guard<std::mutex> lock(queue_mu_);
      alerts_ready_ = true;
    }
    queue_cv_.notify_one();
  });
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    running_ = true;
  }
  started.set_value(Status::Ok());

  auto next_tick = std::chrono::steady_clock::now();
  for (;;) {
    std::deque<std::function<void(lt::session&)>> tasks;
    bool stop = false;
    {
      std::unique_lock<std::mutex> lock(queue_mu_);
      queue_cv_.wait_until(lock, next_tick, [&] { return !tasks_.empty() || alerts_ready_ || stop_; });
      tasks.swap(tasks_);
      alerts_ready_ = false;
      stop = stop_;
      if (stop) running_ = false;  // Call() refuses new work from here on; queued work still runs below
    }
    for (auto& task : tasks) task(*session_);
    DrainAlerts();
    if (std::chrono::steady_clock::now() >= next_tick) {
      Tick();
      next_tick = std::chrono::steady_clock::now() + options_.status_interval;
    }
    if (stop) break;
  }

  // Shutdown: abort() returns a proxy whose destruction waits for libtorrent's threads to finish.
  session_->set_alert_notify([] {});
  lt::session_proxy proxy = session_->abort();
  session_.reset();
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [id, slot] : resume_slots_) {
      slot->done = true;
      slot->result = Status::Cancelled("swarm stopped");
    }
    for (auto& [ih, slot] : remove_slots_) {
      slot->done = true;
      slot->status = Status::Cancelled("swarm stopped");
    }
  }
  cv_.notify_all();
}

void Swarm::Impl::Tick() {
  try {
    session_->post_torrent_updates();
    if (options_.enable_dht) {
      session_->post_dht_stats();
      // While the routing table is empty, ping the bootstrap nodes every second: a first ping can be lost to a node
      // whose DHT was still starting, and libtorrent's own retry takes several seconds.
      const auto now = std::chrono::steady_clock::now();
      if (dht_started_ && last_dht_nodes_ == 0 && now >= next_bootstrap_ping_) {
        for (const Endpoint& node : options_.dht_bootstrap) session_->add_dht_node({node.ip, node.port});
        next_bootstrap_ping_ = now + std::chrono::seconds(1);
      }
    }
    if (!rendezvous_.empty() && std::chrono::steady_clock::now() >= next_rendezvous_announce_) {
      for (const auto& [key, port] : rendezvous_) session_->dht_announce(ToSha1(key), port);
      next_rendezvous_announce_ = std::chrono::steady_clock::now() + options_.rendezvous_reannounce;
    }
  } catch (const std::exception&) {
    // The session is shutting down; the loop ends with stop_.
  }
}

void Swarm::Impl::AnnounceAll(lt::session& ses) {
  for (auto& [id, entry] : torrents_) entry.handle.force_dht_announce();
  for (const auto& [key, port] : rendezvous_) ses.dht_announce(ToSha1(key), port);
  next_rendezvous_announce_ = std::chrono::steady_clock::now() + options_.rendezvous_reannounce;
}

void Swarm::Impl::DrainAlerts() {
  std::vector<lt::alert*> alerts;
  session_->pop_alerts(&alerts);
  for (lt::alert* a : alerts) {
    try {
      HandleAlert(a);
    } catch (const std::exception&) {
      // A handle died between the alert and our query (e.g. removed meanwhile); its next alert or tick catches up.
    }
  }
}

void Swarm::Impl::HandleAlert(lt::alert* a) {
  if (auto* la = lt::alert_cast<lt::listen_succeeded_alert>(a)) {
    std::lock_guard<std::mutex> lock(mu_);
    if (la->socket_type == lt::socket_type_t::tcp) {
      tcp_endpoint_ = FromAddress(la->address, la->port);
      tcp_listening_ = true;
    } else if (la->socket_type == lt::socket_type_t::utp) {
      udp_endpoint_ = FromAddress(la->address, la->port);
      udp_listening_ = true;
    }
    cv_.notify_all();
  } else if (auto* lf = lt::alert_cast<lt::listen_failed_alert>(a)) {
    std::lock_guard<std::mutex> lock(mu_);
    const bool needed =
        lf->socket_type == lt::socket_type_t::tcp || (lf->socket_type == lt::socket_type_t::utp && options_.enable_dht);
    if (needed && listen_error_.empty()) listen_error_ = lf->message();
    cv_.notify_all();
  } else if (auto* su = lt::alert_cast<lt::state_update_alert>(a)) {
    for (const lt::torrent_status& st : su->status) Refresh(st);
  } else if (auto* sr = lt::alert_cast<lt::save_resume_data_alert>(a)) {
    auto it = ids_.find(sr->handle);
    if (it == ids_.end()) return;
    std::vector<char> buf = lt::write_resume_data_buf(sr->params);
    std::lock_guard<std::mutex> lock(mu_);
    auto [begin, end] = resume_slots_.equal_range(it->second);
    for (auto s = begin; s != end; ++s) {
      s->second->done = true;
      s->second->result = Bytes(buf.begin(), buf.end());
    }
    resume_slots_.erase(begin, end);
    cv_.notify_all();
  } else if (auto* sf = lt::alert_cast<lt::save_resume_data_failed_alert>(a)) {
    auto it = ids_.find(sf->handle);
    if (it == ids_.end()) return;
    std::lock_guard<std::mutex> lock(mu_);
    auto [begin, end] = resume_slots_.equal_range(it->second);
    for (auto s = begin; s != end; ++s) {
      s->second->done = true;
      s->second->result = FromErrorCode(sf->error, "save resume data");
    }
    resume_slots_.erase(begin, end);
    cv_.notify_all();
  } else if (auto* cf = lt::alert_cast<lt::cache_flushed_alert>(a)) {
    // Posted once every disk job queued for the torrent before flush_cache() has run (its writes are in the file).
    auto it = ids_.find(cf->handle);
    if (it == ids_.end()) return;
    std::lock_guard<std::mutex> lock(mu_);
    auto [begin, end] = flush_slots_.equal_range(it->second);
    for (auto s = begin; s != end; ++s) s->second->done = true;
    flush_slots_.erase(begin, end);
    cv_.notify_all();
  } else if (auto* tr = lt::alert_cast<lt::torrent_removed_alert>(a)) {
    FinishRemove(tr->info_hashes, /*deleted=*/false, Status::Ok());
  } else if (auto* td = lt::alert_cast<lt::torrent_deleted_alert>(a)) {
    FinishRemove(td->info_hashes, /*deleted=*/true, Status::Ok());
  } else if (auto* tf = lt::alert_cast<lt::torrent_delete_failed_alert>(a)) {
    FinishRemove(tf->info_hashes, /*deleted=*/true, FromErrorCode(tf->error, "delete files"));
  } else if (auto* ds = lt::alert_cast<lt::dht_stats_alert>(a)) {
    int nodes = 0;
    for (const lt::dht_routing_bucket& b : ds->routing_table) nodes += b.num_nodes;
    {
      std::lock_guard<std::mutex> lock(mu_);
      dht_nodes_ = nodes;
    }
    cv_.notify_all();
    // Torrents added before the DHT had nodes would otherwise wait 15 minutes for their first announce.
    if (last_dht_nodes_ == 0 && nodes > 0) AnnounceAll(*session_);
    last_dht_nodes_ = nodes;
  } else if (auto* gp = lt::alert_cast<lt::dht_get_peers_reply_alert>(a)) {
    std::vector<lt::tcp::endpoint> peers = gp->peers();
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& slot : lookups_) {
      if (slot->key != gp->info_hash) continue;
      for (const lt::tcp::endpoint& p : peers) {
        const Endpoint ep = FromTcp(p);
        if (slot->found.insert(ep).second) slot->arrived.push_back(ep);
      }
    }
    cv_.notify_all();
  } else if (auto* ta = lt::alert_cast<lt::torrent_alert>(a)) {
    // Any other event on a torrent we know (finished, state change, hash failure, error, metadata...): refresh it
    // now rather than at the next tick, so waiters see it at once.
    if (ids_.count(ta->handle) != 0) RefreshHandle(ta->handle);
  }
}

void Swarm::Impl::RefreshHandle(const lt::torrent_handle& h) {
  Refresh(h.status(lt::torrent_handle::query_torrent_file | lt::torrent_handle::query_name |
                   lt::torrent_handle::query_save_path));
}

void Swarm::Impl::Refresh(const lt::torrent_status& st) {
  auto it = ids_.find(st.handle);
  if (it == ids_.end()) return;
  TorrentStatus s;
  s.state = StateOf(st);
  s.error = ErrorOf(st);
  s.bytes_done = static_cast<std::uint64_t>(std::max<std::int64_t>(0, st.total_wanted_done));
  s.bytes_total = st.has_metadata ? static_cast<std::uint64_t>(std::max<std::int64_t>(0, st.total_wanted)) : 0;
  s.failed_bytes = static_cast<std::uint64_t>(std::max<std::int64_t>(0, st.total_failed_bytes));
  s.peers = st.num_peers;
  s.download_rate = st.download_payload_rate;
  s.upload_rate = st.upload_payload_rate;
  s.info_hash = FromSha256(st.info_hashes.v2);
  s.save_path = st.save_path;
  if (auto ti = st.torrent_file.lock(); ti && swarm_internal::DataFileCount(ti->files()) == 1) {
    s.name = ti->files().file_path(lt::file_index_t{0});
  } else {
    s.name = st.name;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    TorrentStatus& slot = snapshots_[it->second];
    // A partial status (state_update_alert without the optional fields) must not blank what is known.
    if (s.save_path.empty()) s.save_path = slot.save_path;
    if (s.name.empty()) s.name = slot.name;
    slot = std::move(s);
  }
  cv_.notify_all();
}

void Swarm::Impl::FinishRemove(const lt::info_hash_t& ih, bool deleted, Status status) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = remove_slots_.begin(); it != remove_slots_.end();) {
    // A removal that deletes files is done at the deletion alert, which follows the removal alert.
    if (it->first == ih.v2 && it->second->delete_files == deleted) {
      it->second->done = true;
      it->second->status = status;
      it = remove_slots_.erase(it);
    } else {
      ++it;
    }
  }
  cv_.notify_all();
}

Result<TorrentId> Swarm::Impl::AddTorrent(lt::session& ses, lt::add_torrent_params atp) {
  // Shards are few and each must be served at once: libtorrent's queue would pause all but a handful, and announce
  // only 88 auto-managed torrents to the DHT.
  atp.flags &= ~(lt::torrent_flags::auto_managed | lt::torrent_flags::paused);
  atp.flags |= lt::torrent_flags::duplicate_is_error;
  lt::error_code ec;
  lt::torrent_handle h = ses.add_torrent(std::move(atp), ec);
  if (ec) return FromErrorCode(ec, "add torrent");
  const std::uint64_t id = next_id_++;
  torrents_[id] = Entry{h, h.info_hashes()};
  ids_[h] = id;
  RefreshHandle(h);
  return TorrentId(id);
}

Result<lt::torrent_handle> Swarm::Impl::Handle(TorrentId id) const {
  auto it = torrents_.find(id.value());
  if (it == torrents_.end()) return Status::NotFound("no torrent " + std::to_string(id.value()));
  return it->second.handle;
}

void Swarm::Impl::ForgetTorrent(TorrentId id) {
  auto it = torrents_.find(id.value());
  if (it == torrents_.end()) return;
  ids_.erase(it->second.handle);
  torrents_.erase(it);
  std::lock_guard<std::mutex> lock(mu_);
  snapshots_.erase(id.value());
  cv_.notify_all();
}

}  // namespace cairn
