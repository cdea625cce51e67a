// Helpers shared by the swarm tests (real libtorrent sessions on loopback): a scratch folder, seeded random bytes,
// whole-file I/O and in-place corruption, and deadlines.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>

#include "cairn/core/bytes.h"
#include "cairn/core/swarm.h"

namespace cairn::swarm_test {

namespace fs = std::filesystem;

inline SteadyTime In(std::chrono::milliseconds d) { return std::chrono::steady_clock::now() + d; }

// A fresh folder under the system temp dir, removed with everything in it on destruction.
class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = (fs::temp_directory_path() / "cairn-swarm-XXXXXX").string();
    char* p = mkdtemp(tmpl.data());
    EXPECT_NE(p, nullptr) << "mkdtemp failed";
    path_ = p ? fs::path(p) : fs::temp_directory_path();
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// n bytes from a seeded generator (the caller logs the seed).
inline Bytes RandomBytes(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Bytes b(n);
  for (std::size_t i = 0; i < n; i += 8) {
    const std::uint64_t v = rng();
    for (std::size_t j = 0; j < 8 && i + j < n; ++j) b[i + j] = static_cast<std::uint8_t>(v >> (8 * j));
  }
  return b;
}

inline void WriteFile(const fs::path& p, ByteSpan data) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  out.flush();
  ASSERT_TRUE(out.good()) << p;
}

// Overwrites bytes in place (same inode), as a disk error or a tampering provider would.
inline void OverwriteInPlace(const fs::path& p, std::size_t offset, ByteSpan data) {
  std::fstream f(p, std::ios::binary | std::ios::in | std::ios::out);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  f.flush();
  ASSERT_TRUE(f.good()) << p;
}

inline Bytes ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace cairn::swarm_test
