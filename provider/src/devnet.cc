// The devnet launcher (layout and addresses in devnet.h).
#include "cairn/provider/devnet.h"

#include <algorithm>
#include <charconv>
#include <set>
#include <thread>

#include "cairn/core/aead.h"
#include "cairn/core/control.h"
#include "cairn/core/hex.h"
#include "cairn/core/network.h"
#include "cairn/core/swarm.h"
#include "cairn/provider/config.h"
#include "cairn/provider/data_dir.h"
#include "process.h"

namespace cairn::provider {
namespace {

using Clock = std::chrono::steady_clock;

std::string ProviderDir(const std::string& dir, int i) { return dir + "/p" + std::to_string(i); }
std::string NetworkPath(const std::string& dir) { return dir + "/network"; }
std::string Ip(int net, int i) { return "127." + std::to_string(net) + "." + std::to_string(i + 1) + ".1"; }

Result<pid_t> ReadPidFile(Env* env, const std::string& path) {
  CAIRN_ASSIGN_OR_RETURN(Bytes bytes, ReadFileToBytes(env, path, 32));
  std::string_view text = AsStringView(bytes);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  pid_t pid = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), pid);
  if (ec != std::errc() || end != text.data() + text.size() || pid <= 1) {
    return Status::Corruption(path + " does not hold a process id");
  }
  return pid;
}

// The last lines of a log, to explain why a provider did not come up.
std::string LogTail(Env* env, const std::string& path) {
  auto bytes = ReadFileToBytes(env, path, 16 << 20);
  if (!bytes.ok()) return "(no log)";
  std::string_view text = AsStringView(*bytes);
  std::size_t start = text.size();
  for (int lines = 0; start > 0 && lines < 6; --start) {
    if (text[start - 1] == '\n' && start != text.size()) ++lines;
  }
  return std::string(text.substr(start));
}

Status Validate(const DevnetOptions& o) {
  if (o.dir.empty()) return Status::InvalidArgument("devnet: --dir is required");
  if (o.providers < 1 || o.providers > kMaxDevnetProviders) {
    return Status::InvalidArgument("devnet: --providers must be 1.." + std::to_string(kMaxDevnetProviders));
  }
  if (o.base_port == 0 || o.base_port == 65535) return Status::InvalidArgument("devnet: --base-port must be 1..65534");
  if (o.loopback_net < 0 || o.loopback_net > 255) return Status::InvalidArgument("devnet: --net must be 0..255");
  if (o.bootstrap_nodes < 1) return Status::InvalidArgument("devnet: at least one bootstrap node is needed");
  return Status::Ok();
}

// The network id of an existing network file, or a fresh one.
std::string NetworkIdFor(Env* env, const std::string& dir) {
  auto existing = NetworkConfig::Load(env, NetworkPath(dir));
  if (existing.ok()) return existing->network_id;
  Bytes r(6);
  RandomBytes(MutableByteSpan(r));
  return "devnet-" + ToHex(r);
}

// Calls "record" on every provider until each answers with its own key.
Status WaitForRecords(Env* env, const NetworkConfig& network, const std::vector<DevnetProvider>& providers,
                      Clock::time_point deadline) {
  Identity me = Identity::Generate();
  control::ControlClient client(me, network.network_id);
  std::set<int> pending;
  for (const DevnetProvider& p : providers) pending.insert(p.index);
  while (!pending.empty()) {
    for (auto it = pending.begin(); it != pending.end();) {
      const DevnetProvider& p =
          *std::find_if(providers.begin(), providers.end(), [&](const DevnetProvider& q) { return q.index == *it; });
      ReapIfChild(p.pid);
      if (!IsAlive(p.pid)) {
        return Status::Unavailable("provider p" + std::to_string(p.index) + " exited; its log ends with:\n" +
                                   LogTail(env, DataDir(p.data_dir).log_path()));
      }
      auto reply = client.Call(p.ctl, p.id, control::kTypeRecord, {}, std::chrono::milliseconds(1000));
      if (reply.ok() && reply->type == control::kTypeOk) {
        it = pending.erase(it);
      } else {
        ++it;
      }
    }
    if (pending.empty()) break;
    if (Clock::now() >= deadline) {
      return Status::DeadlineExceeded(std::to_string(pending.size()) + " providers did not answer in time (p" +
                                      std::to_string(*pending.begin()) + " first)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return Status::Ok();
}

// Joins the DHT from a spare address and looks the providers up under the rendezvous key until all are found.
Status WaitForDht(const NetworkConfig& network, const DevnetOptions& o, Clock::time_point deadline,
                  std::ostream* progress) {
  SwarmOptions so;
  so.listen = Endpoint{Ip(o.loopback_net, o.providers), 0};
  so.enable_dht = true;
  so.dht_bootstrap = network.bootstrap;
  so.dht_allow_same_ip = true;
  CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<Swarm> swarm, Swarm::Start(so));
  CAIRN_ASSIGN_OR_RETURN(RendezvousKey key, ProviderRendezvousKey(network.network_id));
  std::size_t best = 0;
  for (;;) {
    auto found = swarm->LookupRendezvous(key, std::chrono::milliseconds(3000), o.providers);
    if (found.ok()) best = std::max(best, found->size());
    if (best >= static_cast<std::size_t>(o.providers)) break;
    if (Clock::now() >= deadline) {
      return Status::DeadlineExceeded("the DHT lookup found " + std::to_string(best) + " of " +
                                      std::to_string(o.providers) + " providers in time");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  if (progress) *progress << "DHT rendezvous lookup finds all " << best << " providers\n";
  return Status::Ok();
}

}  // namespace

Result<std::vector<DevnetProvider>> StartDevnet(const DevnetOptions& o, std::ostream* progress) {
  CAIRN_RETURN_IF_ERROR(Validate(o));
  Env* env = Env::Default();
  const auto deadline = Clock::now() + o.timeout;
  std::string binary = o.binary;
  if (binary.empty()) {
    CAIRN_ASSIGN_OR_RETURN(binary, SelfExecutable());
  }
  CAIRN_RETURN_IF_ERROR(env->CreateDirs(o.dir));
  for (int i = 0; i < kMaxDevnetProviders; ++i) {
    DataDir d(ProviderDir(o.dir, i));
    if (!env->FileExists(d.pid_path())) continue;
    auto pid = ReadPidFile(env, d.pid_path());
    if (pid.ok() && CommandLineContains(*pid, d.root())) {
      return Status::AlreadyExists("a devnet is running in " + o.dir + " (p" + std::to_string(i) + " is pid " +
                                   std::to_string(*pid) + "); stop it with `cairn-provider devnet --dir " + o.dir +
                                   " --stop`");
    }
  }

  const std::uint16_t bt_port = static_cast<std::uint16_t>(o.base_port + 1);
  NetworkConfig network = NetworkConfig::Devnet(NetworkIdFor(env, o.dir));
  const int bootstrap = std::min(o.bootstrap_nodes, o.providers);
  for (int i = 0; i < bootstrap; ++i) network.bootstrap.push_back(Endpoint{Ip(o.loopback_net, i), bt_port});
  CAIRN_RETURN_IF_ERROR(network.Validate());
  CAIRN_RETURN_IF_ERROR(WriteFileAtomic(env, NetworkPath(o.dir), AsBytes(network.Serialize())));

  std::vector<DevnetProvider> providers;
  for (int i = 0; i < o.providers; ++i) {
    DevnetProvider p;
    p.index = i;
    p.data_dir = ProviderDir(o.dir, i);
    p.ctl = Endpoint{Ip(o.loopback_net, i), o.base_port};
    p.bt = Endpoint{Ip(o.loopback_net, i), bt_port};
    DataDir d(p.data_dir);
    if (d.CheckInitialized(env).ok()) {
      CAIRN_ASSIGN_OR_RETURN(Identity identity, Identity::Load(d.identity_path()));
      p.id = identity.public_key();
    } else {
      ProviderConfig config;
      config.capacity = o.capacity;
      config.price = o.price;
      config.max_shard_size = std::min(o.max_shard_size, o.capacity);
      CAIRN_ASSIGN_OR_RETURN(p.id, d.Initialize(env, config));
    }
    providers.push_back(std::move(p));
  }

  auto spawn = [&](DevnetProvider& p) -> Status {
    DataDir d(p.data_dir);
    SpawnRequest req;
    req.binary = binary;
    req.args = {"run",      "--data-dir",    p.data_dir,    "--network",   NetworkPath(o.dir),
                "--listen", ToString(p.ctl), "--bt-listen", ToString(p.bt)};
    req.log_path = d.log_path();
    if (p.index == o.corrupt_provider) req.env["CAIRN_TEST_CORRUPT_SERVE"] = "1";
    CAIRN_ASSIGN_OR_RETURN(p.pid, SpawnDetached(req));
    CAIRN_RETURN_IF_ERROR(WriteFileAtomic(env, d.pid_path(), AsBytes(std::to_string(p.pid) + "\n")));
    if (progress) {
      *progress << "p" << p.index << "  control " << ToString(p.ctl) << "  bittorrent " << ToString(p.bt) << "  pid "
                << p.pid << "  id " << ToHex(ByteSpan(p.id).first(8)) << "\n";
    }
    return Status::Ok();
  };
  // Bootstrap nodes first, so the others find a DHT when they join.
  for (int i = 0; i < bootstrap; ++i) CAIRN_RETURN_IF_ERROR(spawn(providers[i]));
  CAIRN_RETURN_IF_ERROR(WaitForRecords(
      env, network, std::vector<DevnetProvider>(providers.begin(), providers.begin() + bootstrap), deadline));
  for (int i = bootstrap; i < o.providers; ++i) CAIRN_RETURN_IF_ERROR(spawn(providers[i]));
  CAIRN_RETURN_IF_ERROR(WaitForRecords(env, network, providers, deadline));
  if (progress) *progress << "all " << o.providers << " providers answer \"record\"\n";
  CAIRN_RETURN_IF_ERROR(WaitForDht(network, o, deadline, progress));
  if (progress) *progress << "devnet up: network file " << NetworkPath(o.dir) << "\n";
  return providers;
}

Status StopDevnet(const std::string& dir, std::chrono::milliseconds grace, std::ostream* progress) {
  Env* env = Env::Default();
  if (!env->FileExists(dir)) return Status::NotFound("no devnet directory " + dir);
  CAIRN_ASSIGN_OR_RETURN(std::vector<std::string> names, env->ListDir(dir));
  std::vector<pid_t> pids;
  std::vector<std::string> pid_files;
  for (const std::string& name : names) {
    if (name.size() < 2 || name[0] != 'p' ||
        !std::all_of(name.begin() + 1, name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      continue;
    }
    DataDir d(dir + "/" + name);
    if (!env->FileExists(d.pid_path())) continue;
    pid_files.push_back(d.pid_path());
    auto pid = ReadPidFile(env, d.pid_path());
    if (pid.ok() && CommandLineContains(*pid, d.root())) pids.push_back(*pid);
  }
  std::vector<pid_t> killed = TerminateAll(pids, grace);
  for (const std::string& f : pid_files) (void)env->RemoveFile(f);
  if (progress) {
    *progress << "stopped " << pids.size() << " providers";
    if (!killed.empty()) *progress << " (" << killed.size() << " needed SIGKILL)";
    *progress << "\n";
  }
  for (pid_t pid : pids) {
    if (IsAlive(pid)) return Status::Internal("provider pid " + std::to_string(pid) + " survived SIGKILL");
  }
  return Status::Ok();
}

}  // namespace cairn::provider
