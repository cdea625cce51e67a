// TempDir: a fresh, private directory under $TMPDIR (or /tmp), removed with everything in it when the object dies.
// For tests and tools that need scratch space on the real file system.
//
// Thread-safety: a value; the directory itself is shared state like any other.
#pragma once

#include <string>
#include <string_view>

#include "cairn/core/status.h"

namespace cairn {

class TempDir {
 public:
  // mkdtemp("<tmp>/<prefix>.XXXXXX"). `prefix` must not contain '/'.
  static Result<TempDir> Create(std::string_view prefix = "cairn");

  TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  TempDir& operator=(TempDir&& other) noexcept;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();

  const std::string& path() const { return path_; }
  // path() + "/" + name.
  std::string Join(std::string_view name) const { return path_ + "/" + std::string(name); }

 private:
  explicit TempDir(std::string path) : path_(std::move(path)) {}
  void Remove();
  std::string path_;
};

}  // namespace cairn
