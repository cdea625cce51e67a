#include "cairn/core/temp_dir.h"

#include <errno.h>
#include <stdlib.h>

#include <filesystem>
#include <system_error>
#include <vector>

namespace cairn {

Result<TempDir> TempDir::Create(std::string_view prefix) {
  if (prefix.empty() || prefix.find('/') != std::string_view::npos) {
    return Status::InvalidArgument("TempDir: prefix must be non-empty and contain no '/'");
  }
  const char* env_tmp = ::getenv("TMPDIR");
  std::string base = env_tmp != nullptr && env_tmp[0] != '\0' ? env_tmp : "/tmp";
  std::string templ = base + "/" + std::string(prefix) + ".XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) return Status::FromErrno("mkdtemp " + templ, errno);
  return TempDir(std::string(buf.data()));
}

TempDir& TempDir::operator=(TempDir&& other) noexcept {
  if (this != &other) {
    Remove();
    path_ = std::move(other.path_);
    other.path_.clear();
  }
  return *this;
}

TempDir::~TempDir() { Remove(); }

void TempDir::Remove() {
  if (path_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);  // best effort in a destructor; nothing to report to
  path_.clear();
}

}  // namespace cairn
