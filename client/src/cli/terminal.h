// Terminal helpers for the CLI: is a descriptor a terminal, and reading a secret with echo off.
//
// Thread-safety: call from the main thread; ReadSecretLine changes the terminal's mode while it runs.
#pragma once

#include <string>
#include <string_view>

#include "cairn/core/status.h"

namespace cairn::cli {

// True when `fd` refers to a terminal.
bool IsTerminal(int fd);

// Writes `prompt` to `prompt_fd`, reads one line from the terminal `in_fd` with echo off, restores the mode (also on
// Ctrl-C, through the interrupt handler) and returns the line without its newline. At most `max_bytes` bytes are
// accepted: a longer line is an error rather than a silently truncated secret. The secret is never echoed.
Result<std::string> ReadSecretLine(int in_fd, int prompt_fd, std::string_view prompt, std::size_t max_bytes = 1024);

}  // namespace cairn::cli
