#include "file_io.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <system_error>

namespace cairn::proofs {
namespace {

Status Errno(std::string_view what, const std::filesystem::path& path, int err) {
  return Status::FromErrno(std::string(what) + " " + path.string(), err);
}

}  // namespace

File& File::operator=(File&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    path_ = std::move(o.path_);
    o.fd_ = -1;
  }
  return *this;
}

File::~File() {
  if (fd_ >= 0) ::close(fd_);  // errors were reported by Close() when the caller cared
}

Result<File> File::OpenRead(const std::filesystem::path& path) {
  File f;
  f.fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (f.fd_ < 0) return Errno("open", path, errno);
  f.path_ = path;
  return f;
}

Result<File> File::Create(const std::filesystem::path& path) {
  File f;
  f.fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (f.fd_ < 0) return Errno("create", path, errno);
  f.path_ = path;
  return f;
}

Result<File> File::CreateUnnamed(const std::filesystem::path& dir) {
  File f;
  f.fd_ = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  f.path_ = dir / "(unnamed)";
  if (f.fd_ >= 0) return f;
  if (errno != EOPNOTSUPP && errno != EISDIR) return Errno("open O_TMPFILE in", dir, errno);
  // No O_TMPFILE here: a name of our own, removed at once.
  const std::filesystem::path named = dir / "unnamed.tmp";
  f.fd_ = ::open(named.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (f.fd_ < 0) return Errno("create", named, errno);
  if (::unlink(named.c_str()) != 0) return Errno("unlink", named, errno);
  return f;
}

Result<std::uint64_t> File::Size() const {
  struct stat st;
  if (::fstat(fd_, &st) != 0) return Errno("fstat", path_, errno);
  return static_cast<std::uint64_t>(st.st_size);
}

Status File::ReadAt(std::uint64_t offset, MutableByteSpan out) const {
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t r = ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return Errno("pread", path_, errno);
    }
    if (r == 0) return Status::Corruption("short read of " + path_.string());
    done += static_cast<std::size_t>(r);
  }
  return Status::Ok();
}

Status File::WriteAt(std::uint64_t offset, ByteSpan data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t r = ::pwrite(fd_, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return Errno("pwrite", path_, errno);
    }
    done += static_cast<std::size_t>(r);
  }
  return Status::Ok();
}

Status File::StartWriteback(std::uint64_t offset, std::uint64_t length) {
  if (length == 0) return Status::Ok();
  if (::sync_file_range(fd_, static_cast<off64_t>(offset), static_cast<off64_t>(length), SYNC_FILE_RANGE_WRITE) != 0) {
    // Only a hint: a file system without it (EINVAL, ESPIPE, ENOSYS, EOPNOTSUPP) leaves the work to Sync. A write
    // error (EIO, ENOSPC) is reported now.
    const int err = errno;
    if (err == EINVAL || err == ESPIPE || err == ENOSYS || err == EOPNOTSUPP) return Status::Ok();
    return Errno("sync_file_range", path_, err);
  }
  return Status::Ok();
}

Status File::Sync() {
  if (::fsync(fd_) != 0) return Errno("fsync", path_, errno);
  return Status::Ok();
}

Status File::Close() {
  if (fd_ < 0) return Status::Ok();
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) return Errno("close", path_, errno);
  return Status::Ok();
}

Result<StagedFile> StagedFile::Create(const std::filesystem::path& path) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  StagedFile s;
  CAIRN_ASSIGN_OR_RETURN(s.file_, File::Create(tmp));
  s.path_ = path;
  return s;
}

Status StagedFile::Append(ByteSpan data, bool start_writeback) {
  CAIRN_RETURN_IF_ERROR(file_.WriteAt(size_, data));
  if (start_writeback) CAIRN_RETURN_IF_ERROR(file_.StartWriteback(size_, data.size()));
  size_ += data.size();
  return Status::Ok();
}

Status StagedFile::Commit() {
  CAIRN_RETURN_IF_ERROR(file_.Sync());
  const std::filesystem::path tmp = file_.path();
  CAIRN_RETURN_IF_ERROR(file_.Close());
  return RenameDurably(tmp, path_);
}

Status WriteFilePieces(const std::filesystem::path& path, ByteSpan head, std::span<const ByteSpan> pieces,
                       bool direct_io) {
  constexpr std::uint64_t kBlock = 4096;
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  CAIRN_ASSIGN_OR_RETURN(File f, File::Create(tmp));
  // A second descriptor for direct writes; -1 when the file system refuses O_DIRECT (tmpfs: EINVAL).
  int direct = direct_io ? ::open(tmp.c_str(), O_WRONLY | O_DIRECT | O_CLOEXEC) : -1;
  if (direct_io && direct < 0 && errno != EINVAL) return Errno("open O_DIRECT", tmp, errno);
  auto close_direct = [&direct, &tmp]() -> Status {
    if (direct < 0) return Status::Ok();
    const int fd = direct;
    direct = -1;
    if (::close(fd) != 0) return Errno("close O_DIRECT", tmp, errno);
    return Status::Ok();
  };
  Status status = f.WriteAt(0, head);
  std::uint64_t offset = head.size();
  for (std::size_t i = 0; i < pieces.size() && status.ok(); ++i) {
    ByteSpan rest = pieces[i];
    const bool aligned = reinterpret_cast<std::uintptr_t>(rest.data()) % kBlock == 0 && offset % kBlock == 0;
    std::size_t whole = aligned && direct >= 0 ? rest.size() / kBlock * kBlock : 0;
    std::size_t done = 0;
    while (done < whole) {
      const ssize_t r = ::pwrite(direct, rest.data() + done, whole - done, static_cast<off_t>(offset + done));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0 && errno == EINVAL && done == 0) {  // alignment the device does not accept: page cache instead
        status = close_direct();
        whole = 0;
        break;
      }
      if (r < 0) {
        status = Errno("pwrite O_DIRECT", tmp, errno);
        break;
      }
      done += static_cast<std::size_t>(r);
    }
    if (!status.ok()) break;
    status = f.WriteAt(offset + whole, rest.subspan(whole));
    offset += rest.size();
  }
  const Status closed = close_direct();
  CAIRN_RETURN_IF_ERROR(status);
  CAIRN_RETURN_IF_ERROR(closed);
  CAIRN_RETURN_IF_ERROR(f.Sync());
  CAIRN_RETURN_IF_ERROR(f.Close());
  return RenameDurably(tmp, path);
}

Status WriteFileAtomic(const std::filesystem::path& path, ByteSpan data) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  CAIRN_ASSIGN_OR_RETURN(File f, File::Create(tmp));
  CAIRN_RETURN_IF_ERROR(f.WriteAt(0, data));
  CAIRN_RETURN_IF_ERROR(f.Sync());
  CAIRN_RETURN_IF_ERROR(f.Close());
  return RenameDurably(tmp, path);
}

Status RenameDurably(const std::filesystem::path& tmp, const std::filesystem::path& path) {
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Errno("rename", tmp, errno);
  return SyncDir(path.has_parent_path() ? path.parent_path() : std::filesystem::path("."));
}

Status ReadFileExact(const std::filesystem::path& path, MutableByteSpan out) {
  CAIRN_ASSIGN_OR_RETURN(File f, File::OpenRead(path));
  CAIRN_ASSIGN_OR_RETURN(std::uint64_t size, f.Size());
  if (size != out.size()) {
    return Status::Corruption(path.string() + ": size " + std::to_string(size) + ", expected " +
                              std::to_string(out.size()));
  }
  return f.ReadAt(0, out);
}

Result<Bytes> ReadSmallFile(const std::filesystem::path& path, std::size_t max_size) {
  CAIRN_ASSIGN_OR_RETURN(File f, File::OpenRead(path));
  CAIRN_ASSIGN_OR_RETURN(std::uint64_t size, f.Size());
  if (size > max_size) return Status::Corruption(path.string() + " is larger than " + std::to_string(max_size));
  Bytes out(static_cast<std::size_t>(size));
  CAIRN_RETURN_IF_ERROR(f.ReadAt(0, out));
  return out;
}

Status SyncDir(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("open dir", dir, errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  if (::close(fd) != 0 && rc == 0) return Errno("close dir", dir, errno);
  if (rc != 0) return Errno("fsync dir", dir, err);
  return Status::Ok();
}

Status CreateDirs(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError("create_directories " + dir.string() + ": " + ec.message());
  return Status::Ok();
}

Status RemoveFileIfExists(const std::filesystem::path& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return Errno("unlink", path, errno);
  return Status::Ok();
}

Result<bool> FileExists(const std::filesystem::path& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) return true;
  if (errno == ENOENT) return false;
  return Errno("stat", path, errno);
}

}  // namespace cairn::proofs
