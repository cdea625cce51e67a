#include "column_hasher.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "cairn/core/sha256.h"
#include "cairn/proofs/params.h"
#include "domain.h"

namespace cairn::proofs {
namespace {

static_assert(sizeof(Sha256State) == 32, "one state per 32-byte node slot");

// Compresses block(i) into the state of each node i in [first, first + count), four nodes per Sha256Compress4.
// make_block(i, out) writes node i's 64-byte block. `states` holds the states as raw words (copied in and out, so the
// buffer needs no Sha256State objects).
template <typename MakeBlock>
void CompressEach(std::uint8_t* states, std::uint64_t first, std::uint64_t count, MakeBlock make_block) {
  alignas(64) std::uint8_t blocks[4][64];
  Sha256State s[4];
  Sha256State* const ptrs[4] = {&s[0], &s[1], &s[2], &s[3]};
  const std::uint8_t* const block_ptrs[4] = {blocks[0], blocks[1], blocks[2], blocks[3]};
  std::uint64_t i = first;
  const std::uint64_t end = first + count;
  for (; i + 4 <= end; i += 4) {
    for (int lane = 0; lane < 4; ++lane) {
      std::memcpy(&s[lane], states + 32 * (i + lane), 32);
      make_block(i + lane, blocks[lane]);
    }
    Sha256Compress4(ptrs, block_ptrs);
    for (int lane = 0; lane < 4; ++lane) std::memcpy(states + 32 * (i + lane), &s[lane], 32);
  }
  for (; i < end; ++i) {
    std::memcpy(&s[0], states + 32 * i, 32);
    make_block(i, blocks[0]);
    Sha256Compress(s[0], blocks[0], 1);
    std::memcpy(states + 32 * i, &s[0], 32);
  }
}

}  // namespace

Result<ColumnHasher> ColumnHasher::Create(std::uint32_t layers, std::uint64_t n) {
  if (layers < kMinLayers || layers > kMaxLayers) return Status::InvalidArgument("columns: bad layer count");
  if (n == 0 || n > kMaxNodeCount) return Status::InvalidArgument("columns: node count out of range");
  ColumnHasher h;
  h.layers_ = layers;
  h.n_ = n;
  CAIRN_ASSIGN_OR_RETURN(h.states_, NodeBuffer::Allocate(n * 32));
  h.Restart();
  return h;
}

void ColumnHasher::Restart() {
  const Sha256State iv = Sha256InitialState();
  for (std::uint64_t i = 0; i < n_; ++i) std::memcpy(states_.data() + 32 * i, &iv, 32);
}

void ColumnHasher::Absorb(std::uint32_t layer, const std::uint8_t* prev, const std::uint8_t* cur, std::uint64_t first,
                          std::uint64_t count) {
  std::uint8_t* states = states_.data();
  const std::uint64_t bits = (32 + 32 * std::uint64_t{layers_}) * 8;
  if (layer == 1) {
    const Hash32 tag = Tag32(kTagColumn);
    CompressEach(states, first, count, [&](std::uint64_t i, std::uint8_t* b) {
      std::memcpy(b, tag.data(), 32);
      std::memcpy(b + 32, cur + 32 * (i - first), 32);
    });
  } else if (layer % 2 == 1) {
    CompressEach(states, first, count, [&](std::uint64_t i, std::uint8_t* b) {
      std::memcpy(b, prev + 32 * (i - first), 32);
      std::memcpy(b + 32, cur + 32 * (i - first), 32);
    });
  }
  if (layer != layers_) return;
  // The message length is 32 (L + 1) bytes: for odd L a whole number of blocks, so padding is a block of its own;
  // for even L the last label shares its block with the padding.
  std::uint8_t pad[64] = {};
  if (layers_ % 2 == 1) {
    pad[0] = 0x80;
    PutBE64(pad + 56, bits);
    CompressEach(states, first, count, [&](std::uint64_t, std::uint8_t* b) { std::memcpy(b, pad, 64); });
  } else {
    pad[32] = 0x80;
    PutBE64(pad + 56, bits);
    CompressEach(states, first, count, [&](std::uint64_t i, std::uint8_t* b) {
      std::memcpy(b, cur + 32 * (i - first), 32);
      std::memcpy(b + 32, pad + 32, 32);
    });
  }
}

ByteSpan ColumnHasher::Finish() {
  std::uint8_t* states = states_.data();
  for (std::uint64_t i = 0; i < n_; ++i) {
    Sha256State s;
    std::memcpy(&s, states + 32 * i, 32);
    const Hash32 h = Sha256StateBytes(s);
    std::memcpy(states + 32 * i, h.data(), 32);
  }
  return ByteSpan(states, n_ * 32);
}

Status StreamColumnHashes(std::uint32_t layers, std::uint64_t n, std::span<const File> files, const std::uint8_t* last,
                          const ColumnSink& sink) {
  const std::uint32_t from_files = last != nullptr ? layers - 1 : layers;
  if (files.size() != from_files) return Status::InvalidArgument("columns: one file per layer not in memory");
  for (const File& f : files) {
    CAIRN_ASSIGN_OR_RETURN(std::uint64_t size, f.Size());
    if (size != n * 32) return Status::Corruption(f.path().string() + ": wrong size for the shard");
  }
  CAIRN_ASSIGN_OR_RETURN(ColumnHasher hasher, ColumnHasher::Create(layers, std::min(kColumnChunk, n)));
  std::vector<std::uint8_t> a(hasher.node_count() * 32), b(hasher.node_count() * 32);
  for (std::uint64_t first = 0; first < n; first += kColumnChunk) {
    const std::uint64_t count = std::min(kColumnChunk, n - first);
    hasher.Restart();
    const std::uint8_t* prev = nullptr;
    for (std::uint32_t l = 1; l <= layers; ++l) {
      const std::uint8_t* cur = nullptr;
      if (l <= from_files) {
        std::uint8_t* into = l % 2 == 1 ? a.data() : b.data();  // never the buffer `prev` points to
        CAIRN_RETURN_IF_ERROR(files[l - 1].ReadAt(first * 32, MutableByteSpan(into, count * 32)));
        cur = into;
      } else {
        cur = last + 32 * first;
      }
      hasher.Absorb(l, prev, cur, 0, count);
      prev = cur;
    }
    CAIRN_RETURN_IF_ERROR(sink(first, hasher.Finish().first(count * 32)));
  }
  return Status::Ok();
}

}  // namespace cairn::proofs
