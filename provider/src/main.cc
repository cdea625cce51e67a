// cairn-provider: the provider daemon. main only wires subcommands and maps Status to exit codes.
#include <CLI/CLI.hpp>
#include <iostream>

int main(int argc, char** argv) {
  CLI::App app{"cairn-provider: rent out disk to the cairn storage network"};
  app.set_version_flag("--version", std::string("cairn-provider ") + CAIRN_VERSION);
  app.require_subcommand(0, 1);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (app.get_subcommands().empty()) {
    std::cout << app.help();
    return 0;
  }
  return 0;
}
