#include "cli/terminal.h"

#include <termios.h>
#include <unistd.h>

#include <cerrno>

#include "cairn/core/bytes.h"
#include "cli/interrupt.h"

namespace cairn::cli {
namespace {

Status WriteAll(int fd, std::string_view s) {
  while (!s.empty()) {
    const ssize_t n = write(fd, s.data(), s.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno("write prompt", errno);
    }
    s.remove_prefix(static_cast<std::size_t>(n));
  }
  return Status::Ok();
}

}  // namespace

bool IsTerminal(int fd) { return isatty(fd) == 1; }

Result<std::string> ReadSecretLine(int in_fd, int prompt_fd, std::string_view prompt, std::size_t max_bytes) {
  struct termios saved;
  if (tcgetattr(in_fd, &saved) != 0) return Status::FromErrno("tcgetattr", errno);
  struct termios quiet = saved;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  quiet.c_lflag |= ECHONL;  // the newline still shows, so the next output starts on its own line

  CAIRN_RETURN_IF_ERROR(WriteAll(prompt_fd, prompt));
  SetInterruptTerminalRestore(in_fd, &saved);
  if (tcsetattr(in_fd, TCSAFLUSH, &quiet) != 0) {
    const int err = errno;
    SetInterruptTerminalRestore(in_fd, nullptr);
    return Status::FromErrno("tcsetattr", err);
  }

  std::string line;
  Status st;
  bool too_long = false;
  for (;;) {
    char c;
    const ssize_t n = read(in_fd, &c, 1);
    if (n < 0) {
      if (errno == EINTR) continue;
      st = Status::FromErrno("read passphrase", errno);
      break;
    }
    if (n == 0 || c == '\n') break;
    if (line.size() >= max_bytes) {
      too_long = true;  // keep reading to the end of the line so it does not leak into the next prompt
      continue;
    }
    line.push_back(c);
  }
  const bool restored = tcsetattr(in_fd, TCSAFLUSH, &saved) == 0;
  const int restore_err = errno;
  SetInterruptTerminalRestore(in_fd, nullptr);
  if (st.ok() && !restored) st = Status::FromErrno("tcsetattr (restore)", restore_err);
  if (st.ok() && too_long)
    st = Status::InvalidArgument("passphrase longer than " + std::to_string(max_bytes) + " bytes");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (!st.ok()) {
    SecureZero(MutableByteSpan(reinterpret_cast<std::uint8_t*>(line.data()), line.size()));
    return st;
  }
  return line;
}

}  // namespace cairn::cli
