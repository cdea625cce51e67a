// Spool shards (SpoolSink / SpoolSource) under the fault-injecting Env: a failed write, sync, rename or directory
// sync at any point, then a power loss, never leaves a partial shard under a shard's final name.
#include "spool.h"

#include <gtest/gtest.h>

#include <random>

#include "cairn/core/fault_injection_env.h"
#include "cairn/core/temp_dir.h"
#include "decoder.h"
#include "encoder.h"
#include "memory_shards.h"

namespace cairn::client {
namespace {

constexpr int kK = 4;
constexpr int kM = 2;

Bytes Data() {
  std::mt19937_64 rng(31);  // seed 31
  Bytes b(3 * 5000 + 123);
  for (auto& x : b) x = static_cast<std::uint8_t>(rng());
  return b;
}

EncodeOptions Options() {
  EncodeOptions o;
  o.params = {kK, kM, 5000, 256};
  o.threads = 1;
  o.stripes_per_batch = 2;
  return o;
}

StreamHeader Header() {
  StreamHeader h;
  h.chunk_size = 256 - kAeadTagSize;
  h.nonce.fill(3);
  return h;
}

Result<FileCoding> EncodeTo(ShardSink& sink) {
  Bytes data = Data();
  MemoryInput in(data);
  Bytes key(kAeadKeySize, 5);
  return EncodeFileWithHeader(in, key, Header(), Options(), sink);
}

TEST(SpoolTest, RoundTripsThroughFiles) {
  auto dir = TempDir::Create("spool");
  ASSERT_TRUE(dir.ok());
  SpoolSink sink(Env::Default(), dir->path());
  auto coding = EncodeTo(sink);
  ASSERT_TRUE(coding.ok()) << coding.status().ToString();
  SpoolSource source(Env::Default(), dir->path());
  MemoryOutput out;
  Bytes key(kAeadKeySize, 5);
  auto r = DecodeFile(*coding, key, source, out, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(out.bytes, Data());
  EXPECT_EQ(OpenFileShard(Env::Default(), SpoolShardPath(dir->path(), 9, 0)).status().code(), Code::kNotFound);
}

TEST(SpoolTest, EveryInjectedFaultThenPowerLossLeavesOnlyCompleteShards) {
  // The reference shards, in memory.
  MemoryShards reference;
  auto ref_coding = EncodeTo(reference);
  ASSERT_TRUE(ref_coding.ok());
  const std::uint32_t segments = static_cast<std::uint32_t>(ref_coding->segments.size());

  // Count the operations of a clean run, then fail each one in turn.
  int total[kFaultOpCount] = {};
  {
    auto dir = TempDir::Create("spool");
    ASSERT_TRUE(dir.ok());
    FaultInjectionEnv env;
    SpoolSink sink(&env, dir->path());
    ASSERT_TRUE(EncodeTo(sink).ok());
    for (int op = 0; op < kFaultOpCount; ++op) total[op] = env.Count(static_cast<FaultOp>(op));
    ASSERT_GT(total[static_cast<int>(FaultOp::kSync)], 0);
  }
  int cases = 0;
  for (FaultOp op : {FaultOp::kCreate, FaultOp::kWrite, FaultOp::kSync, FaultOp::kRename, FaultOp::kSyncDir}) {
    for (int n = 1; n <= total[static_cast<int>(op)]; ++n) {
      SCOPED_TRACE("op " + std::to_string(static_cast<int>(op)) + " n " + std::to_string(n));
      auto dir = TempDir::Create("spool");
      ASSERT_TRUE(dir.ok());
      FaultInjectionEnv env;
      env.FailNth(op, n);
      {
        SpoolSink sink(&env, dir->path());
        auto r = EncodeTo(sink);
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.status().code(), Code::kIOError) << r.status().ToString();
      }
      ASSERT_TRUE(env.DropUnsyncedData().ok());
      for (std::uint32_t s = 0; s < segments; ++s) {
        for (int j = 0; j < kK + kM; ++j) {
          std::string path = SpoolShardPath(dir->path(), s, j);
          if (!Env::Default()->FileExists(path)) continue;
          auto bytes = ReadFileToBytes(Env::Default(), path, 1 << 20);
          ASSERT_TRUE(bytes.ok());
          EXPECT_EQ(*bytes, *reference.Find(s, j)) << "partial shard under its final name: " << path;
        }
      }
      ++cases;
    }
  }
  EXPECT_GT(cases, 20);
}

TEST(SpoolTest, CommittedShardsSurvivePowerLoss) {
  auto dir = TempDir::Create("spool");
  ASSERT_TRUE(dir.ok());
  FaultInjectionEnv env;
  MemoryShards reference;
  ASSERT_TRUE(EncodeTo(reference).ok());
  {
    SpoolSink sink(&env, dir->path());
    ASSERT_TRUE(EncodeTo(sink).ok());
  }
  ASSERT_TRUE(env.DropUnsyncedData().ok());
  EXPECT_EQ(reference.count(), 4u * (kK + kM));
  for (std::uint32_t s = 0; s < 4; ++s) {
    for (int j = 0; j < kK + kM; ++j) {
      auto bytes = ReadFileToBytes(Env::Default(), SpoolShardPath(dir->path(), s, j), 1 << 20);
      ASSERT_TRUE(bytes.ok()) << "segment " << s << " shard " << j << ": " << bytes.status().ToString();
      EXPECT_EQ(*bytes, *reference.Find(s, j));
    }
  }
}

TEST(SpoolTest, VolatileSpoolNeverSyncsButNeverShowsPartialShards) {
  auto dir = TempDir::Create("spool");
  ASSERT_TRUE(dir.ok());
  FaultInjectionEnv env;
  SpoolSink sink(&env, dir->path(), SpoolDurability::kVolatile);
  auto coding = EncodeTo(sink);
  ASSERT_TRUE(coding.ok()) << coding.status().ToString();
  EXPECT_EQ(env.Count(FaultOp::kSync), 0);
  EXPECT_EQ(env.Count(FaultOp::kSyncDir), 0);
  SpoolSource source(Env::Default(), dir->path());
  MemoryOutput out;
  Bytes key(kAeadKeySize, 5);
  ASSERT_TRUE(DecodeFile(*coding, key, source, out, {}).ok());
  EXPECT_EQ(out.bytes, Data());
  // A write failing midway leaves no shard under its final name for that shard, and no temp file behind.
  auto dir2 = TempDir::Create("spool");
  ASSERT_TRUE(dir2.ok());
  FaultInjectionEnv env2;
  env2.FailNth(FaultOp::kWrite, 5);
  {
    SpoolSink sink2(&env2, dir2->path(), SpoolDurability::kVolatile);
    EXPECT_EQ(EncodeTo(sink2).status().code(), Code::kIOError);
  }
  auto names = Env::Default()->ListDir(dir2->path());
  ASSERT_TRUE(names.ok());
  for (const std::string& n : *names) EXPECT_EQ(n.find(".part"), std::string::npos) << n;
}

}  // namespace
}  // namespace cairn::client
