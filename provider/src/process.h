// Starting and stopping detached provider processes for the devnet launcher.
//
// Thread-safety: reentrant; SpawnDetached forks, so call it before the process starts threads of its own where
// possible (only async-signal-safe calls run between fork and exec).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "cairn/core/status.h"

namespace cairn::provider {

struct SpawnRequest {
  std::string binary;                      // absolute path of the program
  std::vector<std::string> args;           // argv[1..]
  std::string log_path;                    // stdout and stderr are appended here; stdin is /dev/null
  std::map<std::string, std::string> env;  // added to (or replacing in) the inherited environment
};

// fork + setsid + exec: the child runs in its own session, so a terminal's Ctrl-C to the launcher does not reach it,
// and it outlives the launcher. Returns the child's pid; exec failures show up in the log and as an early exit.
Result<pid_t> SpawnDetached(const SpawnRequest& request);

// True while `pid` names a process that is not a zombie.
bool IsAlive(pid_t pid);
// True when `pid` is alive and its command line contains `needle` (guards against a recycled pid).
bool CommandLineContains(pid_t pid, const std::string& needle);

// Reaps `pid` if it is our exited child (no-op otherwise).
void ReapIfChild(pid_t pid);

// Sends SIGTERM to every pid, waits up to `grace` for all of them to exit, then SIGKILLs the rest and waits up to one
// more second. Returns the pids that were killed with SIGKILL.
std::vector<pid_t> TerminateAll(const std::vector<pid_t>& pids, std::chrono::milliseconds grace);

// The absolute path of the running executable (/proc/self/exe).
Result<std::string> SelfExecutable();

}  // namespace cairn::provider
