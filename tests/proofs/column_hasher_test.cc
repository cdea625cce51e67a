#include "column_hasher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

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

TEST(ColumnHasherTest, FromFilesMatchesInMemoryAfterAnyPrefix) {
  TestDir dir;
  const std::uint32_t layers = 5;
  const std::uint64_t n = 20000;  // more than one read chunk
  const std::vector<Bytes> labels = RandomLayers(7, layers, n);
  for (std::uint32_t l = 1; l <= layers; ++l)
    ASSERT_TRUE(WriteFileAtomic(LayerPath(dir.path(), l), labels[l - 1]).ok());
  const Bytes want = ReferenceColumns(labels, n);
  for (std::uint32_t done = 0; done <= layers; ++done) {
    auto h = ColumnHasher::Create(layers, n);
    ASSERT_TRUE(h.ok());
    ASSERT_TRUE(h->AbsorbFiles(dir.path(), done).ok());
    for (std::uint32_t l = done + 1; l <= layers; ++l) {
      h->Absorb(l, l > 1 ? labels[l - 2].data() : nullptr, labels[l - 1].data(), 0, n);
    }
    const ByteSpan got = h->Finish();
    EXPECT_EQ(Bytes(got.begin(), got.end()), want) << "layers from files: " << done;
  }
  auto all = ComputeColumns(dir.path(), layers, n);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(Bytes(all->hashes().begin(), all->hashes().end()), want);
}

TEST(ColumnHasherTest, BadArgumentsAndFilesAreErrors) {
  TestDir dir;
  EXPECT_FALSE(ColumnHasher::Create(kMinLayers - 1, 10).ok());
  EXPECT_FALSE(ColumnHasher::Create(kMaxLayers + 1, 10).ok());
  EXPECT_FALSE(ColumnHasher::Create(3, 0).ok());
  auto h = ColumnHasher::Create(3, 10);
  ASSERT_TRUE(h.ok());
  EXPECT_FALSE(h->AbsorbFiles(dir.path(), 4).ok());  // more layers than the seal has
  EXPECT_FALSE(h->AbsorbFiles(dir.path(), 1).ok());  // no layer file
  ASSERT_TRUE(WriteFileAtomic(LayerPath(dir.path(), 1), RandomBytes(1, 9 * 32)).ok());
  EXPECT_EQ(h->AbsorbFiles(dir.path(), 1).code(), Code::kCorruption);  // wrong size
}

}  // namespace
}  // namespace cairn::proofs
