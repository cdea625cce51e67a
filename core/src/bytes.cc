#include "cairn/core/bytes.h"

#include <sodium.h>

namespace cairn {

bool ConstantTimeEqual(ByteSpan a, ByteSpan b) {
  if (a.size() != b.size()) return false;
  std::uint8_t acc = 0;
  for (std::size_t i = 0; i < a.size(); ++i) acc |= static_cast<std::uint8_t>(a[i] ^ b[i]);
  return acc == 0;
}

void SecureZero(MutableByteSpan b) {
  if (!b.empty()) sodium_memzero(b.data(), b.size());
}

bool ByteReader::Take(std::size_t n, const std::uint8_t*& p) {
  if (!ok_ || data_.size() - pos_ < n) {
    ok_ = false;
    return false;
  }
  p = data_.data() + pos_;
  pos_ += n;
  return true;
}

bool ByteReader::ReadU8(std::uint8_t& v) {
  const std::uint8_t* p;
  if (!Take(1, p)) return false;
  v = *p;
  return true;
}

bool ByteReader::ReadBE32(std::uint32_t& v) {
  const std::uint8_t* p;
  if (!Take(4, p)) return false;
  v = GetBE32(p);
  return true;
}

bool ByteReader::ReadBE64(std::uint64_t& v) {
  const std::uint8_t* p;
  if (!Take(8, p)) return false;
  v = GetBE64(p);
  return true;
}

bool ByteReader::ReadHash(Hash32& v) {
  const std::uint8_t* p;
  if (!Take(32, p)) return false;
  std::memcpy(v.data(), p, 32);
  return true;
}

bool ByteReader::ReadSpan(std::size_t n, ByteSpan& v) {
  const std::uint8_t* p;
  if (!Take(n, p)) return false;
  v = ByteSpan(p, n);
  return true;
}

}  // namespace cairn
