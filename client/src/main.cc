// cairn: the client CLI. main only wires the subcommands (client/src/cli/) to the library and maps the Status of
// the command to a documented exit code (cli/exit_codes.h, client/CLI.md).
#include <iostream>

#include "cairn/client/client.h"
#include "cli/app.h"
#include "cli/exit_codes.h"
#include "cli/system_environment.h"

int main(int argc, char** argv) {
  using cairn::cli::ExitCodeFor;
  cairn::cli::Cli cli;
  if (argc <= 1) {
    std::cerr << cli.app().help();
    return cairn::cli::kExitUsage;
  }
  try {
    cli.app().parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cairn::cli::ReportParseError(cli.app(), e, std::cout, std::cerr);
  }

  cairn::cli::SystemIo io;
  cairn::Result<cairn::cli::Environment> env = cairn::cli::MakeSystemEnvironment(io);
  if (!env.ok()) {
    std::cerr << "cairn: " << env.status().message() << "\n";
    return ExitCodeFor(env.status().code());
  }
  env->init_client = &cairn::Client::Init;
  env->open_client = &cairn::Client::Open;

  cairn::Status st = cli.Run(*env);
  const cairn::Status flushed = io.out_buf.Flush();
  if (st.ok() && !flushed.ok()) st = flushed.WithContext("standard output");
  if (!st.ok()) std::cerr << "cairn: " << st.message() << "\n";
  return ExitCodeFor(st.code());
}
