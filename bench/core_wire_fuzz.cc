// Fuzz throughput of the wire decoder: >= 1 Mi seeded mutations of valid messages through Decode, against two
// baselines measured in the same run: producing the mutations alone, and decoding the unmutated messages.
//
// Every result must be either a value that re-encodes to the same bytes or a clean kCorruption/kResourceExhausted;
// anything else aborts the benchmark with an error.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "cairn/core/wire.h"
#include "wire_mutator.h"

namespace cairn::wire {
namespace {

constexpr std::uint64_t kSeed = 0xF0220;
constexpr std::int64_t kInputs = 1 << 20;

std::vector<Bytes> Corpus() {
  Value::Dict body;
  body["type"] = Value::Str("propose");
  body["net"] = Value::Str("devnet-1");
  body["nonce"] = Value(Bytes(32, 0x5a));
  body["shard"] = Value(Bytes(32, 0xa5));
  body["size"] = std::int64_t{16 << 20};
  body["price"] = std::int64_t{1200};
  body["sig"] = Value(Bytes(64, 0x11));
  Value::List peers;
  for (int i = 0; i < 4; ++i) peers.push_back(Value::Str("127.0." + std::to_string(i) + ".1:6881"));
  body["peers"] = Value(std::move(peers));
  Value::Dict nested;
  nested["a"] = Value(Value::List{Value(std::int64_t{-7}), Value(Value::Dict{})});
  body["meta"] = Value(std::move(nested));
  return {Encode(Value(body)), Encode(Value(Value::List{Value(std::int64_t{1}), Value::Str("x")})),
          Bytes{'d', '1', ':', 'a', 'i', '0', 'e', 'e'}};
}

DecodeLimits FuzzLimits() {
  DecodeLimits limits;
  limits.max_depth = 8;
  limits.max_tokens = 500;
  return limits;
}

void BM_WireMutateOnly(benchmark::State& state) {
  const std::vector<Bytes> corpus = Corpus();
  std::mt19937_64 rng(kSeed);
  std::size_t i = 0;
  for (auto _ : state) {
    Bytes input = MutateEncoding(corpus[i++ % corpus.size()], rng);
    benchmark::DoNotOptimize(input.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_WireMutateOnly)->Iterations(kInputs);

void BM_WireDecodeValid(benchmark::State& state) {
  const std::vector<Bytes> corpus = Corpus();
  const DecodeLimits limits = FuzzLimits();
  std::size_t i = 0;
  for (auto _ : state) {
    const Bytes& input = corpus[i++ % corpus.size()];
    auto v = Decode(input, limits);
    if (!v.ok()) {
      state.SkipWithError("valid corpus entry rejected");
      break;
    }
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_WireDecodeValid)->Iterations(kInputs);

void BM_WireFuzzDecode(benchmark::State& state) {
  const std::vector<Bytes> corpus = Corpus();
  const DecodeLimits limits = FuzzLimits();
  std::mt19937_64 rng(kSeed);
  std::size_t i = 0;
  std::int64_t accepted = 0;
  for (auto _ : state) {
    const Bytes input = MutateEncoding(corpus[i++ % corpus.size()], rng);
    auto v = Decode(input, limits);
    if (v.ok()) {
      ++accepted;
      if (Encode(*v) != input) {
        state.SkipWithError("accepted a non-canonical encoding");
        break;
      }
    } else if (v.status().code() != Code::kCorruption && v.status().code() != Code::kResourceExhausted) {
      state.SkipWithError(("unexpected error: " + v.status().ToString()).c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["seed"] = static_cast<double>(kSeed);
  state.counters["accepted"] = static_cast<double>(accepted);
}
BENCHMARK(BM_WireFuzzDecode)->Iterations(kInputs);

void BM_WireFuzzFrameReader(benchmark::State& state) {
  Bytes stream;
  for (const Bytes& b : Corpus()) {
    Bytes frame(kFrameHeaderBytes);
    PutBE32(frame.data(), static_cast<std::uint32_t>(b.size()));
    Append(frame, b);
    Append(stream, frame);
  }
  const DecodeLimits limits = FuzzLimits();
  std::mt19937_64 rng(kSeed + 1);
  std::int64_t frames = 0;
  for (auto _ : state) {
    const Bytes input = MutateEncoding(stream, rng);
    FrameReader reader(4096);
    if (!reader.Feed(input).ok()) continue;
    while (auto body = reader.Next()) {
      ++frames;
      auto d = DecodeFrameBody(*body, limits);
      benchmark::DoNotOptimize(d);
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["frames"] = static_cast<double>(frames);
}
BENCHMARK(BM_WireFuzzFrameReader)->Iterations(kInputs);

}  // namespace
}  // namespace cairn::wire
