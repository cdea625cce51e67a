#include "trace.h"

#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace cairn::client {
namespace {

double BootSeconds() {
  timespec ts{};
  if (clock_gettime(CLOCK_BOOTTIME, &ts) != 0) return 0;
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// The process's start, in seconds since boot: field 22 of /proc/self/stat, in clock ticks. 0 when unreadable.
double ProcessStartSeconds() {
  std::ifstream in("/proc/self/stat");
  std::string line;
  if (!std::getline(in, line)) return 0;
  // Fields after the command name, which is in parentheses and may hold spaces: the last ')' ends it.
  std::size_t close = line.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 22; ++i) {
    if (!(rest >> field)) return 0;
  }
  long ticks = sysconf(_SC_CLK_TCK);
  if (ticks <= 0) return 0;
  char* end = nullptr;
  unsigned long long start = std::strtoull(field.c_str(), &end, 10);
  if (end == field.c_str()) return 0;
  return static_cast<double>(start) / static_cast<double>(ticks);
}

struct TraceState {
  bool enabled = false;
  double start = 0;
  TraceState() {
    const char* v = std::getenv("CAIRN_TRACE");
    enabled = v != nullptr && v[0] != '\0' && v[0] != '0';
    if (enabled) start = ProcessStartSeconds();
    if (start == 0) start = BootSeconds();
  }
};

const TraceState& State() {
  static const TraceState state;
  return state;
}

}  // namespace

bool TraceEnabled() { return State().enabled; }

void Trace(std::string_view event) {
  const TraceState& s = State();
  if (!s.enabled) return;
  char head[64];
  int n = std::snprintf(head, sizeof(head), "cairn trace +%.3f ", BootSeconds() - s.start);
  if (n <= 0) return;
  std::string line(head, static_cast<std::size_t>(n));
  line.append(event);
  line.push_back('\n');
  // Best effort: a trace line that cannot be written is dropped.
  ssize_t w = ::write(STDERR_FILENO, line.data(), line.size());
  (void)w;
}

}  // namespace cairn::client
