// The network file, version 1.
//
// Grammar (UTF-8 text; a line ends at '\n', one trailing '\r' is dropped):
//   file    := line*                                   -- at most kMaxNetworkFileBytes in all
//   line    := ws* ( comment | entry )? ws*            -- at most kMaxNetworkFileLineBytes; ws := ' ' | '\t'
//   comment := '#' any*                                -- whole lines only: '#' after a value is part of the value
//   entry   := key ws* '=' ws* value
//   key     := network_id | bootstrap | k | m | segment_size | epoch_seconds | seal_layers | challenges
//            | deadline_ms | faults_before_repair      -- each at most once; network_id required
//   value   := id | endpoints | uint
//   id      := [A-Za-z0-9._-]{1,64}
//   endpoints := ( endpoint ( ws* ',' ws* endpoint )* )?  -- ip:port or [ipv6]:port, port != 0, at most 64, distinct
//   uint    := [0-9]{1,20}                              -- then range-checked per key (network.h)
// No other byte than printable ASCII and tab may appear.
//
// Rendezvous key: SHA-1 over the bytes "cairn/providers/" followed by the network id bytes.
#include "cairn/core/network.h"

#include <openssl/evp.h>

#include <charconv>
#include <cstring>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "openssl_error.h"

namespace cairn {
namespace {

constexpr std::string_view kRendezvousPrefix = "cairn/providers/";

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Status LineError(std::size_t line, std::string_view what) {
  return Status::InvalidArgument("line " + std::to_string(line) + ": " + std::string(what));
}

Result<std::uint64_t> ParseUint(std::string_view key, std::string_view value, std::uint64_t min, std::uint64_t max) {
  const std::string name(key);
  if (value.empty()) return Status::InvalidArgument(name + " needs a value");
  if (value.size() > 20) return Status::InvalidArgument(name + " is too long a number");
  for (char c : value) {
    if (c < '0' || c > '9')
      return Status::InvalidArgument(name + " must be a decimal integer, got \"" + std::string(value) + "\"");
  }
  std::uint64_t v = 0;
  auto r = std::from_chars(value.data(), value.data() + value.size(), v);
  if (r.ec != std::errc() || r.ptr != value.data() + value.size()) {
    return Status::InvalidArgument(name + " does not fit 64 bits");
  }
  if (v < min || v > max) {
    return Status::InvalidArgument(name + " = " + std::to_string(v) + " is outside " + std::to_string(min) + ".." +
                                   std::to_string(max));
  }
  return v;
}

template <typename T>
Status CheckRange(std::string_view name, T v, T min, T max) {
  if (v >= min && v <= max) return Status::Ok();
  return Status::InvalidArgument(std::string(name) + " = " + std::to_string(v) + " is outside " + std::to_string(min) +
                                 ".." + std::to_string(max));
}

Result<std::vector<Endpoint>> ParseBootstrap(std::string_view value) {
  std::vector<Endpoint> nodes;
  if (value.empty()) return nodes;
  std::set<Endpoint> seen;
  while (true) {
    const std::size_t comma = value.find(',');
    const std::string_view item = Trim(value.substr(0, comma));
    if (item.empty()) return Status::InvalidArgument("bootstrap has an empty entry");
    auto ep = ParseEndpoint(item);
    if (!ep.ok()) return ep.status().WithContext("bootstrap entry \"" + std::string(item) + "\"");
    if (ep->port == 0) return Status::InvalidArgument("bootstrap entry \"" + std::string(item) + "\" has port 0");
    if (IsUnspecifiedIp(ep->ip)) {
      return Status::InvalidArgument("bootstrap entry \"" + std::string(item) + "\" is not a node's address");
    }
    if (!seen.insert(*ep).second) return Status::InvalidArgument("bootstrap lists " + std::string(item) + " twice");
    nodes.push_back(std::move(*ep));
    if (nodes.size() > kMaxBootstrapNodes) {
      return Status::InvalidArgument("bootstrap lists more than " + std::to_string(kMaxBootstrapNodes) + " nodes");
    }
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return nodes;
}

// Applies one "key = value" entry.
Status ApplyEntry(NetworkConfig& c, std::string_view key, std::string_view value) {
  if (key == "network_id") {
    if (!IsValidNetworkId(value)) {
      return Status::InvalidArgument("network_id must be 1.." + std::to_string(kMaxNetworkIdBytes) +
                                     " characters of [A-Za-z0-9._-]");
    }
    c.network_id = std::string(value);
    return Status::Ok();
  }
  if (key == "bootstrap") {
    CAIRN_ASSIGN_OR_RETURN(c.bootstrap, ParseBootstrap(value));
    return Status::Ok();
  }
  auto as_int = [&](int& field, int min, int max) -> Status {
    CAIRN_ASSIGN_OR_RETURN(std::uint64_t v,
                           ParseUint(key, value, static_cast<std::uint64_t>(min), static_cast<std::uint64_t>(max)));
    field = static_cast<int>(v);
    return Status::Ok();
  };
  auto as_u64 = [&](std::uint64_t& field, std::uint64_t min, std::uint64_t max) -> Status {
    CAIRN_ASSIGN_OR_RETURN(field, ParseUint(key, value, min, max));
    return Status::Ok();
  };
  if (key == "k") return as_int(c.k, 1, kMaxErasureTotal);
  if (key == "m") return as_int(c.m, 0, kMaxErasureTotal - 1);
  if (key == "segment_size") return as_u64(c.segment_size, kMinSegmentSize, kMaxSegmentSize);
  if (key == "epoch_seconds") return as_u64(c.epoch_seconds, 1, kMaxEpochSeconds);
  if (key == "seal_layers") return as_int(c.seal_layers, 1, kMaxSealLayers);
  if (key == "challenges") return as_int(c.challenges, 1, kMaxChallenges);
  if (key == "deadline_ms") return as_u64(c.deadline_ms, 1, kMaxDeadlineMs);
  if (key == "faults_before_repair") return as_int(c.faults_before_repair, 1, kMaxFaultsBeforeRepair);
  return Status::InvalidArgument("unknown key \"" + std::string(key) + "\"");
}

bool IsKeyChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }

}  // namespace

bool IsValidNetworkId(std::string_view id) {
  if (id.empty() || id.size() > kMaxNetworkIdBytes) return false;
  for (char c : id) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

NetworkConfig NetworkConfig::Devnet(std::string network_id) {
  NetworkConfig c;  // the member defaults are the devnet column
  c.network_id = std::move(network_id);
  return c;
}

NetworkConfig NetworkConfig::Production(std::string network_id) {
  NetworkConfig c;
  c.network_id = std::move(network_id);
  c.k = 10;
  c.m = 4;
  c.segment_size = std::uint64_t{1} << 30;
  c.epoch_seconds = 3600;
  c.seal_layers = 11;
  c.challenges = 20;
  c.deadline_ms = 1000;
  c.faults_before_repair = 3;
  return c;
}

Status NetworkConfig::Validate() const {
  if (!IsValidNetworkId(network_id)) {
    return Status::InvalidArgument("network_id must be 1.." + std::to_string(kMaxNetworkIdBytes) +
                                   " characters of [A-Za-z0-9._-]");
  }
  if (bootstrap.size() > kMaxBootstrapNodes) return Status::InvalidArgument("too many bootstrap nodes");
  std::set<Endpoint> seen;
  for (const Endpoint& e : bootstrap) {
    if (!IsIpLiteral(e.ip) || IsUnspecifiedIp(e.ip) || e.port == 0) {
      return Status::InvalidArgument("bootstrap node " + ToString(e) + " is not a node's address");
    }
    if (!seen.insert(e).second) return Status::InvalidArgument("bootstrap lists " + ToString(e) + " twice");
  }
  CAIRN_RETURN_IF_ERROR(CheckRange("k", k, 1, kMaxErasureTotal));
  CAIRN_RETURN_IF_ERROR(CheckRange("m", m, 0, kMaxErasureTotal - 1));
  if (k + m > kMaxErasureTotal) {
    return Status::InvalidArgument("k + m = " + std::to_string(k + m) + " exceeds " + std::to_string(kMaxErasureTotal));
  }
  CAIRN_RETURN_IF_ERROR(CheckRange("segment_size", segment_size, kMinSegmentSize, kMaxSegmentSize));
  CAIRN_RETURN_IF_ERROR(CheckRange<std::uint64_t>("epoch_seconds", epoch_seconds, 1, kMaxEpochSeconds));
  CAIRN_RETURN_IF_ERROR(CheckRange("seal_layers", seal_layers, 1, kMaxSealLayers));
  CAIRN_RETURN_IF_ERROR(CheckRange("challenges", challenges, 1, kMaxChallenges));
  CAIRN_RETURN_IF_ERROR(CheckRange<std::uint64_t>("deadline_ms", deadline_ms, 1, kMaxDeadlineMs));
  CAIRN_RETURN_IF_ERROR(CheckRange("faults_before_repair", faults_before_repair, 1, kMaxFaultsBeforeRepair));
  return Status::Ok();
}

Result<NetworkConfig> NetworkConfig::Parse(std::string_view text) {
  if (text.size() > kMaxNetworkFileBytes) {
    return Status::ResourceExhausted("network file is larger than " + std::to_string(kMaxNetworkFileBytes) + " bytes");
  }
  NetworkConfig c;
  c.network_id.clear();
  std::set<std::string, std::less<>> seen;
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.size() > kMaxNetworkFileLineBytes) {
      return Status::ResourceExhausted("line " + std::to_string(line_no) + ": longer than " +
                                       std::to_string(kMaxNetworkFileLineBytes) + " bytes");
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    for (char c : line) {
      const auto u = static_cast<unsigned char>(c);
      if (u != '\t' && (u < 0x20 || u > 0x7e)) return LineError(line_no, "holds a byte that is not printable ASCII");
    }
    line = Trim(line);
    if (line.empty() || line.front() == '#') continue;
    const std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) return LineError(line_no, "expected \"key = value\"");
    const std::string_view key = Trim(line.substr(0, eq));
    const std::string_view value = Trim(line.substr(eq + 1));
    if (key.empty()) return LineError(line_no, "missing key before '='");
    for (char ch : key) {
      if (!IsKeyChar(ch)) return LineError(line_no, "malformed key \"" + std::string(key) + "\"");
    }
    if (seen.count(key) != 0) return LineError(line_no, "key \"" + std::string(key) + "\" appears twice");
    Status s = ApplyEntry(c, key, value);
    if (!s.ok()) return LineError(line_no, s.message());
    seen.emplace(key);
  }
  if (seen.count("network_id") == 0) return Status::InvalidArgument("missing required key \"network_id\"");
  Status s = c.Validate();
  if (!s.ok()) return s;
  return c;
}

Result<NetworkConfig> NetworkConfig::Load(Env* env, const std::string& path) {
  auto bytes = ReadFileToBytes(env, path, kMaxNetworkFileBytes);
  if (!bytes.ok()) return bytes.status().WithContext("network file " + path);
  auto config = Parse(AsStringView(*bytes));
  if (!config.ok()) return config.status().WithContext("network file " + path);
  return config;
}

std::string NetworkConfig::Serialize() const {
  std::string out = "# cairn network file, version 1\n";
  auto put = [&out](std::string_view key, const std::string& value) {
    out.append(key);
    out.append(" = ");
    out.append(value);
    out.push_back('\n');
  };
  put("network_id", network_id);
  std::string nodes;
  for (const Endpoint& e : bootstrap) {
    if (!nodes.empty()) nodes.append(", ");
    nodes.append(ToString(e));
  }
  put("bootstrap", nodes);
  put("k", std::to_string(k));
  put("m", std::to_string(m));
  put("segment_size", std::to_string(segment_size));
  put("epoch_seconds", std::to_string(epoch_seconds));
  put("seal_layers", std::to_string(seal_layers));
  put("challenges", std::to_string(challenges));
  put("deadline_ms", std::to_string(deadline_ms));
  put("faults_before_repair", std::to_string(faults_before_repair));
  return out;
}

Result<RendezvousKey> ProviderRendezvousKey(std::string_view network_id) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) return OpensslError("EVP_MD_CTX_new");
  RendezvousKey key{};
  unsigned int len = 0;
  Status status;
  if (EVP_DigestInit_ex(ctx, EVP_sha1(), nullptr) != 1) {
    status = OpensslError("EVP_DigestInit_ex(sha1)");
  } else if (EVP_DigestUpdate(ctx, kRendezvousPrefix.data(), kRendezvousPrefix.size()) != 1 ||
             EVP_DigestUpdate(ctx, network_id.data(), network_id.size()) != 1) {
    status = OpensslError("EVP_DigestUpdate(sha1)");
  } else if (EVP_DigestFinal_ex(ctx, key.data(), &len) != 1) {
    status = OpensslError("EVP_DigestFinal_ex(sha1)");
  } else if (len != key.size()) {
    status = Status::Internal("SHA-1 digest of unexpected size " + std::to_string(len));
  }
  EVP_MD_CTX_free(ctx);
  if (!status.ok()) return status;
  return key;
}

}  // namespace cairn
