#include "layer_pipeline.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "file_io.h"
#include "parent_cache.h"

namespace cairn::proofs {
namespace {

// The commit of layer `layer` of every lane: its staged files, then each lane's state naming it.
CommitJob LayerJob(std::vector<StagedFile> files, std::span<SealLane> lanes, std::uint32_t layer) {
  CommitJob job;
  job.files = std::move(files);
  for (SealLane& lane : lanes) {
    lane.state.layers_done = layer;
    job.records.emplace_back(StatePath(lane.scratch_dir), EncodeSealState(lane.state));
  }
  return job;
}

}  // namespace

Status LabelLayers(const Graph& graph, std::uint32_t layers, std::uint32_t start, std::uint32_t stop_after_layer,
                   std::span<SealLane> lanes, Committer* committer, const std::filesystem::path& parents_dir,
                   std::uint64_t chunk_nodes) {
  const int k = static_cast<int>(lanes.size());
  if (k < 1 || k > kMaxLanes) return Status::InvalidArgument("label layers: 1 to 16 lanes");
  if (chunk_nodes == 0) return Status::InvalidArgument("label layers: empty chunks");
  const std::uint64_t n = graph.node_count();
  const bool files = committer != nullptr;
  // Each chunk is appended to its layer file (a page-cache copy of labels still in cache; ProveSeal reads the layers
  // back soon after the seal). The commit (fsync, rename, state) waits for the disk: a helper runs it as soon as the
  // layer is done, and its fsync does the write-back; inline, each append starts its write-back at once (which costs
  // this thread the file system's block allocation) and the commit runs a quarter of the way into the next layer,
  // when the disk has long caught up.
  const bool background = files && committer->background();
  const std::uint64_t chunks = (n + chunk_nodes - 1) / chunk_nodes;
  const std::uint64_t commit_chunk = chunks / 4;  // inline: when the previous layer is committed
  const LabelHasher* hashers[kMaxLanes] = {};
  for (int i = 0; i < k; ++i) hashers[i] = lanes[i].hasher;
  // Layer 1 fills the parent table as it goes; a run that starts later computes it first.
  ParentCache parents;
  if (start < layers) {
    if (parents_dir.empty()) {
      CAIRN_ASSIGN_OR_RETURN(parents, ParentCache::InMemory(n));
    } else {
      CAIRN_ASSIGN_OR_RETURN(parents, ParentCache::InFile(parents_dir, n, chunk_nodes));
    }
    if (start >= 1) CAIRN_RETURN_IF_ERROR(parents.FillAll(graph));
  }
  ParentTable* const table = parents.table();
  std::vector<StagedFile> pending;  // layer pending_layer's files, appended but not committed
  std::uint32_t pending_layer = 0;
  for (std::uint32_t l = start + 1; l <= layers; ++l) {
    const std::uint8_t* prev[kMaxLanes] = {};
    std::uint8_t* cur[kMaxLanes] = {};
    std::vector<StagedFile> writing;
    for (int i = 0; i < k; ++i) {
      SealLane& lane = lanes[i];
      if (lane.cur.data() == nullptr) {
        CAIRN_ASSIGN_OR_RETURN(lane.cur, NodeBuffer::Allocate(n * 32));
      }
      prev[i] = l > 1 ? lane.prev.data() : nullptr;
      cur[i] = lane.cur.data();
      if (files) {
        CAIRN_ASSIGN_OR_RETURN(StagedFile f, StagedFile::Create(LayerPath(lane.scratch_dir, l)));
        if (lane.layer_files.size() < l) lane.layer_files.resize(l);
        CAIRN_ASSIGN_OR_RETURN(lane.layer_files[l - 1], f.OpenReader());
        writing.push_back(std::move(f));
      }
    }
    for (std::uint64_t c = 0; c < chunks; ++c) {
      const std::uint64_t first = c * chunk_nodes;
      const std::uint64_t count = std::min(chunk_nodes, n - first);
      if (l == 1) {
        parents.Place(first);
      } else {
        CAIRN_RETURN_IF_ERROR(parents.Load(first, count));
      }
      if (k == 1) {
        ComputeLayerRange(graph, *hashers[0], l, prev[0], cur[0], first, first + count, table);
      } else {
        ComputeLayerLanes(graph, hashers, k, l, prev, cur, first, first + count, table);
      }
      if (l == 1) CAIRN_RETURN_IF_ERROR(parents.Save(first, count));
      for (int i = 0; i < k; ++i) {
        const std::uint8_t* labels = cur[i] + 32 * first;
        if (files) CAIRN_RETURN_IF_ERROR(writing[i].Append(ByteSpan(labels, count * 32), !background));
      }
      if (pending_layer != 0 && c == commit_chunk) {
        CAIRN_RETURN_IF_ERROR(committer->Submit(LayerJob(std::move(pending), lanes, pending_layer)));
        pending_layer = 0;
      }
    }
    for (SealLane& lane : lanes) std::swap(lane.prev, lane.cur);
    if (!files) continue;
    if (background || l == stop_after_layer || l == layers) {
      CAIRN_RETURN_IF_ERROR(committer->Submit(LayerJob(std::move(writing), lanes, l)));
    } else {
      pending = std::move(writing);
      pending_layer = l;
    }
    if (l == stop_after_layer) {
      CAIRN_RETURN_IF_ERROR(committer->Drain());
      return Status::Cancelled("seal stopped after layer " + std::to_string(l));
    }
  }
  return Status::Ok();
}

}  // namespace cairn::proofs
