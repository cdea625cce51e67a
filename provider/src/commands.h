// The subcommands of cairn-provider, one file each (cmd_<name>.cc): an options struct filled by CLI11, a Setup
// function that declares the subcommand and its flags on the parent app, and a Run function that does the work and
// returns a Status (main maps it to an exit code). Tests parse argument vectors in-process with the Setup functions.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <ostream>
#include <string>

#include "cairn/core/status.h"
#include "cairn/provider/devnet.h"

namespace cairn::provider {

// cairn-provider init --data-dir D --capacity SIZE [--price P] [--max-shard-size SIZE]
struct InitCommand {
  std::string data_dir;
  std::string capacity;
  std::uint64_t price = 1;
  std::string max_shard_size = "1G";
};
CLI::App* SetupInit(CLI::App& app, InitCommand& cmd);
Status RunInit(const InitCommand& cmd, std::ostream& out);

// cairn-provider run --data-dir D --network FILE [--listen IP:PORT] [--bt-listen IP:PORT]
struct RunCommand {
  std::string data_dir;
  std::string network;
  std::string listen = "127.0.0.1:7650";
  std::string bt_listen;  // empty: the control IP, control port + 1
};
CLI::App* SetupRun(CLI::App& app, RunCommand& cmd);
// Runs until SIGTERM or SIGINT, then shuts down cleanly.
Status RunRun(const RunCommand& cmd, std::ostream& out);

// cairn-provider status --data-dir D [--json]
struct StatusCommand {
  std::string data_dir;
  bool json = false;
};
CLI::App* SetupStatus(CLI::App& app, StatusCommand& cmd);
Status RunStatus(const StatusCommand& cmd, std::ostream& out);

// cairn-provider devnet --providers N --dir D [--base-port P] [--net X] [--capacity SIZE] ...
// cairn-provider devnet --dir D --stop
struct DevnetCommand {
  DevnetOptions options;
  bool stop = false;
  std::string capacity = "4G";
  std::string max_shard_size = "1G";
  int timeout_seconds = 120;
  int grace_ms = 10000;
};
CLI::App* SetupDevnet(CLI::App& app, DevnetCommand& cmd);
Status RunDevnet(const DevnetCommand& cmd, std::ostream& out);

// Exit codes of cairn-provider.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;       // any other error
inline constexpr int kExitUsage = 2;         // bad command line or argument values
inline constexpr int kExitPrecondition = 3;  // not initialized, already initialized, already running
inline constexpr int kExitUnavailable = 4;   // the devnet did not come up, a provider exited early
int ExitCodeFor(const Status& status);

}  // namespace cairn::provider
