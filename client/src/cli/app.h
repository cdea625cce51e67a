// The cairn command line: builds the CLI11 app with the global options and every subcommand, and runs the one that
// was parsed. Parsing has no side effects beyond filling CliArgs, so tests parse argument vectors in-process and
// inspect the structs; Run then needs an Environment (real or fake).
//
// Thread-safety: main thread only. Not copyable or movable: the CLI11 app holds pointers into args().
#pragma once

#include <CLI/CLI.hpp>
#include <iosfwd>
#include <memory>

#include "cairn/core/status.h"
#include "cli/environment.h"
#include "cli/get.h"
#include "cli/global_options.h"
#include "cli/init.h"
#include "cli/ls.h"
#include "cli/put.h"
#include "cli/rm.h"
#include "cli/status.h"

namespace cairn::cli {

struct CliArgs {
  GlobalArgs global;
  InitArgs init;
  PutArgs put;
  GetArgs get;
  LsArgs ls;
  RmArgs rm;
  StatusArgs status;
};

class Cli {
 public:
  Cli();
  Cli(const Cli&) = delete;
  Cli& operator=(const Cli&) = delete;

  CLI::App& app() { return app_; }
  const CliArgs& args() const { return args_; }

  // The parsed subcommand's name, or "" when none was given.
  std::string Command() const;

  // Runs the parsed subcommand. REQUIRES: app() parsed without error and a subcommand was given.
  Status Run(Environment& env);

 private:
  CliArgs args_;
  CLI::App app_;
  CLI::App* init_ = nullptr;
  CLI::App* put_ = nullptr;
  CLI::App* get_ = nullptr;
  CLI::App* ls_ = nullptr;
  CLI::App* rm_ = nullptr;
  CLI::App* status_ = nullptr;
};

// Reports a CLI11 parse error the way cairn does: --help and --version print and return 0; anything else prints
// "cairn: <error> (see cairn --help)" on `err` and returns the usage exit code, 2.
int ReportParseError(CLI::App& app, const CLI::ParseError& e, std::ostream& out, std::ostream& err);

}  // namespace cairn::cli
