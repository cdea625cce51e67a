// Fuzz throughput of the control channel's receive path: >= 1 Mi seeded mutations of valid signed frames through
// FrameReader + OpenEnvelope (parse, network, clock, signature, replay cache), against baselines measured in the same
// run: producing the mutations alone, parsing unmutated frames, and parsing + verifying unmutated frames.
//
// Every outcome must be an accepted envelope byte-identical to a corpus frame (a signature cannot be forged, and the
// canonical encoding is unique) or a refusal with one of the channel's codes; anything else aborts with an error.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "cairn/core/control.h"
#include "wire_mutator.h"

namespace cairn::control {
namespace {

constexpr std::uint64_t kSeed = 0xC7F22;
constexpr std::int64_t kInputs = 1 << 20;
constexpr std::string_view kNet = "bench-net";
constexpr std::int64_t kNow = 1'700'000'000;

const Identity& Signer() {
  static const Identity id = std::move(Identity::FromSeed(Bytes(32, 0x42))).value();
  return id;
}

Nonce NonceOf(std::uint8_t fill) {
  Nonce n;
  n.fill(fill);
  return n;
}

// Frame bodies (envelopes) shaped like protocol v1 traffic: requests, an ok reply, an error reply.
std::vector<Bytes> Corpus() {
  std::vector<Bytes> out;
  auto add = [&out](std::string_view type, wire::Value::Dict body, std::uint8_t n, std::optional<Nonce> re) {
    out.push_back(std::move(SignEnvelope(Signer(), kNet, type, std::move(body), NonceOf(n), kNow, re)).value().raw);
  };
  add(kTypeRecord, {}, 1, std::nullopt);
  wire::Value::Dict propose;
  propose["shard"] = wire::Value(Bytes(32, 0xa1));
  propose["size"] = std::int64_t{16 << 20};
  propose["ih"] = wire::Value(Bytes(32, 0xb2));
  propose["torrent"] = wire::Value(Bytes(600, 0x5c));
  propose["price"] = std::int64_t{1200};
  propose["dur"] = std::int64_t{100};
  propose["ticket"] = wire::Value(Bytes(32, 0xc3));
  propose["peer"] = wire::Value::Str("127.0.1.1:6881");
  add(kTypePropose, propose, 2, std::nullopt);
  wire::Value::Dict deal;
  deal["deal"] = wire::Value(Bytes(32, 0xd4));
  deal["state"] = wire::Value::Str("stored");
  deal["have"] = std::int64_t{16 << 20};
  deal["shard"] = wire::Value(Bytes(32, 0xa1));
  add(kTypeOk, deal, 3, NonceOf(9));
  add(kTypeError, ErrorBody("capacity", "not enough free space"), 4, NonceOf(10));
  return out;
}

Bytes Framed(const Bytes& body) {
  Bytes f(wire::kFrameHeaderBytes + body.size());
  PutBE32(f.data(), static_cast<std::uint32_t>(body.size()));
  if (!body.empty()) std::memcpy(f.data() + wire::kFrameHeaderBytes, body.data(), body.size());
  return f;
}

void BM_ControlMutateOnly(benchmark::State& state) {
  const std::vector<Bytes> corpus = Corpus();
  std::vector<Bytes> frames;
  for (const Bytes& b : corpus) frames.push_back(Framed(b));
  std::mt19937_64 rng(kSeed);
  std::size_t i = 0;
  for (auto _ : state) {
    const std::size_t k = i++ % corpus.size();
    Bytes input = rng() % 4 != 0 ? Framed(wire::MutateEncoding(corpus[k], rng)) : wire::MutateEncoding(frames[k], rng);
    benchmark::DoNotOptimize(input.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ControlMutateOnly)->Iterations(kInputs);

void BM_ControlParseValid(benchmark::State& state) {
  const std::vector<Bytes> corpus = Corpus();
  std::size_t i = 0;
  for (auto _ : state) {
    auto e = ParseEnvelope(corpus[i++ % corpus.size()]);
    if (!e.ok()) {
      state.SkipWithError("valid corpus frame rejected");
      break;
    }
    benchmark::DoNotOptimize(e);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ControlParseValid)->Iterations(kInputs / 16);

void BM_ControlParseVerifyValid(benchmark::State& state) {
  const std::vector<Bytes> corpus = Corpus();
  std::size_t i = 0;
  for (auto _ : state) {
    auto e = ParseEnvelope(corpus[i++ % corpus.size()]);
    if (!e.ok() || !VerifyEnvelope(*e, kNet, kNow).ok()) {
      state.SkipWithError("valid corpus frame rejected");
      break;
    }
    benchmark::DoNotOptimize(e);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ControlParseVerifyValid)->Iterations(kInputs / 64);

void BM_ControlFuzzOpen(benchmark::State& state) {
  const std::vector<Bytes> corpus = Corpus();
  std::set<std::string, std::less<>> originals;
  for (const Bytes& b : corpus) originals.emplace(AsStringView(b));
  std::vector<Bytes> frames;
  for (const Bytes& b : corpus) frames.push_back(Framed(b));
  static const std::set<std::string_view> kCodes = {kCodeBadFrame, kCodeBadSignature, kCodeWrongNetwork, kCodeStale,
                                                    kCodeReplay};
  ReplayCache replay;
  std::mt19937_64 rng(kSeed);
  std::map<std::string, std::int64_t> outcomes;
  std::int64_t frames_seen = 0;
  std::size_t i = 0;
  for (auto _ : state) {
    // Three in four inputs mutate the envelope and frame it with its true length, so they reach the parser; the
    // rest mutate the framed bytes, header included.
    const std::size_t k = i++ % corpus.size();
    const Bytes input =
        rng() % 4 != 0 ? Framed(wire::MutateEncoding(corpus[k], rng)) : wire::MutateEncoding(frames[k], rng);
    wire::FrameReader reader;
    Status fed = reader.Feed(input);
    if (!fed.ok()) ++outcomes["header-refused"];
    while (auto body = reader.Next()) {
      ++frames_seen;
      auto e = OpenEnvelope(*body, kNet, kNow, replay);
      if (e.ok()) {
        if (originals.count(AsStringView(e->raw)) == 0) {
          state.SkipWithError("accepted a frame that is not a corpus original");
          return;
        }
        ++outcomes["accepted"];
        continue;
      }
      const std::string_view code = RefusalCode(e.status());
      if (kCodes.count(code) == 0) {
        state.SkipWithError(("unexpected refusal: " + e.status().ToString()).c_str());
        return;
      }
      ++outcomes[std::string(code)];
    }
    if (fed.ok() && reader.partial_bytes() > 0) ++outcomes["incomplete"];
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["seed"] = static_cast<double>(kSeed);
  state.counters["frames"] = static_cast<double>(frames_seen);
  for (const auto& [code, n] : outcomes) state.counters[code] = static_cast<double>(n);
}
BENCHMARK(BM_ControlFuzzOpen)->Iterations(kInputs)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cairn::control
