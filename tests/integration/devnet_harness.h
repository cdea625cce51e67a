// Test harness for integration tests with real processes: running a program to completion with a timeout, and a
// Devnet handle that starts `cairn-provider devnet` in a private directory on loopback addresses of its own, kills,
// restarts and inspects single providers, and always stops every process it knows of when it dies.
//
// Isolation (so `ctest -j` can run devnets side by side): each Devnet takes a free second address byte <net> (its
// providers listen on 127.<net>.<i+1>.1) under an exclusive lock file held for the Devnet's lifetime, and checks
// that the control and BitTorrent ports are bindable there before starting.
//
// Thread-safety: a Devnet is used from one thread (the test's), except Kill, which may be called from a callback
// running on that same thread. The process helpers are reentrant.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cairn/core/status.h"

namespace cairn::testing {

using EnvVars = std::map<std::string, std::string>;

struct ProcessResult {
  int exit_code = -1;  // the exit status, or 128 + signal when a signal ended it
  std::string output;  // stdout and stderr, interleaved
};

// Runs argv[0] (an absolute path) with argv[1..] and `env` added to the inherited environment, waits for it to end,
// and returns its exit code and output. Kills it (SIGKILL) and returns kDeadlineExceeded after `timeout`.
Result<ProcessResult> RunProcess(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                                 const EnvVars& env = {});

// Starts argv in a new session with stdout and stderr appended to `log_path`; returns at once.
Result<pid_t> SpawnProcess(const std::vector<std::string>& argv, const EnvVars& env, const std::string& log_path);

// True when `pid` no longer runs (gone, or a zombie). Reaps it when it is our child.
bool ProcessGone(pid_t pid);

// Sends `signal` to pid and waits up to `timeout` for it to be gone.
Status SignalAndWait(pid_t pid, int signal, std::chrono::milliseconds timeout);

struct DevnetOptions {
  int providers = 6;
  // Providers initialized before the devnet starts (the devnet keeps existing data dirs): index -> capacity
  // ("1536K", "2M"...). The others get the devnet's default capacity.
  std::map<int, std::string> capacity;
  std::vector<std::string> extra_args;  // more `cairn-provider devnet` flags
};

class Devnet {
 public:
  // Starts a devnet under `dir` (created) and returns once `devnet` reports every provider up. On failure every
  // process it started is stopped and the error carries the launcher's output.
  static Result<std::unique_ptr<Devnet>> Start(const std::string& dir, const DevnetOptions& options);
  ~Devnet();  // Stop()
  Devnet(const Devnet&) = delete;
  Devnet& operator=(const Devnet&) = delete;

  // `devnet --stop` (SIGTERM, SIGKILL after a minute), then SIGKILL to any provider process still running (also the
  // ones Restart started). Idempotent. OK when no provider process is left.
  Status Stop();

  int providers() const { return options_.providers; }
  const std::string& dir() const { return dir_; }
  std::string network_file() const { return dir_ + "/network"; }
  std::string provider_dir(int i) const { return dir_ + "/p" + std::to_string(i); }
  int loopback_net() const { return net_; }
  std::uint16_t base_port() const { return base_port_; }

  // The provider's current process id (from its pid file).
  Result<pid_t> Pid(int i) const;
  // SIGKILL, then waits until the process is gone.
  Status Kill(int i);
  bool Killed(int i) const { return killed_.count(i) > 0; }
  // SIGTERM (SIGKILL after 10 s), then starts `cairn-provider run` again with the same arguments and `env` added,
  // records the new pid in the pid file, and waits until its control port accepts connections (the daemon opens it
  // last, once its shards are seeded again).
  Status Restart(int i, const EnvVars& env);

  // Hex public key of provider i (read once from `status --json`, cached).
  Result<std::string> ProviderId(int i);
  // Index of the provider whose hex key is `id`, or -1.
  int IndexOf(const std::string& id);
  // `cairn-provider status --data-dir <p_i> --json` output.
  Result<std::string> StatusJson(int i) const;
  // The provider's log.
  std::string Log(int i) const;
  // The last `lines` lines of every provider's log, for failure messages.
  std::string LogTails(int lines) const;

 private:
  Devnet(std::string dir, DevnetOptions options, int net, std::uint16_t base_port, int lock_fd);
  std::string dir_;
  DevnetOptions options_;
  int net_;
  std::uint16_t base_port_;
  int lock_fd_;
  bool stopped_ = false;
  std::map<int, std::string> ids_;
  std::map<int, bool> killed_;
  std::vector<pid_t> pids_;  // every provider pid seen, to kill whatever survives Stop
};

// Reads an integer field `"key": 123` of a flat JSON text (the first occurrence); nullopt when absent.
std::optional<std::int64_t> JsonInt(const std::string& json, const std::string& key);
// Reads a string field `"key": "..."` (no escapes inside); nullopt when absent.
std::optional<std::string> JsonString(const std::string& json, const std::string& key);

// Paths of the built binaries (compile definitions of the integration_tests target).
std::string ProviderBinary();
std::string CliBinary();
std::string PutGetExampleBinary();

}  // namespace cairn::testing
