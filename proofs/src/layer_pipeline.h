// The labelling loop of a seal (or an unseal): layers start+1 .. L of one to sixteen shards of the same node count,
// computed on the calling thread in chunks of 1 MiB of labels per shard. Each finished chunk is, while still in cache,
// appended to its shard's layer file, whose write-back starts at once. A finished layer's commit (fsync, rename,
// state: the disk waits) goes through the Committer (committer.h): on its helper thread as soon as the layer is done,
// or inline a quarter of the way into the next layer, when the disk has long caught up. One shard runs the
// single-lane kernel (ComputeLayerRange); two or more run interleaved through ComputeLayerLanes (four SHA-NI lanes, or
// sixteen AVX-512 lanes from nine shards on).
// Both read the parents of layers >= 2 from a parent table that layer 1 fills (parent_cache.h), streamed one chunk at
// a time through an unnamed file in a directory the caller names (a seal: the first lane's scratch directory; an
// unseal: beside its output).
// Column hashes are not computed here: the caller streams them from the layer files afterwards (column_hasher.h),
// through the read handles this loop leaves in each lane.
//
// Memory: the lanes' two layers each (prev, cur) plus one chunk of parent rows (1.75 MiB; n * 56 bytes when the
// table is kept in memory), whatever the layer count.
//
// Crash safety is Seal's (seal.h): a state names only a layer whose file is durable; a stop or crash before a layer
// is committed only costs recomputing it.
//
// Thread-safety: none; every object involved belongs to the one call.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

#include "cairn/core/status.h"
#include "committer.h"
#include "file_io.h"
#include "graph.h"
#include "labels.h"
#include "node_buffer.h"
#include "seal_files.h"

namespace cairn::proofs {

// Nodes per chunk (1 MiB of labels per shard).
inline constexpr std::uint64_t kChunkNodes = std::uint64_t{1} << 15;

// One shard's part of a labelling run.
struct SealLane {
  const LabelHasher* hasher = nullptr;
  // prev holds layer `start` (when start >= 1) on entry and layer L on success; cur is scratch space (allocated when
  // empty).
  NodeBuffer prev;
  NodeBuffer cur;
  std::filesystem::path scratch_dir;  // where layer files and the state go (when a committer is given)
  SealState state;                    // recorded, with layers_done set, as each layer is committed
  // Read handles of the layer files, layer l at [l - 1]: LabelLayers sets one for every layer file it creates (it
  // reads the file whether or not the commit has renamed it yet); a resumed caller supplies layers 1..start.
  std::vector<File> layer_files;
};

// Labels layers start+1 .. layers for every lane, writing layer files and states through `committer` (none when it
// is null: an unseal). When stop_after_layer is in that range, returns kCancelled once that layer is durable. Layer L
// is submitted but maybe not yet durable on return: the caller drains the committer. The parent table streams
// through an unnamed file in `parents_dir`, or stays in memory when parents_dir is empty. `chunk_nodes` is for tests
// (small chunks exercise the chunk and commit logic cheaply).
// REQUIRES: 1 <= lanes.size() <= kMaxLanes; every lane's non-empty buffers hold graph.node_count() * 32 bytes, prev
// holding layer `start` when start >= 1; chunk_nodes >= 1.
Status LabelLayers(const Graph& graph, std::uint32_t layers, std::uint32_t start, std::uint32_t stop_after_layer,
                   std::span<SealLane> lanes, Committer* committer, const std::filesystem::path& parents_dir,
                   std::uint64_t chunk_nodes = kChunkNodes);

}  // namespace cairn::proofs
