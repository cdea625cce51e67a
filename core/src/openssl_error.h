// Turns the OpenSSL error queue into a Status, so no OpenSSL failure is silently dropped.
//
// Thread-safety: the OpenSSL error queue is per thread; so is this.
#pragma once

#include <string_view>

#include "cairn/core/status.h"

namespace cairn {

// Status::Internal("<what>: <first queued OpenSSL error>") and clears this thread's error queue.
Status OpensslError(std::string_view what);

}  // namespace cairn
