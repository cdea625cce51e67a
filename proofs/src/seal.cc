// Sealing and unsealing: the layer loop, crash recovery through the state file, and the final commitments.
#include "cairn/proofs/seal.h"

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "cairn/core/merkle.h"
#include "commitments.h"
#include "file_io.h"
#include "graph.h"
#include "labels.h"
#include "node_buffer.h"
#include "seal_files.h"
#include "tree_file.h"

namespace cairn::proofs {
namespace {

constexpr std::size_t kIoChunk = std::size_t{1} << 20;

// Computes the key (last layer) into a buffer, starting after layer `done` (whose labels are on disk when
// done >= 1). When `scratch_dir` is empty no file is written (unseal).
Result<NodeBuffer> ComputeKey(const SealParams& params, const ReplicaId& replica_id, std::uint64_t n,
                              std::uint32_t done, const std::filesystem::path& scratch_dir, SealState* state,
                              std::uint32_t stop_after_layer) {
  CAIRN_ASSIGN_OR_RETURN(Graph graph, Graph::Create(params.Id(), n));
  const LabelHasher hasher(replica_id);
  NodeBuffer prev, cur;
  if (done >= 1) {
    CAIRN_ASSIGN_OR_RETURN(prev, NodeBuffer::Allocate(n * 32));
    CAIRN_RETURN_IF_ERROR(ReadFileExact(LayerPath(scratch_dir, done), prev.span()));
  }
  for (std::uint32_t l = done + 1; l <= params.layers; ++l) {
    if (cur.data() == nullptr) {
      CAIRN_ASSIGN_OR_RETURN(cur, NodeBuffer::Allocate(n * 32));
    }
    ComputeLayer(graph, hasher, l, l > 1 ? prev.data() : nullptr, cur.data());
    if (!scratch_dir.empty()) {
      CAIRN_RETURN_IF_ERROR(WriteFileAtomic(LayerPath(scratch_dir, l), cur.span()));
      state->layers_done = l;
      CAIRN_RETURN_IF_ERROR(WriteFileAtomic(StatePath(scratch_dir), EncodeSealState(*state)));
    }
    std::swap(prev, cur);
    if (stop_after_layer == l) return Status::Cancelled("seal stopped after layer " + std::to_string(l));
  }
  return prev;
}

// Reads `file` (size bytes, the rest of `buf` treated as zeros) in chunks and XORs it into buf; feeds the zero-
// padded bytes to `builder` when non-null.
Status XorFileInto(const File& file, std::uint64_t size, NodeBuffer& buf, MerkleBuilder* builder) {
  std::vector<std::uint8_t> chunk(kIoChunk);
  for (std::uint64_t off = 0; off < buf.size(); off += kIoChunk) {
    const std::size_t len = static_cast<std::size_t>(std::min<std::uint64_t>(kIoChunk, buf.size() - off));
    const std::size_t have = static_cast<std::size_t>(off < size ? std::min<std::uint64_t>(len, size - off) : 0);
    CAIRN_RETURN_IF_ERROR(file.ReadAt(off, MutableByteSpan(chunk.data(), have)));
    std::memset(chunk.data() + have, 0, len - have);
    if (builder != nullptr) CAIRN_RETURN_IF_ERROR(builder->AddNodes(ByteSpan(chunk.data(), len)));
    std::uint8_t* dst = buf.data() + off;
    for (std::size_t i = 0; i < len; ++i) dst[i] ^= chunk[i];
  }
  return Status::Ok();
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

Result<SealResult> Seal(const SealParams& params, const ReplicaId& replica_id, const std::filesystem::path& data_path,
                        const std::filesystem::path& scratch_dir, const std::filesystem::path& out_dir,
                        const SealOptions& options) {
  CAIRN_RETURN_IF_ERROR(params.Validate());
  if (scratch_dir.empty() || out_dir.empty()) return Status::InvalidArgument("seal: empty directory path");
  CAIRN_ASSIGN_OR_RETURN(File data, File::OpenRead(data_path));
  CAIRN_ASSIGN_OR_RETURN(std::uint64_t data_size, data.Size());
  CAIRN_ASSIGN_OR_RETURN(std::uint64_t n, NodeCountForSize(data_size));
  CAIRN_RETURN_IF_ERROR(CreateDirs(scratch_dir));
  CAIRN_RETURN_IF_ERROR(CreateDirs(out_dir));

  SealState state{params.Id(), replica_id, n, 0};
  CAIRN_ASSIGN_OR_RETURN(bool resuming, FileExists(StatePath(scratch_dir)));
  if (resuming) {
    CAIRN_ASSIGN_OR_RETURN(Bytes bytes, ReadSmallFile(StatePath(scratch_dir), 4096));
    CAIRN_ASSIGN_OR_RETURN(SealState old, DecodeSealState(bytes));
    if (old.params_id != state.params_id || old.replica_id != state.replica_id || old.node_count != n) {
      return Status::FailedPrecondition("seal: " + scratch_dir.string() + " holds the state of another seal");
    }
    if (old.layers_done > params.layers) return Status::Corruption("seal state: layer count out of range");
    state.layers_done = old.layers_done;
  }

  CAIRN_ASSIGN_OR_RETURN(NodeBuffer key, ComputeKey(params, replica_id, n, state.layers_done, scratch_dir, &state,
                                                    options.stop_after_layer));
  SealResult result;
  result.params_id = state.params_id;
  result.replica_id = replica_id;
  result.data_size = data_size;
  result.node_count = n;
  CAIRN_ASSIGN_OR_RETURN(result.comm_c, ComputeColumns(scratch_dir, params.layers, n, nullptr));

  // The key buffer becomes the replica in place: memory stays at one layer plus the tree.
  MerkleBuilder data_tree;
  CAIRN_RETURN_IF_ERROR(XorFileInto(data, data_size, key, &data_tree));
  CAIRN_ASSIGN_OR_RETURN(result.comm_d, data_tree.Finish());
  CAIRN_RETURN_IF_ERROR(WriteFileAtomic(ReplicaPath(out_dir), key.span()));
  {
    CAIRN_ASSIGN_OR_RETURN(MerkleTree tree, MerkleTree::Build(key.span()));
    key.Release();
    result.comm_r_last = tree.root();
    CAIRN_RETURN_IF_ERROR(WriteTreeFile(TreePath(out_dir), tree));
  }
  result.comm_r = CommR(result.comm_c, result.comm_r_last);
  CAIRN_RETURN_IF_ERROR(WriteFileAtomic(MetaPath(out_dir), EncodeSealMeta(result)));
  return result;
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
  SealState unused;
  CAIRN_ASSIGN_OR_RETURN(NodeBuffer key, ComputeKey(params, replica_id, n, 0, {}, &unused, 0));
  CAIRN_RETURN_IF_ERROR(XorFileInto(replica, size, key, nullptr));
  return WriteFileAtomic(out_path, ByteSpan(key.data(), static_cast<std::size_t>(data_size)));
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
