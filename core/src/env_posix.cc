// The POSIX Env: every system call checked, errno mapped through Status::FromErrno, EINTR retried.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "cairn/core/env.h"

namespace cairn {
namespace {

Status ErrnoStatus(std::string_view op, const std::string& path, int err) {
  std::string what(op);
  what += " ";
  what += path;
  return Status::FromErrno(what, err);
}

// Owns a file descriptor; closes it (ignoring errors) unless released or closed explicitly.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  // close(2) with its error reported; EINTR still closes the descriptor on Linux, so it is not retried.
  Status Close(const std::string& path) {
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) return ErrnoStatus("close", path, errno);
    return Status::Ok();
  }

 private:
  int fd_;
};

Result<int> OpenFd(const std::string& path, int flags, mode_t mode = 0) {
  for (;;) {
    int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
    if (fd >= 0) return fd;
    if (errno != EINTR) return ErrnoStatus("open", path, errno);
  }
}

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}

  Status Append(ByteSpan data) override {
    if (fd_.get() < 0) return Status::FailedPrecondition(path_ + ": file is closed");
    const std::uint8_t* p = data.data();
    std::size_t left = data.size();
    while (left > 0) {
      ssize_t n = ::write(fd_.get(), p, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus("write", path_, errno);
      }
      p += n;
      left -= static_cast<std::size_t>(n);
    }
    return Status::Ok();
  }

  Status Sync() override {
    if (fd_.get() < 0) return Status::FailedPrecondition(path_ + ": file is closed");
    if (::fdatasync(fd_.get()) != 0) return ErrnoStatus("fdatasync", path_, errno);
    return Status::Ok();
  }

  Status Close() override {
    if (fd_.get() < 0) return Status::FailedPrecondition(path_ + ": file is closed");
    return fd_.Close(path_);
  }

 private:
  std::string path_;
  Fd fd_;
};

class PosixSequentialFile final : public SequentialFile {
 public:
  PosixSequentialFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}

  Result<std::size_t> Read(MutableByteSpan out) override {
    for (;;) {
      ssize_t n = ::read(fd_.get(), out.data(), out.size());
      if (n >= 0) return static_cast<std::size_t>(n);
      if (errno != EINTR) return ErrnoStatus("read", path_, errno);
    }
  }

 private:
  std::string path_;
  Fd fd_;
};

class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}

  Result<std::size_t> Read(std::uint64_t offset, MutableByteSpan out) const override {
    std::size_t have = 0;
    while (have < out.size()) {
      ssize_t n = ::pread(fd_.get(), out.data() + have, out.size() - have, static_cast<off_t>(offset + have));
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus("pread", path_, errno);
      }
      if (n == 0) break;  // end of file
      have += static_cast<std::size_t>(n);
    }
    return have;
  }

 private:
  std::string path_;
  Fd fd_;
};

std::uint64_t ClockMicros(clockid_t clock) {
  struct timespec ts;
  if (::clock_gettime(clock, &ts) != 0) return 0;  // cannot fail for these clocks on Linux
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000u + static_cast<std::uint64_t>(ts.tv_nsec) / 1000u;
}

class PosixEnv final : public Env {
 public:
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override {
    CAIRN_ASSIGN_OR_RETURN(int fd, OpenFd(path, O_WRONLY | O_CREAT | O_TRUNC, 0644));
    return std::unique_ptr<WritableFile>(new PosixWritableFile(path, fd));
  }

  Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& path) override {
    CAIRN_ASSIGN_OR_RETURN(int fd, OpenFd(path, O_RDONLY));
    return std::unique_ptr<SequentialFile>(new PosixSequentialFile(path, fd));
  }

  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path) override {
    CAIRN_ASSIGN_OR_RETURN(int fd, OpenFd(path, O_RDONLY));
    return std::unique_ptr<RandomAccessFile>(new PosixRandomAccessFile(path, fd));
  }

  Status RenameFile(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return ErrnoStatus("rename", from + " -> " + to, errno);
    return Status::Ok();
  }

  Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return ErrnoStatus("unlink", path, errno);
    return Status::Ok();
  }

  Status RemoveDir(const std::string& path) override {
    if (::rmdir(path.c_str()) != 0) return ErrnoStatus("rmdir", path, errno);
    return Status::Ok();
  }

  bool FileExists(const std::string& path) override { return ::access(path.c_str(), F_OK) == 0; }

  Result<std::uint64_t> FileSize(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return ErrnoStatus("stat", path, errno);
    if (!S_ISREG(st.st_mode)) return Status::InvalidArgument(path + ": not a regular file");
    return static_cast<std::uint64_t>(st.st_size);
  }

  Status CreateDirs(const std::string& path) override {
    if (path.empty()) return Status::InvalidArgument("CreateDirs: empty path");
    // Create each prefix ending before a '/', then the whole path.
    for (std::size_t pos = path.find('/', 1);; pos = path.find('/', pos + 1)) {
      std::string prefix = path.substr(0, pos);
      if (!prefix.empty() && prefix.back() != '/') CAIRN_RETURN_IF_ERROR(MakeDir(prefix));
      if (pos == std::string::npos) break;
    }
    return Status::Ok();
  }

  Result<std::vector<std::string>> ListDir(const std::string& path) override {
    DIR* dir = ::opendir(path.c_str());
    if (dir == nullptr) return ErrnoStatus("opendir", path, errno);
    std::vector<std::string> names;
    Status status;
    for (;;) {
      errno = 0;
      struct dirent* e = ::readdir(dir);
      if (e == nullptr) {
        if (errno != 0) status = ErrnoStatus("readdir", path, errno);
        break;
      }
      if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
      names.emplace_back(e->d_name);
    }
    if (::closedir(dir) != 0 && status.ok()) status = ErrnoStatus("closedir", path, errno);
    if (!status.ok()) return status;
    std::sort(names.begin(), names.end());
    return names;
  }

  Status SyncDir(const std::string& path) override {
    CAIRN_ASSIGN_OR_RETURN(int raw, OpenFd(path, O_RDONLY | O_DIRECTORY));
    Fd fd(raw);
    if (::fsync(fd.get()) != 0) return ErrnoStatus("fsync", path, errno);
    return fd.Close(path);
  }

  std::uint64_t NowMicros() override { return ClockMicros(CLOCK_MONOTONIC); }
  std::uint64_t WallMicros() override { return ClockMicros(CLOCK_REALTIME); }

  void SleepForMicros(std::uint64_t micros) override {
    struct timespec ts;
    ts.tv_sec = static_cast<time_t>(micros / 1000000u);
    ts.tv_nsec = static_cast<long>(micros % 1000000u) * 1000;
    while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
  }

 private:
  static Status MakeDir(const std::string& path) {
    if (::mkdir(path.c_str(), 0755) == 0) return Status::Ok();
    int err = errno;
    if (err == EEXIST) {
      struct stat st;
      if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return Status::Ok();
      return Status::AlreadyExists(path + ": exists and is not a directory");
    }
    return ErrnoStatus("mkdir", path, err);
  }
};

}  // namespace

Env* Env::Default() {
  static PosixEnv* env = new PosixEnv();  // never deleted: other statics may use it during exit
  return env;
}

}  // namespace cairn
