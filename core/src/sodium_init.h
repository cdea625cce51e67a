// One-time libsodium initialisation, shared by every file in core that calls libsodium.
//
// Thread-safety: EnsureSodium() may be called from any thread, any number of times.
#pragma once

namespace cairn {

// Calls sodium_init() exactly once per process (later calls are free). Aborts with a message on stderr if libsodium
// cannot initialise: without it there is no secure random source, and no caller could recover.
void EnsureSodium();

}  // namespace cairn
