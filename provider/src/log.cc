#include "log.h"

#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <string>

namespace cairn::provider {

void LogLine(std::string_view message) {
  char stamp[32] = "unknown-time";
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  if (gmtime_r(&now, &tm) != nullptr) std::strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
  std::string line = std::string(stamp) + " provider: " + std::string(message) + "\n";
  const char* p = line.data();
  std::size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere to report a failing log
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

}  // namespace cairn::provider
