// The real process's Environment: getenv, isatty, the passphrase prompt on the terminal, stdin/stdout through
// checked descriptor buffers, and the Ctrl-C cancel flag. The library's entry points are left for main to set, so
// this library never needs the Client implementation to link.
//
// Thread-safety: build once in main.
#pragma once

#include <istream>
#include <ostream>

#include "cli/environment.h"
#include "cli/fd_stream.h"

namespace cairn::cli {

// Owns the standard-stream adapters the Environment points into; keep it alive while the Environment is used.
struct SystemIo {
  FdInBuf in_buf{0};
  FdOutBuf out_buf{1};
  std::istream in{&in_buf};
  std::ostream out{&out_buf};
};

// Installs the SIGINT handler and fills every field but init_client and open_client.
Result<Environment> MakeSystemEnvironment(SystemIo& io);

}  // namespace cairn::cli
