// Env helpers that work over any Env: whole-file reads with a limit and crash-safe (atomic) file writes.
#include "cairn/core/env.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <string>

namespace cairn {
namespace {

constexpr std::string_view kTempMarker = ".tmp.";

std::string TempPathFor(const std::string& path) {
  static std::atomic<std::uint64_t> counter{0};
  return path + std::string(kTempMarker) + std::to_string(static_cast<long>(::getpid())) + "." +
         std::to_string(counter.fetch_add(1, std::memory_order_relaxed));
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::string DirName(std::string_view path) {
  std::size_t slash = path.find_last_of('/');
  if (slash == std::string_view::npos) return ".";
  while (slash > 0 && path[slash - 1] == '/') --slash;  // "a//b" -> "a"
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

bool IsAtomicTempFileName(std::string_view name) {
  std::size_t pos = name.rfind(kTempMarker);
  if (pos == std::string_view::npos || pos == 0) return false;
  std::string_view rest = name.substr(pos + kTempMarker.size());
  std::size_t dot = rest.find('.');
  if (dot == std::string_view::npos) return false;
  return AllDigits(rest.substr(0, dot)) && AllDigits(rest.substr(dot + 1));
}

Result<Bytes> ReadFileToBytes(Env* env, const std::string& path, std::size_t max_size) {
  CAIRN_ASSIGN_OR_RETURN(std::uint64_t size, env->FileSize(path));
  if (size > max_size) {
    return Status::ResourceExhausted(path + ": " + std::to_string(size) + " bytes exceeds the limit of " +
                                     std::to_string(max_size));
  }
  CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<SequentialFile> file, env->NewSequentialFile(path));
  Bytes out(static_cast<std::size_t>(size));
  std::size_t have = 0;
  for (;;) {
    if (have == out.size()) {
      // Grown since FileSize? Probe with a bounded buffer: one byte more than the limit allows is enough to tell.
      const std::size_t cap = max_size == SIZE_MAX ? max_size : max_size + 1;
      if (out.size() >= cap) break;
      out.resize(std::min<std::size_t>(cap, std::max<std::size_t>(out.size() * 2, 4096)));
    }
    CAIRN_ASSIGN_OR_RETURN(std::size_t n, file->Read(MutableByteSpan(out).subspan(have)));
    if (n == 0) break;
    have += n;
  }
  if (have > max_size) return Status::ResourceExhausted(path + ": grew past the limit of " + std::to_string(max_size));
  out.resize(have);
  return out;
}

Result<std::unique_ptr<AtomicFileWriter>> AtomicFileWriter::Create(Env* env, const std::string& path) {
  std::string temp = TempPathFor(path);
  CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, env->NewWritableFile(temp));
  return std::unique_ptr<AtomicFileWriter>(new AtomicFileWriter(env, path, std::move(temp), std::move(file)));
}

AtomicFileWriter::AtomicFileWriter(Env* env, std::string path, std::string temp_path,
                                   std::unique_ptr<WritableFile> file)
    : env_(env), path_(std::move(path)), temp_path_(std::move(temp_path)), file_(std::move(file)) {}

AtomicFileWriter::~AtomicFileWriter() {
  if (done_) return;
  if (file_) (void)file_->Close();
  (void)env_->RemoveFile(temp_path_);  // best effort: a leftover is recognisable by IsAtomicTempFileName
}

Status AtomicFileWriter::Append(ByteSpan data) {
  if (done_) return Status::FailedPrecondition(path_ + ": atomic writer already finished");
  return file_->Append(data);
}

Status AtomicFileWriter::Commit() {
  if (done_) return Status::FailedPrecondition(path_ + ": atomic writer already finished");
  Status s = Finish();
  done_ = true;
  return s;
}

Status AtomicFileWriter::Finish() {
  Status s = file_->Sync();
  Status c = file_->Close();
  file_.reset();
  if (s.ok()) s = c;
  if (s.ok()) s = env_->RenameFile(temp_path_, path_);
  if (!s.ok()) {
    (void)env_->RemoveFile(temp_path_);
    return s.WithContext("atomic write of " + path_);
  }
  // The rename happened: the content under path_ is complete; only its survival of a crash is in doubt.
  return env_->SyncDir(DirName(path_)).WithContext("atomic write of " + path_);
}

Status WriteFileAtomic(Env* env, const std::string& path, ByteSpan data) {
  CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<AtomicFileWriter> w, AtomicFileWriter::Create(env, path));
  CAIRN_RETURN_IF_ERROR(w->Append(data));
  return w->Commit();
}

}  // namespace cairn
