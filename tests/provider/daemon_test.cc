// The daemon in-process: startup recovery and cleanup, the data dir lock, and the comm_d check of a finished
// download. The test thread is the owner thread (it calls Start, Tick and Shutdown).
#include "cairn/provider/daemon.h"

#include <gtest/gtest.h>

#include <random>
#include <thread>

#include "cairn/core/control.h"
#include "cairn/core/control_messages.h"
#include "cairn/core/kv_store.h"
#include "cairn/core/merkle.h"
#include "cairn/core/network.h"
#include "cairn/core/swarm.h"
#include "cairn/core/temp_dir.h"
#include "cairn/provider/data_dir.h"
#include "cairn/provider/deal_store.h"

namespace cairn::provider {
namespace {

using Clock = std::chrono::steady_clock;

class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto tmp = TempDir::Create("provider-daemon");
    ASSERT_TRUE(tmp.ok());
    tmp_.emplace(std::move(*tmp));
    dir_.emplace(tmp_->Join("p"));
    ProviderConfig config;
    config.capacity = 1 << 20;
    config.max_shard_size = 1 << 20;
    ASSERT_TRUE(dir_->Initialize(Env::Default(), config).ok());
    network_ = NetworkConfig::Devnet("daemon-test");
    network_file_ = tmp_->Join("network");
    ASSERT_TRUE(WriteFileAtomic(Env::Default(), network_file_, AsBytes(network_.Serialize())).ok());
    // A shard (64 KiB of seeded random bytes) with its torrent.
    std::mt19937 rng(kSeed);
    data_.resize(64 << 10);
    for (auto& b : data_) b = static_cast<std::uint8_t>(rng());
    shard_path_ = tmp_->Join("s.bin");
    ASSERT_TRUE(WriteFileAtomic(Env::Default(), shard_path_, data_).ok());
    comm_d_ = *MerkleRoot(data_);
    auto t = Swarm::MakeTorrent(shard_path_, 16 << 10);
    ASSERT_TRUE(t.ok());
    torrent_ = *t;
  }

  DaemonOptions Options() const {
    DaemonOptions o;
    o.data_dir = dir_->root();
    o.network_file = network_file_;
    o.listen = Endpoint{"127.0.213.1", 0};
    return o;
  }

  control::ProposeRequest Proposal(const Hash32& comm_d, const Endpoint& peer) const {
    control::ProposeRequest p;
    p.shard = ShardId(comm_d);
    p.size = data_.size();
    p.info_hash = torrent_.info_hash;
    p.torrent = torrent_.torrent;
    p.price = 1;
    p.duration = 1;
    p.peer = peer;
    return p;
  }

  // Ticks the daemon until `done` or the deadline.
  void TickUntil(Daemon& d, const std::function<bool()>& done, std::chrono::seconds timeout) {
    for (auto deadline = Clock::now() + timeout; !done() && Clock::now() < deadline;) {
      std::this_thread::sleep_for(d.Tick());
    }
  }

  std::string State(const control::ControlClient& c, Daemon& d, const DealId& deal) {
    auto r = c.Call(d.control_endpoint(), d.id(), control::kTypeDeal, control::DealRef{deal}.ToBody(),
                    std::chrono::seconds(30));
    if (!r.ok() || r->type != control::kTypeOk) return "?";
    return control::DealStatusReply::FromBody(r->body)->state;
  }

  static constexpr unsigned kSeed = 31;
  std::optional<TempDir> tmp_;
  std::optional<DataDir> dir_;
  NetworkConfig network_;
  std::string network_file_;
  Bytes data_;
  std::string shard_path_;
  Hash32 comm_d_{};
  TorrentFile torrent_;
  Identity me_ = Identity::Generate();
};

TEST_F(DaemonTest, RecoversInstalledShardAndDeletesLeftovers) {
  SCOPED_TRACE("seed " + std::to_string(kSeed));
  // The state a crash leaves between "rename into shards/" and the "stored" commit, plus leftovers.
  control::ProposeRequest p = Proposal(comm_d_, Endpoint{"127.0.213.9", 9});
  DealRecord d;
  d.id = control::ComputeDealId(me_.public_key(), p.ToBody());
  d.client = me_.public_key();
  d.shard = p.shard;
  d.size = p.size;
  d.info_hash = p.info_hash;
  d.peer = ToString(p.peer);
  {
    auto kv = KvStore::Open(dir_->db_dir(), {});
    ASSERT_TRUE(kv.ok());
    auto store = DealStore::Open(kv->get(), 1 << 20);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Accept(d, wire::Encode(wire::Value(p.ToBody()))).ok());
    ASSERT_TRUE((*store)->Transition(d.id, DealState::kDownloading, "", 1).ok());
  }
  Env* env = Env::Default();
  ASSERT_TRUE(WriteFileAtomic(env, dir_->ShardPath(d.shard), data_).ok());
  Hash32 other{};
  other[0] = 0xab;
  const std::string orphan = dir_->ShardPath(ShardId(other));
  ASSERT_TRUE(WriteFileAtomic(env, orphan, AsBytes("orphan")).ok());
  const std::string stray_spool = dir_->spool_dir() + "/0123";
  ASSERT_TRUE(env->CreateDirs(stray_spool).ok());
  ASSERT_TRUE(WriteFileAtomic(env, stray_spool + "/x", AsBytes("x")).ok());

  auto daemon = Daemon::Start(Options());
  ASSERT_TRUE(daemon.ok()) << daemon.status().ToString();
  control::ControlClient client(me_, network_.network_id);
  EXPECT_EQ(State(client, **daemon, d.id), "stored");
  EXPECT_FALSE(env->FileExists(orphan));
  EXPECT_FALSE(env->FileExists(stray_spool));
  EXPECT_TRUE(env->FileExists(dir_->ShardPath(d.shard)));
  auto fetched = client.Call((*daemon)->control_endpoint(), (*daemon)->id(), control::kTypeFetch,
                             control::FetchRequest{d.shard}.ToBody(), std::chrono::seconds(30));
  ASSERT_TRUE(fetched.ok());
  EXPECT_EQ(fetched->type, control::kTypeOk);

  // One daemon per data dir.
  auto second = Daemon::Start(Options());
  EXPECT_EQ(second.status().code(), Code::kFailedPrecondition) << second.status().ToString();
  EXPECT_TRUE((*daemon)->Shutdown().ok());
}

TEST_F(DaemonTest, FailsDownloadThatDoesNotMatchCommD) {
  SCOPED_TRACE("seed " + std::to_string(kSeed));
  SwarmOptions so;
  so.listen = Endpoint{"127.0.214.1", 0};
  auto seeder = Swarm::Start(so);
  ASSERT_TRUE(seeder.ok());
  ASSERT_TRUE((*seeder)->Seed(shard_path_, torrent_.torrent).ok());
  auto daemon = Daemon::Start(Options());
  ASSERT_TRUE(daemon.ok()) << daemon.status().ToString();
  control::ControlClient client(me_, network_.network_id);

  // The torrent is genuine but the claimed comm_d belongs to other bytes.
  Hash32 lie = comm_d_;
  lie[0] ^= 1;
  control::ProposeRequest p = Proposal(lie, (*seeder)->listen_endpoint());
  const DealId deal = control::ComputeDealId(me_.public_key(), p.ToBody());
  auto r = client.Call((*daemon)->control_endpoint(), (*daemon)->id(), control::kTypePropose, p.ToBody(),
                       std::chrono::seconds(30));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->type, control::kTypeOk);
  std::string state;
  TickUntil(
      **daemon, [&] { return (state = State(client, **daemon, deal)) == "failed"; }, std::chrono::seconds(90));
  EXPECT_EQ(state, "failed");
  EXPECT_FALSE(Env::Default()->FileExists(dir_->ShardPath(ShardId(lie))));
  EXPECT_FALSE(Env::Default()->FileExists(dir_->SpoolDir(deal)));
  // The reservation is released.
  auto rec =
      client.Call((*daemon)->control_endpoint(), (*daemon)->id(), control::kTypeRecord, {}, std::chrono::seconds(30));
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(control::ProviderRecord::FromBody(rec->body)->free, 1u << 20);

  // The honest proposal of the same torrent is stored.
  control::ProposeRequest honest = Proposal(comm_d_, (*seeder)->listen_endpoint());
  const DealId good = control::ComputeDealId(me_.public_key(), honest.ToBody());
  ASSERT_TRUE(client
                  .Call((*daemon)->control_endpoint(), (*daemon)->id(), control::kTypePropose, honest.ToBody(),
                        std::chrono::seconds(30))
                  .ok());
  TickUntil(
      **daemon, [&] { return (state = State(client, **daemon, good)) == "stored"; }, std::chrono::seconds(90));
  EXPECT_EQ(state, "stored");
  EXPECT_TRUE((*daemon)->Shutdown().ok());
}

// SIGTERM's path: Shutdown in the middle of a download saves resume data, and the next Start picks it up.
TEST_F(DaemonTest, ShutdownSavesResumeDataAndStartResumes) {
  SCOPED_TRACE("seed " + std::to_string(kSeed));
  // A bigger shard, served slowly, so the shutdown lands mid-download.
  std::mt19937 rng(kSeed + 1);
  data_.assign(768 << 10, 0);
  for (auto& b : data_) b = static_cast<std::uint8_t>(rng());
  ASSERT_TRUE(WriteFileAtomic(Env::Default(), shard_path_, data_).ok());
  comm_d_ = *MerkleRoot(data_);
  torrent_ = *Swarm::MakeTorrent(shard_path_, 16 << 10);
  SwarmOptions so;
  so.listen = Endpoint{"127.0.215.1", 0};
  auto seeder = Swarm::Start(so);
  ASSERT_TRUE(seeder.ok());
  SeedOptions slow;
  slow.upload_rate_limit = 64 << 10;  // 12 s for the shard: the shutdown lands mid-download whatever the load
  auto seeding = (*seeder)->Seed(shard_path_, torrent_.torrent, slow);
  ASSERT_TRUE(seeding.ok());

  control::ControlClient client(me_, network_.network_id);
  control::ProposeRequest p = Proposal(comm_d_, (*seeder)->listen_endpoint());
  const DealId deal = control::ComputeDealId(me_.public_key(), p.ToBody());
  {
    auto daemon = Daemon::Start(Options());
    ASSERT_TRUE(daemon.ok()) << daemon.status().ToString();
    ASSERT_TRUE(client
                    .Call((*daemon)->control_endpoint(), (*daemon)->id(), control::kTypePropose, p.ToBody(),
                          std::chrono::seconds(30))
                    .ok());
    std::uint64_t have = 0;
    TickUntil(
        **daemon,
        [&] {
          auto r = client.Call((*daemon)->control_endpoint(), (*daemon)->id(), control::kTypeDeal,
                               control::DealRef{deal}.ToBody(), std::chrono::seconds(30));
          if (r.ok() && r->type == control::kTypeOk) have = control::DealStatusReply::FromBody(r->body)->have;
          return have >= (128u << 10);
        },
        std::chrono::seconds(90));
    ASSERT_GE(have, 128u << 10);
    ASSERT_LT(have, data_.size());
    ASSERT_TRUE((*daemon)->Shutdown().ok());
  }
  EXPECT_TRUE(Env::Default()->FileExists(dir_->ResumePath(deal)));
  EXPECT_FALSE(Env::Default()->FileExists(dir_->ShardPath(ShardId(comm_d_)))) << "finished before the shutdown";
  // The rest at full speed: served again without the rate limit, from the same session and address.
  ASSERT_TRUE((*seeder)->Remove(*seeding, RemoveFiles::kKeep, Clock::now() + std::chrono::seconds(30)).ok());
  ASSERT_TRUE((*seeder)->Seed(shard_path_, torrent_.torrent).ok());

  auto daemon = Daemon::Start(Options());
  ASSERT_TRUE(daemon.ok()) << daemon.status().ToString();
  std::string state;
  TickUntil(
      **daemon, [&] { return (state = State(client, **daemon, deal)) == "stored"; }, std::chrono::seconds(90));
  EXPECT_EQ(state, "stored");
  EXPECT_FALSE(Env::Default()->FileExists(dir_->ResumePath(deal)));
  auto back = ReadFileToBytes(Env::Default(), dir_->ShardPath(ShardId(comm_d_)), 1 << 20);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, data_);
  EXPECT_TRUE((*daemon)->Shutdown().ok());
}

// Removing a failed deal must not touch the file of a later deal that stored the same shard.
TEST_F(DaemonTest, RemovingFailedDealKeepsShardStoredByLaterDeal) {
  SCOPED_TRACE("seed " + std::to_string(kSeed));
  SwarmOptions so;
  so.listen = Endpoint{"127.0.216.1", 0};
  auto seeder = Swarm::Start(so);
  ASSERT_TRUE(seeder.ok());
  ASSERT_TRUE((*seeder)->Seed(shard_path_, torrent_.torrent).ok());
  DaemonOptions o = Options();
  o.stall_timeout = std::chrono::seconds(1);
  auto daemon = Daemon::Start(o);
  ASSERT_TRUE(daemon.ok()) << daemon.status().ToString();
  control::ControlClient client(me_, network_.network_id);
  // `daemon` is reassigned below: the lambda reads whichever runs.
  auto call = [&](std::string_view type, wire::Value::Dict body) {
    return client.Call((*daemon)->control_endpoint(), (*daemon)->id(), type, std::move(body), std::chrono::seconds(30));
  };
  // Deal A: nobody serves at its peer address, so it stalls and fails.
  control::ProposeRequest a = Proposal(comm_d_, Endpoint{"127.0.216.2", 9});
  const DealId deal_a = control::ComputeDealId(me_.public_key(), a.ToBody());
  ASSERT_TRUE(call(control::kTypePropose, a.ToBody()).ok());
  std::string state;
  TickUntil(
      **daemon, [&] { return (state = State(client, **daemon, deal_a)) == "failed"; }, std::chrono::seconds(90));
  ASSERT_EQ(state, "failed");
  // Deal B: the same shard from a live seeder, stored, by a daemon with the default stall timeout (a loaded machine
  // may take more than a second to send the first bytes).
  ASSERT_TRUE((*daemon)->Shutdown().ok());
  daemon = Status::Unavailable("restarting");  // releases the data dir lock
  daemon = Daemon::Start(Options());
  ASSERT_TRUE(daemon.ok()) << daemon.status().ToString();
  control::ProposeRequest b = Proposal(comm_d_, (*seeder)->listen_endpoint());
  const DealId deal_b = control::ComputeDealId(me_.public_key(), b.ToBody());
  ASSERT_TRUE(call(control::kTypePropose, b.ToBody()).ok());
  TickUntil(
      **daemon, [&] { return (state = State(client, **daemon, deal_b)) == "stored"; }, std::chrono::seconds(90));
  ASSERT_EQ(state, "stored");
  // Removing A leaves B's shard in place.
  auto removed = call(control::kTypeRemove, control::DealRef{deal_a}.ToBody());
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(removed->type, control::kTypeOk);
  TickUntil(
      **daemon, [&] { return (state = State(client, **daemon, deal_a)) == "removed"; }, std::chrono::seconds(90));
  ASSERT_EQ(state, "removed");
  for (int i = 0; i < 10; ++i) std::this_thread::sleep_for((*daemon)->Tick());  // the removal's file work, if any
  EXPECT_TRUE(Env::Default()->FileExists(dir_->ShardPath(ShardId(comm_d_))));
  EXPECT_EQ(State(client, **daemon, deal_b), "stored");
  auto fetched = call(control::kTypeFetch, control::FetchRequest{ShardId(comm_d_)}.ToBody());
  ASSERT_TRUE(fetched.ok());
  EXPECT_EQ(fetched->type, control::kTypeOk);
  EXPECT_TRUE((*daemon)->Shutdown().ok());
}

}  // namespace
}  // namespace cairn::provider
