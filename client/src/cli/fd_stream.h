// std::streambuf adapters over POSIX file descriptors, so the CLI can hand the library's stream API its stdin,
// stdout or a temp file while still seeing the OS error (EPIPE, ENOSPC, ...) of every read and write. The
// descriptor is borrowed: the buffer never closes it.
//
// Thread-safety: one thread at a time, like any streambuf.
#pragma once

#include <streambuf>
#include <vector>

#include "cairn/core/status.h"

namespace cairn::cli {

// Buffered writes to `fd`; a failed write makes every later write fail and is kept in status().
class FdOutBuf : public std::streambuf {
 public:
  explicit FdOutBuf(int fd, std::size_t buffer_bytes = 256 << 10);
  ~FdOutBuf() override;
  FdOutBuf(const FdOutBuf&) = delete;
  FdOutBuf& operator=(const FdOutBuf&) = delete;

  // Writes out the buffer; returns the first error seen so far.
  Status Flush();
  const Status& status() const { return status_; }

 protected:
  int_type overflow(int_type ch) override;
  std::streamsize xsputn(const char* s, std::streamsize n) override;
  int sync() override;

 private:
  bool WriteRaw(const char* p, std::size_t n);
  bool Drain();

  int fd_;
  std::vector<char> buf_;
  Status status_;
};

// Buffered reads from `fd`; a failed read ends the stream and is kept in status().
class FdInBuf : public std::streambuf {
 public:
  explicit FdInBuf(int fd, std::size_t buffer_bytes = 256 << 10);
  FdInBuf(const FdInBuf&) = delete;
  FdInBuf& operator=(const FdInBuf&) = delete;

  const Status& status() const { return status_; }

 protected:
  int_type underflow() override;

 private:
  int fd_;
  std::vector<char> buf_;
  Status status_;
};

}  // namespace cairn::cli
