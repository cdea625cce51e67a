// A network endpoint: an IP address literal and a port. No host names: every endpoint cairn stores or sends is an
// address, so nothing waits on a resolver.
//
// Thread-safety: a plain value.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "cairn/core/status.h"

namespace cairn {

struct Endpoint {
  std::string ip;  // "127.0.0.1" or "::1" (IPv6 without brackets)
  std::uint16_t port = 0;

  friend auto operator<=>(const Endpoint&, const Endpoint&) = default;
};

// "1.2.3.4:80" or "[::1]:80". An IPv6 address is written in brackets.
std::string ToString(const Endpoint& e);
// Parses the ToString form; the address must be a numeric IPv4 or IPv6 literal and the port 0..65535.
Result<Endpoint> ParseEndpoint(std::string_view text);
// True for a numeric IPv4 or IPv6 address literal.
bool IsIpLiteral(std::string_view ip);
// True for 0.0.0.0 and ::, which bind every interface.
bool IsUnspecifiedIp(std::string_view ip);

}  // namespace cairn
