#include "cli/init.h"

#include <CLI/CLI.hpp>
#include <ostream>

namespace cairn::cli {

CLI::App* SetupInit(CLI::App& app, InitArgs& /*args*/) {
  CLI::App* sub = app.add_subcommand("init", "Create a repository and its master key");
  sub->footer(
      "The passphrase comes from CAIRN_PASSPHRASE, or is asked twice on the terminal; "
      "--key-file uses a key file instead.");
  return sub;
}

Status RunInit(const InitArgs& /*args*/, const GlobalArgs& global, Environment& env) {
  CAIRN_ASSIGN_OR_RETURN(ClientOptions options, ResolveClientOptions(global, env, KeyUse::kCreate));
  if (!env.init_client) return Status::Internal("no client factory");
  const Status st = env.init_client(options);
  WipePassphrase(options);
  if (!st.ok()) return st.WithContext("init " + options.repo_dir);
  *env.out << "created repository " << options.repo_dir << "\n";
  return Status::Ok();
}

}  // namespace cairn::cli
