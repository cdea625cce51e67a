#include "cairn/provider/status_report.h"
#include "commands.h"

namespace cairn::provider {

CLI::App* SetupStatus(CLI::App& app, StatusCommand& cmd) {
  CLI::App* sub = app.add_subcommand("status", "Show shards, deals and space (works while `run` is running)");
  sub->add_option("--data-dir", cmd.data_dir, "The provider's data dir")->required();
  sub->add_flag("--json", cmd.json, "One JSON object instead of text");
  return sub;
}

Status RunStatus(const StatusCommand& cmd, std::ostream& out) {
  CAIRN_ASSIGN_OR_RETURN(StatusReport report, GatherStatus(Env::Default(), cmd.data_dir));
  out << (cmd.json ? FormatStatusJson(report) : FormatStatusText(report));
  return Status::Ok();
}

}  // namespace cairn::provider
