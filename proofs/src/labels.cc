// Label grammar (layout v1). For node v (0-based) in layer l (1-based):
//
//   label(l, v) := SHA-256( tag32("cairn/porep/label/v1") || replica_id:32
//                           || slot_0 || slot_1 || ... || slot_36          (37 slots of 32 bytes)
//                           || BE32(l) || BE64(v) )
//   slot_s      := P[s mod k], where P is the parent label list and k its length:
//                  l == 1: k = 6,  P = label(1, b_0) .. label(1, b_5)
//                  l >= 2: k = 14, P = label(l, b_0) .. label(l, b_5), label(l-1, e_0) .. label(l-1, e_7)
//                  b_i = base parent i of v, e_i = expander parent i of v (graph.cc); for v = 0 every base-parent
//                  label is 32 zero bytes.
//
// The message is 64 + 1184 + 12 = 1260 bytes, so SHA-256 pads it to 20 blocks:
//   block 0          tag32 || replica_id                      (the same for every label: kept as a midstate)
//   blocks 1..18     slots 0..35, two per block
//   block 19         slot_36 || BE32(l) || BE64(v) || 0x80 || 11 zero bytes || BE64(10080)   (the bit length)
// Blocks 1..18 repeat with the period of P, so they are compressed straight from the gathered parent block:
//   l == 1:  6 passes over the 3 gathered blocks (P[0..5]);          slot_36 = P[0]
//   l >= 2:  7 + 7 + 4 blocks of the 7 gathered blocks (P[0..13]);   slot_36 = P[8]
// 19 compressions per label (SDR's layout costs 20).
#include "labels.h"

#include <algorithm>
#include <cstring>

#include "cairn/core/sha256_lanes16.h"
#include "domain.h"

namespace cairn::proofs {
namespace {

constexpr std::uint64_t kMessageBits = (64 + kLabelSlots * 32 + 12) * 8;  // 10080

const std::uint8_t kZeroLabel[32] = {};

}  // namespace

void LabelFinalBlock(std::uint32_t layer, std::uint64_t v, const std::uint8_t* slot36, std::uint8_t* block) {
  std::memcpy(block, slot36, 32);
  PutBE32(block + 32, layer);
  PutBE64(block + 36, v);
  block[44] = 0x80;
  std::memset(block + 45, 0, 11);
  PutBE64(block + 56, kMessageBits);
}

LabelHasher::LabelHasher(const ReplicaId& replica_id) : midstate_(Sha256InitialState()) {
  std::uint8_t block[64];
  const Hash32 tag = Tag32(kTagLabel);
  std::memcpy(block, tag.data(), 32);
  std::memcpy(block + 32, replica_id.value().data(), 32);
  Sha256Compress(midstate_, block, 1);
}

void LabelHasher::Label(std::uint32_t layer, std::uint64_t v, const std::uint8_t* parents, std::uint8_t* out) const {
  Sha256State s = midstate_;
  alignas(64) std::uint8_t last[64];
  if (layer == 1) {
    for (int pass = 0; pass < 6; ++pass) Sha256Compress(s, parents, 3);
    LabelFinalBlock(layer, v, parents, last);
  } else {
    Sha256Compress(s, parents, 7);
    Sha256Compress(s, parents, 7);
    Sha256Compress(s, parents, 4);
    LabelFinalBlock(layer, v, parents + 8 * 32, last);
  }
  Sha256Compress(s, last, 1);
  const Hash32 h = Sha256StateBytes(s);
  std::memcpy(out, h.data(), 32);
}

Hash32 ReferenceLabel(const ReplicaId& replica_id, std::uint32_t layer, std::uint64_t v,
                      std::span<const Hash32> parents) {
  Sha256 h = TaggedHasher(kTagLabel);
  h.Update(replica_id.value().data(), 32);
  for (int s = 0; s < kLabelSlots; ++s) h.Update(parents[s % parents.size()].data(), 32);
  std::uint8_t tail[12];
  PutBE32(tail, layer);
  PutBE64(tail + 4, v);
  h.Update(tail, sizeof(tail));
  return h.Finish();
}

void GatherParentLabels(std::uint32_t layer, std::uint64_t v, const std::uint64_t* base, const std::uint64_t* exp,
                        const std::uint8_t* cur, const std::uint8_t* prev, std::uint8_t* out) {
  if (v == 0) {
    std::memset(out, 0, 32 * kBaseDegree);
  } else {
    for (int i = 0; i < kBaseDegree; ++i) std::memcpy(out + 32 * i, cur + 32 * base[i], 32);
  }
  if (layer > 1) {
    for (int i = 0; i < kExpanderDegree; ++i) std::memcpy(out + 32 * (kBaseDegree + i), prev + 32 * exp[i], 32);
  }
}

void GatherParents(const Graph& graph, std::uint32_t layer, std::uint64_t v, const std::uint8_t* cur,
                   const std::uint8_t* prev, std::uint8_t* out) {
  std::uint64_t p[kExpanderDegree];
  if (v == 0) {
    for (int i = 0; i < kBaseDegree; ++i) std::memcpy(out + 32 * i, kZeroLabel, 32);
  } else {
    graph.BaseParents(v, p);
    for (int i = 0; i < kBaseDegree; ++i) std::memcpy(out + 32 * i, cur + 32 * p[i], 32);
  }
  if (layer > 1) {
    graph.ExpanderParents(v, p);
    for (int i = 0; i < kExpanderDegree; ++i) std::memcpy(out + 32 * (kBaseDegree + i), prev + 32 * p[i], 32);
  }
}

void ComputeLayer(const Graph& graph, const LabelHasher& hasher, std::uint32_t layer, const std::uint8_t* prev,
                  std::uint8_t* cur) {
  ComputeLayerRange(graph, hasher, layer, prev, cur, 0, graph.node_count());
}

namespace {

// Nodes [begin, end) with parents computed on the fly, kAhead nodes ahead (a ring of kAhead + 1 sets), their labels
// prefetched at once, so a layer far larger than the cache has several label times to bring each parent in. When
// `fill` is non-null (layer 1), every node's expander parents are computed too and its row stored.
void LayerOnTheFly(const Graph& graph, const LabelHasher& hasher, std::uint32_t layer, const std::uint8_t* prev,
                   std::uint8_t* cur, std::uint64_t begin, std::uint64_t end, ParentTable* fill) {
  alignas(64) std::uint8_t gathered[kLaterLayerParents * 32];
  alignas(64) std::uint8_t last[64];
  constexpr int kAhead = 4;
  std::uint64_t base[kAhead + 1][kBaseDegree] = {};
  std::uint64_t exp[kAhead + 1][kExpanderDegree] = {};
  const bool need_exp = layer > 1 || fill != nullptr;
  auto prefetch_base = [&](std::uint64_t w) {
    for (int i = 1; i < kBaseDegree; ++i) __builtin_prefetch(cur + 32 * base[w % (kAhead + 1)][i]);
  };
  auto prefetch_exp = [&](std::uint64_t w, int from, int to) {
    if (layer == 1) return;
    for (int i = from; i < to; ++i) __builtin_prefetch(prev + 32 * exp[w % (kAhead + 1)][i]);
  };
  for (std::uint64_t w = begin; w < begin + kAhead && w < end; ++w) {
    if (w >= 1) graph.BaseParents(w, base[w % (kAhead + 1)]);
    if (need_exp) graph.ExpanderParents(w, exp[w % (kAhead + 1)]);
    if (fill != nullptr) fill->SetRow(w, w >= 1 ? base[w % (kAhead + 1)] : nullptr, exp[w % (kAhead + 1)]);
  }
  for (std::uint64_t v = begin; v < end; ++v) {
    const std::uint64_t* b = base[v % (kAhead + 1)];
    const std::uint64_t* e = exp[v % (kAhead + 1)];
    const std::uint64_t w = v + kAhead;  // the node whose parents are computed during this label
    const bool ahead = w < end;
    std::uint64_t* wb = base[w % (kAhead + 1)];
    std::uint64_t* we = exp[w % (kAhead + 1)];
    // Gather v's parents (node 0's base parents are zero labels).
    if (v == 0) {
      std::memset(gathered, 0, 32 * kBaseDegree);
    } else {
      for (int i = 0; i < kBaseDegree; ++i) std::memcpy(gathered + 32 * i, cur + 32 * b[i], 32);
    }
    Sha256State s = hasher.midstate();
    const int groups = layer == 1 ? 6 : 3;  // compression calls: 6 x 3 blocks (layer 1) or 7 + 7 + 4 blocks
    for (int g = 0; g < groups; ++g) {
      if (layer == 1) {
        Sha256Compress(s, gathered, 3);
      } else {
        if (g == 0) {
          for (int i = 0; i < kExpanderDegree; ++i) {
            std::memcpy(gathered + 32 * (kBaseDegree + i), prev + 32 * e[i], 32);
          }
        }
        Sha256Compress(s, gathered, g < 2 ? 7 : 4);
      }
      if (!ahead) continue;
      // Node w's parents, spread over the label so the integer work overlaps the SHA-NI latency chain.
      // Layer 1 (6 calls): base parents, then two expander parents after each of the next four calls; later layers
      // (3 calls): base parents, then four expander parents after each of the next two.
      const int exp_calls = layer == 1 ? 4 : 2;
      const int per_call = kExpanderDegree / exp_calls;
      if (g == 0) {
        graph.BaseParents(w, wb);
        prefetch_base(w);
      } else if (g <= exp_calls && need_exp) {
        const int from = (g - 1) * per_call;
        for (int i = from; i < from + per_call; ++i) we[i] = graph.ExpanderParent(w, i);
        prefetch_exp(w, from, from + per_call);
        if (g == exp_calls && fill != nullptr) fill->SetRow(w, wb, we);
      }
    }
    LabelFinalBlock(layer, v, gathered + (layer == 1 ? 0 : 8 * 32), last);
    Sha256Compress(s, last, 1);
    const Hash32 h = Sha256StateBytes(s);
    std::memcpy(cur + 32 * v, h.data(), 32);
  }
}

// Nodes [begin, end) of a layer >= 2 with parents read from the table. The parent labels of node v + kAhead are
// prefetched into L2 while v is hashed, spread over its compression calls (a burst of thirteen fills the line-fill
// buffers and stalls the hashing; measured ~2-4% faster than all at once into L1 at 16 and 64 MiB).
void LayerFromTable(const ParentTable& table, const LabelHasher& hasher, std::uint32_t layer, const std::uint8_t* prev,
                    std::uint8_t* cur, std::uint64_t begin, std::uint64_t end) {
  alignas(64) std::uint8_t gathered[kLaterLayerParents * 32];
  alignas(64) std::uint8_t last[64];
  constexpr std::uint64_t kAhead = 8;
  constexpr int kL2 = 2;  // __builtin_prefetch locality: prefetcht1
  for (std::uint64_t v = begin; v < end; ++v) {
    const std::uint32_t* q = v + kAhead < end ? table.row(v + kAhead) : nullptr;
    auto prefetch = [&](const std::uint8_t* layer_labels, int from, int to) {
      if (q == nullptr) return;
      for (int i = from; i < to; ++i) __builtin_prefetch(layer_labels + 32 * std::uint64_t{q[i]}, 0, kL2);
    };
    prefetch(cur, 1, kBaseDegree);
    const std::uint32_t* p = table.row(v);
    if (v == 0) {
      std::memset(gathered, 0, 32 * kBaseDegree);
    } else {
      for (int i = 0; i < kBaseDegree; ++i) std::memcpy(gathered + 32 * i, cur + 32 * std::uint64_t{p[i]}, 32);
    }
    for (int i = kBaseDegree; i < kParentRow; ++i) std::memcpy(gathered + 32 * i, prev + 32 * std::uint64_t{p[i]}, 32);
    Sha256State s = hasher.midstate();
    Sha256Compress(s, gathered, 7);
    prefetch(prev, kBaseDegree, kBaseDegree + kExpanderDegree / 2);
    Sha256Compress(s, gathered, 7);
    prefetch(prev, kBaseDegree + kExpanderDegree / 2, kParentRow);
    Sha256Compress(s, gathered, 4);
    LabelFinalBlock(layer, v, gathered + 8 * 32, last);
    Sha256Compress(s, last, 1);
    const Hash32 h = Sha256StateBytes(s);
    std::memcpy(cur + 32 * v, h.data(), 32);
  }
}

}  // namespace

void ComputeLayerRange(const Graph& graph, const LabelHasher& hasher, std::uint32_t layer, const std::uint8_t* prev,
                       std::uint8_t* cur, std::uint64_t begin, std::uint64_t end, ParentTable* table) {
  if (table != nullptr && layer > 1) {
    LayerFromTable(*table, hasher, layer, prev, cur, begin, end);
  } else {
    LayerOnTheFly(graph, hasher, layer, prev, cur, begin, end, table);
  }
}

void ComputeLayer4(const Graph& graph, const LabelHasher* const hashers[4], std::uint32_t layer,
                   const std::uint8_t* const prev[4], std::uint8_t* const cur[4]) {
  ComputeLayerLanes(graph, hashers, kShaNiLanes, layer, prev, cur, 0, graph.node_count());
}

void ComputeLayerLanes(const Graph& graph, const LabelHasher* const hashers[], int lanes, std::uint32_t layer,
                       const std::uint8_t* const prev[], std::uint8_t* const cur[], std::uint64_t begin,
                       std::uint64_t end, ParentTable* table) {
  if (lanes >= kMinLanes16 && Sha256HasLanes16()) {
    ComputeLayerLanes16(graph, hashers, lanes, layer, prev, cur, begin, end, table);
    return;
  }
  // Groups of four through SHA-NI; a group after the first reads the parent rows the first one filled.
  for (int first = 0; first < lanes; first += kShaNiLanes) {
    const int group = std::min(kShaNiLanes, lanes - first);
    ComputeLayerLanesShaNi(graph, hashers + first, group, layer, prev + first, cur + first, begin, end, table);
  }
}

void ComputeLayerLanesShaNi(const Graph& graph, const LabelHasher* const hashers[], int lanes, std::uint32_t layer,
                            const std::uint8_t* const prev[], std::uint8_t* const cur[], std::uint64_t begin,
                            std::uint64_t end, ParentTable* table) {
  alignas(64) std::uint8_t gathered[kShaNiLanes][kLaterLayerParents * 32];
  alignas(64) std::uint8_t last[kShaNiLanes][64];
  // Parents of the node being hashed and of the next one (computed, or read from the table, during this node).
  std::uint64_t base[kBaseDegree] = {};
  std::uint64_t exp[kExpanderDegree] = {};
  std::uint64_t next_base[kBaseDegree] = {};
  std::uint64_t next_exp[kExpanderDegree] = {};
  const bool from_table = table != nullptr && layer > 1;
  const bool fill = table != nullptr && layer == 1;
  auto load_row = [&](std::uint64_t v, std::uint64_t* b, std::uint64_t* e) {
    const std::uint32_t* r = table->row(v);
    for (int i = 0; i < kBaseDegree; ++i) b[i] = r[i];
    for (int i = 0; i < kExpanderDegree; ++i) e[i] = r[kBaseDegree + i];
  };
  if (begin < end) {
    if (from_table) {
      load_row(begin, base, exp);
    } else {
      if (begin >= 1) graph.BaseParents(begin, base);
      if (layer > 1 || fill) graph.ExpanderParents(begin, exp);
      if (fill) table->SetRow(begin, begin >= 1 ? base : nullptr, exp);
    }
  }
  // Block schedule of one label (labels.cc grammar): indices into the gathered parent blocks.
  const int period = layer == 1 ? 3 : 7;
  int schedule[18];
  for (int b = 0; b < 18; ++b) schedule[b] = b % period;
  // Spare lanes (lanes < 4) hash lane 0's blocks into states of their own; their results are dropped.
  Sha256State states[kShaNiLanes];
  Sha256State* const state_ptrs[kShaNiLanes] = {&states[0], &states[1], &states[2], &states[3]};
  const std::uint8_t* blocks[kShaNiLanes];
  for (std::uint64_t v = begin; v < end; ++v) {
    const bool has_next = v + 1 < end;
    for (int lane = 0; lane < lanes; ++lane) {
      GatherParentLabels(layer, v, base, exp, cur[lane], prev[lane], gathered[lane]);
      states[lane] = hashers[lane]->midstate();
    }
    for (int lane = lanes; lane < kShaNiLanes; ++lane) states[lane] = hashers[0]->midstate();
    for (int b = 0; b < 18; ++b) {
      for (int lane = 0; lane < kShaNiLanes; ++lane)
        blocks[lane] = gathered[lane < lanes ? lane : 0] + 64 * schedule[b];
      Sha256Compress4(state_ptrs, blocks);
      if (from_table) {
        // Parents come from the table: read the next node's row, and prefetch the parent labels of the node after
        // it (two labels ahead), spread over the blocks.
        if (b == 0 && has_next) load_row(v + 1, next_base, next_exp);
        if (b >= 2 && b < 2 + kParentRow && v + 2 < end) {
          const std::uint32_t p = table->row(v + 2)[b - 2];
          if (b - 2 >= kBaseDegree) {
            for (int lane = 0; lane < lanes; ++lane) __builtin_prefetch(prev[lane] + 32 * std::uint64_t{p});
          } else if (b - 2 >= 1) {
            for (int lane = 0; lane < lanes; ++lane) __builtin_prefetch(cur[lane] + 32 * std::uint64_t{p});
          }
        }
        continue;
      }
      if (!has_next) continue;
      // Next node's parents, spread over the label so the integer work overlaps the hashing.
      if (b == 1) {
        graph.BaseParents(v + 1, next_base);
        for (int lane = 0; lane < lanes; ++lane) {
          for (int i = 1; i < kBaseDegree; ++i) __builtin_prefetch(cur[lane] + 32 * next_base[i]);
        }
      } else if (b >= 4 && b < 4 + kExpanderDegree && (layer > 1 || fill)) {
        const int i = b - 4;
        next_exp[i] = graph.ExpanderParent(v + 1, i);
        if (layer > 1) {
          for (int lane = 0; lane < lanes; ++lane) __builtin_prefetch(prev[lane] + 32 * next_exp[i]);
        }
      } else if (b == 4 + kExpanderDegree && fill) {
        table->SetRow(v + 1, next_base, next_exp);
      }
    }
    for (int lane = 0; lane < kShaNiLanes; ++lane) {
      const int src = lane < lanes ? lane : 0;
      LabelFinalBlock(layer, v, gathered[src] + (layer == 1 ? 0 : 8 * 32), last[lane]);
      blocks[lane] = last[lane];
    }
    Sha256Compress4(state_ptrs, blocks);
    for (int lane = 0; lane < lanes; ++lane) {
      const Hash32 h = Sha256StateBytes(states[lane]);
      std::memcpy(cur[lane] + 32 * v, h.data(), 32);
    }
    std::memcpy(base, next_base, sizeof(base));
    std::memcpy(exp, next_exp, sizeof(exp));
  }
}

}  // namespace cairn::proofs
