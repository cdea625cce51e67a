// Byte containers and views, fixed-size digests, and explicit-endian integer codecs.
//
// Lifetime rule for views: a ByteSpan / MutableByteSpan never owns; it is valid only while the buffer it was made
// from is alive and not resized. Functions taking a span do not keep it past the call unless they say so.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cairn {

using Bytes = std::vector<std::uint8_t>;
using ByteSpan = std::span<const std::uint8_t>;
using MutableByteSpan = std::span<std::uint8_t>;

// A 32-byte digest (SHA-256 output, Merkle node, commitment).
using Hash32 = std::array<std::uint8_t, 32>;

inline ByteSpan AsBytes(std::string_view s) {
  return ByteSpan(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}
inline std::string_view AsStringView(ByteSpan b) {
  return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
}
inline Bytes ToBytes(ByteSpan b) { return Bytes(b.begin(), b.end()); }

inline void Append(Bytes& out, ByteSpan b) { out.insert(out.end(), b.begin(), b.end()); }

inline void PutBE32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}
inline void PutBE64(std::uint8_t* p, std::uint64_t v) {
  PutBE32(p, static_cast<std::uint32_t>(v >> 32));
  PutBE32(p + 4, static_cast<std::uint32_t>(v));
}
inline std::uint32_t GetBE32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}
inline std::uint64_t GetBE64(const std::uint8_t* p) { return (std::uint64_t{GetBE32(p)} << 32) | GetBE32(p + 4); }
inline std::uint64_t GetLE64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
inline void AppendBE32(Bytes& out, std::uint32_t v) {
  std::uint8_t b[4];
  PutBE32(b, v);
  out.insert(out.end(), b, b + 4);
}
inline void AppendBE64(Bytes& out, std::uint64_t v) {
  std::uint8_t b[8];
  PutBE64(b, v);
  out.insert(out.end(), b, b + 8);
}

// Constant-time equality for secrets and MACs.
bool ConstantTimeEqual(ByteSpan a, ByteSpan b);

// Overwrites memory in a way the compiler may not elide.
void SecureZero(MutableByteSpan b);

// Reads fields from an untrusted buffer, each read bounds-checked. Once a read fails, ok() is false and every later
// read fails too, so a parser may check once at the end.
class ByteReader {
 public:
  explicit ByteReader(ByteSpan data) : data_(data) {}
  bool ReadU8(std::uint8_t& v);
  bool ReadBE32(std::uint32_t& v);
  bool ReadBE64(std::uint64_t& v);
  bool ReadHash(Hash32& v);
  // A view into the underlying buffer of exactly n bytes.
  bool ReadSpan(std::size_t n, ByteSpan& v);
  std::size_t remaining() const { return ok_ ? data_.size() - pos_ : 0; }
  std::size_t position() const { return pos_; }
  bool ok() const { return ok_; }
  bool AtEnd() const { return ok_ && pos_ == data_.size(); }

 private:
  bool Take(std::size_t n, const std::uint8_t*& p);
  ByteSpan data_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace cairn
