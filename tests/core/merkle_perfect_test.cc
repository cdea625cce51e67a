// MerklePerfectRoot: the same root as MerkleRoot on every hash path, whatever range it is asked to prefetch (even
// memory that cannot be read), and only the perfect trees it takes.
#include <gtest/gtest.h>
#include <sys/mman.h>

#include <random>
#include <string>
#include <vector>

#include "cairn/core/merkle.h"
#include "merkle_hash.h"

namespace cairn {
namespace {

constexpr std::uint64_t kSeed = 0x9e3779b9ull;

// An inaccessible mapping: prefetching it must not fault.
class NoAccessPages {
 public:
  explicit NoAccessPages(std::size_t bytes) : bytes_(bytes) {
    void* p = mmap(nullptr, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED) p_ = static_cast<const std::uint8_t*>(p);
  }
  ~NoAccessPages() {
    if (p_ != nullptr) munmap(const_cast<std::uint8_t*>(p_), bytes_);
  }
  ByteSpan span() const { return ByteSpan(p_, bytes_); }
  bool ok() const { return p_ != nullptr; }

 private:
  std::size_t bytes_;
  const std::uint8_t* p_ = nullptr;
};

TEST(MerklePerfectRootTest, MatchesMerkleRootOnEveryPathWhateverItPrefetches) {
  const internal::HashPath before = internal::ForcedHashPath();
  SCOPED_TRACE("seed " + std::to_string(kSeed));
  std::mt19937_64 rng(kSeed);
  const NoAccessPages guard(1 << 20);
  ASSERT_TRUE(guard.ok());
  Bytes other(3 << 20);
  for (auto& b : other) b = static_cast<std::uint8_t>(rng());
  for (internal::HashPath path : {internal::HashPath::kPortable, internal::HashPath::kShaNi,
                                  internal::HashPath::kAvx512, internal::HashPath::kAuto}) {
    if (!internal::ForceHashPath(path)) continue;  // this CPU lacks it
    SCOPED_TRACE("path " + std::to_string(static_cast<int>(path)));
    for (std::size_t count = 2; count <= kMaxMerklePerfectNodes; count *= 2) {
      SCOPED_TRACE("count " + std::to_string(count));
      Bytes nodes(32 * count);
      for (auto& b : nodes) b = static_cast<std::uint8_t>(rng());
      auto expected = MerkleRoot(nodes);
      ASSERT_TRUE(expected.ok());
      // Nothing, an unaligned piece of other memory, more lines than the kernel has passes, the nodes themselves,
      // and pages that cannot be read.
      const ByteSpan upcoming[] = {ByteSpan(), ByteSpan(other).subspan(13, 65520), ByteSpan(other), ByteSpan(nodes),
                                   guard.span()};
      for (const ByteSpan& u : upcoming) {
        auto root = MerklePerfectRoot(nodes, u);
        ASSERT_TRUE(root.ok()) << root.status().ToString();
        EXPECT_EQ(*root, *expected) << "prefetching " << u.size() << " bytes";
      }
    }
  }
  ASSERT_TRUE(internal::ForceHashPath(before));
}

TEST(MerklePerfectRootTest, RejectsWhatIsNotAPerfectTreeItTakes) {
  const Bytes nodes(32 * 2 * kMaxMerklePerfectNodes, 7);
  for (std::size_t bytes : {std::size_t{0}, std::size_t{32}, std::size_t{64 + 1}, std::size_t{96}, std::size_t{32 * 6},
                            32 * 2 * kMaxMerklePerfectNodes}) {
    EXPECT_EQ(MerklePerfectRoot(ByteSpan(nodes).first(bytes), ByteSpan()).status().code(), Code::kInvalidArgument)
        << bytes << " bytes";
  }
  EXPECT_TRUE(MerklePerfectRoot(ByteSpan(nodes).first(64), ByteSpan()).ok());
  EXPECT_TRUE(MerklePerfectRoot(ByteSpan(nodes).first(32 * kMaxMerklePerfectNodes), ByteSpan()).ok());
}

}  // namespace
}  // namespace cairn
