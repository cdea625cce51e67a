// Writing a file all or nothing: bytes go to a temp file beside the target, which is fsynced and renamed over the
// target only by Commit. Anything else (an error, an early return, a cancelled get) deletes the temp file, so a
// failed `cairn get -o OUT` never leaves a partial OUT.
//
// Thread-safety: one owner thread.
#pragma once

#include <memory>
#include <string>

#include "cairn/core/status.h"

namespace cairn::cli {

class AtomicFileWriter {
 public:
  // Creates "<dir of path>/.<base of path>.cairn-XXXXXX" (mode 0666 & ~umask once committed).
  static Result<std::unique_ptr<AtomicFileWriter>> Create(const std::string& path);
  ~AtomicFileWriter();  // removes the temp file unless committed
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  int fd() const { return fd_; }
  const std::string& temp_path() const { return temp_path_; }

  // fsync, close, rename over the target, fsync the directory. REQUIRES: every write to fd() done.
  Status Commit();

 private:
  AtomicFileWriter(std::string path, std::string temp_path, int fd)
      : path_(std::move(path)), temp_path_(std::move(temp_path)), fd_(fd) {}

  std::string path_;
  std::string temp_path_;
  int fd_ = -1;
  bool committed_ = false;
};

}  // namespace cairn::cli
