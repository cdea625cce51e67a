#include "devnet_harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

extern char** environ;

namespace cairn::testing {
namespace {

using Clock = std::chrono::steady_clock;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// argv and envp for exec, built before any process is started.
struct ExecArgs {
  std::vector<std::string> argv_store;
  std::vector<std::string> env_store;
  std::vector<char*> argv;
  std::vector<char*> envp;

  ExecArgs(const std::vector<std::string>& args, const EnvVars& env) : argv_store(args) {
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
      std::string entry(*e);
      if (env.count(entry.substr(0, entry.find('='))) == 0) env_store.push_back(std::move(entry));
    }
    for (const auto& [k, v] : env) env_store.push_back(k + "=" + v);
    for (std::string& a : argv_store) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (std::string& e : env_store) envp.push_back(e.data());
    envp.push_back(nullptr);
  }
};

// posix_spawn (safe in a process with threads, as the test process has) with stdin from /dev/null and stdout +
// stderr to `out_path` (appended), in a new session so no terminal signal reaches it.
Result<pid_t> Spawn(const std::vector<std::string>& argv, const EnvVars& env, const std::string& out_path) {
  if (argv.empty()) return Status::InvalidArgument("no program to run");
  ExecArgs args(argv, env);
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  if (int rc = posix_spawn_file_actions_init(&actions); rc != 0) return Status::FromErrno("spawn actions", rc);
  if (int rc = posix_spawnattr_init(&attr); rc != 0) {
    posix_spawn_file_actions_destroy(&actions);
    return Status::FromErrno("spawn attributes", rc);
  }
  int rc = posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  if (rc == 0) {
    rc = posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                          0644);
  }
  if (rc == 0) rc = posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  if (rc == 0) rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
  pid_t pid = -1;
  if (rc == 0) rc = posix_spawn(&pid, args.argv[0], &actions, &attr, args.argv.data(), args.envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return Status::FromErrno("spawn " + argv[0], rc);
  return pid;
}

// True when TCP `port` and UDP `port + 1` (and TCP port + 1) can be bound on `ip` right now.
bool PortsFree(const std::string& ip, std::uint16_t port) {
  auto try_bind = [&](int type, std::uint16_t p) {
    int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(p);
    bool ok = ::inet_pton(AF_INET, ip.c_str(), &sa.sin_addr) == 1 &&
              ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0;
    ::close(fd);
    return ok;
  };
  return try_bind(SOCK_STREAM, port) && try_bind(SOCK_STREAM, static_cast<std::uint16_t>(port + 1)) &&
         try_bind(SOCK_DGRAM, static_cast<std::uint16_t>(port + 1));
}

// Takes an exclusive lock on a free loopback net (second address byte) and picks a base port free on every
// provider address of it. The lock file lives in /tmp so every test process on the machine sees it; the kernel drops
// the lock when the process dies, so a crashed test never leaks a net.
Status ReserveNet(int providers, int& net, std::uint16_t& port, int& lock_fd) {
  std::random_device rd;  // only picks where to start probing; any free net works
  std::mt19937 rng(rd());
  const int start = static_cast<int>(rng() % 200);
  for (int step = 0; step < 200; ++step) {
    const int candidate = 40 + (start + step) % 200;  // 127.40.* .. 127.239.*
    std::string lock_path = "/tmp/cairn-integration-net-" + std::to_string(candidate) + ".lock";
    int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) return Status::FromErrno("open " + lock_path, errno);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd);
      continue;
    }
    for (int attempt = 0; attempt < 20; ++attempt) {
      const std::uint16_t p = static_cast<std::uint16_t>(20000 + 2 * (rng() % 6000));  // below the ephemeral range
      bool free = true;
      for (int i = 0; i <= providers && free; ++i) {  // i == providers: the launcher's spare DHT address
        free = PortsFree("127." + std::to_string(candidate) + "." + std::to_string(i + 1) + ".1", p);
      }
      if (free) {
        net = candidate;
        port = p;
        lock_fd = fd;
        return Status::Ok();
      }
    }
    ::close(fd);
  }
  return Status::Unavailable("no free loopback net for a devnet");
}

// True when a TCP connection to ip:port succeeds now.
bool CanConnect(const std::string& ip, std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  bool ok = ::inet_pton(AF_INET, ip.c_str(), &sa.sin_addr) == 1 &&
            ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0;
  ::close(fd);
  return ok;
}

std::vector<std::string> SplitNul(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < s.size()) {
    std::size_t end = s.find('\0', start);
    if (end == std::string::npos) end = s.size();
    out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

std::string ProviderBinary() { return CAIRN_PROVIDER_BIN; }
std::string CliBinary() { return CAIRN_CLI_BIN; }
std::string PutGetExampleBinary() { return CAIRN_PUT_GET_EXAMPLE_BIN; }

Result<ProcessResult> RunProcess(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                                 const EnvVars& env) {
  char out_template[] = "/tmp/cairn-it-out.XXXXXX";
  int out_fd = ::mkstemp(out_template);
  if (out_fd < 0) return Status::FromErrno("mkstemp", errno);
  ::close(out_fd);
  const std::string out_path = out_template;
  auto pid = Spawn(argv, env, out_path);
  if (!pid.ok()) {
    ::unlink(out_path.c_str());
    return pid.status();
  }
  const auto deadline = Clock::now() + timeout;
  int status = 0;
  for (;;) {
    pid_t r = ::waitpid(*pid, &status, WNOHANG);
    if (r == *pid) break;
    if (r < 0 && errno != EINTR) {
      ::unlink(out_path.c_str());
      return Status::FromErrno("waitpid", errno);
    }
    if (Clock::now() >= deadline) {
      ::kill(*pid, SIGKILL);
      ::waitpid(*pid, &status, 0);
      std::string output = ReadFile(out_path);
      ::unlink(out_path.c_str());
      return Status::DeadlineExceeded(argv[0] + " did not finish in " + std::to_string(timeout.count()) +
                                      " ms; output:\n" + output);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ProcessResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.output = ReadFile(out_path);
  ::unlink(out_path.c_str());
  return result;
}

Result<pid_t> SpawnProcess(const std::vector<std::string>& argv, const EnvVars& env, const std::string& log_path) {
  return Spawn(argv, env, log_path);
}

bool ProcessGone(pid_t pid) {
  if (pid <= 0) return true;
  int status = 0;
  (void)::waitpid(pid, &status, WNOHANG);  // reaps our own children; ECHILD otherwise
  if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
  std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  std::size_t close = stat.rfind(')');
  if (close == std::string::npos || close + 2 >= stat.size()) return true;
  char state = stat[close + 2];
  return state == 'Z' || state == 'X';
}

Status SignalAndWait(pid_t pid, int signal, std::chrono::milliseconds timeout) {
  if (ProcessGone(pid)) return Status::Ok();
  if (::kill(pid, signal) != 0 && errno != ESRCH) return Status::FromErrno("kill " + std::to_string(pid), errno);
  const auto deadline = Clock::now() + timeout;
  while (!ProcessGone(pid)) {
    if (Clock::now() >= deadline) {
      return Status::DeadlineExceeded("pid " + std::to_string(pid) + " still runs after signal " +
                                      std::to_string(signal));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return Status::Ok();
}

Devnet::Devnet(std::string dir, DevnetOptions options, int net, std::uint16_t base_port, int lock_fd)
    : dir_(std::move(dir)), options_(std::move(options)), net_(net), base_port_(base_port), lock_fd_(lock_fd) {}

Result<std::unique_ptr<Devnet>> Devnet::Start(const std::string& dir, const DevnetOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError("create " + dir + ": " + ec.message());
  int net = 0;
  std::uint16_t port = 0;
  int lock_fd = -1;
  CAIRN_RETURN_IF_ERROR(ReserveNet(options.providers, net, port, lock_fd));
  std::unique_ptr<Devnet> devnet(new Devnet(dir, options, net, port, lock_fd));
  for (const auto& [i, capacity] : options.capacity) {
    CAIRN_ASSIGN_OR_RETURN(ProcessResult r, RunProcess({ProviderBinary(), "init", "--data-dir", devnet->provider_dir(i),
                                                        "--capacity", capacity},
                                                       std::chrono::seconds(30)));
    if (r.exit_code != 0) return Status::Internal("cairn-provider init failed:\n" + r.output);
  }
  std::vector<std::string> argv = {ProviderBinary(), "devnet",
                                   "--providers",    std::to_string(options.providers),
                                   "--dir",          dir,
                                   "--base-port",    std::to_string(port),
                                   "--net",          std::to_string(net),
                                   "--timeout",      "90"};
  argv.insert(argv.end(), options.extra_args.begin(), options.extra_args.end());
  auto run = RunProcess(argv, std::chrono::seconds(120));
  for (int i = 0; i < options.providers; ++i) {
    auto pid = devnet->Pid(i);
    if (pid.ok()) devnet->pids_.push_back(*pid);
  }
  if (!run.ok() || run->exit_code != 0) {
    std::string why =
        run.ok() ? "exit code " + std::to_string(run->exit_code) + ":\n" + run->output : run.status().ToString();
    (void)devnet->Stop();
    return Status::Unavailable("the devnet did not start: " + why + "\n" + devnet->LogTails(8));
  }
  return devnet;
}

Devnet::~Devnet() {
  (void)Stop();
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

Status Devnet::Stop() {
  if (stopped_) return Status::Ok();
  stopped_ = true;
  // A generous grace: a loaded machine may take seconds to stop a devnet; a provider that hangs still shows.
  auto r = RunProcess({ProviderBinary(), "devnet", "--dir", dir_, "--stop", "--grace-ms", "60000"},
                      std::chrono::seconds(120));
  Status result =
      r.ok() ? (r->exit_code == 0 ? Status::Ok() : Status::Internal("devnet --stop: " + r->output)) : r.status();
  for (pid_t pid : pids_) {
    if (!ProcessGone(pid)) {
      Status killed = SignalAndWait(pid, SIGKILL, std::chrono::seconds(5));
      if (result.ok()) result = Status::Internal("provider pid " + std::to_string(pid) + " survived devnet --stop");
      if (!killed.ok()) result = killed;
    }
  }
  return result;
}

Result<pid_t> Devnet::Pid(int i) const {
  std::string text = ReadFile(provider_dir(i) + "/pid");
  pid_t pid = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), pid);
  if (ec == std::errc() && end != text.data() && pid > 1) return pid;
  return Status::NotFound("no pid file for provider " + std::to_string(i));
}

Status Devnet::Kill(int i) {
  CAIRN_ASSIGN_OR_RETURN(pid_t pid, Pid(i));
  CAIRN_RETURN_IF_ERROR(SignalAndWait(pid, SIGKILL, std::chrono::seconds(10)));
  killed_[i] = true;
  return Status::Ok();
}

Status Devnet::Restart(int i, const EnvVars& env) {
  CAIRN_ASSIGN_OR_RETURN(pid_t pid, Pid(i));
  std::vector<std::string> argv = SplitNul(ReadFile("/proc/" + std::to_string(pid) + "/cmdline"));
  if (argv.size() < 2 || argv[1] != "run") return Status::Internal("provider " + std::to_string(i) + " is not `run`");
  argv[0] = ProviderBinary();
  if (!SignalAndWait(pid, SIGTERM, std::chrono::seconds(10)).ok()) {
    CAIRN_RETURN_IF_ERROR(SignalAndWait(pid, SIGKILL, std::chrono::seconds(5)));
  }
  const std::string log_path = provider_dir(i) + "/log";
  const std::size_t log_before = ReadFile(log_path).size();
  CAIRN_ASSIGN_OR_RETURN(pid_t new_pid, SpawnProcess(argv, env, log_path));
  pids_.push_back(new_pid);
  killed_.erase(i);
  const std::string pid_tmp = provider_dir(i) + "/pid.tmp";
  {
    std::ofstream out(pid_tmp, std::ios::trunc);
    out << new_pid << "\n";
    if (!out) return Status::IOError("write " + pid_tmp);
  }
  if (::rename(pid_tmp.c_str(), (provider_dir(i) + "/pid").c_str()) != 0) {
    return Status::FromErrno("rename " + pid_tmp, errno);
  }
  // The daemon opens its control port last, once its shards are seeded again: a connection means it serves.
  std::string listen;
  for (std::size_t a = 0; a + 1 < argv.size(); ++a) {
    if (argv[a] == "--listen") listen = argv[a + 1];
  }
  const std::size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return Status::Internal("no --listen address in the provider's command line");
  const std::string ip = listen.substr(0, colon);
  const auto port = static_cast<std::uint16_t>(std::atoi(listen.c_str() + colon + 1));
  const auto deadline = Clock::now() + std::chrono::seconds(90);
  for (;;) {
    if (CanConnect(ip, port)) return Status::Ok();
    if (ProcessGone(new_pid)) {
      return Status::Unavailable("restarted provider exited:\n" + ReadFile(log_path).substr(log_before));
    }
    if (Clock::now() >= deadline) return Status::DeadlineExceeded("restarted provider did not come up");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

Result<std::string> Devnet::StatusJson(int i) const {
  CAIRN_ASSIGN_OR_RETURN(
      ProcessResult r,
      RunProcess({ProviderBinary(), "status", "--data-dir", provider_dir(i), "--json"}, std::chrono::seconds(30)));
  if (r.exit_code != 0) return Status::Internal("status of provider " + std::to_string(i) + ": " + r.output);
  return r.output;
}

Result<std::string> Devnet::ProviderId(int i) {
  auto it = ids_.find(i);
  if (it != ids_.end()) return it->second;
  CAIRN_ASSIGN_OR_RETURN(std::string json, StatusJson(i));
  std::optional<std::string> id = JsonString(json, "id");
  if (!id) return Status::Internal("no id in the status of provider " + std::to_string(i) + ": " + json);
  ids_[i] = *id;
  return *id;
}

int Devnet::IndexOf(const std::string& id) {
  for (int i = 0; i < options_.providers; ++i) {
    auto mine = ProviderId(i);
    if (mine.ok() && *mine == id) return i;
  }
  return -1;
}

std::string Devnet::Log(int i) const { return ReadFile(provider_dir(i) + "/log"); }

std::string Devnet::LogTails(int lines) const {
  std::string out;
  for (int i = 0; i < options_.providers; ++i) {
    std::string log = Log(i);
    std::size_t start = log.size();
    for (int n = 0; start > 0 && n <= lines; --start) {
      if (log[start - 1] == '\n') ++n;
    }
    out += "--- p" + std::to_string(i) + "/log (last lines)\n" + log.substr(start == 0 ? 0 : start + 1);
  }
  return out;
}

std::optional<std::int64_t> JsonInt(const std::string& json, const std::string& key) {
  std::size_t at = json.find("\"" + key + "\":");
  if (at == std::string::npos) return std::nullopt;
  at += key.size() + 3;
  while (at < json.size() && json[at] == ' ') ++at;
  std::size_t end = at;
  while (end < json.size() && (json[end] == '-' || (json[end] >= '0' && json[end] <= '9'))) ++end;
  std::int64_t value = 0;
  auto [stop, ec] = std::from_chars(json.data() + at, json.data() + end, value);
  if (ec != std::errc() || stop != json.data() + end) return std::nullopt;
  return value;
}

std::optional<std::string> JsonString(const std::string& json, const std::string& key) {
  std::size_t at = json.find("\"" + key + "\":");
  if (at == std::string::npos) return std::nullopt;
  at = json.find('"', at + key.size() + 3);
  if (at == std::string::npos) return std::nullopt;
  std::size_t end = json.find('"', at + 1);
  if (end == std::string::npos) return std::nullopt;
  return json.substr(at + 1, end - at - 1);
}

}  // namespace cairn::testing
