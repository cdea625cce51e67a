// The parent indices of every node, computed once per seal: the graph is the same in every layer (base parents in
// all of them, expander parents in layers >= 2), and recomputing it costs ~70 ns of integer work per node per layer,
// which the labelling loop can only partly hide behind SHA-NI latency. Read from a table, a later layer runs at the
// speed of the bare label hash. Filecoin's SDR keeps the same "parent cache".
//
// Row v := base parents b_0..b_5 of v (all 0 for v = 0), then expander parents e_0..e_7, as 32-bit indices (a shard
// has at most 2^32 nodes). Memory: n * 56 bytes (1.75 layers).
//
// Thread-safety: none while being filled; read-only use may be shared.
#pragma once

#include <cstdint>

#include "cairn/core/status.h"
#include "graph.h"
#include "node_buffer.h"

namespace cairn::proofs {

inline constexpr int kParentRow = kBaseDegree + kExpanderDegree;  // 14

class ParentTable {
 public:
  ParentTable() = default;

  // Space for n rows, not filled. Fails for n outside [1, kMaxNodeCount] or when memory runs out.
  static Result<ParentTable> Allocate(std::uint64_t n);

  std::uint64_t node_count() const { return n_; }
  const std::uint32_t* row(std::uint64_t v) const { return rows_ + kParentRow * v; }

  // Writes row v from parent lists (base: REQUIRES v >= 1; base == nullptr writes zeros) as the labelling loop of
  // layer 1 computes them.
  void SetRow(std::uint64_t v, const std::uint64_t* base, const std::uint64_t* expander);
  // Computes rows [begin, end) from the graph. REQUIRES: end <= node_count() == graph.node_count().
  void Fill(const Graph& graph, std::uint64_t begin, std::uint64_t end);

 private:
  std::uint64_t n_ = 0;
  NodeBuffer buf_;
  std::uint32_t* rows_ = nullptr;  // into buf_
};

}  // namespace cairn::proofs
