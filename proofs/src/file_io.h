// Checked POSIX file helpers for proofs/: every call's failure becomes a Status naming the path. Durable writes go
// through a temporary file, fsync and rename, so a crash leaves either the old file or the whole new one.
//
// Thread-safety: a File is used by one thread at a time; the free functions are reentrant.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

#include "cairn/core/bytes.h"
#include "cairn/core/status.h"

namespace cairn::proofs {

class File {
 public:
  File() = default;
  File(File&& o) noexcept : fd_(o.fd_), path_(std::move(o.path_)) { o.fd_ = -1; }
  File& operator=(File&& o) noexcept;
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  ~File();

  static Result<File> OpenRead(const std::filesystem::path& path);
  // Creates or truncates.
  static Result<File> Create(const std::filesystem::path& path);
  // A new empty file in `dir` that no name refers to (O_TMPFILE; where the file system lacks it, a name removed at
  // once): it disappears when closed, or when the process dies, and leaves nothing to clean up. Scratch space that
  // sits in the page cache, not in the process's memory.
  static Result<File> CreateUnnamed(const std::filesystem::path& dir);

  Result<std::uint64_t> Size() const;
  // Reads exactly out.size() bytes at `offset`; fails at end of file.
  Status ReadAt(std::uint64_t offset, MutableByteSpan out) const;
  Status WriteAt(std::uint64_t offset, ByteSpan data);
  // Asks the kernel to start writing [offset, offset + length) back to disk now, without waiting (Linux
  // sync_file_range WRITE), so that a later Sync finds little left to do.
  Status StartWriteback(std::uint64_t offset, std::uint64_t length);
  Status Sync();
  Status Close();
  const std::filesystem::path& path() const { return path_; }

 private:
  int fd_ = -1;
  std::filesystem::path path_;
};

// A file written piece by piece to path + ".tmp" and published under `path` by Commit (fsync, rename, fsync of the
// directory): a crash leaves either no file at `path` or the whole one. Append can start the write-back of its bytes
// at once, so that when a seal appends a layer while computing it, a Commit made a little later finds the disk has
// caught up. Destroying a StagedFile without Commit leaves the temporary file behind (the next attempt truncates it).
// Thread-safety: one thread at a time (Commit may run on another thread than the Appends, after them).
class StagedFile {
 public:
  static Result<StagedFile> Create(const std::filesystem::path& path);
  Status Append(ByteSpan data, bool start_writeback = true);
  std::uint64_t size() const { return size_; }
  // A read-only descriptor of the same file: it reads what was appended, before and after Commit renames the file.
  Result<File> OpenReader() const { return File::OpenRead(file_.path()); }
  // REQUIRES: called at most once, after the last Append.
  Status Commit();

 private:
  File file_;
  std::filesystem::path path_;
  std::uint64_t size_ = 0;
};

// Writes `head` and then `pieces` back to back to path + ".tmp" and publishes the file as StagedFile::Commit does.
// With `direct`, where a piece starts on a 4 KiB boundary both in memory and in the file, its whole 4 KiB blocks are
// written with O_DIRECT: straight from the caller's memory to the disk, with no page-cache copy, and no cached copy
// left behind either (for files that will not be read back soon). The rest, everything without `direct`, and
// everything on a file system that refuses O_DIRECT, goes through the page cache.
Status WriteFilePieces(const std::filesystem::path& path, ByteSpan head, std::span<const ByteSpan> pieces, bool direct);

// Writes `data` to `path` durably: path + ".tmp", fsync, rename, fsync of the directory.
Status WriteFileAtomic(const std::filesystem::path& path, ByteSpan data);
// Renames tmp to path and fsyncs the directory (the caller has synced and closed tmp).
Status RenameDurably(const std::filesystem::path& tmp, const std::filesystem::path& path);
// Reads a whole file of exactly out.size() bytes.
Status ReadFileExact(const std::filesystem::path& path, MutableByteSpan out);
// Reads a whole file no longer than max_size.
Result<Bytes> ReadSmallFile(const std::filesystem::path& path, std::size_t max_size);
Status SyncDir(const std::filesystem::path& dir);
Status CreateDirs(const std::filesystem::path& dir);
// Removes a file; a missing file is not an error.
Status RemoveFileIfExists(const std::filesystem::path& path);
Result<bool> FileExists(const std::filesystem::path& path);

}  // namespace cairn::proofs
