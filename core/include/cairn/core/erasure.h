// Reed-Solomon erasure coding over GF(2^8) with ISA-L, Cauchy generator matrix: k data shards + m parity shards,
// any k of the k+m rebuild the rest. ISA-L checks no argument; this wrapper checks every one.
//
// Thread-safety: Encode is const and may run on many threads at once. Decode caches decode tables per erasure
// pattern behind a mutex and may also be called from many threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "cairn/core/status.h"

namespace cairn {

class ErasureCoder {
 public:
  // Decode tables are cached for at most this many (present, want) patterns; past it one entry is evicted.
  static constexpr std::size_t kMaxCachedPatterns = 64;

  // 1 <= k, 0 <= m, k + m <= 255.
  static Result<std::unique_ptr<ErasureCoder>> Create(int k, int m);

  int k() const { return k_; }
  int m() const { return m_; }

  // Computes the m parity buffers from the k data buffers, each `len` bytes. Buffers must not overlap.
  // REQUIRES: len <= INT_MAX (ISA-L takes an int); len == 0 does nothing.
  Status Encode(std::span<const std::uint8_t* const> data, std::span<std::uint8_t* const> parity,
                std::size_t len) const;

  // Rebuilds shards from any k present ones. `present_index` are k distinct shard indices in [0, k+m) (data shards
  // are 0..k-1, parity k..k+m-1) with their buffers in `present`; `want_index` are the shards to rebuild (any
  // indices not present, data or parity) written to `out`. Each buffer is `len` bytes.
  // More than k present shards may be given; only the first k are read.
  Status Decode(std::span<const int> present_index, std::span<const std::uint8_t* const> present,
                std::span<const int> want_index, std::span<std::uint8_t* const> out, std::size_t len) const;

  // Number of decode patterns currently cached (for tests).
  std::size_t cached_patterns() const;

  ~ErasureCoder();

 private:
  using Tables = std::vector<std::uint8_t>;
  ErasureCoder(int k, int m);
  // Builds (or finds in the cache) the expanded tables that map the first k present shards to the wanted ones.
  Result<std::shared_ptr<const Tables>> DecodeTables(std::span<const int> present_index,
                                                     std::span<const int> want_index) const;

  int k_;
  int m_;
  std::vector<std::uint8_t> matrix_;      // (k+m) x k generator (Cauchy), rows 0..k-1 are identity
  std::vector<std::uint8_t> enc_tables_;  // ec_init_tables of the parity rows
  mutable std::mutex mu_;
  // Keyed by (present[0..k)..., -1, want...) -> decode rows expanded to ISA-L tables. Guarded by mu_.
  mutable std::map<std::vector<int>, std::shared_ptr<const Tables>> decode_cache_;
};

}  // namespace cairn
