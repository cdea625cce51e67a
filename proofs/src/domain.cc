#include "domain.h"

#include <cassert>
#include <cstring>

namespace cairn::proofs {

Hash32 Tag32(std::string_view tag) {
  assert(tag.size() <= 32);
  Hash32 out{};
  std::memcpy(out.data(), tag.data(), tag.size() < 32 ? tag.size() : 32);
  return out;
}

Sha256 TaggedHasher(std::string_view tag) {
  Sha256 h;
  const Hash32 t = Tag32(tag);
  h.Update(t.data(), t.size());
  return h;
}

}  // namespace cairn::proofs
