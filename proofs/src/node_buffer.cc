#include "node_buffer.h"

#include <errno.h>
#include <sys/mman.h>

#include <atomic>

namespace cairn::proofs {
namespace {

constexpr std::size_t kHuge = std::size_t{2} << 20;

std::atomic<std::size_t> live_bytes{0};
std::atomic<std::size_t> peak_bytes{0};

void CountMapped(std::size_t bytes) {
  const std::size_t now = live_bytes.fetch_add(bytes) + bytes;
  std::size_t peak = peak_bytes.load();
  while (now > peak && !peak_bytes.compare_exchange_weak(peak, now)) {
  }
}

}  // namespace

std::size_t NodeBuffer::LiveBytes() { return live_bytes.load(); }
std::size_t NodeBuffer::PeakBytes() { return peak_bytes.load(); }
void NodeBuffer::ResetPeak() { peak_bytes.store(live_bytes.load()); }
std::size_t NodeBuffer::MappedSize(std::size_t size) { return (size + kHuge - 1) / kHuge * kHuge; }

NodeBuffer& NodeBuffer::operator=(NodeBuffer&& o) noexcept {
  if (this != &o) {
    Release();
    data_ = o.data_;
    size_ = o.size_;
    mapped_ = o.mapped_;
    o.data_ = nullptr;
    o.size_ = o.mapped_ = 0;
  }
  return *this;
}

Result<NodeBuffer> NodeBuffer::Allocate(std::size_t size) {
  if (size == 0) return Status::InvalidArgument("NodeBuffer: size 0");
  const std::size_t mapped = MappedSize(size);
  void* p = ::mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return Status::FromErrno("mmap layer buffer", errno);
  // Huge pages are an optimisation only: a kernel without THP refuses the advice and the buffer still works.
  (void)::madvise(p, mapped, MADV_HUGEPAGE);
  NodeBuffer b;
  b.data_ = static_cast<std::uint8_t*>(p);
  b.size_ = size;
  b.mapped_ = mapped;
  CountMapped(mapped);
  return b;
}

void NodeBuffer::Release() {
  if (data_ != nullptr) {
    ::munmap(data_, mapped_);  // cannot fail for a mapping we made whole
    live_bytes.fetch_sub(mapped_);
  }
  data_ = nullptr;
  size_ = mapped_ = 0;
}

}  // namespace cairn::proofs
