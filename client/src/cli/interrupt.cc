#include "cli/interrupt.h"

#include <limits.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cairn::cli {
namespace {

std::atomic<bool> g_cancel{false};
std::atomic<bool> g_installed{false};

// The cleanup path: written by the main thread while g_cleanup_set is false, then published by setting it.
char g_cleanup_path[PATH_MAX];
std::atomic<bool> g_cleanup_set{false};

struct termios g_saved_termios;
std::atomic<int> g_restore_fd{-1};

static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free,
              "the signal handler needs lock-free atomics");

void WriteStderr(const char* s) {
  // Best effort inside a signal handler: nothing useful can be done if stderr is gone.
  ssize_t r = write(STDERR_FILENO, s, std::strlen(s));
  (void)r;
}

void ExitNow() {
  if (g_cleanup_set.load()) unlink(g_cleanup_path);
  const int fd = g_restore_fd.load();
  if (fd >= 0) tcsetattr(fd, TCSANOW, &g_saved_termios);
  _exit(130);
}

extern "C" void OnSigint(int) {
  const int saved_errno = errno;
  if (g_restore_fd.load() >= 0) {
    WriteStderr("\n");
    ExitNow();
  }
  if (g_cancel.exchange(true)) {
    WriteStderr("\ncairn: interrupted again, exiting\n");
    ExitNow();
  }
  WriteStderr("\ncairn: cancelling (press Ctrl-C again to exit now)\n");
  errno = saved_errno;
}

}  // namespace

Status InstallInterruptHandler() {
  if (g_installed.exchange(true)) return Status::Ok();
  struct sigaction sa;
  std::memset(&sa, 0, sizeof(sa));
  sa.sa_handler = OnSigint;
  sa.sa_flags = SA_RESTART;  // reads and writes resume; the operation sees the flag at its next check
  if (sigemptyset(&sa.sa_mask) != 0) return Status::FromErrno("sigemptyset", errno);
  if (sigaction(SIGINT, &sa, nullptr) != 0) return Status::FromErrno("sigaction(SIGINT)", errno);
  return Status::Ok();
}

const std::atomic<bool>* InterruptCancelFlag() { return &g_cancel; }

void SetInterruptCleanupPath(const std::string& path) {
  g_cleanup_set.store(false);
  if (path.empty() || path.size() >= sizeof(g_cleanup_path)) return;
  std::memcpy(g_cleanup_path, path.c_str(), path.size() + 1);
  g_cleanup_set.store(true);
}

void SetInterruptTerminalRestore(int fd, const struct termios* saved) {
  if (saved == nullptr) {
    g_restore_fd.store(-1);
    return;
  }
  g_restore_fd.store(-1);
  g_saved_termios = *saved;
  g_restore_fd.store(fd);
}

}  // namespace cairn::cli
