#include "cairn/core/erasure.h"

#include <gtest/gtest.h>
#include <isa-l/erasure_code.h>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace cairn {
namespace {

// k + m shards of `len` bytes: random data shards, parity computed by the coder under test.
struct Stripe {
  int k;
  int m;
  std::size_t len;
  std::vector<std::vector<std::uint8_t>> shards;

  std::vector<const std::uint8_t*> DataPtrs() const {
    std::vector<const std::uint8_t*> p;
    for (int i = 0; i < k; ++i) p.push_back(shards[i].data());
    return p;
  }
  std::vector<std::uint8_t*> ParityPtrs() {
    std::vector<std::uint8_t*> p;
    for (int i = k; i < k + m; ++i) p.push_back(shards[i].data());
    return p;
  }
};

Stripe MakeStripe(const ErasureCoder& coder, std::size_t len, std::uint32_t seed) {
  Stripe s{coder.k(), coder.m(), len, {}};
  std::mt19937 rng(seed);
  s.shards.assign(coder.k() + coder.m(), std::vector<std::uint8_t>(len));
  for (int i = 0; i < coder.k(); ++i) {
    for (auto& b : s.shards[i]) b = static_cast<std::uint8_t>(rng());
  }
  auto data = s.DataPtrs();
  auto parity = s.ParityPtrs();
  EXPECT_TRUE(coder.Encode(data, parity, len).ok());
  return s;
}

// Decodes `want` from `present` and checks every rebuilt shard against the original.
void ExpectDecodes(const ErasureCoder& coder, const Stripe& s, const std::vector<int>& present,
                   const std::vector<int>& want) {
  std::vector<const std::uint8_t*> in;
  for (int i : present) in.push_back(s.shards[i].data());
  std::vector<std::vector<std::uint8_t>> out(want.size(), std::vector<std::uint8_t>(s.len, 0xee));
  std::vector<std::uint8_t*> outp;
  for (auto& o : out) outp.push_back(o.data());
  Status st = coder.Decode(present, in, want, outp, s.len);
  ASSERT_TRUE(st.ok()) << st.ToString();
  for (std::size_t w = 0; w < want.size(); ++w) {
    ASSERT_EQ(out[w], s.shards[want[w]]) << "shard " << want[w];
  }
}

// Calls fn(present, absent) for every k-subset of [0, n), in lexicographic order.
template <typename Fn>
void ForEachSubset(int n, int k, Fn fn) {
  std::vector<bool> pick(n, false);
  std::fill(pick.begin(), pick.begin() + k, true);
  do {
    std::vector<int> present, absent;
    for (int i = 0; i < n; ++i) (pick[i] ? present : absent).push_back(i);
    fn(present, absent);
  } while (std::prev_permutation(pick.begin(), pick.end()));
}

void ExhaustivePatterns(int k, int m, std::size_t len) {
  auto coder = ErasureCoder::Create(k, m);
  ASSERT_TRUE(coder.ok());
  Stripe s = MakeStripe(**coder, len, 7);
  int patterns = 0;
  ForEachSubset(k + m, k, [&](const std::vector<int>& present, const std::vector<int>& absent) {
    // Every non-empty subset of the absent shards.
    for (unsigned mask = 1; mask < (1u << absent.size()); ++mask) {
      std::vector<int> want;
      for (std::size_t b = 0; b < absent.size(); ++b) {
        if (mask & (1u << b)) want.push_back(absent[b]);
      }
      SCOPED_TRACE("pattern " + std::to_string(patterns));
      ExpectDecodes(**coder, s, present, want);
      ++patterns;
    }
  });
  int combos = 1;  // C(k+m, m)
  for (int i = 1; i <= m; ++i) combos = combos * (k + i) / i;
  EXPECT_EQ(patterns, combos * ((1 << m) - 1));
  EXPECT_LE((*coder)->cached_patterns(), ErasureCoder::kMaxCachedPatterns);
}

TEST(ErasureCoderTest, EveryPatternOf4Plus2RoundTrips) { ExhaustivePatterns(4, 2, 1000); }

TEST(ErasureCoderTest, EveryPatternOf6Plus3RoundTrips) { ExhaustivePatterns(6, 3, 333); }

TEST(ErasureCoderTest, PresentOrderDoesNotMatter) {
  auto coder = ErasureCoder::Create(4, 2);
  ASSERT_TRUE(coder.ok());
  Stripe s = MakeStripe(**coder, 4096 + 7, 11);
  ExpectDecodes(**coder, s, {5, 2, 4, 0}, {1, 3});
  ExpectDecodes(**coder, s, {0, 2, 4, 5}, {3, 1});
  ExpectDecodes(**coder, s, {3, 1, 2, 0}, {5, 4});
}

TEST(ErasureCoderTest, ExtraPresentShardsAreIgnored) {
  auto coder = ErasureCoder::Create(4, 2);
  ASSERT_TRUE(coder.ok());
  Stripe s = MakeStripe(**coder, 64, 12);
  ExpectDecodes(**coder, s, {1, 2, 4, 5, 3}, {0});
}

void RandomPatterns(int k, int m, std::size_t len, int rounds, std::uint32_t seed) {
  SCOPED_TRACE("k=" + std::to_string(k) + " m=" + std::to_string(m) + " seed=" + std::to_string(seed));
  auto coder = ErasureCoder::Create(k, m);
  ASSERT_TRUE(coder.ok());
  Stripe s = MakeStripe(**coder, len, seed);
  std::mt19937 rng(seed);
  std::vector<int> all(k + m);
  std::iota(all.begin(), all.end(), 0);
  for (int r = 0; r < rounds; ++r) {
    std::shuffle(all.begin(), all.end(), rng);
    std::vector<int> present(all.begin(), all.begin() + k);
    std::vector<int> want;
    for (int i = k; i < k + m; ++i) {
      if (rng() % 2 == 0 || want.empty()) want.push_back(all[i]);
    }
    SCOPED_TRACE("round " + std::to_string(r));
    ExpectDecodes(**coder, s, present, want);
  }
}

TEST(ErasureCoderTest, RandomPatternsOf10Plus4) { RandomPatterns(10, 4, 4096 + 7, 200, 1234); }

TEST(ErasureCoderTest, RandomPatternsOf29Plus51) { RandomPatterns(29, 51, 999, 40, 5678); }

// A wide code (more than one ISA-L pass of 6 output rows) over fragments longer than 64 KiB.
TEST(ErasureCoderTest, RandomPatternsOf29Plus51LongFragments) { RandomPatterns(29, 51, 100 * 1024 + 3, 3, 91); }

// Parity must equal ISA-L's portable reference over a Cauchy matrix the test builds itself from the definition
// a[i][j] = 1 / (i ^ j) for parity rows i in [k, k+m) and data columns j in [0, k).
void CrossCheckParity(int k, int m, std::size_t len, std::uint32_t seed) {
  SCOPED_TRACE("k=" + std::to_string(k) + " m=" + std::to_string(m) + " len=" + std::to_string(len) +
               " seed=" + std::to_string(seed));
  auto coder = ErasureCoder::Create(k, m);
  ASSERT_TRUE(coder.ok());
  Stripe s = MakeStripe(**coder, len, seed);
  std::vector<std::uint8_t> parity_rows(static_cast<std::size_t>(m) * k);
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < k; ++j) parity_rows[i * k + j] = gf_inv(static_cast<unsigned char>((k + i) ^ j));
  }
  std::vector<std::uint8_t> tables(32u * k * m);
  ec_init_tables(k, m, parity_rows.data(), tables.data());
  std::vector<std::vector<std::uint8_t>> ref(m, std::vector<std::uint8_t>(len));
  std::vector<unsigned char*> src, dst;
  for (int i = 0; i < k; ++i) src.push_back(s.shards[i].data());
  for (auto& r : ref) dst.push_back(r.data());
  ec_encode_data_base(static_cast<int>(len), k, m, tables.data(), src.data(), dst.data());
  for (int i = 0; i < m; ++i) ASSERT_EQ(s.shards[k + i], ref[i]) << "parity " << i;
  // And byte 0 of parity 0 by hand, so the reference itself is anchored to the definition.
  std::uint8_t acc = 0;
  for (int j = 0; j < k; ++j) acc ^= gf_mul(parity_rows[j], s.shards[j][0]);
  EXPECT_EQ(s.shards[k][0], acc);
}

TEST(ErasureCoderTest, ParityMatchesIsalReferenceAtEveryLength) {
  for (std::size_t len : {std::size_t{1}, std::size_t{31}, std::size_t{32}, std::size_t{4096 + 7}}) {
    CrossCheckParity(4, 2, len, 21);
    CrossCheckParity(10, 4, len, 22);
    CrossCheckParity(6, 3, len, 23);
    CrossCheckParity(29, 51, len, 24);
  }
  CrossCheckParity(29, 51, 200000, 25);  // several passes of 6 rows over a long fragment
  CrossCheckParity(1, 254, 100, 26);
}

TEST(ErasureCoderTest, ShortLengthsRoundTrip) {
  for (std::size_t len : {std::size_t{1}, std::size_t{31}, std::size_t{32}, std::size_t{4096 + 7}}) {
    SCOPED_TRACE("len=" + std::to_string(len));
    RandomPatterns(4, 2, len, 10, 31);
    RandomPatterns(10, 4, len, 10, 32);
  }
}

TEST(ErasureCoderTest, ZeroParityWorks) {
  auto coder = ErasureCoder::Create(3, 0);
  ASSERT_TRUE(coder.ok());
  Stripe s = MakeStripe(**coder, 100, 3);
  std::vector<const std::uint8_t*> data = s.DataPtrs();
  EXPECT_TRUE((*coder)->Encode(data, std::span<std::uint8_t* const>(), 100).ok());
  std::vector<int> present = {2, 0, 1};
  std::vector<const std::uint8_t*> in = {s.shards[2].data(), s.shards[0].data(), s.shards[1].data()};
  EXPECT_TRUE((*coder)->Decode(present, in, std::span<const int>(), std::span<std::uint8_t* const>(), 100).ok());
  std::vector<int> want = {3};
  std::vector<std::uint8_t> out(100);
  std::vector<std::uint8_t*> outp = {out.data()};
  EXPECT_EQ((*coder)->Decode(present, in, want, outp, 100).code(), Code::kInvalidArgument);
}

TEST(ErasureCoderTest, CreateRejectsBadParameters) {
  EXPECT_EQ(ErasureCoder::Create(0, 2).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ErasureCoder::Create(-1, 2).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ErasureCoder::Create(4, -1).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ErasureCoder::Create(200, 56).status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(ErasureCoder::Create(200, 55).ok());
  EXPECT_TRUE(ErasureCoder::Create(1, 0).ok());
}

class ErasureArgsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = ErasureCoder::Create(4, 2);
    ASSERT_TRUE(c.ok());
    coder_ = std::move(*c);
    s_ = MakeStripe(*coder_, 64, 5);
    out_.assign(2, std::vector<std::uint8_t>(64));
    outp_ = {out_[0].data(), out_[1].data()};
  }
  Code DecodeCode(std::vector<int> present, std::vector<int> want, std::size_t len = 64) {
    std::vector<const std::uint8_t*> in;
    for (int i : present) in.push_back(i >= 0 && i < 6 ? s_.shards[i].data() : s_.shards[0].data());
    std::span<std::uint8_t* const> out(outp_.data(), want.size());
    return coder_->Decode(present, in, want, out, len).code();
  }
  std::unique_ptr<ErasureCoder> coder_;
  Stripe s_;
  std::vector<std::vector<std::uint8_t>> out_;
  std::vector<std::uint8_t*> outp_;
};

TEST_F(ErasureArgsTest, DecodeRejectsBadIndices) {
  EXPECT_EQ(DecodeCode({0, 1, 2, 3}, {4}), Code::kOk);
  EXPECT_EQ(DecodeCode({0, 1, 2}, {4}), Code::kInvalidArgument);                           // fewer than k present
  EXPECT_EQ(DecodeCode({0, 1, 2, 2}, {4}), Code::kInvalidArgument);                        // duplicate present
  EXPECT_EQ(DecodeCode({0, 1, 2, 6}, {4}), Code::kInvalidArgument);                        // out of range present
  EXPECT_EQ(DecodeCode({0, 1, 2, -1}, {4}), Code::kInvalidArgument);                       // negative present
  EXPECT_EQ(DecodeCode({0, 1, 2, 3}, {3}), Code::kInvalidArgument);                        // wanted is present
  EXPECT_EQ(DecodeCode({0, 1, 2, 3}, {4, 4}), Code::kInvalidArgument);                     // duplicate wanted
  EXPECT_EQ(DecodeCode({0, 1, 2, 3}, {6}), Code::kInvalidArgument);                        // out of range wanted
  EXPECT_EQ(DecodeCode({0, 1, 2, 3}, {4}, std::size_t{1} << 31), Code::kInvalidArgument);  // len > INT_MAX
}

TEST_F(ErasureArgsTest, RejectsMismatchedCountsNullsAndOverlap) {
  std::vector<int> present = {0, 1, 2, 3};
  std::vector<const std::uint8_t*> in = {s_.shards[0].data(), s_.shards[1].data(), s_.shards[2].data()};
  std::vector<int> want = {4};
  EXPECT_EQ(coder_->Decode(present, in, want, std::span<std::uint8_t* const>(outp_.data(), 1), 64).code(),
            Code::kInvalidArgument);  // 4 indices, 3 buffers
  in.push_back(nullptr);
  EXPECT_EQ(coder_->Decode(present, in, want, std::span<std::uint8_t* const>(outp_.data(), 1), 64).code(),
            Code::kInvalidArgument);  // null input
  in.back() = s_.shards[3].data();
  EXPECT_EQ(coder_->Decode(present, in, want, outp_, 64).code(), Code::kInvalidArgument);  // 1 index, 2 buffers
  std::vector<std::uint8_t*> alias = {s_.shards[3].data() + 10};
  EXPECT_EQ(coder_->Decode(present, in, want, alias, 64).code(), Code::kInvalidArgument);  // output overlaps input

  auto data = s_.DataPtrs();
  std::vector<std::uint8_t*> parity = {out_[0].data(), out_[0].data() + 1};
  EXPECT_EQ(coder_->Encode(data, parity, 32).code(), Code::kInvalidArgument);  // outputs overlap
  parity = {out_[0].data(), out_[0].data() + 32};
  EXPECT_EQ(coder_->Encode(data, parity, 32).code(), Code::kOk);  // adjacent is fine
  parity = {out_[0].data(), nullptr};
  EXPECT_EQ(coder_->Encode(data, parity, 32).code(), Code::kInvalidArgument);
  parity = {out_[0].data()};
  EXPECT_EQ(coder_->Encode(data, parity, 32).code(), Code::kInvalidArgument);  // m buffers needed
  data.pop_back();
  parity = {out_[0].data(), out_[1].data()};
  EXPECT_EQ(coder_->Encode(data, parity, 32).code(), Code::kInvalidArgument);  // k buffers needed
  // Inputs may share bytes: the same zero shard twice is a legal (if odd) stripe.
  std::vector<std::uint8_t> zero(32, 0);
  std::vector<const std::uint8_t*> zeros = {zero.data(), zero.data(), zero.data(), zero.data()};
  ASSERT_EQ(coder_->Encode(zeros, parity, 32).code(), Code::kOk);
  EXPECT_EQ(out_[0][0], 0);
}

TEST(ErasureCoderTest, CacheStaysBoundedAndConcurrentDecodesAgree) {
  auto coder = ErasureCoder::Create(6, 3);
  ASSERT_TRUE(coder.ok());
  Stripe s = MakeStripe(**coder, 256, 77);
  auto worker = [&](std::uint32_t seed, bool* ok) {
    std::mt19937 rng(seed);
    std::vector<int> all(9);
    std::iota(all.begin(), all.end(), 0);
    for (int r = 0; r < 300; ++r) {
      std::shuffle(all.begin(), all.end(), rng);
      std::vector<int> present(all.begin(), all.begin() + 6);
      std::vector<int> want(all.begin() + 6, all.end());
      std::vector<const std::uint8_t*> in;
      for (int i : present) in.push_back(s.shards[i].data());
      std::vector<std::vector<std::uint8_t>> out(3, std::vector<std::uint8_t>(256));
      std::vector<std::uint8_t*> outp = {out[0].data(), out[1].data(), out[2].data()};
      if (!(*coder)->Decode(present, in, want, outp, 256).ok()) *ok = false;
      for (int w = 0; w < 3; ++w) {
        if (out[w] != s.shards[want[w]]) *ok = false;
      }
    }
  };
  bool ok1 = true, ok2 = true;
  SCOPED_TRACE("seeds 101, 202");
  std::thread t1(worker, 101, &ok1);
  std::thread t2(worker, 202, &ok2);
  t1.join();
  t2.join();
  EXPECT_TRUE(ok1);
  EXPECT_TRUE(ok2);
  EXPECT_LE((*coder)->cached_patterns(), ErasureCoder::kMaxCachedPatterns);
  EXPECT_GT((*coder)->cached_patterns(), 0u);
}

}  // namespace
}  // namespace cairn
