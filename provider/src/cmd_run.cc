#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "cairn/provider/daemon.h"
#include "commands.h"
#include "log.h"

namespace cairn::provider {

CLI::App* SetupRun(CLI::App& app, RunCommand& cmd) {
  CLI::App* sub = app.add_subcommand("run", "Run the provider daemon until SIGTERM or SIGINT");
  sub->add_option("--data-dir", cmd.data_dir, "The provider's data dir (see init)")->required();
  sub->add_option("--network", cmd.network, "The network file")->required()->envname("CAIRN_NETWORK");
  sub->add_option("--listen", cmd.listen, "Control channel address, an explicit IP:PORT")->capture_default_str();
  sub->add_option("--bt-listen", cmd.bt_listen, "BitTorrent and DHT address (default: control IP, port + 1)");
  sub->footer(
      "Environment (TEST ONLY): CAIRN_TEST_CORRUPT_SERVE=1 makes the daemon serve corrupted copies of its shards, "
      "to exercise clients' checks. Never set it on a real provider.");
  return sub;
}

Status RunRun(const RunCommand& cmd, std::ostream& out) {
  DaemonOptions options;
  options.data_dir = cmd.data_dir;
  options.network_file = cmd.network;
  CAIRN_ASSIGN_OR_RETURN(options.listen, ParseEndpoint(cmd.listen));
  if (!cmd.bt_listen.empty()) {
    CAIRN_ASSIGN_OR_RETURN(Endpoint bt, ParseEndpoint(cmd.bt_listen));
    options.bt_listen = bt;
  }
  const char* corrupt = std::getenv("CAIRN_TEST_CORRUPT_SERVE");
  options.corrupt_serve = corrupt != nullptr && std::strcmp(corrupt, "1") == 0;
  if (options.corrupt_serve) LogLine("TEST ONLY: CAIRN_TEST_CORRUPT_SERVE=1, serving corrupted shards");

  // Block the stop signals in every thread (the daemon's threads inherit this mask) and take them synchronously
  // in the owner loop below. SIGUSR1, sent by the io thread to this thread, only cuts the wait short when work was
  // posted.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGUSR1);
  if (int rc = pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr); rc != 0) {
    return Status::FromErrno("pthread_sigmask", rc);
  }
  const pthread_t owner = pthread_self();
  options.wake_owner = [owner] { (void)pthread_kill(owner, SIGUSR1); };
  if (::signal(SIGPIPE, SIG_IGN) == SIG_ERR) return Status::FromErrno("signal(SIGPIPE)", errno);

  CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<Daemon> daemon, Daemon::Start(options));
  out << "serving on " << ToString(daemon->control_endpoint()) << std::endl;
  std::chrono::milliseconds wait(100);
  for (;;) {
    timespec tick{0, static_cast<long>(std::chrono::nanoseconds(wait).count())};
    int sig = sigtimedwait(&stop_signals, nullptr, &tick);
    if (sig == SIGTERM || sig == SIGINT) {
      LogLine(std::string("received ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") + ", stopping");
      break;
    }
    if (sig < 0 && errno != EAGAIN && errno != EINTR) {
      Status s = Status::FromErrno("sigtimedwait", errno);
      (void)daemon->Shutdown();
      return s;
    }
    wait = daemon->Tick();
  }
  return daemon->Shutdown();
}

}  // namespace cairn::provider
