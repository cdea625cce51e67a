// Shard files on disk: checking a downloaded file against its comm_d, moving it durably from the spool into
// shards/, and (test-only) making a corrupted copy to serve.
//
// Thread-safety: reentrant; callers make sure no one else writes the files involved meanwhile.
#pragma once

#include <cstdint>
#include <string>

#include "cairn/core/bytes.h"
#include "cairn/core/env.h"
#include "cairn/core/status.h"

namespace cairn::provider {

// The comm_d of a file: the core Merkle root (merkle.h) over its bytes zero-padded to whole 32-byte nodes, read in
// 1 MiB blocks. kCorruption when the file does not have exactly `expected_size` bytes.
Result<Hash32> ComputeFileCommD(Env* env, const std::string& path, std::uint64_t expected_size);

// fsync(2) of an existing file (written by someone else, e.g. libtorrent).
Status SyncExistingFile(const std::string& path);

// Makes `from` durable, renames it to `to` (replacing it), and syncs both directories: once this returns OK, `to`
// holds the complete file across a crash. REQUIRES: both on one file system.
Status InstallFileDurably(Env* env, const std::string& from, const std::string& to);

// Removes a directory and the regular files directly inside it (a spool dir). OK when it does not exist.
Status RemoveFlatDir(Env* env, const std::string& dir);

// Copies `from` to `to` atomically and durably (AtomicFileWriter).
Status CopyFileDurably(Env* env, const std::string& from, const std::string& to);

// TEST ONLY (CAIRN_TEST_CORRUPT_SERVE): flips one byte in every 16 KiB block of an existing file, in place, so that
// every block of it fails a check against the original.
Status CorruptFileInPlace(const std::string& path);

}  // namespace cairn::provider
