// Seal labels: the hash that every node of every layer costs, laid out so that one label is 19 raw SHA-256
// compressions on a caller-gathered block of parent labels (no allocation, no library call overhead), plus a
// plain reference twin computed straight from the grammar with the streaming hasher (cross-checked in tests).
//
// Thread-safety: a LabelHasher is immutable after construction; share it freely.
#pragma once

#include <cstdint>
#include <span>

#include "cairn/core/bytes.h"
#include "cairn/core/sha256.h"
#include "cairn/proofs/replica_id.h"
#include "graph.h"
#include "parent_table.h"

namespace cairn::proofs {

inline constexpr int kLabelSlots = 37;
inline constexpr int kLayerOneParents = kBaseDegree;                      // 6
inline constexpr int kLaterLayerParents = kBaseDegree + kExpanderDegree;  // 14

class LabelHasher {
 public:
  explicit LabelHasher(const ReplicaId& replica_id);

  // Computes label(layer, v) into out[0..32).
  // `parents` holds the parent labels back to back in grammar order: kLayerOneParents labels when layer == 1,
  // kLaterLayerParents otherwise (base parents of this layer, then expander parents of the previous one).
  // REQUIRES: layer >= 1; parents points to 32 * (6 or 14) bytes.
  void Label(std::uint32_t layer, std::uint64_t v, const std::uint8_t* parents, std::uint8_t* out) const;

  // The SHA-256 state after the first block (tag32 || replica_id), shared by every label of the replica.
  const Sha256State& midstate() const { return midstate_; }

 private:
  Sha256State midstate_;  // after the first block: tag32 || replica_id
};

// Writes the last block of a label's message (grammar in labels.cc): slot_36 || BE32(layer) || BE64(v) || padding.
// REQUIRES: slot36 points to 32 bytes, block to 64.
void LabelFinalBlock(std::uint32_t layer, std::uint64_t v, const std::uint8_t* slot36, std::uint8_t* block);

// The reference twin: the same label from the grammar, one Update per field. `parents` in grammar order.
Hash32 ReferenceLabel(const ReplicaId& replica_id, std::uint32_t layer, std::uint64_t v,
                      std::span<const Hash32> parents);

// Copies the parent labels of node v into `out` (grammar order, 32 bytes each). `cur` is the layer being computed
// (only nodes < v are read), `prev` the previous layer (nullptr when layer == 1). Node 0's base parents are zero
// labels.
void GatherParents(const Graph& graph, std::uint32_t layer, std::uint64_t v, const std::uint8_t* cur,
                   const std::uint8_t* prev, std::uint8_t* out);

// The same from parent indices already known: base[0..6) (unused when v == 0), exp[0..8) (unused when layer == 1).
void GatherParentLabels(std::uint32_t layer, std::uint64_t v, const std::uint64_t* base, const std::uint64_t* exp,
                        const std::uint8_t* cur, const std::uint8_t* prev, std::uint8_t* out);

// Computes a whole layer: cur[v] = label(layer, v) for v = 0..n-1 in order. The parent indices of node v + 4 are
// computed between node v's compression calls (so the integer work overlaps the SHA-NI latency chain) and their
// labels prefetched at once.
// REQUIRES: cur and prev (when layer > 1) each hold graph.node_count() * 32 bytes.
void ComputeLayer(const Graph& graph, const LabelHasher& hasher, std::uint32_t layer, const std::uint8_t* prev,
                  std::uint8_t* cur);

// The same for nodes [begin, end) only, so that a caller can work on each finished range (write it out, hash its
// columns) while the labels are still in cache. Calling it for consecutive ranges that cover [0, n) equals
// ComputeLayer. With a parent table (parent_table.h): layer 1 fills rows [begin, end) as a by-product (the integer
// work hides behind the hashing), and a later layer reads its parents from rows [begin, end) instead of computing
// them, which makes it ~7% faster.
// REQUIRES: as ComputeLayer; begin <= end <= n; cur[0 .. begin) already holds this layer's labels; when layer > 1
// and table is non-null, its rows [begin, end) are filled and table->node_count() == n.
void ComputeLayerRange(const Graph& graph, const LabelHasher& hasher, std::uint32_t layer, const std::uint8_t* prev,
                       std::uint8_t* cur, std::uint64_t begin, std::uint64_t end, ParentTable* table = nullptr);

// The most shards ComputeLayerLanes labels together, and the fewest it sends through the sixteen-lane kernel.
inline constexpr int kMaxLanes = 16;
inline constexpr int kShaNiLanes = 4;
// A sixteen-lane pass costs the same whatever the lane count; groups of four SHA-NI lanes cost per group. Measured
// on the Intel machine of issue 4 (bench/proofs_lanes16.cc, 4 MiB shards, same run, CPU time): 8 lanes 1.79 M
// labels/s in SHA-NI groups against 1.50 M in sixteen lanes, 10 lanes 1.42 M against 1.88 M.
inline constexpr int kMinLanes16 = 9;

// Up to sixteen shards of the same node count (hence one graph) labelled at once on one core: lane i < lanes computes
// nodes [begin, end) of layer `layer` of shard i with hashers[i], prev[i] and cur[i]; the result equals
// ComputeLayerRange per lane. The lanes share the parent indices (and the table, used as in ComputeLayerRange).
// Dispatch: kMinLanes16 or more lanes on a CPU with AVX-512 run ComputeLayerLanes16; otherwise groups of up to four
// run ComputeLayerLanesShaNi one after the other.
// REQUIRES: 1 <= lanes <= kMaxLanes; as ComputeLayerRange for every lane i < lanes (entries >= lanes are unused).
void ComputeLayerLanes(const Graph& graph, const LabelHasher* const hashers[], int lanes, std::uint32_t layer,
                       const std::uint8_t* const prev[], std::uint8_t* const cur[], std::uint64_t begin,
                       std::uint64_t end, ParentTable* table = nullptr);

// Up to four lanes through Sha256Compress4, which hides SHA-NI latency. With fewer than four lanes the spare lanes
// hash throwaway copies of lane 0. REQUIRES: as ComputeLayerLanes, with lanes <= kShaNiLanes.
void ComputeLayerLanesShaNi(const Graph& graph, const LabelHasher* const hashers[], int lanes, std::uint32_t layer,
                            const std::uint8_t* const prev[], std::uint8_t* const cur[], std::uint64_t begin,
                            std::uint64_t end, ParentTable* table = nullptr);

// Up to sixteen lanes through the sixteen-lane chain (labels_lanes16.cc; AVX-512 when the CPU has it, portable
// otherwise). A pass costs the same whatever the lane count (spare lanes hash copies of lane 0), so it pays from about
// kMinLanes16 lanes on. REQUIRES: as ComputeLayerLanes.
void ComputeLayerLanes16(const Graph& graph, const LabelHasher* const hashers[], int lanes, std::uint32_t layer,
                         const std::uint8_t* const prev[], std::uint8_t* const cur[], std::uint64_t begin,
                         std::uint64_t end, ParentTable* table = nullptr);

// Four lanes over a whole layer: ComputeLayerLanes(graph, hashers, 4, layer, prev, cur, 0, n).
void ComputeLayer4(const Graph& graph, const LabelHasher* const hashers[4], std::uint32_t layer,
                   const std::uint8_t* const prev[4], std::uint8_t* const cur[4]);

}  // namespace cairn::proofs
