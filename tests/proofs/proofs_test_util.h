// Helpers shared by the proofs tests: deterministic data, scratch directories and small parameter sets.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "cairn/core/bytes.h"
#include "cairn/proofs/params.h"
#include "cairn/proofs/replica_id.h"
#include "cairn/proofs/seal.h"

namespace cairn::proofs::testing {

// Small, fast parameters for unit tests.
inline SealParams TestParams(std::uint32_t layers = 2, std::uint32_t seal_challenges = 4,
                             std::uint32_t storage_challenges = 5) {
  SealParams p;
  p.layers = layers;
  p.seal_challenges = seal_challenges;
  p.storage_challenges = storage_challenges;
  return p;
}

inline Bytes RandomBytes(std::uint64_t seed, std::size_t n) {
  std::mt19937_64 rng(seed);
  Bytes out(n);
  for (auto& b : out) b = static_cast<std::uint8_t>(rng());
  return out;
}

inline Hash32 RandomHash(std::uint64_t seed) {
  Hash32 h;
  const Bytes b = RandomBytes(seed, 32);
  std::copy(b.begin(), b.end(), h.begin());
  return h;
}

// A fresh directory unique to the running test; removed by the destructor.
class TestDir {
 public:
  TestDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::path(::testing::TempDir()) / ("cairn-proofs-" + std::string(info->test_suite_name()) +
                                                           "-" + info->name() + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TestDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

inline void WriteFile(const std::filesystem::path& path, ByteSpan data) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  ASSERT_TRUE(f.good()) << path;
}

inline Bytes ReadFile(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

inline ReplicaId TestReplicaId(const SealParams& params, std::uint64_t seed, ByteSpan data) {
  ReplicaIdInputs in;
  in.provider_key = RandomHash(seed);
  in.deal_id = DealId(RandomHash(seed + 1));
  auto comm_d = ComputeCommD(data);
  EXPECT_TRUE(comm_d.ok());
  in.comm_d = *comm_d;
  in.ticket = RandomHash(seed + 2);
  in.params_id = params.Id();
  return DeriveReplicaId(in);
}

// Everything one sealed shard in a test needs.
struct SealedShard {
  SealParams params;
  Bytes data;
  ReplicaId replica_id;
  std::filesystem::path data_path, scratch, out;
  SealResult result;
};

// Seals `size` bytes of seeded data under dir; fails the test on error.
inline SealedShard SealTestShard(const TestDir& dir, const SealParams& params, std::uint64_t seed, std::size_t size,
                                 const std::string& name = "shard") {
  SealedShard s;
  s.params = params;
  s.data = RandomBytes(seed, size);
  s.replica_id = TestReplicaId(params, seed, s.data);
  s.data_path = dir / (name + ".data");
  s.scratch = dir / (name + ".scratch");
  s.out = dir / (name + ".out");
  WriteFile(s.data_path, s.data);
  auto r = Seal(params, s.replica_id, s.data_path, s.scratch, s.out);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (r.ok()) s.result = *r;
  return s;
}

}  // namespace cairn::proofs::testing
