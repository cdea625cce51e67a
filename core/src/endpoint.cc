#include "cairn/core/endpoint.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>

namespace cairn {
namespace {

bool IsV6(std::string_view ip) { return ip.find(':') != std::string_view::npos; }

}  // namespace

bool IsIpLiteral(std::string_view ip) {
  if (ip.empty() || ip.size() >= INET6_ADDRSTRLEN) return false;
  const std::string s(ip);
  unsigned char buf[sizeof(in6_addr)];
  // inet_pton returns 1 on success, 0 for a malformed address (it cannot fail otherwise for AF_INET/AF_INET6).
  return inet_pton(IsV6(ip) ? AF_INET6 : AF_INET, s.c_str(), buf) == 1;
}

bool IsUnspecifiedIp(std::string_view ip) {
  if (!IsIpLiteral(ip)) return false;
  const std::string s(ip);
  unsigned char buf[sizeof(in6_addr)] = {};
  const bool v6 = IsV6(ip);
  if (inet_pton(v6 ? AF_INET6 : AF_INET, s.c_str(), buf) != 1) return false;
  const std::size_t n = v6 ? sizeof(in6_addr) : sizeof(in_addr);
  for (std::size_t i = 0; i < n; ++i) {
    if (buf[i] != 0) return false;
  }
  return true;
}

std::string ToString(const Endpoint& e) {
  const std::string port = std::to_string(e.port);
  return IsV6(e.ip) ? "[" + e.ip + "]:" + port : e.ip + ":" + port;
}

Result<Endpoint> ParseEndpoint(std::string_view text) {
  std::string_view ip;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return Status::InvalidArgument("bad IPv6 endpoint '" + std::string(text) + "'");
    }
    ip = text.substr(1, close - 1);
    port = text.substr(close + 2);
    if (!IsV6(ip)) return Status::InvalidArgument("brackets around a non-IPv6 address");
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return Status::InvalidArgument("endpoint without a port");
    ip = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (IsV6(ip)) return Status::InvalidArgument("an IPv6 endpoint needs brackets");
  }
  if (!IsIpLiteral(ip)) return Status::InvalidArgument("not an IP address: '" + std::string(ip) + "'");
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || port.size() > 5 || ec != std::errc() || ptr != port.data() + port.size() || value > 65535) {
    return Status::InvalidArgument("bad port '" + std::string(port) + "'");
  }
  return Endpoint{std::string(ip), static_cast<std::uint16_t>(value)};
}

}  // namespace cairn
