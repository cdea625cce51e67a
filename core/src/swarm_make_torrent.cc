// Swarm::MakeTorrent: hashes one file into a BitTorrent v2 torrent.
#include <filesystem>
#include <libtorrent/create_torrent.hpp>
#include <libtorrent/file_storage.hpp>
#include <system_error>

#include "cairn/core/swarm.h"
#include "swarm_lt.h"

namespace cairn {

using swarm_internal::FromErrorCode;
using swarm_internal::FromSha256;
using swarm_internal::ParseTorrent;

Result<TorrentFile> Swarm::MakeTorrent(const std::string& file_path, int piece_size) {
  // v2 needs a power-of-two piece size of at least one 16 KiB block; above 64 MiB pieces only cost memory.
  if (piece_size < (16 << 10) || piece_size > (64 << 20) || (piece_size & (piece_size - 1)) != 0) {
    return Status::InvalidArgument("piece size must be a power of two in [16 KiB, 64 MiB], got " +
                                   std::to_string(piece_size));
  }
  std::error_code fec;
  const std::filesystem::path path = std::filesystem::absolute(file_path, fec).lexically_normal();
  if (fec) return Status::IOError("absolute path of " + file_path + ": " + fec.message());
  if (!std::filesystem::is_regular_file(path, fec)) return Status::NotFound(file_path + " is not a regular file");
  const std::uintmax_t size = std::filesystem::file_size(path, fec);
  if (fec) return Status::IOError(file_path + ": " + fec.message());
  if (size == 0) return Status::InvalidArgument("cannot make a torrent of an empty file");

  lt::file_storage fs;  // create_torrent keeps a reference: it must outlive `ct`
  fs.add_file(path.filename().string(), static_cast<std::int64_t>(size));
  lt::create_torrent ct(fs, piece_size, lt::create_torrent::v2_only);
  ct.set_creator("cairn");
  ct.set_creation_date(0);  // the same file always gives the same bytes
  lt::error_code ec;
  lt::set_piece_hashes(ct, path.parent_path().string(), ec);
  if (ec) return FromErrorCode(ec, "hash " + file_path);
  std::vector<char> buf = ct.generate_buf();

  TorrentFile out;
  out.torrent.assign(buf.begin(), buf.end());
  // Read the result back the way a peer will, so what we return is what others will see.
  CAIRN_ASSIGN_OR_RETURN(std::shared_ptr<lt::torrent_info> ti, ParseTorrent(out.torrent));
  out.info_hash = FromSha256(ti->info_hashes().v2);
  out.file_root = FromSha256(ti->files().root(lt::file_index_t{0}));
  out.name = ti->files().file_path(lt::file_index_t{0});
  out.size = static_cast<std::uint64_t>(ti->files().file_size(lt::file_index_t{0}));  // without tail padding
  out.piece_size = ti->piece_length();
  return out;
}

}  // namespace cairn
