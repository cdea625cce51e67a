#include "parent_cache.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "proofs/proofs_test_util.h"

namespace cairn::proofs {
namespace {

using testing::TestDir;

// Checks the window's rows [first, first + count) against the graph.
void ExpectRowsMatchGraph(const Graph& g, const ParentTable& t, std::uint64_t first, std::uint64_t count) {
  for (std::uint64_t v = first; v < first + count; ++v) {
    std::uint64_t b[kBaseDegree] = {}, e[kExpanderDegree];
    if (v >= 1) g.BaseParents(v, b);
    g.ExpanderParents(v, e);
    for (int i = 0; i < kBaseDegree; ++i) ASSERT_EQ(t.row(v)[i], b[i]) << v;
    for (int i = 0; i < kExpanderDegree; ++i) ASSERT_EQ(t.row(v)[kBaseDegree + i], e[i]) << v;
  }
}

Graph TestGraph(std::uint64_t n) {
  auto g = Graph::Create(SealParams().Id(), n);
  EXPECT_TRUE(g.ok());
  return *g;
}

TEST(ParentCacheTest, StreamedRowsReadBackInAnyOrder) {
  TestDir dir;
  const std::uint64_t n = 1000, window = 64;  // 15 whole windows and a partial one
  const Graph g = TestGraph(n);
  auto cache = ParentCache::InFile(dir.path(), n, window);
  ASSERT_TRUE(cache.ok()) << cache.status().ToString();
  EXPECT_TRUE(cache->streamed());
  EXPECT_EQ(cache->table()->rows(), window);
  ASSERT_TRUE(cache->FillAll(g).ok());
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));  // the rows live in a file without a name
  // Windows that do not start on a multiple of the window size, backwards.
  for (std::uint64_t first = n - 1;; first -= std::min<std::uint64_t>(first, 37)) {
    const std::uint64_t count = std::min(window, n - first);
    ASSERT_TRUE(cache->Load(first, count).ok());
    EXPECT_EQ(cache->table()->first(), first);
    ExpectRowsMatchGraph(g, *cache->table(), first, count);
    if (first == 0) break;
  }
  EXPECT_EQ(cache->Load(0, window + 1).code(), Code::kInvalidArgument);
  EXPECT_EQ(cache->Save(0, window + 1).code(), Code::kInvalidArgument);
  EXPECT_FALSE(cache->Load(n, 1).ok());  // past the file's end
}

TEST(ParentCacheTest, InMemoryHoldsEveryRow) {
  const std::uint64_t n = 300;
  const Graph g = TestGraph(n);
  auto cache = ParentCache::InMemory(n);
  ASSERT_TRUE(cache.ok());
  EXPECT_FALSE(cache->streamed());
  EXPECT_EQ(cache->table()->rows(), n);
  ASSERT_TRUE(cache->FillAll(g).ok());
  ASSERT_TRUE(cache->Load(100, 50).ok());  // nothing to read: the window is the whole table
  EXPECT_EQ(cache->table()->first(), 0u);
  ExpectRowsMatchGraph(g, *cache->table(), 0, n);
  EXPECT_FALSE(ParentCache::InMemory(0).ok());
  EXPECT_FALSE(ParentCache::InMemory(kMaxNodeCount + 1).ok());
  EXPECT_FALSE(ParentTable::AllocateWindow(10, 0).ok());
  TestDir dir;
  EXPECT_FALSE(ParentCache::InFile(dir / "missing", n, 10).ok());
}

}  // namespace
}  // namespace cairn::proofs
