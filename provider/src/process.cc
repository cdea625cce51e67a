#include "process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace cairn::provider {

Result<pid_t> SpawnDetached(const SpawnRequest& request) {
  // Everything the child needs is prepared here: after fork only async-signal-safe calls are allowed.
  std::vector<std::string> argv_store;
  argv_store.push_back(request.binary);
  argv_store.insert(argv_store.end(), request.args.begin(), request.args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_store) argv.push_back(a.data());
  argv.push_back(nullptr);

  std::vector<std::string> env_store;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string entry(*e);
    std::string key = entry.substr(0, entry.find('='));
    if (request.env.count(key) == 0) env_store.push_back(std::move(entry));
  }
  for (const auto& [k, v] : request.env) env_store.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (std::string& e : env_store) envp.push_back(e.data());
  envp.push_back(nullptr);

  int log_fd = ::open(request.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return Status::FromErrno("open " + request.log_path, errno);
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) {
    int err = errno;
    ::close(log_fd);
    return Status::FromErrno("open /dev/null", err);
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    ::close(log_fd);
    ::close(null_fd);
    return Status::FromErrno("fork", err);
  }
  if (pid == 0) {
    // Child. dup2 clears close-on-exec on the copies; the originals close at exec.
    if (::setsid() < 0 || ::dup2(null_fd, STDIN_FILENO) < 0 || ::dup2(log_fd, STDOUT_FILENO) < 0 ||
        ::dup2(log_fd, STDERR_FILENO) < 0) {
      ::_exit(126);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(argv[0], argv.data(), envp.data());
    static const char kMsg[] = "cairn-provider devnet: exec failed\n";
    ssize_t ignored = ::write(STDERR_FILENO, kMsg, sizeof(kMsg) - 1);
    (void)ignored;
    ::_exit(127);
  }
  ::close(log_fd);
  ::close(null_fd);
  return pid;
}

namespace {

// The state letter of /proc/<pid>/stat ('R', 'S', 'Z', ...), or 0 when the process does not exist.
char ProcState(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!in || !std::getline(in, line)) return 0;
  std::size_t close = line.rfind(')');  // the command name may contain spaces and parentheses
  if (close == std::string::npos || close + 2 >= line.size()) return 0;
  return line[close + 2];
}

}  // namespace

bool IsAlive(pid_t pid) {
  if (pid <= 0) return false;
  if (::kill(pid, 0) != 0 && errno == ESRCH) return false;
  char state = ProcState(pid);
  return state != 0 && state != 'Z' && state != 'X';
}

bool CommandLineContains(pid_t pid, const std::string& needle) {
  if (!IsAlive(pid)) return false;
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string cmdline = ss.str();
  for (char& c : cmdline) {
    if (c == '\0') c = ' ';
  }
  return cmdline.find(needle) != std::string::npos;
}

void ReapIfChild(pid_t pid) {
  int status = 0;
  (void)::waitpid(pid, &status, WNOHANG);
}

std::vector<pid_t> TerminateAll(const std::vector<pid_t>& pids, std::chrono::milliseconds grace) {
  using Clock = std::chrono::steady_clock;
  for (pid_t pid : pids) {
    if (IsAlive(pid)) (void)::kill(pid, SIGTERM);
  }
  auto wait_all = [&](Clock::time_point deadline) {
    for (;;) {
      bool any = false;
      for (pid_t pid : pids) {
        ReapIfChild(pid);
        any = any || IsAlive(pid);
      }
      if (!any || Clock::now() >= deadline) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  };
  wait_all(Clock::now() + grace);
  std::vector<pid_t> killed;
  for (pid_t pid : pids) {
    if (IsAlive(pid) && ::kill(pid, SIGKILL) == 0) killed.push_back(pid);
  }
  if (!killed.empty()) wait_all(Clock::now() + std::chrono::seconds(1));
  return killed;
}

Result<std::string> SelfExecutable() {
  std::vector<char> buf(4096);
  ssize_t n = ::readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  if (n < 0) return Status::FromErrno("readlink /proc/self/exe", errno);
  return std::string(buf.data(), static_cast<std::size_t>(n));
}

}  // namespace cairn::provider
