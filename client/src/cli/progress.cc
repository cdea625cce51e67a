#include "cli/progress.h"

#include <cstdio>

namespace cairn::cli {
namespace {

constexpr int kBarWidth = 24;
constexpr auto kRedrawInterval = std::chrono::milliseconds(100);

std::string MiB(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f MiB", bytes / (1024.0 * 1024.0));
  return buf;
}

}  // namespace

std::string FormatProgressLine(const Progress& p, double bytes_per_second) {
  char buf[160];
  std::string line;
  std::snprintf(buf, sizeof(buf), "%-11s ", p.phase.c_str());
  line += buf;
  if (p.total > 0) {
    const std::uint64_t done = p.done > p.total ? p.total : p.done;
    const double frac = static_cast<double>(done) / static_cast<double>(p.total);
    const int filled = static_cast<int>(frac * kBarWidth);
    line += '[';
    line.append(static_cast<std::size_t>(filled), '#');
    line.append(static_cast<std::size_t>(kBarWidth - filled), '.');
    std::snprintf(buf, sizeof(buf), "] %3d%%", static_cast<int>(frac * 100.0));
    line += buf;
  } else {
    line += MiB(static_cast<double>(p.done));
  }
  if (bytes_per_second > 0) {
    std::snprintf(buf, sizeof(buf), "  %.1f MiB/s", bytes_per_second / (1024.0 * 1024.0));
    line += buf;
  }
  return line;
}

ProgressBar::ProgressBar(std::ostream& out, bool enabled, NowFn now)
    : out_(out), enabled_(enabled), now_(std::move(now)) {}

ProgressBar::~ProgressBar() { Finish(); }

void ProgressBar::Update(const Progress& p) {
  if (!enabled_) return;
  const auto now = now_();
  if (p.phase != phase_) {
    phase_ = p.phase;
    phase_start_ = now;
    phase_start_done_ = p.done;
  } else if (now - last_draw_ < kRedrawInterval && !(p.total > 0 && p.done >= p.total)) {
    return;
  }
  last_draw_ = now;
  const double seconds = std::chrono::duration<double>(now - phase_start_).count();
  const double rate =
      seconds > 0.2 && p.done >= phase_start_done_ ? static_cast<double>(p.done - phase_start_done_) / seconds : 0.0;
  std::string line = FormatProgressLine(p, rate);
  const std::size_t width = line.size();
  if (width < drawn_width_) line.append(drawn_width_ - width, ' ');  // cover the tail of a longer previous line
  drawn_width_ = width;
  out_ << '\r' << line << std::flush;
}

void ProgressBar::Finish() {
  if (!enabled_ || drawn_width_ == 0) return;
  out_ << '\r' << std::string(drawn_width_, ' ') << '\r' << std::flush;
  drawn_width_ = 0;
}

ProgressFn ProgressBar::Callback() {
  if (!enabled_) return {};
  return [this](const Progress& p) { Update(p); };
}

}  // namespace cairn::cli
