// Ctrl-C handling for the CLI. The first SIGINT sets a cancel flag that long operations poll (the library stops
// cleanly and returns kCancelled); a second one exits at once with status 130, first deleting the temp file that
// was registered (a partial download) and restoring the terminal if a passphrase prompt had turned echo off.
//
// Thread-safety: the flag is an atomic read from any thread. Install, SetInterruptCleanupPath and the terminal
// functions are called from the main thread only; the handler reads what they publish through atomics.
#pragma once

#include <atomic>
#include <string>

#include "cairn/core/status.h"

struct termios;

namespace cairn::cli {

// Installs the SIGINT handler (once per process).
Status InstallInterruptHandler();

// The cancel flag the handler sets; pass it to PutOptions::cancel / GetOptions::cancel.
const std::atomic<bool>* InterruptCancelFlag();

// A file to unlink if the process exits on a second Ctrl-C; empty clears it. Paths longer than PATH_MAX are not
// registered (the caller's own cleanup still runs on every other path).
void SetInterruptCleanupPath(const std::string& path);

// While a secret prompt has echo off, a Ctrl-C must restore `saved` on `fd` and exit instead of only setting the
// flag (the prompt would otherwise keep waiting with the terminal left silent). nullptr ends the prompt.
void SetInterruptTerminalRestore(int fd, const struct termios* saved);

}  // namespace cairn::cli
