// SealMany (several shards interleaved on one core) against single seals, and the chunked seal pipeline against a
// plain whole-layer reference at sizes spanning several 1 MiB chunks.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "cairn/core/merkle.h"
#include "cairn/proofs/seal.h"
#include "commitments.h"
#include "file_io.h"
#include "graph.h"
#include "labels.h"
#include "layer_pipeline.h"
#include "proofs/proofs_test_util.h"
#include "seal_files.h"

namespace cairn::proofs {
namespace {

using testing::RandomBytes;
using testing::RandomHash;
using testing::ReadFile;
using testing::TestDir;
using testing::TestParams;
using testing::WriteFile;

// prefix + i, built with += (gcc 12 warns falsely, -Wrestrict, on "literal" + std::string).
std::string Name(const char* prefix, std::size_t i) {
  std::string s = prefix;
  s += std::to_string(i);
  return s;
}

ShardToSeal MakeShard(const TestDir& dir, const std::string& name, std::uint64_t seed, std::size_t size) {
  ShardToSeal s{ReplicaId(RandomHash(seed)), dir / (name + ".data"), dir / (name + ".scratch"), dir / (name + ".out")};
  WriteFile(s.data_path, RandomBytes(seed, size));
  return s;
}

ShardToSeal ElsewhereCopy(const ShardToSeal& s, const std::string& suffix) {
  ShardToSeal c = s;
  c.scratch_dir += suffix;
  c.out_dir += suffix;
  return c;
}

void ExpectSameFiles(const ShardToSeal& a, const ShardToSeal& b, std::uint32_t layers) {
  for (const char* f : {"replica", "tree-r", "meta"}) {
    EXPECT_EQ(ReadFile(a.out_dir / f), ReadFile(b.out_dir / f)) << f;
  }
  for (std::uint32_t l = 1; l <= layers; ++l) {
    EXPECT_EQ(ReadFile(LayerPath(a.scratch_dir, l)), ReadFile(LayerPath(b.scratch_dir, l))) << "layer " << l;
  }
  EXPECT_EQ(ReadFile(StatePath(a.scratch_dir)), ReadFile(StatePath(b.scratch_dir)));
}

void ExpectSameResult(const SealResult& a, const SealResult& b) {
  EXPECT_EQ(a.comm_r, b.comm_r);
  EXPECT_EQ(a.comm_c, b.comm_c);
  EXPECT_EQ(a.comm_d, b.comm_d);
  EXPECT_EQ(a.comm_r_last, b.comm_r_last);
  EXPECT_EQ(a.data_size, b.data_size);
  EXPECT_EQ(a.node_count, b.node_count);
  EXPECT_EQ(a.replica_id, b.replica_id);
}

TEST(SealManyTest, OneToSixteenShardsMatchSingleSeals) {
  // Two to eight shards take the SHA-NI lanes (in groups of four), nine to sixteen the sixteen-lane AVX-512 kernel
  // (labels.h, kMinLanes16).
  TestDir dir;
  const auto params = TestParams(3);
  // Sizes differ but give the same node count (94); the last node of each is zero-padded differently.
  std::vector<ShardToSeal> singles;
  std::vector<SealResult> want;
  for (std::size_t i = 0; i < kMaxShardsPerSeal; ++i) {
    const std::size_t size = 2977 + (i * 7) % 32;  // 93 * 32 < size <= 94 * 32
    singles.push_back(MakeShard(dir, Name("s", i), 40 + i, size));
    auto r = Seal(params, singles[i].replica_id, singles[i].data_path, singles[i].scratch_dir, singles[i].out_dir);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    want.push_back(*r);
  }
  for (std::size_t count = 1; count <= kMaxShardsPerSeal; ++count) {
    SCOPED_TRACE(Name("shards ", count));
    std::vector<ShardToSeal> many;
    for (std::size_t i = 0; i < count; ++i) many.push_back(ElsewhereCopy(singles[i], Name("-many", count)));
    SealOptions options;
    options.background_commits = count % 2 == 0;
    auto got = SealMany(params, many, options);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_EQ(got->size(), count);
    for (std::size_t i = 0; i < count; ++i) {
      SCOPED_TRACE(Name("shard ", i));
      ExpectSameResult((*got)[i], want[i]);
      ExpectSameFiles(many[i], singles[i], params.layers);
    }
  }
}

// Seal's commitments recomputed the plain way: whole layers, ColumnHash per node, Merkle roots over full buffers.
SealResult ReferenceSeal(const SealParams& params, const ReplicaId& id, const Bytes& data) {
  const std::uint64_t n = (data.size() + 31) / 32;
  auto graph = Graph::Create(params.Id(), n);
  EXPECT_TRUE(graph.ok());
  const LabelHasher hasher(id);
  std::vector<Bytes> layers(params.layers, Bytes(n * 32));
  for (std::uint32_t l = 1; l <= params.layers; ++l) {
    ComputeLayer(*graph, hasher, l, l > 1 ? layers[l - 2].data() : nullptr, layers[l - 1].data());
  }
  Bytes columns(n * 32), column(params.layers * 32), padded(n * 32), replica(n * 32);
  for (std::uint64_t i = 0; i < n; ++i) {
    for (std::uint32_t l = 0; l < params.layers; ++l) std::copy_n(&layers[l][i * 32], 32, &column[l * 32]);
    const Hash32 h = ColumnHash(column);
    std::copy(h.begin(), h.end(), &columns[i * 32]);
  }
  std::copy(data.begin(), data.end(), padded.begin());
  for (std::size_t i = 0; i < replica.size(); ++i) replica[i] = padded[i] ^ layers.back()[i];
  SealResult r;
  r.comm_c = *MerkleRoot(columns);
  r.comm_d = *MerkleRoot(padded);
  r.comm_r_last = *MerkleRoot(replica);
  r.comm_r = CommR(r.comm_c, r.comm_r_last);
  return r;
}

TEST(SealManyTest, SealsLargerThanOneChunkMatchThePlainReference) {
  // One 1 MiB chunk and a partial, odd one: the seal pipeline's chunks and the replica's 1 MiB reads both wrap.
  TestDir dir;
  const auto params = TestParams(2);
  const std::size_t size = (kChunkNodes + 1001) * 32 - 7;
  const ShardToSeal a = MakeShard(dir, "a", 61, size);
  const ShardToSeal b = MakeShard(dir, "b", 62, size - 20);
  auto got = SealMany(params, std::vector<ShardToSeal>{a, b});
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  for (int i = 0; i < 2; ++i) {
    const ShardToSeal& s = i == 0 ? a : b;
    const SealResult ref = ReferenceSeal(params, s.replica_id, ReadFile(s.data_path));
    EXPECT_EQ((*got)[i].comm_c, ref.comm_c) << i;
    EXPECT_EQ((*got)[i].comm_d, ref.comm_d) << i;
    EXPECT_EQ((*got)[i].comm_r_last, ref.comm_r_last) << i;
    EXPECT_EQ((*got)[i].comm_r, ref.comm_r) << i;
  }
  ASSERT_TRUE(Unseal(params, b.replica_id, b.out_dir / "replica", size - 20, dir / "b.back").ok());
  EXPECT_EQ(ReadFile(dir / "b.back"), ReadFile(b.data_path));
}

TEST(LayerPipelineTest, SmallChunksMatchWholeLayers) {
  // Chunk sizes from 1 node to more than the layer, one to four lanes, started fresh or after layer 1, the parent
  // table streamed through a file (a window of one chunk) or in memory: labels equal the whole-layer computation;
  // where files are written (fsyncs are slow: three runs only), the layer files, the states and the comm_c streamed
  // through the lanes' read handles too. With >= 4 chunks an inline commit happens in the middle of the next layer.
  TestDir dir;
  const std::uint32_t layers = 3;
  const std::uint64_t n = 203;
  auto graph = Graph::Create(SealParams().Id(), n);
  ASSERT_TRUE(graph.ok());
  std::vector<LabelHasher> hashers;
  std::vector<std::vector<Bytes>> ref(4);  // ref[lane][l - 1]
  std::vector<Hash32> ref_comm_c;
  for (int lane = 0; lane < 4; ++lane) {
    hashers.emplace_back(ReplicaId(RandomHash(500 + lane)));
    ref[lane].assign(layers, Bytes(n * 32));
    for (std::uint32_t l = 1; l <= layers; ++l) {
      ComputeLayer(*graph, hashers[lane], l, l > 1 ? ref[lane][l - 2].data() : nullptr, ref[lane][l - 1].data());
    }
    Bytes columns(n * 32), column(layers * 32);
    for (std::uint64_t i = 0; i < n; ++i) {
      for (std::uint32_t l = 0; l < layers; ++l) std::copy_n(&ref[lane][l][i * 32], 32, &column[l * 32]);
      const Hash32 h = ColumnHash(column);
      std::copy(h.begin(), h.end(), &columns[i * 32]);
    }
    ref_comm_c.push_back(*MerkleRoot(columns));
  }
  int run = 0;
  for (std::uint64_t chunk : {1u, 7u, 50u, 51u, 203u, 1000u}) {
    for (int k = 1; k <= 4; ++k) {
      for (std::uint32_t start : {0u, 1u}) {
        // Files in three runs: five chunks per layer with inline commits (one mid-layer), the same resumed with
        // background commits, and one chunk per layer (commits at layer ends) in background.
        const bool files = (chunk == 50 && k == 4) || (chunk == 1000 && k == 1 && start == 1);
        const bool streamed = k != 2;
        SCOPED_TRACE("chunk " + std::to_string(chunk) + " lanes " + std::to_string(k) + " start " +
                     std::to_string(start) + (streamed ? " parents streamed" : " parents in memory"));
        const std::filesystem::path parents_dir = streamed ? dir / Name("parents", run) : std::filesystem::path();
        if (streamed) {
          ASSERT_TRUE(std::filesystem::create_directories(parents_dir));
        }
        std::vector<SealLane> lanes(k);
        for (int i = 0; i < k; ++i) {
          if (start >= 1) {
            auto prev = NodeBuffer::Allocate(n * 32);
            ASSERT_TRUE(prev.ok());
            lanes[i].prev = std::move(*prev);
            std::copy(ref[i][0].begin(), ref[i][0].end(), lanes[i].prev.data());
          }
          lanes[i].hasher = &hashers[i];
          lanes[i].state.node_count = n;
          if (files) {
            lanes[i].scratch_dir = dir / Name("run", run * 4 + i);
            ASSERT_TRUE(std::filesystem::create_directories(lanes[i].scratch_dir));
            if (start >= 1) {  // a resumed caller hands over the layers already on disk
              ASSERT_TRUE(WriteFileAtomic(LayerPath(lanes[i].scratch_dir, 1), ref[i][0]).ok());
              auto f = File::OpenRead(LayerPath(lanes[i].scratch_dir, 1));
              ASSERT_TRUE(f.ok());
              lanes[i].layer_files.push_back(std::move(*f));
            }
          }
        }
        ++run;
        Committer committer(start == 1 || chunk == 1000);
        ASSERT_TRUE(
            LabelLayers(*graph, layers, start, 0, lanes, files ? &committer : nullptr, parents_dir, chunk).ok());
        if (files) {  // the read handles work before the committer has renamed every file
          for (int i = 0; i < k; ++i) {
            ASSERT_EQ(lanes[i].layer_files.size(), layers);
            auto comm_c =
                StreamCommC(layers, n, std::span(lanes[i].layer_files).first(layers - 1), lanes[i].prev.data());
            ASSERT_TRUE(comm_c.ok());
            EXPECT_EQ(*comm_c, ref_comm_c[i]) << i;
          }
        }
        ASSERT_TRUE(committer.Drain().ok());
        if (streamed) {
          EXPECT_TRUE(std::filesystem::is_empty(parents_dir));  // the parent file has no name
        }
        for (int i = 0; i < k; ++i) {
          EXPECT_EQ(Bytes(lanes[i].prev.span().begin(), lanes[i].prev.span().end()), ref[i][layers - 1]) << i;
          if (!files) continue;
          for (std::uint32_t l = start + 1; l <= layers; ++l) {
            EXPECT_EQ(ReadFile(LayerPath(lanes[i].scratch_dir, l)), ref[i][l - 1]) << "lane " << i << " layer " << l;
          }
          auto state = DecodeSealState(ReadFile(StatePath(lanes[i].scratch_dir)));
          ASSERT_TRUE(state.ok());
          EXPECT_EQ(state->layers_done, layers);
        }
      }
    }
  }
}

TEST(SealManyTest, ResumesShardsStoppedAtDifferentLayers) {
  TestDir dir;
  const auto params = TestParams(4);
  std::vector<ShardToSeal> refs, shards;
  std::vector<SealResult> want;
  for (int i = 0; i < 3; ++i) {
    refs.push_back(MakeShard(dir, Name("r", i), 70 + i, 5000));
    auto r = Seal(params, refs[i].replica_id, refs[i].data_path, refs[i].scratch_dir, refs[i].out_dir);
    ASSERT_TRUE(r.ok());
    want.push_back(*r);
    shards.push_back(ElsewhereCopy(refs[i], "-resumed"));
  }
  // Shard 0 never started, shard 1 stopped after layer 1, shard 2 after layer 3.
  for (int i = 1; i < 3; ++i) {
    SealOptions opt;
    opt.stop_after_layer = static_cast<std::uint32_t>(2 * i - 1);
    auto r = Seal(params, shards[i].replica_id, shards[i].data_path, shards[i].scratch_dir, shards[i].out_dir, opt);
    ASSERT_EQ(r.status().code(), Code::kCancelled);
  }
  // A stopped SealMany leaves all three durable after layer 2.
  SealOptions opt;
  opt.stop_after_layer = 2;
  opt.background_commits = true;
  EXPECT_EQ(SealMany(params, shards, opt).status().code(), Code::kCancelled);
  for (int i = 0; i < 3; ++i) {
    auto state = DecodeSealState(ReadFile(StatePath(shards[i].scratch_dir)));
    ASSERT_TRUE(state.ok());
    EXPECT_EQ(state->layers_done, 2u) << i;
  }
  auto got = SealMany(params, shards);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  for (int i = 0; i < 3; ++i) {
    SCOPED_TRACE(Name("shard ", i));
    ExpectSameResult((*got)[i], want[i]);
    ExpectSameFiles(shards[i], refs[i], params.layers);
  }
}

TEST(SealManyTest, BadShardSetsAreErrors) {
  TestDir dir;
  const auto params = TestParams(2);
  std::vector<ShardToSeal> too_many;  // kMaxShardsPerSeal + 1
  for (std::size_t i = 0; i <= kMaxShardsPerSeal; ++i) too_many.push_back(MakeShard(dir, Name("f", i), 80 + i, 640));
  EXPECT_EQ(SealMany(params, std::span<const ShardToSeal>()).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(SealMany(params, too_many).status().code(), Code::kInvalidArgument);
  const ShardToSeal other_size = MakeShard(dir, "big", 90, 672);  // 21 nodes, not 20
  EXPECT_EQ(SealMany(params, std::vector<ShardToSeal>{too_many[0], other_size}).status().code(),
            Code::kInvalidArgument);
  ShardToSeal same_scratch = too_many[1];
  same_scratch.scratch_dir = too_many[0].scratch_dir;
  EXPECT_EQ(SealMany(params, std::vector<ShardToSeal>{too_many[0], same_scratch}).status().code(),
            Code::kInvalidArgument);
  ShardToSeal same_out = too_many[1];
  same_out.out_dir = dir / "f0.out" / ".";
  EXPECT_EQ(SealMany(params, std::vector<ShardToSeal>{too_many[0], same_out}).status().code(), Code::kInvalidArgument);
  // One shard's scratch holding another seal's state fails the whole call.
  ASSERT_TRUE(
      Seal(params, too_many[2].replica_id, too_many[2].data_path, too_many[2].scratch_dir, too_many[2].out_dir).ok());
  ShardToSeal stranger = too_many[3];
  stranger.scratch_dir = too_many[2].scratch_dir;
  EXPECT_EQ(SealMany(params, std::vector<ShardToSeal>{too_many[4], stranger}).status().code(),
            Code::kFailedPrecondition);
}

}  // namespace
}  // namespace cairn::proofs
