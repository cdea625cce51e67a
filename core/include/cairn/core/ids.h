// Strong types for ids and units, so a DealId cannot be passed where a ShardId is expected.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>

#include "cairn/core/bytes.h"

namespace cairn {

template <typename T, typename Tag>
class StrongType {
 public:
  constexpr StrongType() = default;
  constexpr explicit StrongType(T v) : v_(v) {}
  constexpr const T& value() const { return v_; }
  friend constexpr auto operator<=>(const StrongType&, const StrongType&) = default;

 private:
  T v_{};
};

struct ShardIdTag {};
struct DealIdTag {};
struct EpochTag {};
struct NodeIndexTag {};

// A shard is named by its comm_d: the Merkle root over its 32-byte nodes.
using ShardId = StrongType<Hash32, ShardIdTag>;
// A deal is named by a hash of its signed proposal.
using DealId = StrongType<Hash32, DealIdTag>;
using Epoch = StrongType<std::uint64_t, EpochTag>;
using NodeIndex = StrongType<std::uint64_t, NodeIndexTag>;

inline constexpr std::size_t kNodeSize = 32;  // bytes in a Merkle / seal node

}  // namespace cairn
