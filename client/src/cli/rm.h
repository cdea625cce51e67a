// `cairn rm NAME`: removes an object and ends its deals (the providers free the space).
#pragma once

#include <string>

#include "cairn/core/status.h"
#include "cli/environment.h"
#include "cli/global_options.h"

namespace cairn::cli {

struct RmArgs {
  std::string name;
};

CLI::App* SetupRm(CLI::App& app, RmArgs& args);
Status RunRm(const RmArgs& args, const GlobalArgs& global, Environment& env);

}  // namespace cairn::cli
