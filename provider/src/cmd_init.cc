#include "cairn/core/hex.h"
#include "cairn/provider/config.h"
#include "cairn/provider/data_dir.h"
#include "commands.h"

namespace cairn::provider {

CLI::App* SetupInit(CLI::App& app, InitCommand& cmd) {
  CLI::App* sub = app.add_subcommand("init", "Create a provider data dir: identity, config and database");
  sub->add_option("--data-dir", cmd.data_dir, "Directory to create or fill")->required();
  sub->add_option("--capacity", cmd.capacity, "Disk space to rent out, e.g. 500G or 2TiB")->required();
  sub->add_option("--price", cmd.price, "Lowest price accepted, per GiB-epoch")->capture_default_str();
  sub->add_option("--max-shard-size", cmd.max_shard_size, "Largest shard accepted")->capture_default_str();
  return sub;
}

Status RunInit(const InitCommand& cmd, std::ostream& out) {
  ProviderConfig config;
  CAIRN_ASSIGN_OR_RETURN(config.capacity, ParseByteSize(cmd.capacity));
  CAIRN_ASSIGN_OR_RETURN(std::uint64_t max_shard, ParseByteSize(cmd.max_shard_size));
  config.max_shard_size = std::min(max_shard, config.capacity);
  config.price = cmd.price;
  CAIRN_RETURN_IF_ERROR(config.Validate());
  DataDir dir(cmd.data_dir);
  CAIRN_ASSIGN_OR_RETURN(Ed25519PublicKey id, dir.Initialize(Env::Default(), config));
  out << "initialized provider " << ToHex(id) << " in " << cmd.data_dir << " (capacity "
      << FormatByteSize(config.capacity) << ", price " << config.price << ")\n";
  return Status::Ok();
}

}  // namespace cairn::provider
