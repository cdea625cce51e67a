// Everything a CLI command touches outside its arguments: environment variables, the terminal, the standard streams,
// the cancel flag, the clock and the library's entry points. main() fills it from the real process; tests fill it
// with fakes, so every command runs in-process against a fake Client.
//
// Thread-safety: owned by the main thread; `cancel` may be set from a signal handler.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cairn/client/client.h"
#include "cairn/core/status.h"

namespace cairn::cli {

struct Environment {
  // An environment variable, or nullopt when unset.
  std::function<std::optional<std::string>(std::string_view name)> getenv;
  bool stdin_is_terminal = false;
  bool stderr_is_terminal = false;
  // Prompts on the terminal and reads one line with echo off.
  std::function<Result<std::string>(std::string_view prompt)> read_secret;

  // The library's entry points (Client::Init / Client::Open in the real program).
  std::function<Status(const ClientOptions&)> init_client;
  std::function<Result<std::unique_ptr<Client>>(const ClientOptions&)> open_client;

  std::istream* in = nullptr;   // data for `put -`
  std::ostream* out = nullptr;  // results, and data for `get` without -o
  std::ostream* err = nullptr;  // progress bar and warnings (errors are printed by main)

  const std::atomic<bool>* cancel = nullptr;
  std::function<std::chrono::steady_clock::time_point()> now = [] { return std::chrono::steady_clock::now(); };
  // Registers a temp file to delete if the process is killed by a second Ctrl-C (empty: none).
  std::function<void(const std::string&)> set_cleanup_path = [](const std::string&) {};
};

}  // namespace cairn::cli
