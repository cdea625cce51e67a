#include "parent_table.h"

#include <algorithm>

#include "cairn/proofs/params.h"

namespace cairn::proofs {

Result<ParentTable> ParentTable::Allocate(std::uint64_t n) { return AllocateWindow(n, n); }

Result<ParentTable> ParentTable::AllocateWindow(std::uint64_t n, std::uint64_t rows) {
  if (n == 0 || n > kMaxNodeCount) return Status::InvalidArgument("parent table: node count out of range");
  if (rows == 0) return Status::InvalidArgument("parent table: empty window");
  ParentTable t;
  t.n_ = n;
  t.rows_count_ = std::min(rows, n);
  CAIRN_ASSIGN_OR_RETURN(t.buf_, NodeBuffer::Allocate(t.rows_count_ * kParentRowBytes));
  t.rows_ = reinterpret_cast<std::uint32_t*>(t.buf_.data());  // page-aligned, and uint32_t has no constructor
  return t;
}

void ParentTable::SetRow(std::uint64_t v, const std::uint64_t* base, const std::uint64_t* expander) {
  std::uint32_t* r = rows_ + kParentRow * (v - first_);
  for (int i = 0; i < kBaseDegree; ++i) r[i] = base != nullptr ? static_cast<std::uint32_t>(base[i]) : 0;
  for (int i = 0; i < kExpanderDegree; ++i) r[kBaseDegree + i] = static_cast<std::uint32_t>(expander[i]);
}

void ParentTable::Fill(const Graph& graph, std::uint64_t begin, std::uint64_t end) {
  std::uint64_t base[kBaseDegree], exp[kExpanderDegree];
  for (std::uint64_t v = begin; v < end; ++v) {
    if (v >= 1) graph.BaseParents(v, base);
    graph.ExpanderParents(v, exp);
    SetRow(v, v >= 1 ? base : nullptr, exp);
  }
}

}  // namespace cairn::proofs
