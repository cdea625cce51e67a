#include "cli/atomic_file.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace cairn::cli {
namespace {

struct PathParts {
  std::string dir;
  std::string base;
};

// Splits "a/b/c" into ("a/b", "c"); a bare name has directory ".".
PathParts SplitPath(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return PathParts{std::string("."), path};
  return PathParts{slash == 0 ? std::string("/") : path.substr(0, slash), path.substr(slash + 1)};
}

}  // namespace

Result<std::unique_ptr<AtomicFileWriter>> AtomicFileWriter::Create(const std::string& path) {
  const PathParts parts = SplitPath(path);
  const std::string& dir = parts.dir;
  const std::string& base = parts.base;
  if (base.empty() || base == "." || base == "..") return Status::InvalidArgument("not a file name: " + path);
  // Built by appending: the one-expression concatenation trips a GCC 12 -Wrestrict false positive.
  std::string templ;
  if (dir != "/") templ.append(dir);
  templ.append("/.");
  templ.append(base);
  templ.append(".cairn-XXXXXX");
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  const int fd = mkstemp(buf.data());
  if (fd < 0) return Status::FromErrno("create a temp file in " + dir, errno);
  std::string temp_path(buf.data());
  // mkstemp makes 0600; give the result the mode a new file would get.
  const mode_t mask = umask(0);
  umask(mask);
  if (fchmod(fd, 0666 & ~mask) != 0) {
    const int err = errno;
    close(fd);
    unlink(temp_path.c_str());
    return Status::FromErrno("fchmod " + temp_path, err);
  }
  return std::unique_ptr<AtomicFileWriter>(new AtomicFileWriter(path, std::move(temp_path), fd));
}

AtomicFileWriter::~AtomicFileWriter() {
  if (fd_ >= 0) close(fd_);
  if (!committed_) unlink(temp_path_.c_str());
}

Status AtomicFileWriter::Commit() {
  if (committed_ || fd_ < 0) return Status::FailedPrecondition("commit of a closed file");
  if (fsync(fd_) != 0) return Status::FromErrno("fsync " + temp_path_, errno);
  const int fd = fd_;
  fd_ = -1;
  if (close(fd) != 0) return Status::FromErrno("close " + temp_path_, errno);
  if (rename(temp_path_.c_str(), path_.c_str()) != 0) return Status::FromErrno("rename to " + path_, errno);
  committed_ = true;
  const std::string dir = SplitPath(path_).dir;
  const int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return Status::FromErrno("open directory " + dir, errno);
  const int rc = fsync(dfd);
  const int err = errno;
  close(dfd);
  if (rc != 0) return Status::FromErrno("fsync directory " + dir, err);
  return Status::Ok();
}

}  // namespace cairn::cli
