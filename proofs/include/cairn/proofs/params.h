// Seal parameters: the one table every proof-of-replication algorithm reads, and the params id that names it in the
// network file. Two nodes agree on a graph, a label layout and challenge counts exactly when their params ids match.
//
// Thread-safety: plain values; free functions are reentrant.
#pragma once

#include <cstdint>

#include "cairn/core/bytes.h"
#include "cairn/core/ids.h"
#include "cairn/core/status.h"

namespace cairn::proofs {

struct ParamsIdTag {};
// SHA-256 over every field of SealParams (grammar in params.cc).
using ParamsId = StrongType<Hash32, ParamsIdTag>;

// Limits enforced by SealParams::Validate and by every parser that reads a count.
inline constexpr std::uint32_t kMinLayers = 2;
inline constexpr std::uint32_t kMaxLayers = 15;
inline constexpr std::uint32_t kMaxSealChallenges = 4096;
inline constexpr std::uint32_t kMaxStorageChallenges = 1024;
// A shard has at most 2^32 nodes of 32 bytes (128 GiB); node indices then fit the graph's 64-bit arithmetic.
inline constexpr std::uint64_t kMaxNodeCount = std::uint64_t{1} << 32;
inline constexpr std::uint64_t kMaxShardBytes = kMaxNodeCount * kNodeSize;

struct SealParams {
  std::uint32_t node_size = 32;           // bytes per node; only 32 is defined
  std::uint32_t layers = 11;              // labelling layers, kMinLayers..kMaxLayers
  std::uint32_t base_degree = 6;          // DRG parents in the same layer (parent 0 = v-1); only 6 is defined
  std::uint32_t expander_degree = 8;      // parents in the previous layer; only 8 is defined
  std::uint32_t label_layout = 1;         // version of the label grammar in labels.cc; only 1 is defined
  std::uint32_t seal_challenges = 176;    // nodes opened by one seal proof, 1..kMaxSealChallenges
  std::uint32_t storage_challenges = 20;  // leaves opened by one storage proof, 1..kMaxStorageChallenges

  // OK when every field is in its defined range.
  Status Validate() const;
  // The params id. Defined for any field values (Validate first if they came from outside).
  ParamsId Id() const;
};

// Nodes in a shard of `data_size` bytes (zero-padded to a whole node). Fails for 0 or more than kMaxShardBytes.
Result<std::uint64_t> NodeCountForSize(std::uint64_t data_size);

}  // namespace cairn::proofs
