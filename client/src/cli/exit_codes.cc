#include "cli/exit_codes.h"

namespace cairn::cli {

int ExitCodeFor(Code code) {
  switch (code) {
    case Code::kOk:
      return kExitOk;
    case Code::kInvalidArgument:
      return kExitUsage;
    case Code::kNotFound:
      return kExitNotFound;
    case Code::kAuthFailed:
      return kExitAuthFailed;
    case Code::kUnavailable:
    case Code::kDeadlineExceeded:
      return kExitUnavailable;
    case Code::kCorruption:
      return kExitCorrupt;
    case Code::kCancelled:
      return kExitCancelled;
    case Code::kAlreadyExists:
    case Code::kIOError:
    case Code::kResourceExhausted:
    case Code::kFailedPrecondition:
    case Code::kInternal:
      return kExitError;
  }
  return kExitError;  // a value outside the enum
}

const char* ExitCodeHelpFooter() {
  return "Exit codes:\n"
         "  0    success\n"
         "  1    other error\n"
         "  2    usage error (bad arguments or option values)\n"
         "  3    not found (no such object, file or repository)\n"
         "  4    authentication failed (wrong passphrase or key file)\n"
         "  5    unavailable (network unreachable, not enough providers, timed out)\n"
         "  6    data corrupt or unrecoverable\n"
         "  130  cancelled (Ctrl-C)\n"
         "\n"
         "Environment: CAIRN_NETWORK, CAIRN_REPO, CAIRN_PASSPHRASE (see client/CLI.md).";
}

}  // namespace cairn::cli
