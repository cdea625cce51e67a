#include "parent_cache.h"

#include <algorithm>

namespace cairn::proofs {

Result<ParentCache> ParentCache::InMemory(std::uint64_t n) {
  ParentCache c;
  CAIRN_ASSIGN_OR_RETURN(c.table_, ParentTable::Allocate(n));
  return c;
}

Result<ParentCache> ParentCache::InFile(const std::filesystem::path& dir, std::uint64_t n, std::uint64_t window_rows) {
  ParentCache c;
  CAIRN_ASSIGN_OR_RETURN(c.table_, ParentTable::AllocateWindow(n, window_rows));
  CAIRN_ASSIGN_OR_RETURN(c.file_, File::CreateUnnamed(dir));
  c.streamed_ = true;
  return c;
}

Status ParentCache::FillAll(const Graph& graph) {
  const std::uint64_t n = table_.node_count();
  const std::uint64_t step = table_.rows();
  for (std::uint64_t first = 0; first < n; first += step) {
    const std::uint64_t count = std::min(step, n - first);
    Place(first);
    table_.Fill(graph, first, first + count);
    CAIRN_RETURN_IF_ERROR(Save(first, count));
  }
  return Status::Ok();
}

void ParentCache::Place(std::uint64_t first) {
  if (streamed_) table_.MoveTo(first);
}

Status ParentCache::Save(std::uint64_t first, std::uint64_t count) {
  if (!streamed_) return Status::Ok();
  if (count > table_.rows()) return Status::InvalidArgument("parent cache: range larger than the window");
  CAIRN_RETURN_IF_ERROR(file_.WriteAt(first * kParentRowBytes, table_.bytes(count)));
  // The kernel writes these pages back sooner or later (it did within seconds here, unnamed file or not); started
  // now, that happens during layer 1 rather than under a later layer's fsync, which on ext4 (data=ordered) would wait
  // for it.
  return file_.StartWriteback(first * kParentRowBytes, count * kParentRowBytes);
}

Status ParentCache::Load(std::uint64_t first, std::uint64_t count) {
  if (!streamed_) return Status::Ok();
  if (count > table_.rows()) return Status::InvalidArgument("parent cache: range larger than the window");
  table_.MoveTo(first);
  return file_.ReadAt(first * kParentRowBytes, table_.bytes(count));
}

}  // namespace cairn::proofs
