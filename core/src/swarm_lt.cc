#include "swarm_lt.h"

#include <algorithm>
#include <libtorrent/alert.hpp>
#include <libtorrent/bdecode.hpp>
#include <libtorrent/error.hpp>
#include <libtorrent/read_resume_data.hpp>
#include <libtorrent/session.hpp>
#include <string>

namespace cairn::swarm_internal {
namespace {

lt::load_torrent_limits Limits() {
  lt::load_torrent_limits limits;
  limits.max_buffer_size = kMaxTorrentBytes;
  limits.max_pieces = 1 << 20;
  limits.max_decode_depth = 32;
  limits.max_decode_tokens = 1 << 20;
  return limits;
}

std::string JoinEndpoints(const std::vector<Endpoint>& endpoints) {
  std::string out;
  for (const Endpoint& e : endpoints) {
    if (!out.empty()) out += ',';
    out += ToString(e);
  }
  return out;
}

// The DHT messages one IP may send us a second before libtorrent drops all of them for a while (see BuildSettings).
constexpr int kDhtMessagesPerIpPerSecond = 1000;

}  // namespace

Status ValidateOptions(const SwarmOptions& options) {
  if (!IsIpLiteral(options.listen.ip)) {
    return Status::InvalidArgument("listen address must be an IP literal, got '" + options.listen.ip + "'");
  }
  if (IsUnspecifiedIp(options.listen.ip)) {
    return Status::InvalidArgument("listen address must be explicit: libtorrent runs no DHT node on " +
                                   options.listen.ip);
  }
  for (const Endpoint& e : options.dht_bootstrap) {
    if (!IsIpLiteral(e.ip) || e.port == 0) return Status::InvalidArgument("bad DHT bootstrap node " + ToString(e));
  }
  if (options.status_interval.count() <= 0 || options.rendezvous_reannounce.count() <= 0) {
    return Status::InvalidArgument("intervals must be positive");
  }
  return Status::Ok();
}

lt::settings_pack BuildSettings(const SwarmOptions& options) {
  // Start from libtorrent's seed-box profile (deep request queues, large send buffers, every peer unchoked), then
  // fix what differs for a private swarm of few, well-known peers.
  lt::settings_pack s = lt::high_performance_seed();
  s.set_str(lt::settings_pack::user_agent, "cairn/0.1");
  s.set_str(lt::settings_pack::listen_interfaces, ToString(options.listen));
  // A busy port is an error, not a silent move to port+1..+10; port 0 lets the OS choose.
  s.set_int(lt::settings_pack::max_retry_port_bind, 0);
  s.set_bool(lt::settings_pack::listen_system_port_fallback, options.listen.port == 0);
  // TCP only: uTP runs at a few MiB/s on loopback.
  s.set_bool(lt::settings_pack::enable_outgoing_utp, false);
  s.set_bool(lt::settings_pack::enable_incoming_utp, false);
  s.set_bool(lt::settings_pack::enable_outgoing_tcp, true);
  s.set_bool(lt::settings_pack::enable_incoming_tcp, true);
  // Nothing discovered or mapped behind our back.
  s.set_bool(lt::settings_pack::enable_lsd, false);
  s.set_bool(lt::settings_pack::enable_upnp, false);
  s.set_bool(lt::settings_pack::enable_natpmp, false);
  // Shards are encrypted before they reach the swarm: BitTorrent's RC4 obfuscation would only cost CPU.
  s.set_int(lt::settings_pack::out_enc_policy, lt::settings_pack::pe_disabled);
  s.set_int(lt::settings_pack::in_enc_policy, lt::settings_pack::pe_disabled);
  // Clients behind one NAT, and every process of a devnet, share an address.
  s.set_bool(lt::settings_pack::allow_multiple_connections_per_ip, true);
  // A provider that was briefly unreachable is retried within seconds, not minutes.
  s.set_int(lt::settings_pack::max_failcount, 5);
  s.set_int(lt::settings_pack::min_reconnect_time, 1);
  s.set_int(lt::settings_pack::connections_limit, 500);
  s.set_int(lt::settings_pack::alert_queue_size, 10000);
  s.set_int(lt::settings_pack::alert_mask, lt::alert_category::error | lt::alert_category::status |
                                               lt::alert_category::storage | lt::alert_category::dht_operation);
  // The DHT: never the public bootstrap hosts. Switched on after listening (see notes/libtorrent.md).
  s.set_bool(lt::settings_pack::enable_dht, false);
  s.set_str(lt::settings_pack::dht_bootstrap_nodes, JoinEndpoints(options.dht_bootstrap));
  // A cairn DHT is small: a client's shard torrents and rendezvous lookups send each provider's node dozens of queries
  // within seconds, and the replies all come from that one IP. At libtorrent's default (5 a second: 50 within 10 s)
  // the client then drops every message from the provider for dht_block_timeout (5 min), and its later lookups hear
  // few providers or none. A flood from one IP is still dropped.
  s.set_int(lt::settings_pack::dht_block_ratelimit, kDhtMessagesPerIpPerSecond);
  if (options.dht_allow_same_ip) {
    s.set_bool(lt::settings_pack::dht_restrict_routing_ips, false);
    s.set_bool(lt::settings_pack::dht_restrict_search_ips, false);
    // Never 0: 0 blocks everything (block_ratelimit) or divides by zero (upload_rate_limit) in 2.0.8.
    s.set_int(lt::settings_pack::dht_block_ratelimit, 1000000);
    s.set_int(lt::settings_pack::dht_upload_rate_limit, 100 << 20);
  }
  return s;
}

Result<lt::tcp::endpoint> ToTcp(const Endpoint& e) {
  lt::error_code ec;
  lt::address a = lt::make_address(e.ip, ec);
  if (ec) return Status::InvalidArgument("bad IP address '" + e.ip + "': " + ec.message());
  return lt::tcp::endpoint(a, e.port);
}

Endpoint FromAddress(const lt::address& a, int port) {
  return Endpoint{a.to_string(), static_cast<std::uint16_t>(port)};
}

Endpoint FromTcp(const lt::tcp::endpoint& e) { return FromAddress(e.address(), e.port()); }

lt::sha1_hash ToSha1(const RendezvousKey& key) { return lt::sha1_hash(reinterpret_cast<const char*>(key.data())); }

lt::sha256_hash ToSha256(const Hash32& h) { return lt::sha256_hash(reinterpret_cast<const char*>(h.data())); }

Hash32 FromSha256(const lt::sha256_hash& h) {
  Hash32 out;
  std::copy(h.begin(), h.end(), out.begin());
  return out;
}

Status FromErrorCode(const lt::error_code& ec, std::string_view what) {
  std::string message = std::string(what) + ": " + ec.message();
  if (ec.category() == lt::system_category() || ec.category() == lt::generic_category()) {
    return Status::IOError(std::move(message));
  }
  if (ec == lt::errors::duplicate_torrent) return Status::AlreadyExists(std::move(message));
  if (ec.category() == lt::bdecode_category()) return Status::Corruption(std::move(message));
  return Status(Code::kUnavailable, std::move(message));
}

int DataFileCount(const lt::file_storage& files) {
  int n = 0;
  for (lt::file_index_t i : files.file_range()) {
    if (!files.pad_file_at(i)) ++n;
  }
  return n;
}

Result<std::shared_ptr<lt::torrent_info>> ParseTorrent(ByteSpan torrent) {
  const lt::load_torrent_limits limits = Limits();
  if (torrent.size() > static_cast<std::size_t>(limits.max_buffer_size)) {
    return Status::ResourceExhausted("torrent of " + std::to_string(torrent.size()) + " bytes is too large");
  }
  lt::error_code ec;
  int pos = 0;
  lt::bdecode_node root = lt::bdecode(
      lt::span<char const>(reinterpret_cast<const char*>(torrent.data()), static_cast<std::ptrdiff_t>(torrent.size())),
      ec, &pos, limits.max_decode_depth, limits.max_decode_tokens);
  if (ec) return Status::Corruption("torrent is not valid bencode: " + ec.message());
  auto ti = std::make_shared<lt::torrent_info>(root, ec);
  if (ec) return Status::Corruption("bad torrent: " + ec.message());
  if (!ti->info_hashes().has_v2()) return Status::InvalidArgument("not a BitTorrent v2 torrent");
  if (DataFileCount(ti->files()) != 1 || ti->files().pad_file_at(lt::file_index_t{0})) {
    return Status::InvalidArgument("not a single-file torrent");
  }
  return ti;
}

Result<lt::add_torrent_params> ParseResumeData(ByteSpan resume) {
  const lt::load_torrent_limits limits = Limits();
  if (resume.size() > static_cast<std::size_t>(limits.max_buffer_size)) {
    return Status::ResourceExhausted("resume data of " + std::to_string(resume.size()) + " bytes is too large");
  }
  lt::error_code ec;
  lt::add_torrent_params atp = lt::read_resume_data(
      lt::span<char const>(reinterpret_cast<const char*>(resume.data()), static_cast<std::ptrdiff_t>(resume.size())),
      ec, limits);
  if (ec) return Status::Corruption("bad resume data: " + ec.message());
  if (!atp.ti) return Status::Corruption("resume data without the torrent's info dictionary");
  return atp;
}

}  // namespace cairn::swarm_internal
