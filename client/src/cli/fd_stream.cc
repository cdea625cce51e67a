#include "cli/fd_stream.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cairn::cli {

FdOutBuf::FdOutBuf(int fd, std::size_t buffer_bytes) : fd_(fd), buf_(buffer_bytes == 0 ? 1 : buffer_bytes) {
  setp(buf_.data(), buf_.data() + buf_.size());
}

FdOutBuf::~FdOutBuf() { (void)Drain(); }

bool FdOutBuf::WriteRaw(const char* p, std::size_t n) {
  if (!status_.ok()) return false;
  while (n > 0) {
    const ssize_t w = write(fd_, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      status_ = Status::FromErrno("write", errno);
      return false;
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

bool FdOutBuf::Drain() {
  const std::size_t n = static_cast<std::size_t>(pptr() - pbase());
  setp(buf_.data(), buf_.data() + buf_.size());
  return WriteRaw(buf_.data(), n);
}

FdOutBuf::int_type FdOutBuf::overflow(int_type ch) {
  if (!Drain()) return traits_type::eof();
  if (traits_type::eq_int_type(ch, traits_type::eof())) return traits_type::not_eof(ch);
  *pptr() = traits_type::to_char_type(ch);
  pbump(1);
  return ch;
}

std::streamsize FdOutBuf::xsputn(const char* s, std::streamsize n) {
  const std::size_t len = static_cast<std::size_t>(n);
  const std::size_t room = static_cast<std::size_t>(epptr() - pptr());
  if (len <= room) {
    std::memcpy(pptr(), s, len);
    pbump(static_cast<int>(len));
    return n;
  }
  // Large writes bypass the buffer once it is drained.
  if (!Drain() || !WriteRaw(s, len)) return 0;
  return n;
}

int FdOutBuf::sync() { return Drain() ? 0 : -1; }

Status FdOutBuf::Flush() {
  (void)Drain();
  return status_;
}

FdInBuf::FdInBuf(int fd, std::size_t buffer_bytes) : fd_(fd), buf_(buffer_bytes == 0 ? 1 : buffer_bytes) {
  setg(buf_.data(), buf_.data(), buf_.data());
}

FdInBuf::int_type FdInBuf::underflow() {
  if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
  if (!status_.ok()) return traits_type::eof();
  for (;;) {
    const ssize_t r = read(fd_, buf_.data(), buf_.size());
    if (r < 0) {
      if (errno == EINTR) continue;
      status_ = Status::FromErrno("read", errno);
      return traits_type::eof();
    }
    if (r == 0) return traits_type::eof();
    setg(buf_.data(), buf_.data(), buf_.data() + r);
    return traits_type::to_int_type(*gptr());
  }
}

}  // namespace cairn::cli
