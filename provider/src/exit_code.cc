#include "commands.h"

namespace cairn::provider {

int ExitCodeFor(const Status& status) {
  switch (status.code()) {
    case Code::kOk:
      return kExitOk;
    case Code::kInvalidArgument:
      return kExitUsage;
    case Code::kFailedPrecondition:
    case Code::kAlreadyExists:
      return kExitPrecondition;
    case Code::kUnavailable:
    case Code::kDeadlineExceeded:
      return kExitUnavailable;
    default:
      return kExitFailure;
  }
}

}  // namespace cairn::provider
