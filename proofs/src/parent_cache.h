// Where a labelling run keeps its parent table (parent_table.h): whole in memory (n * 56 bytes), or streamed through
// an unnamed scratch file (file_io.h File::CreateUnnamed) so that only a window of one chunk's rows is in memory.
// Streamed, layer 1 computes each chunk's rows into the window (the labelling loop's by-product) and appends them to
// the file; each later layer reads a chunk's rows back (a sequential pread from the page cache, ~0.1 ms per 32768
// rows) before labelling it. The file never outlives the process and has no format beyond the row layout.
//
// Usage per chunk [first, first + count) of layer l: l == 1: Place, label (which fills the rows), Save; l >= 2: Load,
// label. A run that starts after layer 1 calls FillAll first.
//
// Thread-safety: none; owned by one labelling run.
#pragma once

#include <cstdint>
#include <filesystem>

#include "cairn/core/status.h"
#include "file_io.h"
#include "graph.h"
#include "parent_table.h"

namespace cairn::proofs {

class ParentCache {
 public:
  ParentCache() = default;

  // Every row in memory.
  static Result<ParentCache> InMemory(std::uint64_t n);
  // A window of `window_rows` rows in memory, the rest in an unnamed file in `dir`. REQUIRES: window_rows >= 1.
  static Result<ParentCache> InFile(const std::filesystem::path& dir, std::uint64_t n, std::uint64_t window_rows);

  ParentTable* table() { return &table_; }
  bool streamed() const { return streamed_; }

  // Computes every row from the graph (and, streamed, writes them to the file window by window).
  Status FillAll(const Graph& graph);
  // Before layer 1 labels rows [first, first + count): places the window over them.
  void Place(std::uint64_t first);
  // After layer 1 labelled them: writes rows [first, first + count) to the file (streamed).
  Status Save(std::uint64_t first, std::uint64_t count);
  // Before a layer >= 2 labels rows [first, first + count): reads them into the window (streamed).
  // REQUIRES: those rows were saved (or FillAll ran); count <= the window.
  Status Load(std::uint64_t first, std::uint64_t count);

 private:
  ParentTable table_;
  bool streamed_ = false;
  File file_;  // streamed only
};

}  // namespace cairn::proofs
