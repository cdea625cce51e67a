#include "sodium_init.h"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>

namespace cairn {

void EnsureSodium() {
  // A function-local static is initialised once, thread-safely (C++11 magic statics).
  static const bool initialised = [] { return sodium_init() >= 0; }();
  if (!initialised) {
    std::fputs("cairn: sodium_init() failed; cannot continue without a secure random source\n", stderr);
    std::abort();
  }
}

}  // namespace cairn
