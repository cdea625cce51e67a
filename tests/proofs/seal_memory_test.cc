// A seal's (and an unseal's) memory stays near two layers (prev and cur) whatever the layer count (seal.h): checked
// exactly through the NodeBuffer counters (no shard-sized buffer beyond the two layers per shard), and as resident
// memory (the peak RSS during a seal, reset through /proc/self/clear_refs), neither of which depends on timing.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "cairn/proofs/seal.h"
#include "layer_pipeline.h"
#include "node_buffer.h"
#include "parent_table.h"
#include "proofs/proofs_test_util.h"

namespace cairn::proofs {
namespace {

using testing::RandomBytes;
using testing::RandomHash;
using testing::TestDir;
using testing::TestParams;
using testing::WriteFile;

// What a seal may map beyond two layers per shard: one chunk of parent rows, or the column pass's states.
std::size_t ChunkAllowance() {
  return std::max(NodeBuffer::MappedSize(kChunkNodes * kParentRowBytes), NodeBuffer::MappedSize(16384 * 32));
}

ShardToSeal WriteShard(const TestDir& dir, const std::string& name, std::uint64_t seed, std::size_t size) {
  ShardToSeal s{ReplicaId(RandomHash(seed)), dir / (name + ".data"), dir / (name + ".scratch"), dir / (name + ".out")};
  WriteFile(s.data_path, RandomBytes(seed, size));
  return s;
}

// The most NodeBuffer bytes mapped at once during f(), beyond those mapped before it.
template <typename F>
std::size_t PeakMappedDuring(F f) {
  const std::size_t before = NodeBuffer::LiveBytes();
  NodeBuffer::ResetPeak();
  f();
  return NodeBuffer::PeakBytes() - before;
}

TEST(SealMemoryTest, BuffersAreTwoLayersPerShardWhateverTheLayerCount) {
  // 4 MiB shards (four chunks): the old pipeline mapped a third layer for column states and n * 56 bytes of parent
  // table on top of the two layers.
  TestDir dir;
  const std::size_t size = std::size_t{4} << 20;
  const std::size_t layer = NodeBuffer::MappedSize(size);
  for (std::uint32_t layers : {2u, 5u}) {
    SCOPED_TRACE("layers " + std::to_string(layers));
    const std::string name = "one" + std::to_string(layers);
    const ShardToSeal s = WriteShard(dir, name, 10 + layers, size);
    const std::size_t peak = PeakMappedDuring([&] {
      auto r = Seal(TestParams(layers), s.replica_id, s.data_path, s.scratch_dir, s.out_dir);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
    });
    EXPECT_GE(peak, 2 * layer);  // the counters see the two layers
    EXPECT_LE(peak, 2 * layer + ChunkAllowance());
    // Unsealing recomputes the layers the same way.
    const std::size_t unseal_peak = PeakMappedDuring([&] {
      const Status st = Unseal(TestParams(layers), s.replica_id, s.out_dir / "replica", size, dir / (name + ".back"));
      ASSERT_TRUE(st.ok()) << st.ToString();
    });
    EXPECT_GE(unseal_peak, 2 * layer);
    EXPECT_LE(unseal_peak, 2 * layer + ChunkAllowance());
  }
  // A resumed seal (one layer read back, the parent rows recomputed into the file) and two shards at once.
  const ShardToSeal a = WriteShard(dir, "a", 21, size), b = WriteShard(dir, "b", 22, size);
  SealOptions stop;
  stop.stop_after_layer = 2;
  ASSERT_EQ(Seal(TestParams(4), a.replica_id, a.data_path, a.scratch_dir, a.out_dir, stop).status().code(),
            Code::kCancelled);
  const std::size_t peak = PeakMappedDuring([&] {
    auto r = SealMany(TestParams(4), std::vector<ShardToSeal>{a, b});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  });
  EXPECT_GE(peak, 4 * layer);
  EXPECT_LE(peak, 4 * layer + ChunkAllowance());
}

// A field of /proc/self/status in KiB ("VmHWM", "VmRSS"), or -1.
long StatusKiB(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

TEST(SealMemoryTest, ResidentPeakIsNearTwiceTheShard) {
  // Everything a seal touches counts here (the replica's tree, I/O buffers, malloc), not only NodeBuffers. The
  // allowance is generous (8 MiB over 2x an 8 MiB shard); the old pipeline peaked at 4.75x (38 MiB).
  {
    std::ofstream reset("/proc/self/clear_refs");
    reset << "5";  // resets VmHWM to the current RSS (Linux >= 4.0)
    if (!reset.good()) GTEST_SKIP() << "cannot reset the RSS peak here";
  }
  TestDir dir;
  const std::size_t size = std::size_t{8} << 20;
  const ShardToSeal s = WriteShard(dir, "s", 31, size);
  for (std::uint32_t layers : {3u, 6u}) {
    SCOPED_TRACE("layers " + std::to_string(layers));
    std::filesystem::remove_all(s.scratch_dir);
    {
      std::ofstream reset("/proc/self/clear_refs");
      reset << "5";
    }
    const long before = StatusKiB("VmRSS");
    auto r = Seal(TestParams(layers), s.replica_id, s.data_path, s.scratch_dir, s.out_dir);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    const long peak = StatusKiB("VmHWM");
    ASSERT_GT(before, 0);
    ASSERT_GE(peak, before);
    const double grew_mib = static_cast<double>(peak - before) / 1024;
    RecordProperty("peak_growth_MiB_layers_" + std::to_string(layers), std::to_string(grew_mib));
    EXPECT_GE(grew_mib, 2 * 8 - 1);  // the two layers were resident
    EXPECT_LE(grew_mib, 2 * 8 + 8);
  }
}

}  // namespace
}  // namespace cairn::proofs
