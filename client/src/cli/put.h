// `cairn put FILE [--name NAME] [--k K --m M] [--replace]`: stores a file ("-" reads stdin, and then --name is
// required) under a name that defaults to the file's base name.
#pragma once

#include <string>

#include "cairn/core/status.h"
#include "cli/environment.h"
#include "cli/global_options.h"

namespace cairn::cli {

inline constexpr std::size_t kMaxObjectNameBytes = 4096;

struct PutArgs {
  std::string file;  // a path, or "-" for stdin
  std::string name;  // empty: the base name of `file`
  int k = 0;         // 0: the network's default
  int m = -1;        // -1: the network's default
  bool replace = false;
};

// Adds the subcommand; its checks (k and m ranges, k + m, stdin needs --name, name length) run at parse time and
// throw CLI::ValidationError, so a bad command line exits 2 before anything is opened.
CLI::App* SetupPut(CLI::App& app, PutArgs& args);

// The name the object is stored under: --name, else the file's base name.
std::string PutObjectName(const PutArgs& args);

Status RunPut(const PutArgs& args, const GlobalArgs& global, Environment& env);

}  // namespace cairn::cli
