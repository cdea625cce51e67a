#include "cli/app.h"

#include <ostream>

#include "cli/exit_codes.h"

#ifndef CAIRN_VERSION
#define CAIRN_VERSION "dev"
#endif

namespace cairn::cli {

Cli::Cli() : app_("cairn: store files on the cairn storage network", "cairn") {
  app_.set_version_flag("--version", std::string("cairn ") + CAIRN_VERSION);
  app_.require_subcommand(1, 1);
  // Global options may also follow the subcommand: `cairn put f --network n`.
  app_.fallthrough();
  app_.footer(ExitCodeHelpFooter());
  SetupGlobalOptions(app_, args_.global);
  init_ = SetupInit(app_, args_.init);
  put_ = SetupPut(app_, args_.put);
  get_ = SetupGet(app_, args_.get);
  ls_ = SetupLs(app_, args_.ls);
  rm_ = SetupRm(app_, args_.rm);
  status_ = SetupStatus(app_, args_.status);
}

std::string Cli::Command() const {
  for (const CLI::App* sub : {init_, put_, get_, ls_, rm_, status_}) {
    if (sub->parsed()) return sub->get_name();
  }
  return "";
}

Status Cli::Run(Environment& env) {
  if (init_->parsed()) return RunInit(args_.init, args_.global, env);
  if (put_->parsed()) return RunPut(args_.put, args_.global, env);
  if (get_->parsed()) return RunGet(args_.get, args_.global, env);
  if (ls_->parsed()) return RunLs(args_.ls, args_.global, env);
  if (rm_->parsed()) return RunRm(args_.rm, args_.global, env);
  if (status_->parsed()) return RunStatus(args_.status, args_.global, env);
  return Status::InvalidArgument("no command given (see cairn --help)");
}

int ReportParseError(CLI::App& app, const CLI::ParseError& e, std::ostream& out, std::ostream& err) {
  if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e, out, err);
  err << "cairn: " << e.what() << " (see cairn --help)\n";
  return kExitUsage;
}

}  // namespace cairn::cli
