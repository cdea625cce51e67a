// Sixteen shards' labels per pass of the sixteen-lane SHA-256 chain (cairn/core/sha256_lanes16.h): lane i hashes
// shard i's label of the same node, so the lanes share the parent indices (computed, or read from the parent table)
// and every label's block schedule (labels.cc grammar). Per node, the seven (layer 1: three) distinct blocks of two
// parent labels are read in place and transposed once into lane-major words, with the final blocks, and the 19
// compressions run from them; the parent labels of the node two ahead are prefetched a few between compressions.
// Measured against copying each lane's parents into a contiguous block first: the same speed (bench/proofs_lanes16.cc),
// one copy fewer.
#include <cstring>

#include "cairn/core/sha256_lanes16.h"
#include "labels.h"

namespace cairn::proofs {
namespace {

constexpr int kLanes16 = kSha256Lanes16;
constexpr int kGatheredBlocks = kLaterLayerParents / 2;  // 7
const std::uint8_t kZeroLabel[32] = {};
constexpr int kCompressions = 19;  // per label
// Nodes between the one hashed and the one whose parent labels are prefetched meanwhile (a node takes ~5-8 us).
constexpr std::uint64_t kAhead = 2;
constexpr std::uint64_t kRing = kAhead + 1;

}  // namespace

void ComputeLayerLanes16(const Graph& graph, const LabelHasher* const hashers[], int lanes, std::uint32_t layer,
                         const std::uint8_t* const prev[], std::uint8_t* const cur[], std::uint64_t begin,
                         std::uint64_t end, ParentTable* table) {
  const std::uint8_t* label[kLanes16][kLaterLayerParents];
  alignas(64) std::uint8_t last[kLanes16][64];
  Sha256Blocks16 blocks[kGatheredBlocks + 1];  // the gathered blocks, then the final block
  const std::uint8_t* next_labels[kLanes16 * kLaterLayerParents];
  const bool from_table = table != nullptr && layer > 1;
  const bool fill = table != nullptr && layer == 1;
  const bool need_exp = layer > 1 || fill;
  // Block schedule of one label: 6 x (0, 1, 2) or (0..6), (0..6), (0..3); then the final block.
  const int period = layer == 1 ? 3 : kGatheredBlocks;
  const int final_index = period;
  std::uint8_t order[kCompressions];
  for (int b = 0; b < 18; ++b) order[b] = static_cast<std::uint8_t>(b % period);
  order[18] = static_cast<std::uint8_t>(final_index);
  Sha256States16 midstates;
  for (int lane = 0; lane < kLanes16; ++lane)
    Sha256SetLane(midstates, lane, hashers[lane < lanes ? lane : 0]->midstate());
  // Spare lanes (lanes < 16) hash lane 0's blocks; their results are dropped.
  const std::uint8_t* first[kLanes16];
  const std::uint8_t* second[kLanes16];
  auto parents_of = [&](std::uint64_t v, std::uint64_t* b, std::uint64_t* e) {
    if (from_table) {
      const std::uint32_t* r = table->row(v);
      for (int i = 0; i < kBaseDegree; ++i) b[i] = r[i];
      for (int i = 0; i < kExpanderDegree; ++i) e[i] = r[kBaseDegree + i];
      return;
    }
    if (v >= 1) graph.BaseParents(v, b);
    if (need_exp) graph.ExpanderParents(v, e);
    if (fill) table->SetRow(v, v >= 1 ? b : nullptr, e);
  };
  // Parent indices of nodes v .. v + kAhead in a ring: node w's at ring[w % kRing].
  std::uint64_t base[kRing][kBaseDegree] = {}, exp[kRing][kExpanderDegree] = {};
  for (std::uint64_t w = begin; w < end && w < begin + kAhead; ++w) parents_of(w, base[w % kRing], exp[w % kRing]);
  for (std::uint64_t v = begin; v < end; ++v) {
    // Parent label j of lane l at label[l][j]: straight from the layers, no copy (spare lanes use lane 0's).
    const std::uint64_t* vb = base[v % kRing];
    const std::uint64_t* ve = exp[v % kRing];
    for (int lane = 0; lane < lanes; ++lane) {
      for (int i = 0; i < kBaseDegree; ++i) label[lane][i] = v == 0 ? kZeroLabel : cur[lane] + 32 * vb[i];
      if (layer > 1) {
        for (int i = 0; i < kExpanderDegree; ++i) label[lane][kBaseDegree + i] = prev[lane] + 32 * ve[i];
      }
      LabelFinalBlock(layer, v, label[lane][layer == 1 ? 0 : 8], last[lane]);
    }
    for (int k = 0; k < period; ++k) {
      for (int lane = 0; lane < kLanes16; ++lane) {
        first[lane] = label[lane < lanes ? lane : 0][std::ptrdiff_t{2} * k];
        second[lane] = label[lane < lanes ? lane : 0][2 * k + 1];
      }
      Sha256LoadBlocks16(first, second, blocks[k]);
    }
    for (int lane = 0; lane < kLanes16; ++lane) first[lane] = last[lane < lanes ? lane : 0];
    Sha256LoadBlocks16(first, blocks[final_index]);
    // The parent labels of node w = v + kAhead are prefetched a few at a time between the compressions: a burst of
    // all of them would fill the line-fill buffers and stall the hashing. (Its base parents near w are not computed
    // yet; prefetching their lines is harmless.)
    const std::uint64_t w = v + kAhead;
    int ahead = 0;
    if (w < end) {
      const std::uint64_t* wb = base[w % kRing];
      const std::uint64_t* we = exp[w % kRing];
      parents_of(w, base[w % kRing], exp[w % kRing]);
      for (int lane = 0; lane < lanes; ++lane) {
        for (int i = 1; i < kBaseDegree; ++i) next_labels[ahead++] = cur[lane] + 32 * wb[i];
        if (layer == 1) continue;
        for (int i = 0; i < kExpanderDegree; ++i) next_labels[ahead++] = prev[lane] + 32 * we[i];
      }
    }
    Sha256States16 s = midstates;
    int issued = 0;
    for (int j = 0; j < kCompressions; ++j) {
      const int until = ahead * (j + 1) / kCompressions;
      for (; issued < until; ++issued) __builtin_prefetch(next_labels[issued]);
      Sha256CompressChain16(s, blocks, order + j, 1);
    }
    for (int lane = 0; lane < lanes; ++lane) {
      const Hash32 h = Sha256StateBytes(Sha256GetLane(s, lane));
      std::memcpy(cur[lane] + 32 * v, h.data(), 32);
    }
  }
}

}  // namespace cairn::proofs
