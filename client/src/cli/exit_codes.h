// The cairn CLI's process exit codes, and the mapping from a Status code to one. Documented in `cairn --help` (the
// footer below) and client/CLI.md; scripts depend on them, so a change here is a breaking change.
//
// Thread-safety: pure functions and constants.
#pragma once

#include "cairn/core/status.h"

namespace cairn::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;        // any other failure (I/O, bug, already exists, ...)
inline constexpr int kExitUsage = 2;        // bad arguments: CLI11 parse errors and invalid values
inline constexpr int kExitNotFound = 3;     // no such object (or file, repository)
inline constexpr int kExitAuthFailed = 4;   // wrong passphrase or key file
inline constexpr int kExitUnavailable = 5;  // network unreachable, not enough providers, timed out
inline constexpr int kExitCorrupt = 6;      // data corrupt or unrecoverable
inline constexpr int kExitCancelled = 130;  // interrupted (Ctrl-C), as a shell reports SIGINT

// The exit code for a failed (or OK) Status code.
int ExitCodeFor(Code code);

// The exit-code table as printed at the end of `cairn --help`.
const char* ExitCodeHelpFooter();

}  // namespace cairn::cli
