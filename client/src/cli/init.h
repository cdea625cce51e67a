// `cairn init`: creates the repository folder and its master key (from a passphrase typed twice, CAIRN_PASSPHRASE,
// or --key-file).
#pragma once

#include "cairn/core/status.h"
#include "cli/environment.h"
#include "cli/global_options.h"

namespace cairn::cli {

struct InitArgs {};

CLI::App* SetupInit(CLI::App& app, InitArgs& args);
Status RunInit(const InitArgs& args, const GlobalArgs& global, Environment& env);

}  // namespace cairn::cli
