// Record grammars (v1, big-endian); check = SHA-256 of every preceding byte of the record.
//   state := "CAIRNSS1" params_id:32 replica_id:32 node_count:u64 layers_done:u32 check:32
//   meta  := "CAIRNSM1" params_id:32 replica_id:32 data_size:u64 node_count:u64
//            comm_d:32 comm_c:32 comm_r_last:32 comm_r:32 check:32
#include "seal_files.h"

#include <cstdio>
#include <cstring>

#include "cairn/core/sha256.h"

namespace cairn::proofs {
namespace {

constexpr char kStateMagic[8] = {'C', 'A', 'I', 'R', 'N', 'S', 'S', '1'};
constexpr char kMetaMagic[8] = {'C', 'A', 'I', 'R', 'N', 'S', 'M', '1'};

void AppendHash(Bytes& out, const Hash32& h) { out.insert(out.end(), h.begin(), h.end()); }

void Seal(Bytes& out) { AppendHash(out, Sha256Digest(out)); }

// Checks magic and the trailing hash; returns a reader positioned after the magic over the body.
Result<ByteReader> Open(ByteSpan bytes, const char* magic, std::size_t expected_size, const char* what) {
  if (bytes.size() != expected_size) return Status::Corruption(std::string(what) + ": wrong size");
  if (std::memcmp(bytes.data(), magic, 8) != 0) return Status::Corruption(std::string(what) + ": bad magic");
  const ByteSpan body = bytes.first(expected_size - 32);
  const Hash32 check = Sha256Digest(body);
  if (std::memcmp(check.data(), bytes.data() + body.size(), 32) != 0) {
    return Status::Corruption(std::string(what) + ": checksum mismatch");
  }
  ByteReader r(body);
  ByteSpan skip;
  r.ReadSpan(8, skip);
  return r;
}

}  // namespace

std::filesystem::path LayerPath(const std::filesystem::path& scratch_dir, std::uint32_t layer) {
  char name[16];
  std::snprintf(name, sizeof(name), "layer-%02u", static_cast<unsigned>(layer));
  return scratch_dir / name;
}
std::filesystem::path StatePath(const std::filesystem::path& scratch_dir) { return scratch_dir / "state"; }
std::filesystem::path ReplicaPath(const std::filesystem::path& out_dir) { return out_dir / "replica"; }
std::filesystem::path TreePath(const std::filesystem::path& out_dir) { return out_dir / "tree-r"; }
std::filesystem::path MetaPath(const std::filesystem::path& out_dir) { return out_dir / "meta"; }

Bytes EncodeSealState(const SealState& s) {
  Bytes out;
  out.reserve(256);
  Append(out, ByteSpan(reinterpret_cast<const std::uint8_t*>(kStateMagic), 8));
  AppendHash(out, s.params_id.value());
  AppendHash(out, s.replica_id.value());
  AppendBE64(out, s.node_count);
  AppendBE32(out, s.layers_done);
  Seal(out);
  return out;
}

Result<SealState> DecodeSealState(ByteSpan bytes) {
  CAIRN_ASSIGN_OR_RETURN(ByteReader r, Open(bytes, kStateMagic, 8 + 32 + 32 + 8 + 4 + 32, "seal state"));
  SealState s;
  Hash32 p, id;
  r.ReadHash(p);
  r.ReadHash(id);
  r.ReadBE64(s.node_count);
  r.ReadBE32(s.layers_done);
  if (!r.AtEnd()) return Status::Corruption("seal state: bad layout");
  s.params_id = ParamsId(p);
  s.replica_id = ReplicaId(id);
  return s;
}

Bytes EncodeSealMeta(const SealResult& m) {
  Bytes out;
  out.reserve(256);
  Append(out, ByteSpan(reinterpret_cast<const std::uint8_t*>(kMetaMagic), 8));
  AppendHash(out, m.params_id.value());
  AppendHash(out, m.replica_id.value());
  AppendBE64(out, m.data_size);
  AppendBE64(out, m.node_count);
  AppendHash(out, m.comm_d);
  AppendHash(out, m.comm_c);
  AppendHash(out, m.comm_r_last);
  AppendHash(out, m.comm_r);
  Seal(out);
  return out;
}

Result<SealResult> DecodeSealMeta(ByteSpan bytes) {
  CAIRN_ASSIGN_OR_RETURN(ByteReader r, Open(bytes, kMetaMagic, 8 + 32 + 32 + 8 + 8 + 4 * 32 + 32, "seal meta"));
  SealResult m;
  Hash32 p, id;
  r.ReadHash(p);
  r.ReadHash(id);
  r.ReadBE64(m.data_size);
  r.ReadBE64(m.node_count);
  r.ReadHash(m.comm_d);
  r.ReadHash(m.comm_c);
  r.ReadHash(m.comm_r_last);
  r.ReadHash(m.comm_r);
  if (!r.AtEnd()) return Status::Corruption("seal meta: bad layout");
  m.params_id = ParamsId(p);
  m.replica_id = ReplicaId(id);
  auto n = NodeCountForSize(m.data_size);
  if (!n.ok() || *n != m.node_count) return Status::Corruption("seal meta: node count does not match the size");
  return m;
}

}  // namespace cairn::proofs
