// Swarm::MakeTorrent: hashes one file into a BitTorrent v2 torrent; Swarm::MakeTorrentFromBlockHashes: the same
// torrent from the file's 16 KiB block hashes, computed by whoever wrote the file.
//
// BitTorrent v2 (BEP 52), as libtorrent builds it: the leaves are SHA-256 of each 16 KiB block (the last block of the
// file hashed at its own length); a piece's hash is the Merkle root (SHA-256 of left || right) over its
// piece_size / 16 KiB leaves, the leaves past the end of the file being 32 zero bytes; libtorrent builds the file's
// root and piece layer from those piece hashes (create_torrent::set_hash2). A file of one piece pads its leaves only
// to the next power of two, since its piece hash is its root.
#include <algorithm>
#include <bit>
#include <filesystem>
#include <libtorrent/create_torrent.hpp>
#include <libtorrent/file_storage.hpp>
#include <system_error>

#include "cairn/core/sha256.h"
#include "cairn/core/swarm.h"
#include "swarm_lt.h"

namespace cairn {

using swarm_internal::FromErrorCode;
using swarm_internal::FromSha256;
using swarm_internal::ParseTorrent;
using swarm_internal::ToSha256;

namespace {

Status CheckPieceSize(int piece_size) {
  // v2 needs a power-of-two piece size of at least one 16 KiB block; above 64 MiB pieces only cost memory.
  if (piece_size < static_cast<int>(kTorrentBlockSize) || piece_size > (64 << 20) ||
      (piece_size & (piece_size - 1)) != 0) {
    return Status::InvalidArgument("piece size must be a power of two in [16 KiB, 64 MiB], got " +
                                   std::to_string(piece_size));
  }
  return Status::Ok();
}

// The torrent's bytes, and its fields as a peer reads them back.
Result<TorrentFile> Finish(const lt::create_torrent& ct) {
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

// Merkle root over `leaves` (a power of two of them), in place.
Hash32 MerkleRoot(std::vector<Hash32>& leaves) {
  for (std::size_t n = leaves.size(); n > 1; n /= 2) {
    for (std::size_t i = 0; i < n / 2; ++i) {
      Sha256 h;
      h.Update(leaves[2 * i]);
      h.Update(leaves[2 * i + 1]);
      leaves[i] = h.Finish();
    }
  }
  return leaves[0];
}

}  // namespace

Result<TorrentFile> Swarm::MakeTorrent(const std::string& file_path, int piece_size) {
  CAIRN_RETURN_IF_ERROR(CheckPieceSize(piece_size));
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
  return Finish(ct);
}

Result<TorrentFile> Swarm::MakeTorrentFromBlockHashes(const std::string& name, std::uint64_t size, int piece_size,
                                                      std::span<const Hash32> block_hashes) {
  CAIRN_RETURN_IF_ERROR(CheckPieceSize(piece_size));
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
    return Status::InvalidArgument("a torrent file name must be one non-empty path component");
  }
  if (size == 0) return Status::InvalidArgument("cannot make a torrent of an empty file");
  if (size > (std::uint64_t{1} << 40)) return Status::InvalidArgument("file too large for a shard torrent");
  const std::uint64_t blocks = (size + kTorrentBlockSize - 1) / kTorrentBlockSize;
  if (block_hashes.size() != blocks) {
    return Status::InvalidArgument("a file of " + std::to_string(size) + " bytes has " + std::to_string(blocks) +
                                   " blocks, got " + std::to_string(block_hashes.size()) + " block hashes");
  }
  lt::file_storage fs;  // create_torrent keeps a reference: it must outlive `ct`
  fs.add_file(name, static_cast<std::int64_t>(size));
  lt::create_torrent ct(fs, piece_size, lt::create_torrent::v2_only);
  ct.set_creator("cairn");
  ct.set_creation_date(0);
  std::size_t per_piece = static_cast<std::size_t>(piece_size) / kTorrentBlockSize;
  // A file of one piece has no piece layer: its root pads its blocks only to the next power of two.
  if (blocks < per_piece) per_piece = std::bit_ceil(static_cast<std::size_t>(blocks));
  std::vector<Hash32> leaves(per_piece);
  for (std::uint64_t first = 0, piece = 0; first < blocks; first += per_piece, ++piece) {
    const std::size_t here = static_cast<std::size_t>(std::min<std::uint64_t>(per_piece, blocks - first));
    leaves.assign(per_piece, Hash32{});
    std::copy_n(block_hashes.begin() + static_cast<std::ptrdiff_t>(first), here, leaves.begin());
    const Hash32 root = MerkleRoot(leaves);
    if (root == Hash32{}) return Status::InvalidArgument("a piece hash of all zeros cannot be set");
    try {
      ct.set_hash2(lt::file_index_t{0}, static_cast<lt::piece_index_t::diff_type>(piece), ToSha256(root));
    } catch (const std::system_error& e) {
      return Status::Internal(std::string("libtorrent refused a piece hash: ") + e.what());
    }
  }
  return Finish(ct);
}

}  // namespace cairn
