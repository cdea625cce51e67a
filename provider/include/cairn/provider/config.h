// ProviderConfig: what a provider operator chose at `cairn-provider init` (capacity, price, largest shard taken),
// kept as a small text file in the data dir, and the byte-size syntax ("10G", "512MiB") the CLI accepts.
//
// Thread-safety: plain values and reentrant functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cairn/core/env.h"
#include "cairn/core/status.h"

namespace cairn::provider {

inline constexpr std::uint64_t kMinCapacity = std::uint64_t{1} << 20;        // 1 MiB
inline constexpr std::uint64_t kMaxCapacity = std::uint64_t{1} << 50;        // 1 PiB
inline constexpr std::uint64_t kMaxPrice = std::uint64_t{1} << 40;           // per GiB-epoch, in the network's unit
inline constexpr std::uint64_t kMaxShardSizeLimit = std::uint64_t{1} << 36;  // 64 GiB: no shard is ever larger
inline constexpr std::uint64_t kDefaultMaxShardSize = std::uint64_t{1} << 30;
inline constexpr std::size_t kMaxConfigFileBytes = 16 << 10;

struct ProviderConfig {
  std::uint64_t capacity = 0;                           // bytes of shards this provider may hold (incl. reserved)
  std::uint64_t price = 1;                              // smallest price accepted, per GiB-epoch
  std::uint64_t max_shard_size = kDefaultMaxShardSize;  // bytes; larger proposals are refused ("size")

  // kInvalidArgument naming the field when a value is out of range.
  Status Validate() const;
  // The file form (grammar at the top of config.cc).
  std::string Serialize() const;
  // kInvalidArgument naming the line for a syntax error, an unknown or repeated key, a missing key, or a value out
  // of range. Refuses more than kMaxConfigFileBytes.
  static Result<ProviderConfig> Parse(std::string_view text);
  static Result<ProviderConfig> Load(Env* env, const std::string& path);
  // Written atomically and durably.
  Status Save(Env* env, const std::string& path) const;
};

// "1048576", "64K", "16M", "10G", "1T" (powers of 1024; an optional "iB" or "B" suffix, any case). kInvalidArgument
// for anything else or a value above 2^62.
Result<std::uint64_t> ParseByteSize(std::string_view text);
// For people: 17179869184 -> "16.0 GiB", 1536 -> "1.5 KiB", 12 -> "12 B".
std::string FormatByteSize(std::uint64_t bytes);

}  // namespace cairn::provider
