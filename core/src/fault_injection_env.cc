#include "cairn/core/fault_injection_env.h"

#include <errno.h>
#include <unistd.h>

#include <filesystem>
#include <limits>
#include <vector>

namespace cairn {
namespace {

// One spelling per path: "a/./b//c" -> "a/b/c", trailing '/' dropped.
std::string Normalize(const std::string& path) {
  std::string p = std::filesystem::path(path).lexically_normal().string();
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

const char* OpName(FaultOp op) {
  switch (op) {
    case FaultOp::kCreate:
      return "create";
    case FaultOp::kWrite:
      return "write";
    case FaultOp::kSync:
      return "sync";
    case FaultOp::kRename:
      return "rename";
    case FaultOp::kSyncDir:
      return "sync dir";
    case FaultOp::kRemove:
      return "remove";
  }
  return "?";
}

Status Injected(FaultOp op, const std::string& path) {
  return Status::IOError(std::string("injected ") + OpName(op) + " failure: " + path);
}

}  // namespace

// Forwards to the base file and reports sizes to the Env, so a crash can cut the file back to its synced size.
class FaultWritableFile final : public WritableFile {
 public:
  FaultWritableFile(FaultInjectionEnv* env, std::string path, std::shared_ptr<FaultInjectionEnv::FileState> state,
                    std::unique_ptr<WritableFile> base)
      : env_(env), path_(std::move(path)), state_(std::move(state)), base_(std::move(base)) {}

  Status Append(ByteSpan data) override {
    if (env_->ShouldFail(FaultOp::kWrite)) {
      ByteSpan half = data.first(data.size() / 2);
      if (base_->Append(half).ok()) env_->FileAppended(state_.get(), half.size());
      return Injected(FaultOp::kWrite, path_);
    }
    CAIRN_RETURN_IF_ERROR(base_->Append(data));
    env_->FileAppended(state_.get(), data.size());
    return Status::Ok();
  }

  Status Sync() override {
    if (env_->ShouldFail(FaultOp::kSync)) return Injected(FaultOp::kSync, path_);
    CAIRN_RETURN_IF_ERROR(base_->Sync());
    env_->FileSynced(state_.get());
    return Status::Ok();
  }

  Status Close() override { return base_->Close(); }

 private:
  FaultInjectionEnv* env_;
  std::string path_;
  std::shared_ptr<FaultInjectionEnv::FileState> state_;
  std::unique_ptr<WritableFile> base_;
};

FaultInjectionEnv::FaultInjectionEnv(Env* base) : ForwardingEnv(base) {}

void FaultInjectionEnv::FailNth(FaultOp op, int n) {
  std::lock_guard<std::mutex> lock(mu_);
  armed_[static_cast<int>(op)] = n < 0 ? 0 : n;
}

int FaultInjectionEnv::Count(FaultOp op) const {
  std::lock_guard<std::mutex> lock(mu_);
  return counts_[static_cast<int>(op)];
}

void FaultInjectionEnv::ResetCounts() {
  std::lock_guard<std::mutex> lock(mu_);
  counts_.fill(0);
}

bool FaultInjectionEnv::ShouldFail(FaultOp op) {
  std::lock_guard<std::mutex> lock(mu_);
  const int i = static_cast<int>(op);
  ++counts_[i];
  return armed_[i] > 0 && --armed_[i] == 0;
}

void FaultInjectionEnv::FileAppended(FileState* state, std::uint64_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  state->size += n;
}

void FaultInjectionEnv::FileSynced(FileState* state) {
  std::lock_guard<std::mutex> lock(mu_);
  state->synced = state->size;
}

void FaultInjectionEnv::RecordNameChangeLocked(const std::string& path) {
  if (undo_.count(path) != 0) return;  // the first change since the last directory sync decides
  if (!target()->FileExists(path)) {
    undo_[path] = std::nullopt;
    return;
  }
  Result<Bytes> content = ReadFileToBytes(target(), path, std::numeric_limits<std::size_t>::max());
  Bytes bytes = content.ok() ? std::move(*content) : Bytes();
  auto it = files_.find(path);
  if (it != files_.end() && bytes.size() > it->second->synced) bytes.resize(it->second->synced);
  undo_[path] = std::move(bytes);
}

Result<std::unique_ptr<WritableFile>> FaultInjectionEnv::NewWritableFile(const std::string& path) {
  if (ShouldFail(FaultOp::kCreate)) return Injected(FaultOp::kCreate, path);
  const std::string key = Normalize(path);
  std::lock_guard<std::mutex> lock(mu_);
  if (!target()->FileExists(key)) RecordNameChangeLocked(key);
  CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> base, target()->NewWritableFile(path));
  // An existing file is truncated in place: a data change, so nothing of it is durable until the next Sync.
  auto state = std::make_shared<FileState>();
  files_[key] = state;
  return std::unique_ptr<WritableFile>(new FaultWritableFile(this, path, std::move(state), std::move(base)));
}

Status FaultInjectionEnv::RenameFile(const std::string& from, const std::string& to) {
  if (ShouldFail(FaultOp::kRename)) return Injected(FaultOp::kRename, from + " -> " + to);
  const std::string f = Normalize(from), t = Normalize(to);
  std::lock_guard<std::mutex> lock(mu_);
  if (!target()->FileExists(f)) return target()->RenameFile(from, to);  // fails as the base says; nothing changed
  RecordNameChangeLocked(f);
  RecordNameChangeLocked(t);
  CAIRN_RETURN_IF_ERROR(target()->RenameFile(from, to));
  auto it = files_.find(f);
  std::shared_ptr<FileState> moved = it == files_.end() ? nullptr : it->second;
  if (it != files_.end()) files_.erase(it);
  files_.erase(t);
  if (moved) files_[t] = std::move(moved);
  return Status::Ok();
}

Status FaultInjectionEnv::RemoveFile(const std::string& path) {
  if (ShouldFail(FaultOp::kRemove)) return Injected(FaultOp::kRemove, path);
  const std::string key = Normalize(path);
  std::lock_guard<std::mutex> lock(mu_);
  if (target()->FileExists(key)) RecordNameChangeLocked(key);
  CAIRN_RETURN_IF_ERROR(target()->RemoveFile(path));
  files_.erase(key);
  return Status::Ok();
}

Status FaultInjectionEnv::SyncDir(const std::string& path) {
  if (ShouldFail(FaultOp::kSyncDir)) return Injected(FaultOp::kSyncDir, path);
  CAIRN_RETURN_IF_ERROR(target()->SyncDir(path));
  const std::string dir = Normalize(path);
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = undo_.begin(); it != undo_.end();) {
    it = Normalize(DirName(it->first)) == dir ? undo_.erase(it) : std::next(it);
  }
  return Status::Ok();
}

Status FaultInjectionEnv::DropUnsyncedData() {
  std::lock_guard<std::mutex> lock(mu_);
  Status first;
  auto note = [&first](Status s) {
    if (first.ok() && !s.ok()) first = std::move(s);
  };
  // Data first: cut every written file back to its synced size.
  for (const auto& [path, state] : files_) {
    if (!target()->FileExists(path)) continue;
    if (::truncate(path.c_str(), static_cast<off_t>(state->synced)) != 0) {
      note(Status::FromErrno("truncate " + path, errno));
    }
  }
  // Then names: revert every unsynced name change to what the directory durably held.
  for (const auto& [path, content] : undo_) {
    if (!content.has_value()) {
      if (target()->FileExists(path)) note(target()->RemoveFile(path));
      continue;
    }
    auto file = target()->NewWritableFile(path);
    if (!file.ok()) {
      note(file.status());
      continue;
    }
    note((*file)->Append(*content));
    note((*file)->Close());
  }
  files_.clear();
  undo_.clear();
  return first;
}

}  // namespace cairn
