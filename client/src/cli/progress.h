// The progress bar the CLI draws on stderr while a put or get runs: phase, bar, percent, MiB/s. Drawn only when
// stderr is a terminal (piped output stays silent) and redrawn at most ~10 times a second.
//
// Thread-safety: one thread; the library calls progress callbacks on the thread that called it.
#pragma once

#include <chrono>
#include <functional>
#include <ostream>
#include <string>

#include "cairn/client/client.h"

namespace cairn::cli {

// One line of the bar, without '\r': "uploading  [#########...........]  45%  12.3 MiB/s". When total is 0 the
// size is unknown (stdin), and the line shows the bytes done instead of a bar.
std::string FormatProgressLine(const Progress& p, double bytes_per_second);

class ProgressBar {
 public:
  using NowFn = std::function<std::chrono::steady_clock::time_point()>;
  // Draws on `out` when `enabled`; otherwise every call is a no-op.
  ProgressBar(std::ostream& out, bool enabled, NowFn now);
  ~ProgressBar();  // calls Finish
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void Update(const Progress& p);
  // Erases the bar so the next output starts on a clean line.
  void Finish();

  // A ProgressFn that feeds this bar (empty when disabled, so the library skips the calls).
  ProgressFn Callback();

 private:
  std::ostream& out_;
  bool enabled_;
  NowFn now_;
  std::string phase_;
  std::chrono::steady_clock::time_point phase_start_{};
  std::uint64_t phase_start_done_ = 0;
  std::chrono::steady_clock::time_point last_draw_{};
  std::size_t drawn_width_ = 0;
};

}  // namespace cairn::cli
