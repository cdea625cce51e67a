#include "mmap_input.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace cairn::client {

// One mapped window of the file: [offset, offset + length). Unmapped when the last holder drops it.
struct MmapInput::Window {
  Window(const std::uint8_t* b, std::uint64_t o, std::size_t l) : base(b), offset(o), length(l) {}
  ~Window() {
    // munmap of a range we mapped fails only on arguments we got right; nothing to report from a destructor.
    (void)::munmap(const_cast<std::uint8_t*>(base), length);
  }
  Window(const Window&) = delete;
  Window& operator=(const Window&) = delete;

  std::uint64_t end() const { return offset + length; }

  const std::uint8_t* base;
  std::uint64_t offset;
  std::size_t length;
};

namespace {

Result<std::size_t> PageSize() {
  long page = ::sysconf(_SC_PAGESIZE);
  if (page <= 0) return Status::FromErrno("sysconf(_SC_PAGESIZE)", errno);
  return static_cast<std::size_t>(page);
}

}  // namespace

Result<std::unique_ptr<MmapInput>> MmapInput::Open(const std::string& path, std::size_t window) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno("open " + path, errno);
  return FromFd(fd, window);
}

Result<std::unique_ptr<MmapInput>> MmapInput::FromFd(int fd, std::size_t window) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    Status s = Status::FromErrno("fstat", errno);
    (void)::close(fd);
    return s;
  }
  Result<std::size_t> page = PageSize();
  if (!page.ok()) {
    (void)::close(fd);
    return page.status();
  }
  const std::size_t pages = std::max<std::size_t>(1, window / *page + (window % *page != 0 ? 1 : 0));
  const bool regular = S_ISREG(st.st_mode);
  const std::uint64_t size = regular ? static_cast<std::uint64_t>(st.st_size) : 0;
  return std::unique_ptr<MmapInput>(new MmapInput(fd, regular, size, pages * *page));
}

MmapInput::MmapInput(int fd, bool regular, std::uint64_t size, std::size_t window)
    : fd_(fd), regular_(regular), window_size_(window), size_(size) {}

MmapInput::~MmapInput() {
  // A read-only descriptor: a failing close loses nothing. Windows still lent stay mapped without it.
  (void)::close(fd_);
}

Status MmapInput::CheckSize() {
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return Status::FromErrno("fstat", errno);
  const auto now = static_cast<std::uint64_t>(st.st_size);
  if (now < size_) {
    failed_ = Status::IOError("file shrank while being read: " + std::to_string(size_) + " -> " + std::to_string(now) +
                              " bytes");
    return failed_;
  }
  size_ = now;
  return Status::Ok();
}

Status MmapInput::MapWindow() {
  // window_size_ is whole pages, so a page-aligned offset keeps pos_ inside the window.
  CAIRN_ASSIGN_OR_RETURN(std::size_t page, PageSize());
  const std::uint64_t offset = pos_ - pos_ % page;
  const auto length = static_cast<std::size_t>(std::min<std::uint64_t>(window_size_, size_ - offset));
  void* p = ::mmap(nullptr, length, PROT_READ, MAP_SHARED, fd_, static_cast<off_t>(offset));
  if (p == MAP_FAILED) return Status::FromErrno("mmap", errno);
  // Owned at once, so a failing madvise unmaps it.
  auto w = std::make_shared<const Window>(static_cast<const std::uint8_t*>(p), offset, length);
  if (::madvise(p, length, MADV_SEQUENTIAL) != 0) return Status::FromErrno("madvise(MADV_SEQUENTIAL)", errno);
  window_ = std::move(w);
  return Status::Ok();
}

Result<Loan> MmapInput::Borrow(std::size_t max) {
  if (!regular_) return InputStream::Borrow(max);
  CAIRN_RETURN_IF_ERROR(failed_);
  // Every lend follows an fstat that shows the file still holds it (one per window when the encoder borrows).
  CAIRN_RETURN_IF_ERROR(CheckSize());
  if (pos_ >= size_) window_.reset();  // at the end: keep nothing mapped
  if (max == 0 || pos_ >= size_) return Loan{};
  if (!window_ || pos_ >= window_->end()) {
    window_.reset();  // unmapped now unless a Loan still holds it
    CAIRN_RETURN_IF_ERROR(MapWindow());
  }
  const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(max, window_->end() - pos_));
  Loan loan{ByteSpan(window_->base + (pos_ - window_->offset), n), window_};
  pos_ += n;
  return loan;
}

Result<std::size_t> MmapInput::ReadFd(MutableByteSpan out) {
  for (;;) {
    ssize_t n = ::read(fd_, out.data(), out.size());
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno != EINTR) return Status::FromErrno("read", errno);
  }
}

Result<std::size_t> MmapInput::Read(MutableByteSpan out) {
  if (!regular_) return ReadFd(out);
  CAIRN_ASSIGN_OR_RETURN(Loan loan, Borrow(out.size()));
  if (!loan.bytes.empty()) std::memcpy(out.data(), loan.bytes.data(), loan.bytes.size());
  return loan.bytes.size();
}

}  // namespace cairn::client
