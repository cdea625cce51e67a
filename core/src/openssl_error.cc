#include "openssl_error.h"

#include <openssl/err.h>

#include <string>
#include <utility>

namespace cairn {

Status OpensslError(std::string_view what) {
  std::string message(what);
  unsigned long code = ERR_get_error();
  if (code != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    message += ": ";
    message += buf;
  }
  ERR_clear_error();
  return Status::Internal(std::move(message));
}

}  // namespace cairn
