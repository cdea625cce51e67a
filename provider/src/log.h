// Daemon log lines on stderr: "2026-11-22T00:12:34Z provider: <message>\n", each written with one write(2) so lines
// from different threads never interleave. The devnet launcher points stderr at <data dir>/log.
//
// Thread-safety: thread-safe.
#pragma once

#include <string_view>

namespace cairn::provider {

void LogLine(std::string_view message);

}  // namespace cairn::provider
