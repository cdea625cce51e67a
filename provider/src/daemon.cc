// Daemon startup and shutdown. Order at startup: lock the data dir, read config and network, open LMDB, delete
// leftovers of interrupted work, join the swarm, resume deals and seed shards, then open the control channel and
// announce the rendezvous (so no request arrives before the daemon can serve it). Shutdown runs it backwards.
#include "cairn/provider/daemon.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>

#include "cairn/core/hex.h"
#include "daemon_core.h"
#include "log.h"

namespace cairn::provider {
namespace {

bool IsLoopback(const std::string& ip) { return ip.rfind("127.", 0) == 0 || ip == "::1"; }

}  // namespace

Status Daemon::Core::Open() {
  lock_fd = ::open(dir.lock_path().c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd < 0) return Status::FromErrno("open " + dir.lock_path(), errno);
  if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return Status::FailedPrecondition("another cairn-provider is running on " + dir.root());
    }
    return Status::FromErrno("flock " + dir.lock_path(), errno);
  }
  CAIRN_ASSIGN_OR_RETURN(config, ProviderConfig::Load(env, dir.config_path()));
  CAIRN_ASSIGN_OR_RETURN(network, NetworkConfig::Load(env, options.network_file));
  CAIRN_RETURN_IF_ERROR(dir.CreateLayout(env));
  KvStoreOptions kv_options;
  kv_options.initial_map_size = std::size_t{16} << 20;
  CAIRN_ASSIGN_OR_RETURN(kv, KvStore::Open(dir.db_dir(), kv_options));
  CAIRN_ASSIGN_OR_RETURN(deals, DealStore::Open(kv.get(), config.capacity));
  RecoverInstalledShards();
  DeleteOrphans();

  if (IsUnspecifiedIp(options.listen.ip) || !IsIpLiteral(options.listen.ip)) {
    return Status::InvalidArgument("the control address must be an explicit IP, not '" + options.listen.ip + "'");
  }
  SwarmOptions so;
  if (options.bt_listen) {
    so.listen = *options.bt_listen;
  } else {
    so.listen =
        Endpoint{options.listen.ip, static_cast<std::uint16_t>(options.listen.port == 0 ? 0 : options.listen.port + 1)};
  }
  so.enable_dht = true;
  so.rendezvous_reannounce = std::chrono::minutes(15);  // DHT peers expire after 45 minutes
  so.dht_allow_same_ip = IsLoopback(so.listen.ip);
  // pread/pwrite: receiving a shard through libtorrent's mmap I/O costs more CPU (page faults on every new page of
  // the spool file; 1 GiB 4+2 put on a 6-provider devnet: providers' CPU 5.1-6.4 s with mmap, 4.4-4.6 s with posix)
  // and counts the mapped files in the provider's RSS. CAIRN_PROVIDER_DISK_IO=mmap|posix overrides it.
  CAIRN_ASSIGN_OR_RETURN(so.disk_io, DiskIoFromEnv("CAIRN_PROVIDER_DISK_IO", SwarmOptions::DiskIo::kPosix));
  for (const Endpoint& node : network.bootstrap) {
    if (!(node == so.listen)) so.dht_bootstrap.push_back(node);
  }
  CAIRN_ASSIGN_OR_RETURN(swarm, Swarm::Start(so));
  bt_endpoint = swarm->listen_endpoint();
  CAIRN_RETURN_IF_ERROR(ResumeAll());

  control::ServerOptions server_options;
  server_options.listen = ToString(options.listen);
  server_options.network_id = network.network_id;
  server_options.env = env;
  CAIRN_ASSIGN_OR_RETURN(
      server, control::ControlServer::Start(identity, server_options,
                                            [this](const control::Envelope& request) { return Handle(request); }));
  ctl_endpoint = server->endpoint();
  CAIRN_ASSIGN_OR_RETURN(RendezvousKey key, ProviderRendezvousKey(network.network_id));
  CAIRN_RETURN_IF_ERROR(swarm->AnnounceRendezvous(key, ctl_endpoint.port));
  last_resume_save = started = std::chrono::steady_clock::now();
  LogLine("provider " + ToHex(identity.public_key()) + " serving: control " + ToString(ctl_endpoint) + ", bittorrent " +
          ToString(bt_endpoint) + ", network '" + network.network_id + "', capacity " +
          FormatByteSize(config.capacity) + ", price " + std::to_string(config.price));
  return Status::Ok();
}

Status Daemon::Core::Shutdown() {
  if (shut_down) return Status::Ok();
  shut_down = true;
  stopping.store(true);
  const bool was_serving = server != nullptr;
  if (server) server->Stop();
  if (swarm) {
    SaveResumeData(true);
    swarm.reset();
  }
  deals.reset();
  kv.reset();
  if (lock_fd >= 0) {
    ::close(lock_fd);  // releases the flock
    lock_fd = -1;
  }
  if (was_serving) LogLine("stopped");
  return Status::Ok();
}

Result<std::unique_ptr<Daemon>> Daemon::Start(DaemonOptions options) {
  Env* env = options.env != nullptr ? options.env : Env::Default();
  DataDir dir(options.data_dir);
  CAIRN_RETURN_IF_ERROR(dir.CheckInitialized(env));
  CAIRN_ASSIGN_OR_RETURN(Identity identity, Identity::Load(dir.identity_path()));
  auto core = std::make_unique<Core>(std::move(options), env, std::move(identity));
  core->version = std::string("cairn-provider/") + CAIRN_VERSION;
  Status s = core->Open();
  if (!s.ok()) {
    (void)core->Shutdown();
    return s;
  }
  return std::unique_ptr<Daemon>(new Daemon(std::move(core)));
}

Daemon::Daemon(std::unique_ptr<Core> core) : core_(std::move(core)) {}

Daemon::~Daemon() {
  if (core_) (void)core_->Shutdown();
}

std::chrono::milliseconds Daemon::Tick() { return core_->Tick(); }
Status Daemon::Shutdown() { return core_->Shutdown(); }
Endpoint Daemon::control_endpoint() const { return core_->ctl_endpoint; }
Endpoint Daemon::bt_endpoint() const { return core_->bt_endpoint; }
const Ed25519PublicKey& Daemon::id() const { return core_->identity.public_key(); }

}  // namespace cairn::provider
