#include "cli/global_options.h"

#include <CLI/CLI.hpp>

#include "cairn/core/bytes.h"

namespace cairn::cli {
namespace {

std::string FlagOrEnv(const std::string& flag, Environment& env, std::string_view var) {
  if (!flag.empty()) return flag;
  if (!env.getenv) return "";
  std::optional<std::string> v = env.getenv(var);
  return v ? *v : "";
}

void Wipe(std::string& s) {
  SecureZero(MutableByteSpan(reinterpret_cast<std::uint8_t*>(s.data()), s.size()));
  s.clear();
}

Result<std::string> PromptPassphrase(Environment& env, KeyUse use) {
  if (!env.stdin_is_terminal || !env.read_secret) {
    return Status::InvalidArgument(
        "no passphrase: set CAIRN_PASSPHRASE, pass --key-file, or run on a terminal to be asked");
  }
  CAIRN_ASSIGN_OR_RETURN(std::string first,
                         env.read_secret(use == KeyUse::kCreate ? "New passphrase: " : "Passphrase: "));
  if (first.empty()) return Status::InvalidArgument("empty passphrase");
  if (use == KeyUse::kCreate) {
    Result<std::string> again = env.read_secret("Repeat passphrase: ");
    if (!again.ok()) {
      Wipe(first);
      return again.status();
    }
    const bool same = ConstantTimeEqual(AsBytes(first), AsBytes(*again));
    Wipe(*again);
    if (!same) {
      Wipe(first);
      return Status::InvalidArgument("the two passphrases differ");
    }
  }
  return first;
}

}  // namespace

void SetupGlobalOptions(CLI::App& app, GlobalArgs& args) {
  app.add_option("--network", args.network, "Network file (default: $CAIRN_NETWORK)")->type_name("FILE");
  app.add_option("--repo", args.repo, "Repository folder (default: $CAIRN_REPO)")->type_name("DIR");
  app.add_option("--key-file", args.key_file,
                 "Master key file, instead of a passphrase (from $CAIRN_PASSPHRASE or a prompt)")
      ->type_name("FILE");
}

Result<ClientOptions> ResolveClientOptions(const GlobalArgs& args, Environment& env, KeyUse use) {
  ClientOptions options;
  options.network_file = FlagOrEnv(args.network, env, "CAIRN_NETWORK");
  if (options.network_file.empty()) {
    return Status::InvalidArgument("no network file: pass --network FILE or set CAIRN_NETWORK");
  }
  options.repo_dir = FlagOrEnv(args.repo, env, "CAIRN_REPO");
  if (options.repo_dir.empty()) {
    return Status::InvalidArgument("no repository: pass --repo DIR or set CAIRN_REPO");
  }

  std::optional<std::string> env_pass = env.getenv ? env.getenv("CAIRN_PASSPHRASE") : std::nullopt;
  if (!args.key_file.empty()) {
    if (env_pass) {
      Wipe(*env_pass);
      return Status::InvalidArgument("both --key-file and CAIRN_PASSPHRASE are set; use one");
    }
    options.key_file = args.key_file;
    return options;
  }
  if (env_pass) {
    if (env_pass->empty()) return Status::InvalidArgument("CAIRN_PASSPHRASE is set but empty");
    options.passphrase = std::move(*env_pass);
    return options;
  }
  CAIRN_ASSIGN_OR_RETURN(options.passphrase, PromptPassphrase(env, use));
  return options;
}

Result<std::unique_ptr<Client>> OpenClient(const GlobalArgs& args, Environment& env) {
  CAIRN_ASSIGN_OR_RETURN(ClientOptions options, ResolveClientOptions(args, env, KeyUse::kOpen));
  if (!env.open_client) return Status::Internal("no client factory");
  Result<std::unique_ptr<Client>> client = env.open_client(options);
  WipePassphrase(options);
  if (!client.ok()) return client.status().WithContext("open repository " + options.repo_dir);
  return client;
}

void WipePassphrase(ClientOptions& options) {
  if (options.passphrase) Wipe(*options.passphrase);
  options.passphrase.reset();
}

}  // namespace cairn::cli
