#include "cairn/provider/config.h"
#include "commands.h"

namespace cairn::provider {

CLI::App* SetupDevnet(CLI::App& app, DevnetCommand& cmd) {
  CLI::App* sub = app.add_subcommand("devnet", "Start (or --stop) N local providers on loopback");
  DevnetOptions& o = cmd.options;
  sub->add_option("--dir", o.dir, "Devnet directory: network file, p<i>/ data dirs")->required();
  sub->add_option("--providers", o.providers, "Number of providers")
      ->capture_default_str()
      ->check(CLI::Range(1, kMaxDevnetProviders));
  sub->add_option("--base-port", o.base_port, "Control port (BitTorrent: port + 1)")->capture_default_str();
  sub->add_option("--net", o.loopback_net, "Provider i listens on 127.<net>.<i+1>.1")
      ->capture_default_str()
      ->check(CLI::Range(0, 255));
  sub->add_option("--bootstrap-nodes", o.bootstrap_nodes, "How many providers serve as DHT bootstrap nodes")
      ->capture_default_str()
      ->check(CLI::Range(1, kMaxDevnetProviders));
  sub->add_option("--capacity", cmd.capacity, "Capacity of each new provider")->capture_default_str();
  sub->add_option("--max-shard-size", cmd.max_shard_size, "Largest shard each new provider takes")
      ->capture_default_str();
  sub->add_option("--price", o.price, "Price of each new provider")->capture_default_str();
  sub->add_option("--timeout", cmd.timeout_seconds, "Seconds to wait for the devnet to come up")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  sub->add_option("--binary", o.binary, "The cairn-provider to run (default: this one)");
  sub->add_option("--test-corrupt-provider", o.corrupt_provider,
                  "TEST ONLY: provider index that serves corrupted shards (CAIRN_TEST_CORRUPT_SERVE=1)");
  sub->add_flag("--stop", cmd.stop, "Stop the devnet in --dir: SIGTERM, then SIGKILL after --grace-ms");
  sub->add_option("--grace-ms", cmd.grace_ms, "With --stop: milliseconds before SIGKILL")
      ->capture_default_str()
      ->check(CLI::Range(0, 600000));
  return sub;
}

Status RunDevnet(const DevnetCommand& cmd, std::ostream& out) {
  if (cmd.stop) return StopDevnet(cmd.options.dir, std::chrono::milliseconds(cmd.grace_ms), &out);
  DevnetOptions o = cmd.options;
  CAIRN_ASSIGN_OR_RETURN(o.capacity, ParseByteSize(cmd.capacity));
  CAIRN_ASSIGN_OR_RETURN(o.max_shard_size, ParseByteSize(cmd.max_shard_size));
  o.timeout = std::chrono::seconds(cmd.timeout_seconds);
  CAIRN_ASSIGN_OR_RETURN(std::vector<DevnetProvider> providers, StartDevnet(o, &out));
  (void)providers;
  return Status::Ok();
}

}  // namespace cairn::provider
