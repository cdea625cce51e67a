// Private to the swarm layer (core/src/swarm*.cc): conversions between cairn and libtorrent types, the session's
// settings, and parsing of untrusted torrent bytes. The only header besides swarm_impl.h that includes libtorrent.
//
// Thread-safety: pure functions.
#pragma once

#include <libtorrent/add_torrent_params.hpp>
#include <libtorrent/address.hpp>
#include <libtorrent/error_code.hpp>
#include <libtorrent/info_hash.hpp>
#include <libtorrent/settings_pack.hpp>
#include <libtorrent/socket.hpp>
#include <libtorrent/torrent_info.hpp>
#include <memory>
#include <string_view>

#include "cairn/core/swarm.h"

namespace cairn::swarm_internal {

namespace lt = libtorrent;

// Largest .torrent or resume-data buffer accepted from outside: a 1 GiB shard in 16 KiB pieces needs about 2 MiB of
// piece-layer hashes.
inline constexpr int kMaxTorrentBytes = 16 << 20;

// Refuses options the session must not run with (an unspecified listen address, a host name, a zero interval).
Status ValidateOptions(const SwarmOptions& options);
// The whole session configuration; enable_dht is always false here and switched on once the session listens.
lt::settings_pack BuildSettings(const SwarmOptions& options);

Result<lt::tcp::endpoint> ToTcp(const Endpoint& e);
Endpoint FromTcp(const lt::tcp::endpoint& e);
Endpoint FromAddress(const lt::address& a, int port);

lt::sha1_hash ToSha1(const RendezvousKey& key);
lt::sha256_hash ToSha256(const Hash32& h);
Hash32 FromSha256(const lt::sha256_hash& h);

// "<what>: <message>" with a code chosen from the error's meaning (file errors -> kIOError, ...).
Status FromErrorCode(const lt::error_code& ec, std::string_view what);

// Files of the torrent that hold data (v2 torrents may end in a pad file that is never written).
int DataFileCount(const lt::file_storage& files);

// Parses untrusted .torrent bytes under size, depth, token and piece-count limits. Only v2 torrents with one data
// file (at index 0) are accepted: that is all cairn makes, and it keeps file naming simple.
Result<std::shared_ptr<lt::torrent_info>> ParseTorrent(ByteSpan torrent);
// Parses untrusted resume data under the same limits.
Result<lt::add_torrent_params> ParseResumeData(ByteSpan resume);

}  // namespace cairn::swarm_internal
