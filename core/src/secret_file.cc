#include "cairn/core/secret_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace cairn {
namespace {

std::string Quoted(const std::string& path) { return "'" + path + "'"; }

std::string ParentDir(const std::string& path) {
  std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string OctalMode(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

Status WriteAll(int fd, ByteSpan data, const std::string& what) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(what, errno);
    }
    done += static_cast<std::size_t>(n);
  }
  return Status::Ok();
}

Status SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno("open directory " + Quoted(dir) + " to sync it", errno);
  Status s;
  if (::fsync(fd) != 0) s = Status::FromErrno("fsync directory " + Quoted(dir), errno);
  if (::close(fd) != 0 && s.ok()) s = Status::FromErrno("close directory " + Quoted(dir), errno);
  return s;
}

// Moves `from` to `to` unless `to` exists. RENAME_NOREPLACE is atomic; on a file system without it, link + unlink
// gives the same no-replace guarantee.
Status MoveNoReplace(const std::string& from, const std::string& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return Status::Ok();
  if (errno != EINVAL && errno != ENOSYS) return Status::FromErrno("create secret file " + Quoted(to), errno);
  if (::link(from.c_str(), to.c_str()) != 0) return Status::FromErrno("create secret file " + Quoted(to), errno);
  if (::unlink(from.c_str()) != 0) return Status::FromErrno("remove temporary file " + Quoted(from), errno);
  return Status::Ok();
}

}  // namespace

SecretBytes::SecretBytes(std::size_t size) : data_(new std::uint8_t[size]()), size_(size) {}

SecretBytes::SecretBytes(SecretBytes&& other) noexcept : data_(std::move(other.data_)), size_(other.size_) {
  other.size_ = 0;
}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    Wipe();
    data_ = std::move(other.data_);
    size_ = other.size_;
    other.size_ = 0;
  }
  return *this;
}

SecretBytes::~SecretBytes() { Wipe(); }

void SecretBytes::Wipe() {
  if (data_) SecureZero(MutableByteSpan(data_.get(), size_));
  data_.reset();
  size_ = 0;
}

SecretBytes SecretBytes::Clone() const {
  SecretBytes copy(size_);
  if (size_ > 0) std::memcpy(copy.data_.get(), data_.get(), size_);
  return copy;
}

Status WriteSecretFile(const std::string& path, ByteSpan contents) {
  if (path.empty()) return Status::InvalidArgument("secret file path is empty");
  if (contents.size() > kMaxSecretFileSize) return Status::InvalidArgument("secret file contents too large");
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0) {
    return Status::AlreadyExists("secret file " + Quoted(path) + " already exists; refusing to replace it");
  }

  std::string tmp = path + ".tmp-XXXXXX";
  int fd = ::mkostemp(tmp.data(), O_CLOEXEC);  // creates the file with mode 0600
  if (fd < 0) return Status::FromErrno("create temporary file for " + Quoted(path), errno);
  Status s;
  if (::fchmod(fd, S_IRUSR | S_IWUSR) != 0) s = Status::FromErrno("chmod 600 " + Quoted(tmp), errno);
  if (s.ok()) s = WriteAll(fd, contents, "write " + Quoted(tmp));
  if (s.ok() && ::fsync(fd) != 0) s = Status::FromErrno("fsync " + Quoted(tmp), errno);
  if (::close(fd) != 0 && s.ok()) s = Status::FromErrno("close " + Quoted(tmp), errno);
  if (s.ok()) s = MoveNoReplace(tmp, path);
  if (!s.ok()) {
    ::unlink(tmp.c_str());  // best effort: the primary error is what the caller needs
    return s;
  }
  return SyncDir(ParentDir(path));
}

Result<SecretBytes> ReadSecretFile(const std::string& path, std::size_t max_size) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return Status::FromErrno("open secret file " + Quoted(path), errno);
  auto fail = [fd](Status s) {
    ::close(fd);
    return s;
  };

  struct stat st;
  if (::fstat(fd, &st) != 0) return fail(Status::FromErrno("stat secret file " + Quoted(path), errno));
  if (!S_ISREG(st.st_mode)) return fail(Status::FailedPrecondition("secret file " + Quoted(path) + " is not a file"));
  if (st.st_uid != ::geteuid() && st.st_uid != 0) {
    return fail(Status::FailedPrecondition("secret file " + Quoted(path) + " is owned by uid " +
                                           std::to_string(st.st_uid) + ", not by the current user"));
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return fail(Status::FailedPrecondition("secret file " + Quoted(path) + " has permissions " + OctalMode(st.st_mode) +
                                           ", which are too open: group and others must " +
                                           "have no access (run: chmod 600 " + Quoted(path) + ")"));
  }
  if (st.st_size < 0 || static_cast<std::uint64_t>(st.st_size) > max_size) {
    return fail(Status::Corruption("secret file " + Quoted(path) + " is " + std::to_string(st.st_size) +
                                   " bytes; at most " + std::to_string(max_size) + " expected"));
  }

  SecretBytes out(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (true) {
    // Reading one byte past the expected size detects a file that grew since fstat.
    std::uint8_t extra = 0;
    std::uint8_t* dst = done < out.size() ? out.mutable_span().data() + done : &extra;
    std::size_t want = done < out.size() ? out.size() - done : 1;
    ssize_t n = ::read(fd, dst, want);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(Status::FromErrno("read secret file " + Quoted(path), errno));
    }
    if (n == 0) break;
    if (dst == &extra) {
      extra = 0;
      return fail(Status::Corruption("secret file " + Quoted(path) + " changed size while being read"));
    }
    done += static_cast<std::size_t>(n);
  }
  if (done != out.size()) {
    return fail(Status::Corruption("secret file " + Quoted(path) + " changed size while being read"));
  }
  if (::close(fd) != 0) return Status::FromErrno("close secret file " + Quoted(path), errno);
  return out;
}

}  // namespace cairn
