// What a provider spends per incoming shard once the bytes are in: the comm_d check over the downloaded file, the
// torrent check at propose time, and the durable deal-store commits. Each is paired with a baseline measured in the
// same run: reading the same file without hashing and MerkleRoot over the bytes in memory; decoding the same torrent
// bytes; a bare LMDB put of the same record size with the same durability.
#include <benchmark/benchmark.h>

#include <random>

#include "cairn/core/kv_store.h"
#include "cairn/core/merkle.h"
#include "cairn/core/swarm.h"
#include "cairn/core/temp_dir.h"
#include "cairn/core/wire.h"
#include "cairn/provider/deal_store.h"
#include "shard_file.h"
#include "shard_torrent.h"

namespace cairn::provider {
namespace {

constexpr std::size_t kShardBytes = 64 << 20;

struct Fixture {
  Fixture() {
    dir.emplace(std::move(*TempDir::Create("bench-provider")));
    data.resize(kShardBytes);
    std::mt19937_64 rng(1);
    for (std::size_t i = 0; i < data.size(); i += 8) {
      std::uint64_t v = rng();
      std::memcpy(&data[i], &v, 8);
    }
    path = dir->Join("shard.bin");
    if (!WriteFileAtomic(Env::Default(), path, data).ok()) std::abort();
    torrent = *Swarm::MakeTorrent(path, 256 << 10);
  }
  std::optional<TempDir> dir;
  Bytes data;
  std::string path;
  TorrentFile torrent;
};

Fixture& F() {
  static Fixture f;
  return f;
}

void BM_ReadFileBaseline(benchmark::State& state) {
  Bytes buf(1 << 20);
  for (auto _ : state) {
    auto file = Env::Default()->NewSequentialFile(F().path);
    for (;;) {
      auto n = (*file)->Read(MutableByteSpan(buf));
      if (!n.ok() || *n == 0) break;
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kShardBytes));
}
BENCHMARK(BM_ReadFileBaseline)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_MerkleRootInMemoryBaseline(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(MerkleRoot(F().data));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kShardBytes));
}
BENCHMARK(BM_MerkleRootInMemoryBaseline)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_ComputeFileCommD(benchmark::State& state) {
  for (auto _ : state) {
    auto root = ComputeFileCommD(Env::Default(), F().path, kShardBytes);
    if (!root.ok()) state.SkipWithError("comm_d failed");
    benchmark::DoNotOptimize(root);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kShardBytes));
}
BENCHMARK(BM_ComputeFileCommD)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_DecodeTorrentBaseline(benchmark::State& state) {
  wire::DecodeLimits limits;
  for (auto _ : state) benchmark::DoNotOptimize(wire::Decode(F().torrent.torrent, limits));
}
BENCHMARK(BM_DecodeTorrentBaseline)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_CheckShardTorrent(benchmark::State& state) {
  for (auto _ : state) {
    auto info = CheckShardTorrent(F().torrent.torrent, F().torrent.info_hash, kShardBytes);
    if (!info.ok()) state.SkipWithError("torrent check failed");
  }
}
BENCHMARK(BM_CheckShardTorrent)->Unit(benchmark::kMicrosecond)->UseRealTime();

DealRecord Deal(std::uint64_t i) {
  DealRecord d;
  Hash32 h{};
  std::memcpy(h.data(), &i, sizeof(i));
  d.id = DealId(h);
  h[31] = 1;
  d.shard = ShardId(h);
  d.size = 1;
  d.peer = "127.0.0.1:6881";
  return d;
}

// One deal accepted (a durable commit), as "propose" does on the io thread.
void BM_DealStoreAccept(benchmark::State& state) {
  auto dir = TempDir::Create("bench-deals");
  auto kv = KvStore::Open(dir->Join("db"), {});
  auto store = DealStore::Open(kv->get(), std::uint64_t{1} << 50);
  Bytes body(2048, 7);  // a propose body with a small torrent
  std::uint64_t i = 0;
  for (auto _ : state) {
    if (!(*store)->Accept(Deal(++i), body).ok()) state.SkipWithError("accept failed");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_DealStoreAccept)->Unit(benchmark::kMicrosecond)->UseRealTime();

// Baseline: the same bytes (record + body) put in one durable LMDB transaction.
void BM_KvPutBaseline(benchmark::State& state) {
  auto dir = TempDir::Create("bench-kv");
  auto kv = KvStore::Open(dir->Join("db"), {});
  auto db = (*kv)->OpenDb("x");
  Bytes value(2048 + Deal(0).Encode().size(), 7);
  std::uint64_t i = 0;
  for (auto _ : state) {
    Hash32 key = Deal(++i).id.value();
    Status s = (*kv)->Update([&](WriteTxn& txn) { return txn.Put(*db, key, value); });
    if (!s.ok()) state.SkipWithError("put failed");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_KvPutBaseline)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace cairn::provider
