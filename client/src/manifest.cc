// Manifest format, version 1. All integers big-endian.
//
//   manifest   := magic:"CRNM" version:u8(=1) flags:u8(=0)
//                 name_len:u16 name:u8[name_len]                  (UTF-8 as given; 1..4096 bytes)
//                 mtime_ns:i64 (two's complement in u64) mode:u32
//                 wrapped_key_len:u16 wrapped_key:u8[len]        (<= 256 bytes)
//                 file_size:u64 k:u8 m:u8 segment_size:u64 unit_size:u32
//                 stream_header:u8[24]                           (core/aead.h StreamHeader v1)
//                 segment_count:u32                              (1..2^24, must match file_size / segment_size)
//                 segment[segment_count]
//   segment    := plaintext_size:u64 shard_size:u64 comm_d:u8[32][k+m]
//
// No trailing bytes. Every count is checked against the bytes remaining before anything is allocated, and the
// decoded FileCoding must pass ValidateFileCoding.
// Sealed form: core SealMessage with aad "cairn/manifest/v1".
#include "manifest.h"

#include <cstring>

#include "cairn/core/aead.h"

namespace cairn::client {
namespace {

constexpr char kMagic[4] = {'C', 'R', 'N', 'M'};
constexpr std::uint8_t kVersion = 1;
constexpr std::string_view kSealAad = "cairn/manifest/v1";

void PutU16(Bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

bool ReadU16(ByteReader& r, std::uint16_t& v) {
  std::uint8_t a, b;
  if (!r.ReadU8(a) || !r.ReadU8(b)) return false;
  v = static_cast<std::uint16_t>(a << 8 | b);
  return true;
}

}  // namespace

Bytes Manifest::Serialize() const {
  Bytes out(std::begin(kMagic), std::end(kMagic));
  out.reserve(128 + name.size() + wrapped_key.size() + coding.segments.size() * (16 + 32 * (coding.k + coding.m)));
  out.push_back(kVersion);
  out.push_back(0);
  PutU16(out, static_cast<std::uint16_t>(name.size()));
  Append(out, AsBytes(name));
  AppendBE64(out, static_cast<std::uint64_t>(mtime_ns));
  AppendBE32(out, mode);
  PutU16(out, static_cast<std::uint16_t>(wrapped_key.size()));
  Append(out, wrapped_key);
  AppendBE64(out, coding.size);
  out.push_back(static_cast<std::uint8_t>(coding.k));
  out.push_back(static_cast<std::uint8_t>(coding.m));
  AppendBE64(out, coding.segment_size);
  AppendBE32(out, coding.unit_size);
  Append(out, coding.header.Serialize());
  AppendBE32(out, static_cast<std::uint32_t>(coding.segments.size()));
  for (const SegmentCoding& s : coding.segments) {
    AppendBE64(out, s.plaintext_size);
    AppendBE64(out, s.shard_size);
    for (const Hash32& h : s.comm_d) Append(out, h);
  }
  return out;
}

Result<Manifest> Manifest::Parse(ByteSpan bytes) {
  if (bytes.size() > kMaxManifestBytes) return Status::Corruption("manifest too large");
  ByteReader r(bytes);
  ByteSpan magic;
  std::uint8_t version = 0, flags = 0;
  if (!r.ReadSpan(4, magic) || std::memcmp(magic.data(), kMagic, 4) != 0) {
    return Status::Corruption("not a cairn manifest (bad magic)");
  }
  if (!r.ReadU8(version) || version != kVersion) {
    return Status::Corruption("unsupported manifest version " + std::to_string(version));
  }
  if (!r.ReadU8(flags) || flags != 0) return Status::Corruption("unknown manifest flags");
  Manifest m;
  std::uint16_t name_len = 0;
  ByteSpan name;
  if (!ReadU16(r, name_len) || name_len == 0 || name_len > kMaxNameBytes || !r.ReadSpan(name_len, name)) {
    return Status::Corruption("manifest name missing or too long");
  }
  m.name.assign(AsStringView(name));
  std::uint64_t mtime = 0;
  std::uint16_t wk_len = 0;
  ByteSpan wk;
  if (!r.ReadBE64(mtime) || !r.ReadBE32(m.mode) || !ReadU16(r, wk_len) || wk_len > kMaxWrappedKeyBytes ||
      !r.ReadSpan(wk_len, wk)) {
    return Status::Corruption("manifest attributes truncated or wrapped key too long");
  }
  m.mtime_ns = static_cast<std::int64_t>(mtime);
  m.wrapped_key = ToBytes(wk);
  FileCoding& c = m.coding;
  std::uint8_t k = 0, mm = 0;
  ByteSpan header;
  std::uint32_t segments = 0;
  if (!r.ReadBE64(c.size) || !r.ReadU8(k) || !r.ReadU8(mm) || !r.ReadBE64(c.segment_size) || !r.ReadBE32(c.unit_size) ||
      !r.ReadSpan(kStreamHeaderSize, header) || !r.ReadBE32(segments)) {
    return Status::Corruption("manifest coding truncated");
  }
  c.k = k;
  c.m = mm;
  auto h = StreamHeader::Parse(header);
  if (!h.ok()) return Status::Corruption("manifest stream header: " + h.status().message());
  c.header = *h;
  if (k < 1 || k + mm > kMaxShards) return Status::Corruption("manifest has invalid k or m");
  if (segments == 0 || segments > kMaxSegments) return Status::Corruption("manifest segment count out of range");
  std::size_t per_segment = 16 + 32 * static_cast<std::size_t>(k + mm);
  if (r.remaining() != per_segment * segments) return Status::Corruption("manifest segment table has wrong length");
  c.segments.resize(segments);
  for (SegmentCoding& s : c.segments) {
    r.ReadBE64(s.plaintext_size);
    r.ReadBE64(s.shard_size);
    s.comm_d.resize(k + mm);
    for (Hash32& d : s.comm_d) r.ReadHash(d);
  }
  if (!r.AtEnd()) return Status::Corruption("manifest truncated");
  Status st = ValidateFileCoding(c);
  if (!st.ok()) return Status::Corruption("manifest coding inconsistent: " + st.message());
  return m;
}

Result<Bytes> SealManifest(const Manifest& m, ByteSpan manifest_key) {
  if (m.name.empty() || m.name.size() > kMaxNameBytes) return Status::InvalidArgument("name must be 1..4096 bytes");
  if (m.wrapped_key.size() > kMaxWrappedKeyBytes) return Status::InvalidArgument("wrapped key too long");
  CAIRN_RETURN_IF_ERROR(ValidateFileCoding(m.coding));
  return SealMessage(manifest_key, AsBytes(kSealAad), m.Serialize());
}

Result<Manifest> OpenManifest(ByteSpan sealed, ByteSpan manifest_key) {
  if (sealed.size() > kMaxManifestBytes + 64) return Status::Corruption("sealed manifest too large");
  CAIRN_ASSIGN_OR_RETURN(Bytes plain, OpenMessage(manifest_key, AsBytes(kSealAad), sealed));
  return Manifest::Parse(plain);
}

}  // namespace cairn::client
