// Swarm: one libtorrent session that moves shard torrents and holds a node of the network's private DHT.
//
// Shape (see notes/libtorrent.md): TCP only (uTP off), no LSD/UPnP/NAT-PMP, an explicit listen address, BitTorrent v2
// torrents that are neither auto-managed nor paused, ut_metadata kept so a torrent can be joined by info-hash alone.
// The DHT is also a directory: AnnounceRendezvous/LookupRendezvous store and find endpoints under any 20-byte key.
//
// Thread-safety: every method may be called from any thread. One owner thread holds the session: it runs the work
// other threads post to it, drains libtorrent's alert queue, and publishes snapshots (torrent status, DHT size) that
// the query and wait methods read under a lock. Waits take deadlines on the steady clock. No libtorrent type appears
// here; libtorrent and Boost headers stay in core/src/swarm*.cc.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cairn/core/bytes.h"
#include "cairn/core/endpoint.h"
#include "cairn/core/ids.h"
#include "cairn/core/status.h"

namespace cairn {

struct TorrentIdTag {};
// Names a torrent within one Swarm; never reused by that Swarm.
using TorrentId = StrongType<std::uint64_t, TorrentIdTag>;

// Any 20-byte DHT key, e.g. SHA-1("cairn/providers/" + network id).
using RendezvousKey = std::array<std::uint8_t, 20>;

using SteadyTime = std::chrono::steady_clock::time_point;

struct SwarmOptions {
  // TCP (peers) and UDP (DHT) listen address. An explicit IP: 0.0.0.0 and :: are refused, as libtorrent runs no DHT
  // node on them. Port 0 picks a free port; read it back with listen_endpoint().
  Endpoint listen{"127.0.0.1", 0};
  bool enable_dht = false;
  std::vector<Endpoint> dht_bootstrap;
  // Lets many DHT nodes share one IP (several nodes on 127.0.0.1): turns off libtorrent's one-node-per-IP routing and
  // search restrictions and raises its per-IP rate limits. Not needed when each node has its own 127.0.X.1.
  bool dht_allow_same_ip = false;
  // Announced rendezvous keys are re-announced this often (DHT peers expire after 45 minutes).
  std::chrono::seconds rendezvous_reannounce{15 * 60};
  // How often torrent snapshots are refreshed from libtorrent while nothing else happens.
  std::chrono::milliseconds status_interval{200};
  // How libtorrent reads and writes torrent files. kMmap (libtorrent's default) maps every file it seeds or
  // downloads, so those pages count in the process's RSS (clean page cache, reclaimable); kPosix uses pread/pwrite
  // through small buffers and keeps RSS at what the process itself holds.
  enum class DiskIo { kMmap, kPosix };
  DiskIo disk_io = DiskIo::kMmap;
};

// The disk I/O named by environment variable `var` ("mmap" or "posix"), or `fallback` when it is unset.
// kInvalidArgument for any other value.
Result<SwarmOptions::DiskIo> DiskIoFromEnv(const char* var, SwarmOptions::DiskIo fallback);

// A BitTorrent v2 block: the leaves of a file's Merkle tree are SHA-256 of each block (the last one may be shorter).
inline constexpr std::size_t kTorrentBlockSize = 16 * 1024;

// The result of MakeTorrent: a single-file BitTorrent v2 torrent.
struct TorrentFile {
  Bytes torrent;       // the bencoded .torrent
  Hash32 info_hash{};  // v2 info-hash: SHA-256 of the info dictionary
  Hash32 file_root{};  // "pieces root": SHA-256 Merkle root of the file over 16 KiB blocks
  std::string name;    // the file name inside the torrent
  std::uint64_t size = 0;
  int piece_size = 0;
};

enum class TorrentState {
  kChecking,          // verifying files on disk or resume data
  kFetchingMetadata,  // joined by info-hash; the info dictionary is not yet known
  kDownloading,
  kSeeding,  // every piece present and verified
  kError,    // see TorrentStatus::error
};
std::string_view TorrentStateName(TorrentState s);

struct TorrentStatus {
  TorrentState state = TorrentState::kChecking;
  std::string error;               // set when state == kError
  std::uint64_t bytes_done = 0;    // bytes on disk, with written blocks of pieces not yet hash-checked
  std::uint64_t bytes_total = 0;   // 0 until the metadata is known
  std::uint64_t failed_bytes = 0;  // bytes received that failed their hash check
  int peers = 0;
  int download_rate = 0;  // bytes/s
  int upload_rate = 0;    // bytes/s
  Hash32 info_hash{};
  std::string save_path;  // directory holding the file
  std::string name;       // file name inside save_path; empty until the metadata is known
};

struct SeedOptions {
  // true: trust the file and serve at once (libtorrent seed mode), checking each piece against the torrent the
  // first time a peer asks for it; a bad piece drops the torrent out of seeding and makes it re-check every piece.
  // false: check the whole file before serving.
  bool trust_data = true;
  // With trust_data: also skip that first-request check, serving every piece unhashed (libtorrent seed mode with
  // every piece marked verified). Only for a file this process just wrote and hashed into `torrent` itself (a
  // client's freshly encoded shard): a bad piece is then caught by the downloader's own piece check, never here.
  // Per torrent, so other torrents of the session (a provider's) keep checking. Ignored without trust_data.
  bool pieces_verified = false;
  int upload_rate_limit = 0;  // bytes/s; 0 = unlimited
};

struct DownloadRequest {
  Bytes torrent;                    // the .torrent bytes, or empty to join by info_hash
  std::optional<Hash32> info_hash;  // v2 info-hash; metadata then comes from peers (ut_metadata)
  std::string save_dir;             // the file lands in save_dir/<name>
  std::vector<Endpoint> peers;      // connected to directly
  int download_rate_limit = 0;      // bytes/s; 0 = unlimited
};

enum class RemoveFiles { kKeep, kDelete };

class Swarm {
 public:
  // Starts the session and waits until it listens. Fails when the address cannot be bound.
  static Result<std::unique_ptr<Swarm>> Start(const SwarmOptions& options);
  // Stops the session (closing connections, waiting for libtorrent's threads). Does not save resume data.
  ~Swarm();
  Swarm(const Swarm&) = delete;
  Swarm& operator=(const Swarm&) = delete;

  // Hashes `file_path` into a v2-only torrent. REQUIRES: piece_size is a power of two >= 16 KiB.
  // v2 only, not hybrid: a v2 torrent carries a per-file SHA-256 Merkle root, and no v1 (SHA-1) peer exists here.
  static Result<TorrentFile> MakeTorrent(const std::string& file_path, int piece_size);
  // The torrent MakeTorrent makes of a file named `name` (its last path component) of `size` bytes, from the
  // SHA-256 of each of its kTorrentBlockSize blocks, without reading it: for a file whose writer hashed it on the way
  // out. REQUIRES: block_hashes.size() == ceil(size / kTorrentBlockSize).
  static Result<TorrentFile> MakeTorrentFromBlockHashes(const std::string& name, std::uint64_t size, int piece_size,
                                                        std::span<const Hash32> block_hashes);

  // Where peers connect (TCP) and where other DHT nodes reach this one (UDP). The ports are equal unless the UDP
  // port was taken when port 0 was asked for.
  Endpoint listen_endpoint() const;
  Endpoint dht_endpoint() const;

  // Serves the existing file `file_path` (which may have any name) as the torrent `torrent`.
  Result<TorrentId> Seed(const std::string& file_path, ByteSpan torrent, const SeedOptions& options = {});
  Result<TorrentId> Download(const DownloadRequest& request);
  // Re-adds a torrent from SaveResumeData() output; pieces recorded there are not downloaded again.
  Result<TorrentId> AddFromResumeData(ByteSpan resume_data, const std::vector<Endpoint>& peers = {});

  // The latest snapshot (refreshed on every torrent event and every status_interval).
  Result<TorrentStatus> GetStatus(TorrentId id) const;
  // Waits until the torrent seeds (OK), fails (kIOError, kCorruption... with libtorrent's message) or the deadline
  // passes (kDeadlineExceeded).
  Status WaitForComplete(TorrentId id, SteadyTime deadline) const;
  // Waits until `done(snapshot)` holds (OK) or the deadline passes (kDeadlineExceeded). `done` runs under the
  // Swarm's lock: it must be quick and must not call the Swarm.
  Status WaitFor(TorrentId id, const std::function<bool(const TorrentStatus&)>& done, SteadyTime deadline) const;
  Status ConnectPeer(TorrentId id, const Endpoint& peer);
  // Removes the torrent; with kDelete also its file. Returns once libtorrent confirmed, or at the deadline.
  Status Remove(TorrentId id, RemoveFiles files, SteadyTime deadline);
  // Resume data (bencoded, with the info dictionary and the Merkle trees). It asks libtorrent to flush written
  // pieces but does not wait for that (libtorrent 2.0 answers at once): use Flush() before reading the file.
  Result<Bytes> SaveResumeData(TorrentId id, SteadyTime deadline);
  // Waits until every block libtorrent received for the torrent so far is in its file (OK), or the deadline passes
  // (kDeadlineExceeded). libtorrent 2.0 hashes blocks still queued for writing, so "seeding" alone does not mean
  // the file is complete: read a downloaded file only after this.
  Status Flush(TorrentId id, SteadyTime deadline);

  // DHT. Each fails with kFailedPrecondition when the DHT is off.
  Status AddDhtNode(const Endpoint& node);
  int DhtNodeCount() const;  // nodes in the routing table at the last refresh
  Status WaitForDhtNodes(int min_nodes, SteadyTime deadline) const;
  // Announces `port` on this node's address under `key` now, and again every rendezvous_reannounce.
  Status AnnounceRendezvous(const RendezvousKey& key, std::uint16_t port);
  Status StopAnnouncing(const RendezvousKey& key);
  // Endpoints announced under `key`, deduplicated. DHT replies arrive one per responding node with no end marker,
  // so this collects until `timeout`, or returns early once `enough` endpoints (0: no early return) are known.
  // `on_heard`, if set, is called with each endpoint as soon as a reply brings it (once per endpoint, in the order
  // heard, always before the lookup returns), on the calling thread and without the Swarm's lock (it may call the
  // Swarm); returning false ends the lookup there. `cancel`, if set, is checked at least every 100 ms and ends the
  // lookup once true. The result is everything heard, also what `on_heard` was given.
  using RendezvousCallback = std::function<bool(const Endpoint&)>;
  Result<std::vector<Endpoint>> LookupRendezvous(const RendezvousKey& key, std::chrono::milliseconds timeout,
                                                 std::size_t enough = 0, const RendezvousCallback& on_heard = {},
                                                 const std::atomic<bool>* cancel = nullptr);
  // Announces every torrent and rendezvous key to the DHT now (e.g. once bootstrap found nodes).
  Status ForceReannounce();

 private:
  class Impl;
  explicit Swarm(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cairn
