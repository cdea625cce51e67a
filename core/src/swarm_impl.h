// Private to the swarm layer: Swarm::Impl, the owner thread around one lt::session.
//
// Threads and locks:
// - The owner thread creates, drives and destroys the session. It alone calls into libtorrent, and never while
//   holding a lock: libtorrent's network thread takes queue_mu_ (alert notification), so holding a lock across a
//   blocking session call could deadlock.
// - queue_mu_ guards the task queue and the wake-up flags; callers post closures with Call() and wait for the result.
// - mu_ guards the published state (snapshots, DHT size, listen endpoints, pending resume/remove/lookup slots); cv_
//   is signalled whenever any of it changes, so every wait is a predicate wait with a deadline on cv_.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <future>
#include <libtorrent/fwd.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/torrent_handle.hpp>
#include <libtorrent/torrent_status.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "cairn/core/swarm.h"
#include "swarm_lt.h"

namespace cairn {

class Swarm::Impl {
 public:
  explicit Impl(SwarmOptions options) : options_(std::move(options)) {}
  ~Impl();

  // Starts the owner thread and the session; waits until the listen sockets are up.
  Status Start();

  // Runs `fn(session)` on the owner thread and returns its result (Status or Result<T>). An exception thrown by
  // libtorrent inside `fn` becomes kInternal.
  template <typename F>
  std::invoke_result_t<F, lt::session&> Call(F fn);

  // Owner thread only (inside Call).
  Result<TorrentId> AddTorrent(lt::session& ses, lt::add_torrent_params atp);
  Result<lt::torrent_handle> Handle(TorrentId id) const;
  void AnnounceAll(lt::session& ses);
  // The caller announces now; the tick re-announces every rendezvous_reannounce.
  void RememberRendezvous(const RendezvousKey& key, std::uint16_t port) {
    if (rendezvous_.empty())
      next_rendezvous_announce_ = std::chrono::steady_clock::now() + options_.rendezvous_reannounce;
    rendezvous_[key] = port;
  }
  void ForgetRendezvous(const RendezvousKey& key) { rendezvous_.erase(key); }
  void ForgetTorrent(TorrentId id);

  const SwarmOptions& options() const { return options_; }

  // Published state; guarded by mu_.
  struct ResumeSlot {
    bool done = false;
    Result<Bytes> result = Status::Unavailable("pending");
  };
  struct RemoveSlot {
    bool delete_files = false;
    bool done = false;
    Status status;
  };
  struct FlushSlot {
    bool done = false;
  };
  struct LookupSlot {
    lt::sha1_hash key;
    std::set<Endpoint> found;
    std::vector<Endpoint> arrived;  // `found` in the order first heard (handed to the lookup's callback)
  };

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::map<std::uint64_t, TorrentStatus> snapshots_;
  int dht_nodes_ = 0;
  Endpoint tcp_endpoint_;
  Endpoint udp_endpoint_;
  std::multimap<std::uint64_t, std::shared_ptr<ResumeSlot>> resume_slots_;
  std::vector<std::pair<lt::sha256_hash, std::shared_ptr<RemoveSlot>>> remove_slots_;
  std::multimap<std::uint64_t, std::shared_ptr<FlushSlot>> flush_slots_;
  std::vector<std::shared_ptr<LookupSlot>> lookups_;

 private:
  void Run(std::promise<Status> started);
  void DrainAlerts();
  void HandleAlert(lt::alert* a);
  void Tick();
  void Refresh(const lt::torrent_status& st);
  void RefreshHandle(const lt::torrent_handle& h);
  void FinishRemove(const lt::info_hash_t& ih, bool deleted, Status status);

  const SwarmOptions options_;

  // Task queue; guarded by queue_mu_.
  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<std::function<void(lt::session&)>> tasks_;
  bool alerts_ready_ = false;
  bool stop_ = false;
  bool running_ = false;
  std::thread owner_;

  // Listen progress during Start(); guarded by mu_.
  bool tcp_listening_ = false;
  bool udp_listening_ = false;
  std::string listen_error_;

  // Owner thread only.
  std::unique_ptr<lt::session> session_;
  struct Entry {
    lt::torrent_handle handle;
    lt::info_hash_t info_hashes;
  };
  std::map<std::uint64_t, Entry> torrents_;
  std::map<lt::torrent_handle, std::uint64_t> ids_;
  std::uint64_t next_id_ = 1;
  std::map<RendezvousKey, std::uint16_t> rendezvous_;
  std::chrono::steady_clock::time_point next_rendezvous_announce_{};
  int last_dht_nodes_ = 0;
  bool dht_started_ = false;
  std::chrono::steady_clock::time_point next_bootstrap_ping_{};
};

template <typename F>
std::invoke_result_t<F, lt::session&> Swarm::Impl::Call(F fn) {
  using R = std::invoke_result_t<F, lt::session&>;
  auto promise = std::make_shared<std::promise<R>>();
  std::future<R> future = promise->get_future();
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    if (stop_ || !running_) return R(Status::FailedPrecondition("swarm is not running"));
    tasks_.push_back([promise, fn = std::move(fn)](lt::session& ses) mutable {
      try {
        promise->set_value(fn(ses));
      } catch (const std::exception& e) {  // libtorrent reports a dead handle or session by throwing
        promise->set_value(R(Status::Internal(std::string("libtorrent: ") + e.what())));
      }
    });
  }
  queue_cv_.notify_one();
  return future.get();
}

}  // namespace cairn
