// ManualClockEnv: an Env whose clocks move only when told, for deadline and epoch tests that must not wait or
// depend on machine speed. File calls go to the wrapped Env.
//
// NowMicros and WallMicros advance together: WallMicros() == wall_start + (NowMicros() - now_start).
// SleepForMicros(d) advances both clocks by d and returns at once, so a loop "sleep until the deadline" finishes
// instantly with the clock exactly at the deadline.
//
// Thread-safety: every method may be called from many threads (the clock is one atomic).
#pragma once

#include <atomic>
#include <cstdint>

#include "cairn/core/env.h"

namespace cairn {

class ManualClockEnv : public ForwardingEnv {
 public:
  static constexpr std::uint64_t kDefaultNowMicros = 1'000'000;
  static constexpr std::uint64_t kDefaultWallMicros = 1'700'000'000'000'000;  // 2023-11-14, a fixed Unix time

  explicit ManualClockEnv(Env* base = Env::Default(), std::uint64_t now_micros = kDefaultNowMicros,
                          std::uint64_t wall_micros = kDefaultWallMicros);

  void AdvanceMicros(std::uint64_t micros) { now_.fetch_add(micros, std::memory_order_relaxed); }

  std::uint64_t NowMicros() override { return now_.load(std::memory_order_relaxed); }
  std::uint64_t WallMicros() override;
  void SleepForMicros(std::uint64_t micros) override { AdvanceMicros(micros); }

 private:
  const std::uint64_t now_start_;
  const std::uint64_t wall_start_;
  std::atomic<std::uint64_t> now_;
};

}  // namespace cairn
