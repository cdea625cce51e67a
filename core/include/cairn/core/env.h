// Env: the seam between cairn and the operating system for files, directories, time and sleeping (after LevelDB's
// Env). Code that touches disk or reads a clock takes an Env* so tests can swap in ForwardingEnv subclasses, a
// FaultInjectionEnv (failed writes, power loss) or a ManualClockEnv (deadlines without waiting).
//
// Thread-safety: an Env may be used from many threads at once. A file object (WritableFile, SequentialFile) is used
// by one thread at a time; RandomAccessFile::Read may be called concurrently.
//
// Durability contract (POSIX): data appended to a WritableFile is durable after Sync(); a name created, renamed or
// removed in a directory is durable after SyncDir() of that directory. WriteFileAtomic does both in the right order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/core/bytes.h"
#include "cairn/core/status.h"

namespace cairn {

// A file opened for writing from offset 0 (created or truncated). Appends are unbuffered: each is one write(2), so
// batch small records yourself. The destructor closes the file without syncing.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Writes all of `data` at the end of the file; a short write is retried, an error is returned.
  virtual Status Append(ByteSpan data) = 0;
  // Makes every byte appended so far durable (fdatasync).
  virtual Status Sync() = 0;
  // Closes the file; later calls fail with kFailedPrecondition. Does not sync.
  virtual Status Close() = 0;
};

// A file read front to back.
class SequentialFile {
 public:
  virtual ~SequentialFile() = default;
  // Reads up to out.size() bytes; returns how many were read, 0 only at end of file.
  virtual Result<std::size_t> Read(MutableByteSpan out) = 0;
};

// A file read at arbitrary offsets (pread). Read may be called from many threads at once.
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Reads out.size() bytes at `offset`; returns fewer only when the file ends first.
  virtual Result<std::size_t> Read(std::uint64_t offset, MutableByteSpan out) const = 0;
};

class Env {
 public:
  virtual ~Env() = default;

  // The process-wide POSIX Env. Never deleted.
  static Env* Default();

  // Creates `path` or truncates it to zero length, opened for appending.
  virtual Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) = 0;
  virtual Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& path) = 0;
  virtual Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path) = 0;

  // rename(2): atomically replaces `to` if it exists. Both must be on one file system.
  virtual Status RenameFile(const std::string& from, const std::string& to) = 0;
  // Removes a file (not a directory). kNotFound when it does not exist.
  virtual Status RemoveFile(const std::string& path) = 0;
  // Removes an empty directory.
  virtual Status RemoveDir(const std::string& path) = 0;
  virtual bool FileExists(const std::string& path) = 0;
  // Size in bytes of a regular file.
  virtual Result<std::uint64_t> FileSize(const std::string& path) = 0;
  // Creates `path` and any missing parents (mode 0755); OK when it already is a directory.
  virtual Status CreateDirs(const std::string& path) = 0;
  // Names of the entries of a directory (not "." or ".."), sorted.
  virtual Result<std::vector<std::string>> ListDir(const std::string& path) = 0;
  // Makes the directory's entries (creations, renames, removals) durable.
  virtual Status SyncDir(const std::string& path) = 0;

  // Microseconds on a monotonic clock with an arbitrary origin: for deadlines and durations.
  virtual std::uint64_t NowMicros() = 0;
  // Microseconds since the Unix epoch: for epochs and timestamps that other nodes read.
  virtual std::uint64_t WallMicros() = 0;
  virtual void SleepForMicros(std::uint64_t micros) = 0;
};

// Forwards every call to another Env; subclass it to override one method in a test.
// The target must outlive this object.
class ForwardingEnv : public Env {
 public:
  explicit ForwardingEnv(Env* target) : target_(target) {}
  Env* target() const { return target_; }

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override {
    return target_->NewWritableFile(path);
  }
  Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& path) override {
    return target_->NewSequentialFile(path);
  }
  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path) override {
    return target_->NewRandomAccessFile(path);
  }
  Status RenameFile(const std::string& from, const std::string& to) override { return target_->RenameFile(from, to); }
  Status RemoveFile(const std::string& path) override { return target_->RemoveFile(path); }
  Status RemoveDir(const std::string& path) override { return target_->RemoveDir(path); }
  bool FileExists(const std::string& path) override { return target_->FileExists(path); }
  Result<std::uint64_t> FileSize(const std::string& path) override { return target_->FileSize(path); }
  Status CreateDirs(const std::string& path) override { return target_->CreateDirs(path); }
  Result<std::vector<std::string>> ListDir(const std::string& path) override { return target_->ListDir(path); }
  Status SyncDir(const std::string& path) override { return target_->SyncDir(path); }
  std::uint64_t NowMicros() override { return target_->NowMicros(); }
  std::uint64_t WallMicros() override { return target_->WallMicros(); }
  void SleepForMicros(std::uint64_t micros) override { target_->SleepForMicros(micros); }

 private:
  Env* target_;
};

// The directory part of a path ("." when there is none; "/" for a file at the root).
std::string DirName(std::string_view path);

// Reads a whole file. kResourceExhausted when it holds more than `max_size` bytes (checked while reading too, so
// a file that grows meanwhile is caught).
Result<Bytes> ReadFileToBytes(Env* env, const std::string& path, std::size_t max_size);

// Writes a file so that `path` names either its complete old content or the complete new content, never a part,
// even across a crash: temp file in the same directory, write, sync, close, rename over `path`, sync the directory.
// On error the temp file is removed (best effort) and `path` is untouched, except that a failed directory sync leaves
// the new content in place without the guarantee that the rename survives a crash.
Status WriteFileAtomic(Env* env, const std::string& path, ByteSpan data);

// The streaming form of WriteFileAtomic, for content too large to hold in memory:
//   auto w = AtomicFileWriter::Create(env, path);  w->Append(...) ...;  w->Commit();
// Destroying it uncommitted removes the temp file. One thread at a time.
class AtomicFileWriter {
 public:
  static Result<std::unique_ptr<AtomicFileWriter>> Create(Env* env, const std::string& path);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  Status Append(ByteSpan data);
  // Sync, close, rename over the final path, sync the directory. Once called, the writer is finished either way.
  Status Commit();
  const std::string& temp_path() const { return temp_path_; }

 private:
  AtomicFileWriter(Env* env, std::string path, std::string temp_path, std::unique_ptr<WritableFile> file);
  Status Finish();
  Env* env_;
  std::string path_;
  std::string temp_path_;
  std::unique_ptr<WritableFile> file_;
  bool done_ = false;
};

// True for names of AtomicFileWriter temp files ("<name>.tmp.<pid>.<n>"), which a restart may delete.
bool IsAtomicTempFileName(std::string_view name);

}  // namespace cairn
