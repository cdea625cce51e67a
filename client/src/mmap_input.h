// A file as an InputStream that lends views of its pages instead of copying them (the encoder then seals straight
// from the page cache). A regular file is mapped one window at a time (MAP_SHARED, read-only, MADV_SEQUENTIAL; 64 MiB
// by default), and a window is unmapped as soon as the input has moved past it and no Loan holds it, so a 4 GiB file
// never sits in the address space or RSS whole. Anything else (a pipe, a socket, a tty, a character device) falls back
// to read() and does not lend (CanLend() is false).
//
// A file that changes size while it is read (regular files only; every Read and Borrow takes its size with fstat
// first, so the encoder, which borrows a whole window at a time, pays one fstat per window):
// - growing: the input follows it, as read() would;
// - shrinking below any size seen before: that Read or Borrow fails with kIOError ("file shrank while being read"),
//   and so does every later call. Nothing is lent, and no window mapped, past the size fstat just returned.
// Not guarded: lent bytes are read from the mapping after Borrow returns, so a truncation by another process between
// that fstat and the reading of those pages (for the encoder: until the batch holding them is sealed, a few ms)
// raises SIGBUS, as for any mapped file. Put a file that may be truncated concurrently through a read() input (the
// client's FileInput) instead.
//
// Thread-safety: one thread at a time calls Read and Borrow. A Loan's keep may be held and dropped on any thread; a
// window outlives the MmapInput while a Loan holds it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "shard_io.h"

namespace cairn::client {

class MmapInput : public InputStream {
 public:
  static constexpr std::size_t kDefaultWindow = std::size_t{64} << 20;

  // Opens `path` read-only. `window` is rounded up to whole pages (at least one).
  static Result<std::unique_ptr<MmapInput>> Open(const std::string& path, std::size_t window = kDefaultWindow);
  // Takes ownership of `fd` (closed by the destructor, and on failure).
  static Result<std::unique_ptr<MmapInput>> FromFd(int fd, std::size_t window = kDefaultWindow);

  ~MmapInput() override;
  MmapInput(const MmapInput&) = delete;
  MmapInput& operator=(const MmapInput&) = delete;

  Result<std::size_t> Read(MutableByteSpan out) override;
  bool CanLend() const override { return regular_; }
  // Lends up to max bytes of the current window (never across a window's end).
  Result<Loan> Borrow(std::size_t max) override;

 private:
  struct Window;
  MmapInput(int fd, bool regular, std::uint64_t size, std::size_t window);

  // fstat: fails (for good) when the file is smaller than any size seen before; else records the size.
  Status CheckSize();
  // Maps the window holding pos_ (pos_ < size_).
  Status MapWindow();
  // read() for files that cannot be mapped.
  Result<std::size_t> ReadFd(MutableByteSpan out);

  int fd_;
  bool regular_;
  std::size_t window_size_;
  std::uint64_t size_;     // the largest size fstat reported
  std::uint64_t pos_ = 0;  // bytes handed out
  Status failed_;          // once the file shrank, every call returns this
  std::shared_ptr<const Window> window_;
};

}  // namespace cairn::client
