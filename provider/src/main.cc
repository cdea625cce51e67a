// cairn-provider: the provider daemon. main only wires the subcommands (commands.h) and maps Status to exit codes:
//   0 ok, 1 failure, 2 usage, 3 precondition (not initialized / already initialized / already running),
//   4 unavailable (a devnet did not come up).
#include <iostream>

#include "commands.h"

int main(int argc, char** argv) {
  using namespace cairn::provider;
  CLI::App app{"cairn-provider: rent out disk to the cairn storage network"};
  app.set_version_flag("--version", std::string("cairn-provider ") + CAIRN_VERSION);
  app.require_subcommand(1);
  app.footer("Exit codes: 0 ok, 1 failure, 2 usage, 3 not initialized / already running, 4 devnet not up.");
  InitCommand init;
  RunCommand run;
  StatusCommand status;
  DevnetCommand devnet;
  CLI::App* init_cmd = SetupInit(app, init);
  CLI::App* run_cmd = SetupRun(app, run);
  CLI::App* status_cmd = SetupStatus(app, status);
  CLI::App* devnet_cmd = SetupDevnet(app, devnet);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  cairn::Status s;
  if (init_cmd->parsed()) s = RunInit(init, std::cout);
  if (run_cmd->parsed()) s = RunRun(run, std::cout);
  if (status_cmd->parsed()) s = RunStatus(status, std::cout);
  if (devnet_cmd->parsed()) s = RunDevnet(devnet, std::cout);
  if (!s.ok()) std::cerr << "cairn-provider: " << s.ToString() << "\n";
  return ExitCodeFor(s);
}
