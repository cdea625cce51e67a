// The network file: the small text file that defines a cairn network (its id, the DHT nodes to bootstrap from, the
// default erasure code, segment size, epoch, seal and challenge parameters). Every client and provider of a network
// loads the same file; the devnet launcher writes one.
//
// Format, version 1 (grammar and limits in network.cc):
//   # a comment
//   network_id = devnet
//   bootstrap = 127.0.1.1:6881, 127.0.2.1:6881
//   k = 4
//   ...
// One "key = value" per line; blank lines and lines starting with '#' are ignored; unknown or repeated keys are
// refused; every value is range-checked; errors name the line. network_id is required, every other key defaults to
// the devnet value below.
//
// Thread-safety: NetworkConfig is a plain value; the functions are reentrant.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/core/endpoint.h"
#include "cairn/core/env.h"
#include "cairn/core/status.h"

namespace cairn {

inline constexpr std::size_t kMaxNetworkFileBytes = 64 << 10;
inline constexpr std::size_t kMaxNetworkFileLineBytes = 4096;
inline constexpr std::size_t kMaxNetworkIdBytes = 64;
inline constexpr std::size_t kMaxBootstrapNodes = 64;

// Value ranges enforced by Parse and Validate (inclusive).
inline constexpr int kMaxErasureTotal = 255;  // k + m (ISA-L's GF(2^8) limit)
inline constexpr std::uint64_t kMinSegmentSize = 4096;
inline constexpr std::uint64_t kMaxSegmentSize = std::uint64_t{16} << 30;
inline constexpr std::uint64_t kMaxEpochSeconds = 7 * 24 * 3600;
inline constexpr int kMaxSealLayers = 64;
inline constexpr int kMaxChallenges = 1000;
inline constexpr std::uint64_t kMaxDeadlineMs = 10 * 60 * 1000;
inline constexpr int kMaxFaultsBeforeRepair = 100;

struct NetworkConfig {
  // [A-Za-z0-9._-], 1..kMaxNetworkIdBytes characters. Signed into every control message ("net").
  std::string network_id;
  // DHT nodes to bootstrap from: IP literals with a non-zero port; at most kMaxBootstrapNodes.
  std::vector<Endpoint> bootstrap;
  int k = 4;                              // data shards per segment, >= 1
  int m = 2;                              // parity shards per segment, >= 0; k + m <= kMaxErasureTotal
  std::uint64_t segment_size = 64 << 20;  // plaintext bytes per segment, kMin..kMaxSegmentSize
  std::uint64_t epoch_seconds = 10;       // 1..kMaxEpochSeconds
  int seal_layers = 11;                   // 1..kMaxSealLayers
  int challenges = 20;                    // storage challenges per shard per epoch, 1..kMaxChallenges
  std::uint64_t deadline_ms = 500;        // proof response deadline, 1..kMaxDeadlineMs
  int faults_before_repair = 3;           // consecutive faults, 1..kMaxFaultsBeforeRepair

  // The devnet defaults of the design's table with the given id.
  static NetworkConfig Devnet(std::string network_id);
  // The production defaults of the design's table (10 + 4, 1 GiB segments, 1 h epochs, 1 s deadline).
  static NetworkConfig Production(std::string network_id);

  // Parses the text form. kInvalidArgument naming the line ("line 3: ...") for anything malformed, unknown,
  // repeated or out of range; kResourceExhausted when the text exceeds kMaxNetworkFileBytes or a line
  // kMaxNetworkFileLineBytes.
  static Result<NetworkConfig> Parse(std::string_view text);
  // Reads and parses a network file of at most kMaxNetworkFileBytes; errors are prefixed with the path.
  static Result<NetworkConfig> Load(Env* env, const std::string& path);

  // The text form, every key written, in a fixed order; Parse(Serialize()) == *this for a valid config.
  std::string Serialize() const;
  // kInvalidArgument naming the first field out of range.
  Status Validate() const;

  friend bool operator==(const NetworkConfig&, const NetworkConfig&) = default;
};

// The DHT rendezvous key under which providers of a network announce their control port:
// SHA-1("cairn/providers/" || network_id), 20 bytes (a BitTorrent info-hash sized key). kInternal only if OpenSSL
// cannot compute SHA-1 (e.g. a FIPS-only provider configuration).
using RendezvousKey = std::array<std::uint8_t, 20>;
Result<RendezvousKey> ProviderRendezvousKey(std::string_view network_id);

// True when `id` is a valid network id (see NetworkConfig::network_id).
bool IsValidNetworkId(std::string_view id);

}  // namespace cairn
