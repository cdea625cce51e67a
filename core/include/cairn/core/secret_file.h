// Secret files: small files that hold key material (a master key, an identity seed). They are created once, with
// mode 0600, atomically and durably, and read back only while no one but their owner can access them.
//
// Secrets never appear in a Status message: errors name the path and the problem, never the contents.
//
// Thread-safety: the functions are reentrant; a SecretBytes is a value used by one thread at a time.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "cairn/core/bytes.h"
#include "cairn/core/status.h"

namespace cairn {

// A move-only byte buffer that zeroes itself when destroyed or moved from. Copies are explicit (Clone) so that
// secrets do not multiply by accident.
class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(std::size_t size);
  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  ~SecretBytes();

  SecretBytes Clone() const;
  ByteSpan span() const { return ByteSpan(data_.get(), size_); }
  MutableByteSpan mutable_span() { return MutableByteSpan(data_.get(), size_); }
  std::size_t size() const { return size_; }

 private:
  void Wipe();
  std::unique_ptr<std::uint8_t[]> data_;
  std::size_t size_ = 0;
};

// No secret file cairn writes is larger than this; a larger file is not one of ours.
inline constexpr std::size_t kMaxSecretFileSize = 64u << 10;

// Creates `path` holding `contents` with mode 0600: a temporary file in the same directory is written, fsynced and
// moved into place without replacing anything, then the directory is fsynced. kAlreadyExists when `path` exists: a
// secret file is never replaced silently (a lost master key loses every file encrypted under it); delete it first.
// REQUIRES: contents.size() <= kMaxSecretFileSize.
Status WriteSecretFile(const std::string& path, ByteSpan contents);

// Reads a secret file of at most `max_size` bytes. kFailedPrecondition, with a message that says how to fix it, when
// the path is not a regular file, is owned by another user, or grants any permission to group or others;
// kCorruption when it is larger than `max_size`; kNotFound when it does not exist.
Result<SecretBytes> ReadSecretFile(const std::string& path, std::size_t max_size = kMaxSecretFileSize);

}  // namespace cairn
