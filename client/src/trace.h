// Put/get timeline tracing for performance work: with CAIRN_TRACE=1 in the environment, Trace("event") writes
// "cairn trace +<seconds since process start> <event>" to standard error. The clock is CLOCK_BOOTTIME measured from
// the process's start time (/proc/self/stat), so process start-up and key unlock count. Off (one relaxed atomic load
// per call) when the variable is unset.
//
// Thread-safety: Trace may be called from any thread; each line is written with one write(2).
#pragma once

#include <string_view>

namespace cairn::client {

bool TraceEnabled();
void Trace(std::string_view event);

}  // namespace cairn::client
