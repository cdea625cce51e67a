// The options every cairn command shares (--network, --repo, --key-file) and how they, the environment and the
// passphrase prompt turn into the library's ClientOptions.
//
// Precedence: a flag wins over its environment variable (CAIRN_NETWORK, CAIRN_REPO). The master key comes from
// exactly one of --key-file, CAIRN_PASSPHRASE, or a prompt on the terminal (asked twice when creating a repository);
// --key-file together with CAIRN_PASSPHRASE is a usage error rather than a silent choice. A passphrase is never
// printed, logged or put in an error message.
//
// Thread-safety: functions of their arguments; call from the main thread.
#pragma once

#include <memory>
#include <string>

#include "cairn/client/client.h"
#include "cli/environment.h"

namespace CLI {
class App;
}

namespace cairn::cli {

struct GlobalArgs {
  std::string network;   // --network FILE
  std::string repo;      // --repo DIR
  std::string key_file;  // --key-file F
};

// Adds the global options to the top-level app.
void SetupGlobalOptions(CLI::App& app, GlobalArgs& args);

enum class KeyUse {
  kOpen,    // unlock an existing repository: ask once
  kCreate,  // `cairn init`: ask twice and require the same answer
};

// Flags, then environment fallbacks, then the key source. kInvalidArgument (exit 2) names what is missing or
// conflicting; a prompt failure keeps its own code.
Result<ClientOptions> ResolveClientOptions(const GlobalArgs& args, Environment& env, KeyUse use);

// ResolveClientOptions + env.open_client; the passphrase copy held here is wiped before returning.
Result<std::unique_ptr<Client>> OpenClient(const GlobalArgs& args, Environment& env);

// Overwrites a secret held in ClientOptions.
void WipePassphrase(ClientOptions& options);

}  // namespace cairn::cli
