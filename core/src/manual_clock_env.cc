#include "cairn/core/manual_clock_env.h"

namespace cairn {

ManualClockEnv::ManualClockEnv(Env* base, std::uint64_t now_micros, std::uint64_t wall_micros)
    : ForwardingEnv(base), now_start_(now_micros), wall_start_(wall_micros), now_(now_micros) {}

std::uint64_t ManualClockEnv::WallMicros() { return wall_start_ + (NowMicros() - now_start_); }

}  // namespace cairn
