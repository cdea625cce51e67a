// Adversaries against sealing and proofs, each with fixed, logged seeds. Rates are checked against their exact
// expectation within an exact binomial tolerance (see Tolerance), never against time.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <random>
#include <set>
#include <vector>

#include "cairn/proofs/seal.h"
#include "cairn/proofs/seal_proof.h"
#include "cairn/proofs/storage_proof.h"
#include "graph.h"
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

// Half-width of the band a rate measured over `trials` independent Bernoulli(p) trials must fall in: the smallest
// k / trials such that the exact binomial probability of a count further than k from trials * p is below 1e-7.
// (A normal 4.5 sigma band is not enough for small p: at p = 0.0008 over 1500 trials the Poisson-like tail puts 3e-5
// outside it.) Six rate checks per run: with fixed seeds each run repeats the same draws, and a correct prover fails
// a run for a given choice of seeds with probability below 1e-6.
double Tolerance(double p, int trials) {
  if (p <= 0 || p >= 1) return 0.5 / trials;
  std::vector<double> pmf(static_cast<std::size_t>(trials) + 1);
  for (int j = 0; j <= trials; ++j) {
    pmf[j] = std::exp(std::lgamma(trials + 1.0) - std::lgamma(j + 1.0) - std::lgamma(trials - j + 1.0) +
                      j * std::log(p) + (trials - j) * std::log1p(-p));
  }
  const double mean = p * trials;
  for (int k = 0; k <= trials; ++k) {
    double outside = 0;
    for (int j = 0; j <= trials; ++j) {
      if (std::abs(j - mean) > k) outside += pmf[j];
    }
    if (outside < 1e-7) return (k + 0.5) / trials;
  }
  return 1.0;
}

// Seals `data` for one (provider, deal) pair.
struct Sealed {
  ReplicaId id;
  std::filesystem::path scratch, out;
  SealResult result;
};

Sealed SealFor(const TestDir& dir, const SealParams& params, const std::filesystem::path& data_path, ByteSpan data,
               const Hash32& provider, const DealId& deal, const std::string& name) {
  ReplicaIdInputs in;
  in.provider_key = provider;
  in.deal_id = deal;
  in.comm_d = *ComputeCommD(data);
  in.ticket = RandomHash(999);
  in.params_id = params.Id();
  Sealed s;
  s.id = DeriveReplicaId(in);
  s.scratch = dir / (name + ".scratch");
  s.out = dir / (name + ".out");
  auto r = Seal(params, s.id, data_path, s.scratch, s.out);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (r.ok()) s.result = *r;
  return s;
}

TEST(AdversaryTest, DedupOneReplicaCannotServeTwoProvidersOrDeals) {
  const std::uint64_t seed = 1001;
  SCOPED_TRACE("seed " + std::to_string(seed));
  TestDir dir;
  const SealParams params = TestParams(3, 16, 20);
  const Bytes data = RandomBytes(seed, 20000);
  WriteFile(dir / "data", data);
  const DealId deal1(RandomHash(seed + 1)), deal2(RandomHash(seed + 2));
  const Sealed a = SealFor(dir, params, dir / "data", data, RandomHash(seed + 3), deal1, "a");
  const Sealed b = SealFor(dir, params, dir / "data", data, RandomHash(seed + 4), deal1, "b");
  const Sealed a2 = SealFor(dir, params, dir / "data", data, RandomHash(seed + 3), deal2, "a2");
  EXPECT_EQ(a.result.comm_d, b.result.comm_d);
  EXPECT_NE(a.result.comm_r, b.result.comm_r);
  EXPECT_NE(a.result.comm_r, a2.result.comm_r);

  // The replicas share no node: storing one does not help store the other.
  const Bytes ra = ReadFile(ReplicaPath(a.out)), rb = ReadFile(ReplicaPath(b.out)), ra2 = ReadFile(ReplicaPath(a2.out));
  int shared = 0;
  for (std::size_t i = 0; i < ra.size(); i += 32) {
    shared += std::memcmp(&ra[i], &rb[i], 32) == 0;
    shared += std::memcmp(&ra[i], &ra2[i], 32) == 0;
  }
  EXPECT_EQ(shared, 0);

  // Provider B claims A's replica: it signs A's comm_r under its own replica id and answers the seal challenge from
  // A's files (a meta rewritten with B's id lets ProveSeal run on them). The labels do not match B's id.
  const auto forged = dir / "forged.out";
  std::filesystem::copy(a.out, forged);
  SealResult meta = a.result;
  meta.replica_id = b.id;
  WriteFile(MetaPath(forged), EncodeSealMeta(meta));
  const Hash32 seed_b = RandomHash(seed + 5);
  auto proof = ProveSeal(params, b.id, dir / "data", a.scratch, forged, seed_b);
  ASSERT_TRUE(proof.ok()) << proof.status().ToString();
  auto verdict = VerifySeal(params, {b.id, a.result.comm_d, a.result.comm_r, data.size()}, seed_b, *proof);
  EXPECT_FALSE(verdict.ok() && *verdict);
  // The honest seal proof of A does verify (control).
  auto honest = ProveSeal(params, a.id, dir / "data", a.scratch, a.out, seed_b);
  ASSERT_TRUE(honest.ok());
  EXPECT_TRUE(*VerifySeal(params, {a.id, a.result.comm_d, a.result.comm_r, data.size()}, seed_b, *honest));

  // A answers deal 2's storage challenges from deal 1's replica: its proof opens against deal 1's comm_r.
  auto replica_a = SealedReplica::Open(a.out);
  ASSERT_TRUE(replica_a.ok());
  int accepted = 0;
  for (int epoch = 0; epoch < 50; ++epoch) {
    const Hash32 rnd = RandomHash(seed * 10 + epoch);
    auto p = replica_a->ProveStorage(params, deal2, rnd);
    ASSERT_TRUE(p.ok());
    auto v = VerifyStorage(params, {deal2, a2.result.comm_r, data.size()}, rnd, *p);
    accepted += v.ok() && *v;
  }
  EXPECT_EQ(accepted, 0);
}

// Runs `trials` epochs of storage proofs against a replica file with the nodes in `lost` zeroed; returns the pass
// rate and restores the replica.
double StoragePassRate(const testing::SealedShard& s, const Bytes& intact, const std::set<std::uint64_t>& lost,
                       const DealId& deal, int trials, std::uint64_t seed) {
  Bytes damaged = intact;
  for (std::uint64_t v : lost) std::memset(&damaged[v * 32], 0, 32);
  WriteFile(ReplicaPath(s.out), damaged);
  auto replica = SealedReplica::Open(s.out);
  EXPECT_TRUE(replica.ok());
  const StoragePublicInputs pub{deal, s.result.comm_r, s.result.data_size};
  int passed = 0;
  for (int t = 0; t < trials; ++t) {
    const Hash32 rnd = RandomHash(seed + t);
    auto p = replica->ProveStorage(s.params, deal, rnd);
    auto v = VerifyStorage(s.params, pub, rnd, *p);
    EXPECT_TRUE(p.ok() && v.ok());
    passed += v.ok() && *v;
  }
  WriteFile(ReplicaPath(s.out), intact);
  return static_cast<double>(passed) / trials;
}

TEST(AdversaryTest, LossPassesStorageProofsAtRateOneMinusFToTheC) {
  const std::uint64_t seed = 2002;
  SCOPED_TRACE("seed " + std::to_string(seed));
  TestDir dir;
  const std::uint32_t c = 20;
  const SealParams params = TestParams(2, 4, c);
  const std::uint64_t n = 4096;
  const auto s = testing::SealTestShard(dir, params, seed, n * 32);
  const Bytes intact = ReadFile(ReplicaPath(s.out));
  const DealId deal(RandomHash(seed + 1));
  const int trials = 1500;
  std::mt19937_64 rng(seed + 2);
  for (double f : {0.02, 0.05, 0.1, 0.3}) {
    // Whole Merkle leaf pairs lost (disk loss comes in blocks): exactly a fraction f of the nodes is unanswerable.
    std::vector<std::uint64_t> pairs(n / 2);
    for (std::uint64_t i = 0; i < n / 2; ++i) pairs[i] = i;
    std::shuffle(pairs.begin(), pairs.end(), rng);
    std::set<std::uint64_t> lost;
    for (std::uint64_t k = 0; k < static_cast<std::uint64_t>(std::llround(f * n / 2)); ++k) {
      lost.insert(2 * pairs[k]);
      lost.insert(2 * pairs[k] + 1);
    }
    const double lost_f = static_cast<double>(lost.size()) / n;
    const double expected = std::pow(1.0 - lost_f, c);
    const double rate = StoragePassRate(s, intact, lost, deal, trials, seed * 100000 + lost.size() * 1000);
    std::printf("loss f=%.3f c=%u: passed %.4f, expected (1-f)^c = %.4f +- %.4f over %d epochs\n", lost_f, c, rate,
                expected, Tolerance(expected, trials), trials);
    EXPECT_NEAR(rate, expected, Tolerance(expected, trials)) << "f " << f;
  }
  // Scattered single nodes: a proof also carries the challenged node's pair sibling, so a lost node makes its
  // sibling unanswerable too; the rate is (1 - e)^c with e the fraction of nodes whose pair lost anything (~2f).
  std::set<std::uint64_t> lost;
  while (lost.size() < n / 20) lost.insert(rng() % n);
  std::uint64_t exposed = 0;
  for (std::uint64_t v = 0; v < n; ++v) exposed += lost.count(v) || lost.count(v ^ 1);
  const double expected = std::pow(1.0 - static_cast<double>(exposed) / n, c);
  const double rate = StoragePassRate(s, intact, lost, deal, trials, seed * 7777);
  std::printf("loss of 5%% scattered nodes (%.3f of challenges exposed): passed %.4f, expected %.4f\n",
              static_cast<double>(exposed) / n, rate, expected);
  EXPECT_NEAR(rate, expected, Tolerance(expected, trials));
}

TEST(AdversaryTest, BadSealingCaughtAtTheExpectedRate) {
  const std::uint64_t seed = 3003;
  SCOPED_TRACE("seed " + std::to_string(seed));
  TestDir dir;
  const std::uint32_t challenges = 8;
  const SealParams params = TestParams(2, challenges);
  const std::uint64_t n = 2048;
  const auto s = testing::SealTestShard(dir, params, seed, n * 32);

  // The cheater writes garbage for a fraction g of the last layer's labels (say, to skip computing them), then
  // commits consistently to those labels: columns, key, replica and comm_r all follow the garbage.
  const double g = 0.01;
  std::mt19937_64 rng(seed + 1);
  std::set<std::uint64_t> bad;
  while (bad.size() < static_cast<std::size_t>(g * n)) bad.insert(rng() % n);
  Bytes key = ReadFile(LayerPath(s.scratch, params.layers));
  for (std::uint64_t v : bad) {
    const Bytes junk = RandomBytes(rng(), 32);
    std::memcpy(&key[v * 32], junk.data(), 32);
  }
  WriteFile(LayerPath(s.scratch, params.layers), key);
  auto cheat = Seal(params, s.replica_id, s.data_path, s.scratch, s.out);  // resumes: finalises over the garbage
  ASSERT_TRUE(cheat.ok());
  ASSERT_NE(cheat->comm_r, s.result.comm_r);

  // A challenge on c exposes the cheat when c's own label is garbage or one of its base parents' is (the verifier
  // recomputes label(L, c) from the committed parents). Expander parents come from the honest layer L-1.
  auto graph = Graph::Create(params.Id(), n);
  ASSERT_TRUE(graph.ok());
  std::uint64_t exposed = 0;
  for (std::uint64_t v = 0; v < n; ++v) {
    bool hit = bad.count(v) > 0;
    if (v >= 1) {
      std::uint64_t p[kBaseDegree];
      graph->BaseParents(v, p);
      for (std::uint64_t q : p) hit = hit || bad.count(q) > 0;
    }
    exposed += hit;
  }
  const double expected = 1.0 - std::pow(1.0 - static_cast<double>(exposed) / n, challenges);

  const int trials = 300;
  int caught = 0;
  const SealPublicInputs pub{s.replica_id, cheat->comm_d, cheat->comm_r, s.result.data_size};
  for (int t = 0; t < trials; ++t) {
    const Hash32 verifier_seed = RandomHash(seed * 1000 + t);
    auto proof = ProveSeal(params, s.replica_id, s.data_path, s.scratch, s.out, verifier_seed);
    ASSERT_TRUE(proof.ok()) << proof.status().ToString();
    auto v = VerifySeal(params, pub, verifier_seed, *proof);
    ASSERT_TRUE(v.ok());
    caught += !*v;
  }
  const double rate = static_cast<double>(caught) / trials;
  std::printf(
      "bad sealing: %zu of %llu last-layer labels wrong, %llu nodes exposed; caught %.4f, expected %.4f "
      "with %u challenges\n",
      bad.size(), static_cast<unsigned long long>(n), static_cast<unsigned long long>(exposed), rate, expected,
      challenges);
  EXPECT_NEAR(rate, expected, Tolerance(expected, trials));
}

TEST(AdversaryTest, GenerationOnDemandMustReseal) {
  const std::uint64_t seed = 4004;
  SCOPED_TRACE("seed " + std::to_string(seed));
  TestDir dir;
  const SealParams params = TestParams(4, 4, 20);
  const std::uint64_t n = 8192;
  const auto s = testing::SealTestShard(dir, params, seed, n * 32);
  const DealId deal(RandomHash(seed + 1));
  const StoragePublicInputs pub{deal, s.result.comm_r, s.result.data_size};

  // The prover kept only the data (and, generously, the replica tree): answering with data nodes in place of
  // replica nodes fails every epoch.
  const auto lazy = dir / "lazy.out";
  std::filesystem::copy(s.out, lazy);
  std::filesystem::copy_file(s.data_path, ReplicaPath(lazy), std::filesystem::copy_options::overwrite_existing);
  std::filesystem::resize_file(ReplicaPath(lazy), n * 32);
  auto lazy_replica = SealedReplica::Open(lazy);
  ASSERT_TRUE(lazy_replica.ok());
  int accepted = 0;
  for (int epoch = 0; epoch < 100; ++epoch) {
    const Hash32 rnd = RandomHash(seed * 7 + epoch);
    auto v = VerifyStorage(params, pub, rnd, *lazy_replica->ProveStorage(params, deal, rnd));
    accepted += v.ok() && *v;
  }
  EXPECT_EQ(accepted, 0);

  // Its only way to answer is to re-seal after the challenge arrives: every label of every layer again.
  const Hash32 rnd = RandomHash(seed * 7 + 1000);
  const auto start = std::chrono::steady_clock::now();
  auto resealed = Seal(params, s.replica_id, s.data_path, dir / "re.scratch", dir / "re.out");
  auto proof = SealedReplica::Open(dir / "re.out")->ProveStorage(params, deal, rnd);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(resealed.ok() && proof.ok());
  EXPECT_TRUE(*VerifyStorage(params, pub, rnd, *proof));
  // Informational only (no timing assertion); bench_proofs measures re-seal times of 16 and 64 MiB shards.
  std::printf("generation: answering one epoch meant re-sealing %llu nodes x %u layers: %.3f s here\n",
              static_cast<unsigned long long>(n), params.layers, seconds);
}

}  // namespace
}  // namespace cairn::proofs
