// The seal graph: a depth-robust base graph (DRG) inside each layer and an expander between consecutive layers, as
// in Filecoin's Stacked DRG, both derived only from the params id and the node count. Parents are computed on the
// fly from a few multiplications (no table, no allocation), so the graph costs no memory at any shard size.
//
// Thread-safety: a Graph is immutable after Create; share it freely.
#pragma once

#include <cstdint>

#include "cairn/core/status.h"
#include "cairn/proofs/params.h"

namespace cairn::proofs {

inline constexpr int kBaseDegree = 6;
inline constexpr int kExpanderDegree = 8;

class Graph {
 public:
  // REQUIRES nothing; fails for a node count outside [1, kMaxNodeCount].
  static Result<Graph> Create(const ParamsId& params_id, std::uint64_t node_count);

  std::uint64_t node_count() const { return n_; }

  // The base parents of node v (in the same layer). out[0] = v-1; all parents are < v.
  // REQUIRES: 1 <= v < node_count(). Node 0 has no base parents.
  void BaseParents(std::uint64_t v, std::uint64_t out[kBaseDegree]) const;

  // The expander parents of node v (in the previous layer), each in [0, node_count()).
  // REQUIRES: v < node_count().
  void ExpanderParents(std::uint64_t v, std::uint64_t out[kExpanderDegree]) const;
  // Expander parent i of v alone (the sealing loop spreads the eight over its hashing). REQUIRES: i < 8.
  std::uint64_t ExpanderParent(std::uint64_t v, int i) const {
    return Permute(kExpanderDegree * v + static_cast<std::uint64_t>(i)) / kExpanderDegree;
  }

 private:
  std::uint64_t Permute(std::uint64_t x) const;

  std::uint64_t n_ = 0;
  std::uint64_t base_key_ = 0;
  std::uint64_t round_keys_[4] = {};
  std::uint64_t domain_ = 0;  // kExpanderDegree * n_
  int right_bits_ = 0;
  std::uint64_t left_mask_ = 0;
  std::uint64_t right_mask_ = 0;
};

}  // namespace cairn::proofs
