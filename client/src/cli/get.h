// `cairn get NAME [-o OUT] [--offset N] [--length N]`: writes an object (or a byte range of it) to OUT, or to
// standard output when OUT is absent or "-". A regular OUT is written through a temp file renamed into place only
// when the whole get succeeded, so a failed or cancelled get never leaves a partial OUT.
#pragma once

#include <cstdint>
#include <limits>
#include <string>

#include "cairn/core/status.h"
#include "cli/environment.h"
#include "cli/global_options.h"

namespace cairn::cli {

struct GetArgs {
  std::string name;
  std::string output;  // "" or "-": standard output
  std::uint64_t offset = 0;
  std::uint64_t length = std::numeric_limits<std::uint64_t>::max();  // max: to the end
};

// Adds the subcommand; --length 0 and an offset + length past 2^64 are refused at parse time.
CLI::App* SetupGet(CLI::App& app, GetArgs& args);

Status RunGet(const GetArgs& args, const GlobalArgs& global, Environment& env);

}  // namespace cairn::cli
