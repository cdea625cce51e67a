#include "column_hasher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "cairn/core/merkle.h"
#include "commitments.h"
#include "file_io.h"
#include "proofs/proofs_test_util.h"
#include "seal_files.h"

namespace cairn::proofs {
namespace {

using testing::RandomBytes;
using testing::TestDir;

// layers[l] holds layer l + 1's n labels.
std::vector<Bytes> RandomLayers(std::uint64_t seed, std::uint32_t layers, std::uint64_t n) {
  std::vector<Bytes> out;
  for (std::uint32_t l = 0; l < layers; ++l) out.push_back(RandomBytes(seed * 100 + l, n * 32));
  return out;
}

// The reference: ColumnHash over each node's labels gathered into one buffer.
Bytes ReferenceColumns(const std::vector<Bytes>& layers, std::uint64_t n) {
  Bytes out(n * 32);
  Bytes column(layers.size() * 32);
  for (std::uint64_t i = 0; i < n; ++i) {
    for (std::size_t l = 0; l < layers.size(); ++l) std::copy_n(&layers[l][i * 32], 32, &column[l * 32]);
    const Hash32 h = ColumnHash(column);
    std::copy(h.begin(), h.end(), &out[i * 32]);
  }
  return out;
}

TEST(ColumnHasherTest, IncrementalColumnsMatchColumnHashForEveryLayerCount) {
  const std::uint64_t seed = 31;
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  for (std::uint32_t layers = kMinLayers; layers <= kMaxLayers; ++layers) {
    const std::uint64_t n = 1 + rng() % 40;  // odd and even counts, below and above one four-lane group
    const std::vector<Bytes> labels = RandomLayers(seed + layers, layers, n);
    auto h = ColumnHasher::Create(layers, n);
    ASSERT_TRUE(h.ok());
    // Absorb each layer in random ranges (as the seal's chunks), in layer order per node.
    for (std::uint32_t l = 1; l <= layers; ++l) {
      for (std::uint64_t first = 0; first < n;) {
        const std::uint64_t count = std::min<std::uint64_t>(n - first, 1 + rng() % 9);
        h->Absorb(l, l > 1 ? &labels[l - 2][first * 32] : nullptr, &labels[l - 1][first * 32], first, count);
        first += count;
      }
    }
    const ByteSpan got = h->Finish();
    EXPECT_EQ(Bytes(got.begin(), got.end()), ReferenceColumns(labels, n)) << "layers " << layers << " n " << n;
  }
}

// Writes the layers to dir/layer-NN and opens the first `count` of them.
std::vector<File> WriteLayers(const TestDir& dir, const std::vector<Bytes>& labels, std::size_t count) {
  std::vector<File> files;
  for (std::uint32_t l = 1; l <= labels.size(); ++l) {
    EXPECT_TRUE(WriteFileAtomic(LayerPath(dir.path(), l), labels[l - 1]).ok());
    if (l > count) continue;
    auto f = File::OpenRead(LayerPath(dir.path(), l));
    EXPECT_TRUE(f.ok());
    files.push_back(std::move(*f));
  }
  return files;
}

TEST(ColumnHasherTest, StreamedColumnsMatchTheReference) {
  // More than one chunk and a partial one; odd and even layer counts; the last layer from a file or from memory.
  TestDir dir;
  for (std::uint32_t layers : {2u, 5u}) {
    const std::uint64_t n = kColumnChunk + 3001;
    const std::vector<Bytes> labels = RandomLayers(7 + layers, layers, n);
    const Bytes want = ReferenceColumns(labels, n);
    for (bool last_in_memory : {false, true}) {
      SCOPED_TRACE("layers " + std::to_string(layers) + (last_in_memory ? " last in memory" : " all from files"));
      const std::vector<File> files = WriteLayers(dir, labels, last_in_memory ? layers - 1 : layers);
      Bytes got(n * 32);
      std::uint64_t next = 0;
      const Status s = StreamColumnHashes(layers, n, files, last_in_memory ? labels.back().data() : nullptr,
                                          [&](std::uint64_t first, ByteSpan hashes) {
                                            EXPECT_EQ(first, next);  // in order, no gap
                                            std::copy(hashes.begin(), hashes.end(), &got[first * 32]);
                                            next = first + hashes.size() / 32;
                                            return Status::Ok();
                                          });
      ASSERT_TRUE(s.ok()) << s.ToString();
      EXPECT_EQ(next, n);
      EXPECT_EQ(got, want);
      auto root = StreamCommC(layers, n, files, last_in_memory ? labels.back().data() : nullptr);
      ASSERT_TRUE(root.ok());
      EXPECT_EQ(*root, *MerkleRoot(want));
    }
    auto all = ComputeColumns(dir.path(), layers, n);
    ASSERT_TRUE(all.ok());
    EXPECT_EQ(Bytes(all->span().begin(), all->span().end()), want);
  }
}

TEST(ColumnHasherTest, BadArgumentsAndFilesAreErrors) {
  TestDir dir;
  EXPECT_FALSE(ColumnHasher::Create(kMinLayers - 1, 10).ok());
  EXPECT_FALSE(ColumnHasher::Create(kMaxLayers + 1, 10).ok());
  EXPECT_FALSE(ColumnHasher::Create(3, 0).ok());
  const std::vector<Bytes> labels = RandomLayers(3, 3, 10);
  const std::vector<File> files = WriteLayers(dir, labels, 3);
  auto ok_sink = [](std::uint64_t, ByteSpan) { return Status::Ok(); };
  // One file too many or too few for where the last layer comes from.
  EXPECT_EQ(StreamColumnHashes(3, 10, files, labels[2].data(), ok_sink).code(), Code::kInvalidArgument);
  EXPECT_EQ(StreamColumnHashes(3, 10, std::span(files).first(2), nullptr, ok_sink).code(), Code::kInvalidArgument);
  // Files of another node count.
  EXPECT_EQ(StreamColumnHashes(3, 11, files, nullptr, ok_sink).code(), Code::kCorruption);
  // A failing sink stops the stream with its error.
  EXPECT_EQ(
      StreamColumnHashes(3, 10, files, nullptr, [](std::uint64_t, ByteSpan) { return Status::IOError("x"); }).code(),
      Code::kIOError);
  EXPECT_FALSE(ComputeColumns(dir.path(), 4, 10).ok());  // no layer-04
}

}  // namespace
}  // namespace cairn::proofs
