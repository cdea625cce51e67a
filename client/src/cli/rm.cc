#include "cli/rm.h"

#include <CLI/CLI.hpp>
#include <ostream>

#include "cli/format.h"

namespace cairn::cli {

CLI::App* SetupRm(CLI::App& app, RmArgs& args) {
  CLI::App* sub = app.add_subcommand("rm", "Remove an object and end its deals");
  sub->add_option("NAME", args.name, "Object name")->required();
  return sub;
}

Status RunRm(const RmArgs& args, const GlobalArgs& global, Environment& env) {
  const std::string what = "rm " + PrintableName(args.name);
  CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<Client> client, OpenClient(global, env));
  CAIRN_RETURN_IF_ERROR(client->Remove(args.name).WithContext(what));
  *env.out << "removed " << PrintableName(args.name) << "\n";
  return Status::Ok();
}

}  // namespace cairn::cli
