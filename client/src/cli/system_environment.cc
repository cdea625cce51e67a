#include "cli/system_environment.h"

#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "cli/interrupt.h"
#include "cli/terminal.h"

namespace cairn::cli {

Result<Environment> MakeSystemEnvironment(SystemIo& io) {
  CAIRN_RETURN_IF_ERROR(InstallInterruptHandler());
  Environment env;
  env.getenv = [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
  env.stdin_is_terminal = IsTerminal(STDIN_FILENO);
  env.stderr_is_terminal = IsTerminal(STDERR_FILENO);
  env.read_secret = [](std::string_view prompt) { return ReadSecretLine(STDIN_FILENO, STDERR_FILENO, prompt); };
  env.in = &io.in;
  env.out = &io.out;
  env.err = &std::cerr;
  env.cancel = InterruptCancelFlag();
  env.set_cleanup_path = [](const std::string& path) { SetInterruptCleanupPath(path); };
  return env;
}

}  // namespace cairn::cli
