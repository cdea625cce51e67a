// Graph grammar (v1). All arithmetic is on unsigned 64-bit integers modulo 2^64; n is the node count.
//
//   Mix(x)        := the SplitMix64 finaliser: x ^= x >> 30; x *= 0xbf58476d1ce4e5b9; x ^= x >> 27;
//                    x *= 0x94d049bb133111eb; x ^= x >> 31
//   Prf(key, c)   := Mix(key + c * 0x9e3779b97f4a7c15)
//   Range(r, m)   := (r * m) >> 64 computed in 128 bits (a value in [0, m), m >= 1)
//   base_key      := BE64 of bytes 0..7 of SHA-256(tag32("cairn/porep/graph/base/v1") || params_id)
//   round_key[i]  := BE64 of bytes 8i..8i+7 of SHA-256(tag32("cairn/porep/graph/expander/v1") || params_id), i < 4
//
// Base parents (bucket sampling over a metagraph of 5 metanodes per node, after Alwen-Blocki-Pietrzak DRSample):
//   node 0: none.   node 1: all six parents are 0.
//   node v >= 2: parent[0] = v - 1, and for k = 0..4:
//     x    = 5v + k;  logx = floor(log2(x))
//     j    = Range(Prf(base_key, 2x), logx)                       (a bucket)
//     hi   = min(x, 2^(j+1));  lo = max(hi / 2, 2)
//     dist = lo + Range(Prf(base_key, 2x + 1), hi - lo + 1)      (in [lo, hi])
//     p    = (x - dist) / 5;  parent[k + 1] = (p == v) ? v - 1 : p
//
// Expander parents (a keyed permutation of [0, 8n), 8 children per previous-layer node):
//   b = max(2, bit width of 8n - 1); right = b - b/2 bits, left = b/2 bits; x = (L << right) | R
//   one pass := for i = 0..3: if i even L ^= Mix(round_key[i] ^ R) & left_mask else R ^= Mix(round_key[i] ^ L) &
//               right_mask (each step is invertible, so a pass permutes [0, 2^b))
//   Permute(x) := apply passes until the value is < 8n (cycle walking; at most a few passes on average)
//   parent[i] of v := Permute(8v + i) / 8, i = 0..7
#include "graph.h"

#include <algorithm>
#include <bit>

#include "domain.h"

namespace cairn::proofs {
namespace {

inline std::uint64_t Mix(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

inline std::uint64_t Prf(std::uint64_t key, std::uint64_t c) { return Mix(key + c * 0x9e3779b97f4a7c15ULL); }

inline std::uint64_t Range(std::uint64_t r, std::uint64_t m) {
  return static_cast<std::uint64_t>((static_cast<unsigned __int128>(r) * m) >> 64);
}

}  // namespace

Result<Graph> Graph::Create(const ParamsId& params_id, std::uint64_t node_count) {
  if (node_count == 0 || node_count > kMaxNodeCount) return Status::InvalidArgument("graph: node count out of range");
  Graph g;
  g.n_ = node_count;
  {
    Sha256 h = TaggedHasher(kTagGraphBase);
    h.Update(params_id.value().data(), 32);
    g.base_key_ = GetBE64(h.Finish().data());
  }
  {
    Sha256 h = TaggedHasher(kTagGraphExpander);
    h.Update(params_id.value().data(), 32);
    const Hash32 d = h.Finish();
    for (int i = 0; i < 4; ++i) g.round_keys_[i] = GetBE64(d.data() + 8 * i);
  }
  g.domain_ = node_count * kExpanderDegree;
  const int b = std::max(2, static_cast<int>(std::bit_width(g.domain_ - 1)));
  const int left = b / 2;
  g.right_bits_ = b - left;
  g.left_mask_ = (std::uint64_t{1} << left) - 1;
  g.right_mask_ = (std::uint64_t{1} << g.right_bits_) - 1;
  return g;
}

void Graph::BaseParents(std::uint64_t v, std::uint64_t out[kBaseDegree]) const {
  if (v <= 1) {
    for (int k = 0; k < kBaseDegree; ++k) out[k] = 0;
    return;
  }
  out[0] = v - 1;
  constexpr std::uint64_t kMeta = kBaseDegree - 1;
  for (std::uint64_t k = 0; k < kMeta; ++k) {
    const std::uint64_t x = kMeta * v + k;
    const std::uint64_t logx = static_cast<std::uint64_t>(std::bit_width(x)) - 1;
    const std::uint64_t j = Range(Prf(base_key_, 2 * x), logx);
    const std::uint64_t hi = std::min(x, std::uint64_t{2} << j);
    const std::uint64_t lo = std::max<std::uint64_t>(hi / 2, 2);
    const std::uint64_t dist = lo + Range(Prf(base_key_, 2 * x + 1), hi - lo + 1);
    const std::uint64_t p = (x - dist) / kMeta;
    out[k + 1] = (p == v) ? v - 1 : p;
  }
}

std::uint64_t Graph::Permute(std::uint64_t x) const {
  do {
    std::uint64_t l = x >> right_bits_;
    std::uint64_t r = x & right_mask_;
    l ^= Mix(round_keys_[0] ^ r) & left_mask_;
    r ^= Mix(round_keys_[1] ^ l) & right_mask_;
    l ^= Mix(round_keys_[2] ^ r) & left_mask_;
    r ^= Mix(round_keys_[3] ^ l) & right_mask_;
    x = (l << right_bits_) | r;
  } while (x >= domain_);
  return x;
}

void Graph::ExpanderParents(std::uint64_t v, std::uint64_t out[kExpanderDegree]) const {
  for (int i = 0; i < kExpanderDegree; ++i) out[i] = Permute(kExpanderDegree * v + i) / kExpanderDegree;
}

}  // namespace cairn::proofs
