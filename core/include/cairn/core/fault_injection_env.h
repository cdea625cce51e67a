// FaultInjectionEnv: a test double over a real file system Env that (1) fails the Nth create, write, sync, rename,
// directory sync or remove with kIOError, and (2) simulates power loss: DropUnsyncedData() puts every file it saw
// written back to what a crash would have kept.
//
// The crash model, per path touched through this Env since the last drop:
//   - file data is durable up to the size at its last successful Sync(); unsynced appends are lost (a file created
//     or truncated by NewWritableFile and never synced loses everything);
//   - a name created, renamed over, renamed away or removed is durable only after SyncDir() of its directory;
//     until then a crash reverts it: a new name disappears, a replaced or removed name gets back the durable content
//     it had before (kept in memory by this double, so use it with test-sized files).
// A failed write writes the first half of its bytes, then fails, as a full disk or I/O error may.
// Directories themselves are not tracked. The base Env must be backed by a real POSIX file system (truncate(2) is
// called on its paths). Paths are compared as given after lexical normalisation: use one spelling per file.
//
// Thread-safety: every method may be called from many threads; state is guarded by one mutex.
// REQUIRES for DropUnsyncedData: no WritableFile made by this Env is still open.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "cairn/core/env.h"

namespace cairn {

enum class FaultOp : int {
  kCreate = 0,  // NewWritableFile
  kWrite,       // WritableFile::Append
  kSync,        // WritableFile::Sync
  kRename,      // RenameFile
  kSyncDir,     // SyncDir
  kRemove,      // RemoveFile
};
inline constexpr int kFaultOpCount = 6;

class FaultInjectionEnv : public ForwardingEnv {
 public:
  explicit FaultInjectionEnv(Env* base = Env::Default());

  // The nth call of `op` from now on (1 = the next one) fails with kIOError; the calls after it succeed again.
  // n = 0 disarms.
  void FailNth(FaultOp op, int n);
  // Calls of `op` seen since construction or the last ResetCounts(), failed ones included.
  int Count(FaultOp op) const;
  void ResetCounts();

  // Simulates power loss and reboot on the paths this Env has touched (see the crash model above), then forgets
  // them: after it, everything on disk counts as durable.
  Status DropUnsyncedData();

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override;
  Status RenameFile(const std::string& from, const std::string& to) override;
  Status RemoveFile(const std::string& path) override;
  Status SyncDir(const std::string& path) override;

 private:
  friend class FaultWritableFile;
  struct FileState {
    std::uint64_t size = 0;    // bytes appended through this Env
    std::uint64_t synced = 0;  // of which durable
  };

  // Counts the call and says whether it must fail.
  bool ShouldFail(FaultOp op);
  // Remembers what `path` durably named before its first unsynced name change. REQUIRES: mu_ held.
  void RecordNameChangeLocked(const std::string& path);
  void FileAppended(FileState* state, std::uint64_t n);
  void FileSynced(FileState* state);

  mutable std::mutex mu_;
  std::array<int, kFaultOpCount> counts_{};
  std::array<int, kFaultOpCount> armed_{};
  std::map<std::string, std::shared_ptr<FileState>> files_;  // by current path
  std::map<std::string, std::optional<Bytes>> undo_;         // durable content before unsynced name changes
};

}  // namespace cairn
