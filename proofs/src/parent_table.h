// The parent indices of nodes, computed once per seal: the graph is the same in every layer (base parents in all of
// them, expander parents in layers >= 2), and recomputing it costs ~70 ns of integer work per node per layer, which
// the labelling loop can only partly hide behind SHA-NI latency. Read from a table, a later layer runs at the speed
// of the bare label hash. Filecoin's SDR keeps the same "parent cache".
//
// Row v := base parents b_0..b_5 of v (all 0 for v = 0), then expander parents e_0..e_7, as 32-bit indices (a shard
// has at most 2^32 nodes), 56 bytes. A table holds either every row (n * 56 bytes: 1.75 layers) or a window of
// consecutive rows that the caller moves along the graph (parent_cache.h streams the rows through a file that way).
//
// Thread-safety: none while being filled or moved; read-only use may be shared.
#pragma once

#include <cstdint>

#include "cairn/core/bytes.h"
#include "cairn/core/status.h"
#include "graph.h"
#include "node_buffer.h"

namespace cairn::proofs {

inline constexpr int kParentRow = kBaseDegree + kExpanderDegree;  // 14
inline constexpr std::uint64_t kParentRowBytes = kParentRow * sizeof(std::uint32_t);

class ParentTable {
 public:
  ParentTable() = default;

  // Space for all n rows (first() == 0, rows() == n), not filled. Fails for n outside [1, kMaxNodeCount] or when
  // memory runs out.
  static Result<ParentTable> Allocate(std::uint64_t n);
  // Space for a window of min(rows, n) rows of an n-node graph, placed at row 0, not filled. REQUIRES: rows >= 1.
  static Result<ParentTable> AllocateWindow(std::uint64_t n, std::uint64_t rows);

  std::uint64_t node_count() const { return n_; }
  // The window: rows [first(), first() + rows()).
  std::uint64_t first() const { return first_; }
  std::uint64_t rows() const { return rows_count_; }
  // Places the window at rows [first, first + rows()); its contents are then stale until filled or read in.
  // REQUIRES: first < node_count() (a last window may reach past the graph: those rows are unused).
  void MoveTo(std::uint64_t first) { first_ = first; }
  // REQUIRES: first() <= v < first() + rows().
  const std::uint32_t* row(std::uint64_t v) const { return rows_ + kParentRow * (v - first_); }
  // The bytes of the window's first `count` rows, for file I/O. REQUIRES: count <= rows().
  MutableByteSpan bytes(std::uint64_t count) { return {buf_.data(), count * kParentRowBytes}; }

  // Writes row v from parent lists (base: REQUIRES v >= 1; base == nullptr writes zeros) as the labelling loop of
  // layer 1 computes them. REQUIRES: v in the window.
  void SetRow(std::uint64_t v, const std::uint64_t* base, const std::uint64_t* expander);
  // Computes rows [begin, end) from the graph. REQUIRES: the window covers them; node_count() == graph.node_count().
  void Fill(const Graph& graph, std::uint64_t begin, std::uint64_t end);

 private:
  std::uint64_t n_ = 0;
  std::uint64_t first_ = 0;
  std::uint64_t rows_count_ = 0;
  NodeBuffer buf_;
  std::uint32_t* rows_ = nullptr;  // into buf_
};

}  // namespace cairn::proofs
