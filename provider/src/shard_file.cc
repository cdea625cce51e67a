#include "shard_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "cairn/core/ids.h"
#include "cairn/core/merkle.h"

namespace cairn::provider {
namespace {

constexpr std::size_t kBlock = 1 << 20;

}  // namespace

Result<Hash32> ComputeFileCommD(Env* env, const std::string& path, std::uint64_t expected_size) {
  CAIRN_ASSIGN_OR_RETURN(std::uint64_t size, env->FileSize(path));
  if (size != expected_size) {
    return Status::Corruption(path + " has " + std::to_string(size) + " bytes, expected " +
                              std::to_string(expected_size));
  }
  if (size == 0) return Status::Corruption(path + " is empty");
  CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<SequentialFile> file, env->NewSequentialFile(path));
  std::vector<std::uint8_t> buf(kBlock);
  MerkleBuilder tree;
  std::uint64_t done = 0;
  while (done < size) {
    // Fill a whole block (a read may return less) so only the very last one can be a partial node.
    std::size_t fill = 0;
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(kBlock, size - done));
    while (fill < want) {
      CAIRN_ASSIGN_OR_RETURN(std::size_t n, file->Read(MutableByteSpan(buf.data() + fill, want - fill)));
      if (n == 0) return Status::Corruption(path + " ended early (it shrank while being read)");
      fill += n;
    }
    done += fill;
    std::size_t padded = (fill + kNodeSize - 1) / kNodeSize * kNodeSize;
    std::fill(buf.begin() + fill, buf.begin() + padded, 0);
    CAIRN_RETURN_IF_ERROR(tree.AddNodes(ByteSpan(buf.data(), padded)));
  }
  return tree.Finish();
}

Status SyncExistingFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno("open " + path, errno);
  int rc = ::fsync(fd);
  int err = errno;
  if (::close(fd) != 0 && rc == 0) return Status::FromErrno("close " + path, errno);
  if (rc != 0) return Status::FromErrno("fsync " + path, err);
  return Status::Ok();
}

Status InstallFileDurably(Env* env, const std::string& from, const std::string& to) {
  CAIRN_RETURN_IF_ERROR(SyncExistingFile(from));
  CAIRN_RETURN_IF_ERROR(env->RenameFile(from, to));
  CAIRN_RETURN_IF_ERROR(env->SyncDir(DirName(to)));
  if (DirName(from) != DirName(to)) CAIRN_RETURN_IF_ERROR(env->SyncDir(DirName(from)));
  return Status::Ok();
}

Status RemoveFlatDir(Env* env, const std::string& dir) {
  if (!env->FileExists(dir)) return Status::Ok();
  CAIRN_ASSIGN_OR_RETURN(std::vector<std::string> names, env->ListDir(dir));
  for (const std::string& name : names) {
    Status s = env->RemoveFile(dir + "/" + name);
    if (!s.ok() && s.code() != Code::kNotFound) return s;
  }
  return env->RemoveDir(dir);
}

Status CopyFileDurably(Env* env, const std::string& from, const std::string& to) {
  CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<SequentialFile> in, env->NewSequentialFile(from));
  CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<AtomicFileWriter> out, AtomicFileWriter::Create(env, to));
  std::vector<std::uint8_t> buf(kBlock);
  for (;;) {
    CAIRN_ASSIGN_OR_RETURN(std::size_t n, in->Read(MutableByteSpan(buf)));
    if (n == 0) break;
    CAIRN_RETURN_IF_ERROR(out->Append(ByteSpan(buf.data(), n)));
  }
  return out->Commit();
}

Status CorruptFileInPlace(const std::string& path) {
  constexpr off_t kFlipEvery = 16 << 10;
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno("open " + path, errno);
  Status status;
  struct stat st {};
  if (::fstat(fd, &st) != 0) status = Status::FromErrno("fstat " + path, errno);
  for (off_t pos = 0; status.ok() && pos < st.st_size; pos += kFlipEvery) {
    std::uint8_t b = 0;
    if (::pread(fd, &b, 1, pos) != 1) {
      status = Status::FromErrno("pread " + path, errno);
      break;
    }
    b ^= 0x5a;
    if (::pwrite(fd, &b, 1, pos) != 1) status = Status::FromErrno("pwrite " + path, errno);
  }
  if (status.ok() && ::fsync(fd) != 0) status = Status::FromErrno("fsync " + path, errno);
  if (::close(fd) != 0 && status.ok()) status = Status::FromErrno("close " + path, errno);
  return status;
}

}  // namespace cairn::provider
