// Sealing and unsealing: argument checks, crash recovery through the state files, the labelling run
// (layer_pipeline.h) and the final commitments.
#include "cairn/proofs/seal.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

#include "cairn/core/merkle.h"
#include "commitments.h"
#include "committer.h"
#include "file_io.h"
#include "graph.h"
#include "labels.h"
#include "layer_pipeline.h"
#include "node_buffer.h"
#include "seal_files.h"
#include "tree_file.h"

namespace cairn::proofs {
namespace {

constexpr std::size_t kIoChunk = std::size_t{1} << 20;

// dst[i] = src[i] XOR file byte i for i < len, where `file` has `size` bytes and reads as zeros past them; feeds the
// zero-padded file bytes to `builder` when non-null. dst may equal src.
Status XorFile(const File& file, std::uint64_t size, const std::uint8_t* src, std::uint8_t* dst, std::uint64_t len,
               MerkleBuilder* builder) {
  std::vector<std::uint8_t> chunk(kIoChunk);
  for (std::uint64_t off = 0; off < len; off += kIoChunk) {
    const std::size_t part = static_cast<std::size_t>(std::min<std::uint64_t>(kIoChunk, len - off));
    const std::size_t have = static_cast<std::size_t>(off < size ? std::min<std::uint64_t>(part, size - off) : 0);
    CAIRN_RETURN_IF_ERROR(file.ReadAt(off, MutableByteSpan(chunk.data(), have)));
    std::memset(chunk.data() + have, 0, part - have);
    if (builder != nullptr) CAIRN_RETURN_IF_ERROR(builder->AddNodes(ByteSpan(chunk.data(), part)));
    for (std::size_t i = 0; i < part; ++i) dst[off + i] = src[off + i] ^ chunk[i];
  }
  return Status::Ok();
}

// One shard of a SealMany call.
struct ShardRun {
  File data;
  std::uint64_t data_size = 0;
  SealState state;
  LabelHasher hasher;
  std::optional<MerkleTree> tree;  // the replica's, kept until its file is durable
};

// Opens the shard's data and its scratch state (a previous attempt's, when there is one).
Result<ShardRun> OpenShard(const SealParams& params, const ShardToSeal& shard) {
  if (shard.scratch_dir.empty() || shard.out_dir.empty()) return Status::InvalidArgument("seal: empty directory path");
  CAIRN_ASSIGN_OR_RETURN(File data, File::OpenRead(shard.data_path));
  CAIRN_ASSIGN_OR_RETURN(std::uint64_t data_size, data.Size());
  CAIRN_ASSIGN_OR_RETURN(std::uint64_t n, NodeCountForSize(data_size));
  CAIRN_RETURN_IF_ERROR(CreateDirs(shard.scratch_dir));
  CAIRN_RETURN_IF_ERROR(CreateDirs(shard.out_dir));
  ShardRun run{std::move(data), data_size, SealState{params.Id(), shard.replica_id, n, 0},
               LabelHasher(shard.replica_id), std::nullopt};
  CAIRN_ASSIGN_OR_RETURN(bool resuming, FileExists(StatePath(shard.scratch_dir)));
  if (resuming) {
    CAIRN_ASSIGN_OR_RETURN(Bytes bytes, ReadSmallFile(StatePath(shard.scratch_dir), 4096));
    CAIRN_ASSIGN_OR_RETURN(SealState old, DecodeSealState(bytes));
    if (old.params_id != run.state.params_id || old.replica_id != run.state.replica_id || old.node_count != n) {
      return Status::FailedPrecondition("seal: " + shard.scratch_dir.string() + " holds the state of another seal");
    }
    if (old.layers_done > params.layers) return Status::Corruption("seal state: layer count out of range");
    run.state.layers_done = old.layers_done;
  }
  return run;
}

// The spelling-independent form of a directory path ("a/./b/" -> "a/b"); symbolic links are not resolved.
std::filesystem::path NormalDir(const std::filesystem::path& dir) {
  std::filesystem::path p = dir.lexically_normal();
  return p.has_filename() ? p : p.parent_path();
}

bool AnyRepeated(std::span<const ShardToSeal> shards) {
  for (std::size_t i = 0; i < shards.size(); ++i) {
    for (std::size_t j = i + 1; j < shards.size(); ++j) {
      if (NormalDir(shards[i].scratch_dir) == NormalDir(shards[j].scratch_dir) ||
          NormalDir(shards[i].out_dir) == NormalDir(shards[j].out_dir)) {
        return true;
      }
    }
  }
  return false;
}

// Everything after the last layer: comm_c (streamed from layer files 1..L-1 and the key, still in lane.prev), comm_d,
// the replica (the key XORed with the data in place), its tree and the meta record, which the committer writes after
// the replica and the tree file. The replica stays in the lane, and the tree in `run`, until the committer is
// drained. REQUIRES: lane.cur released (the peak here is the replica and its tree: two layers' worth).
Result<SealResult> FinishShard(const ShardToSeal& shard, std::uint32_t layers, ShardRun& run, SealLane& lane,
                               Committer& committer) {
  const std::uint64_t n = run.state.node_count;
  SealResult result;
  result.params_id = run.state.params_id;
  result.replica_id = shard.replica_id;
  result.data_size = run.data_size;
  result.node_count = n;
  CAIRN_ASSIGN_OR_RETURN(result.comm_c,
                         StreamCommC(layers, n, std::span(lane.layer_files).first(layers - 1), lane.prev.data()));
  lane.layer_files.clear();

  MerkleBuilder data_tree;
  CAIRN_RETURN_IF_ERROR(XorFile(run.data, run.data_size, lane.prev.data(), lane.prev.data(), n * 32, &data_tree));
  CAIRN_ASSIGN_OR_RETURN(result.comm_d, data_tree.Finish());
  CAIRN_ASSIGN_OR_RETURN(MerkleTree tree, MerkleTree::Build(lane.prev.span()));
  run.tree = std::move(tree);
  result.comm_r_last = run.tree->root();
  result.comm_r = CommR(result.comm_c, result.comm_r_last);

  CAIRN_ASSIGN_OR_RETURN(TreeFileLayout tree_file, LayOutTreeFile(*run.tree));
  CommitJob job;
  // Storage proofs read a few replica nodes at a time: nothing gained by leaving it in the page cache.
  job.writes.push_back({ReplicaPath(shard.out_dir), {}, {lane.prev.span()}, true});
  job.writes.push_back({TreePath(shard.out_dir), std::move(tree_file.head), std::move(tree_file.levels), false});
  job.records.emplace_back(MetaPath(shard.out_dir), EncodeSealMeta(result));
  CAIRN_RETURN_IF_ERROR(committer.Submit(std::move(job)));
  return result;
}

}  // namespace

Result<Hash32> ComputeCommD(const std::filesystem::path& data_path) {
  CAIRN_ASSIGN_OR_RETURN(File f, File::OpenRead(data_path));
  CAIRN_ASSIGN_OR_RETURN(std::uint64_t size, f.Size());
  CAIRN_ASSIGN_OR_RETURN(std::uint64_t n, NodeCountForSize(size));
  MerkleBuilder builder;
  std::vector<std::uint8_t> chunk(kIoChunk);
  for (std::uint64_t off = 0; off < n * 32; off += kIoChunk) {
    const std::size_t len = static_cast<std::size_t>(std::min<std::uint64_t>(kIoChunk, n * 32 - off));
    const std::size_t have = static_cast<std::size_t>(std::min<std::uint64_t>(len, size - off));
    CAIRN_RETURN_IF_ERROR(f.ReadAt(off, MutableByteSpan(chunk.data(), have)));
    std::memset(chunk.data() + have, 0, len - have);
    CAIRN_RETURN_IF_ERROR(builder.AddNodes(ByteSpan(chunk.data(), len)));
  }
  return builder.Finish();
}

Result<Hash32> ComputeCommD(ByteSpan data) {
  CAIRN_ASSIGN_OR_RETURN(std::uint64_t n, NodeCountForSize(data.size()));
  MerkleBuilder builder;
  const std::size_t whole = data.size() / 32 * 32;
  if (whole > 0) CAIRN_RETURN_IF_ERROR(builder.AddNodes(data.first(whole)));
  if (whole < n * 32) {
    std::uint8_t last[32] = {};
    std::memcpy(last, data.data() + whole, data.size() - whole);
    CAIRN_RETURN_IF_ERROR(builder.AddNodes(ByteSpan(last, 32)));
  }
  return builder.Finish();
}

Result<std::vector<SealResult>> SealMany(const SealParams& params, std::span<const ShardToSeal> shards,
                                         const SealOptions& options) {
  CAIRN_RETURN_IF_ERROR(params.Validate());
  if (shards.empty() || shards.size() > kMaxShardsPerSeal) return Status::InvalidArgument("seal: 1 to 16 shards");
  if (AnyRepeated(shards)) return Status::InvalidArgument("seal: a scratch or out directory is used twice");
  std::vector<ShardRun> runs;
  runs.reserve(shards.size());
  std::uint32_t start = params.layers;
  for (const ShardToSeal& shard : shards) {
    CAIRN_ASSIGN_OR_RETURN(ShardRun run, OpenShard(params, shard));
    if (!runs.empty() && run.state.node_count != runs[0].state.node_count) {
      return Status::InvalidArgument("seal: the shards' node counts differ");
    }
    start = std::min(start, run.state.layers_done);
    runs.push_back(std::move(run));
  }
  const std::uint64_t n = runs[0].state.node_count;
  CAIRN_ASSIGN_OR_RETURN(Graph graph, Graph::Create(params.Id(), n));

  std::vector<SealLane> lanes(shards.size());
  for (std::size_t i = 0; i < shards.size(); ++i) {
    ShardRun& run = runs[i];
    SealLane& lane = lanes[i];
    // Layers 1..start are on disk: the column pass reads them at the end, the next layer's parents come from `start`.
    for (std::uint32_t l = 1; l <= start; ++l) {
      CAIRN_ASSIGN_OR_RETURN(File f, File::OpenRead(LayerPath(shards[i].scratch_dir, l)));
      lane.layer_files.push_back(std::move(f));
    }
    if (start >= 1) {
      CAIRN_ASSIGN_OR_RETURN(lane.prev, NodeBuffer::Allocate(n * 32));
      CAIRN_RETURN_IF_ERROR(ReadFileExact(LayerPath(shards[i].scratch_dir, start), lane.prev.span()));
    }
    lane.hasher = &run.hasher;
    lane.scratch_dir = shards[i].scratch_dir;
    lane.state = run.state;
  }
  Committer committer(options.background_commits);
  // The parent table streams through the first shard's scratch directory (an unnamed file: nothing to clean up).
  CAIRN_RETURN_IF_ERROR(
      LabelLayers(graph, params.layers, start, options.stop_after_layer, lanes, &committer, shards[0].scratch_dir));
  for (SealLane& lane : lanes) lane.cur.Release();

  std::vector<SealResult> results;
  for (std::size_t i = 0; i < shards.size(); ++i) {
    CAIRN_ASSIGN_OR_RETURN(SealResult r, FinishShard(shards[i], params.layers, runs[i], lanes[i], committer));
    results.push_back(r);
  }
  CAIRN_RETURN_IF_ERROR(committer.Drain());
  return results;
}

Result<SealResult> Seal(const SealParams& params, const ReplicaId& replica_id, const std::filesystem::path& data_path,
                        const std::filesystem::path& scratch_dir, const std::filesystem::path& out_dir,
                        const SealOptions& options) {
  const ShardToSeal shard{replica_id, data_path, scratch_dir, out_dir};
  CAIRN_ASSIGN_OR_RETURN(std::vector<SealResult> results, SealMany(params, std::span(&shard, 1), options));
  return results[0];
}

Result<SealResult> ReadSealResult(const std::filesystem::path& out_dir) {
  CAIRN_ASSIGN_OR_RETURN(Bytes bytes, ReadSmallFile(MetaPath(out_dir), 4096));
  return DecodeSealMeta(bytes);
}

Status Unseal(const SealParams& params, const ReplicaId& replica_id, const std::filesystem::path& replica_path,
              std::uint64_t data_size, const std::filesystem::path& out_path) {
  CAIRN_RETURN_IF_ERROR(params.Validate());
  CAIRN_ASSIGN_OR_RETURN(std::uint64_t n, NodeCountForSize(data_size));
  CAIRN_ASSIGN_OR_RETURN(File replica, File::OpenRead(replica_path));
  CAIRN_ASSIGN_OR_RETURN(std::uint64_t size, replica.Size());
  if (size != n * 32) return Status::InvalidArgument("unseal: replica size does not match the data size");
  CAIRN_ASSIGN_OR_RETURN(Graph graph, Graph::Create(params.Id(), n));
  const LabelHasher hasher(replica_id);
  SealLane lane;
  lane.hasher = &hasher;
  const std::filesystem::path out_dir = out_path.has_parent_path() ? out_path.parent_path() : ".";
  CAIRN_RETURN_IF_ERROR(LabelLayers(graph, params.layers, 0, 0, std::span(&lane, 1), nullptr, out_dir));
  lane.cur.Release();
  CAIRN_RETURN_IF_ERROR(XorFile(replica, size, lane.prev.data(), lane.prev.data(), size, nullptr));
  return WriteFileAtomic(out_path, ByteSpan(lane.prev.data(), static_cast<std::size_t>(data_size)));
}

Status DropScratch(const std::filesystem::path& scratch_dir) {
  for (std::uint32_t l = 1; l <= kMaxLayers; ++l) {
    std::filesystem::path p = LayerPath(scratch_dir, l);
    CAIRN_RETURN_IF_ERROR(RemoveFileIfExists(p));
    p += ".tmp";
    CAIRN_RETURN_IF_ERROR(RemoveFileIfExists(p));
  }
  std::filesystem::path state = StatePath(scratch_dir);
  CAIRN_RETURN_IF_ERROR(RemoveFileIfExists(state));
  state += ".tmp";
  return RemoveFileIfExists(state);
}

}  // namespace cairn::proofs
