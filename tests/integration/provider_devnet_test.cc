// End-to-end tests of cairn-provider with real processes: a 3-provider devnet started and stopped through the
// binary, a test-side libtorrent session seeding real shard torrents, and signed control calls.
//
// Every test picks its own loopback network (127.<net>.<i+1>.1) and ports, checked free before use, and its
// TearDown always stops the devnet and checks that no provider process is left.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cairn/core/control.h"
#include "cairn/core/control_messages.h"
#include "cairn/core/env.h"
#include "cairn/core/hex.h"
#include "cairn/core/identity.h"
#include "cairn/core/merkle.h"
#include "cairn/core/network.h"
#include "cairn/core/swarm.h"
#include "cairn/core/temp_dir.h"

extern char** environ;

namespace cairn {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kProviders = 3;
constexpr std::uint64_t kCapacity = 10 << 20;  // per provider
constexpr std::uint64_t kMaxShard = 8 << 20;

struct CommandResult {
  int exit_code = -1;
  std::string output;
};

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out.append("'\\''");
    } else {
      out.push_back(c);
    }
  }
  out.push_back('\'');
  return out;
}

// Runs cairn-provider with `args`, capturing stdout and stderr.
CommandResult RunProvider(const std::vector<std::string>& args) {
  std::string cmd = Quote(CAIRN_PROVIDER_BINARY);
  for (const std::string& a : args) {
    cmd.push_back(' ');
    cmd.append(Quote(a));
  }
  cmd.append(" 2>&1");
  CommandResult r;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) return r;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) r.output.append(buf, n);
  int status = ::pclose(pipe);
  if (status != -1 && WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  return r;
}

// True when TCP `port` and UDP `port` can be bound on `ip`.
bool PortFree(const std::string& ip, std::uint16_t port) {
  for (int type : {SOCK_STREAM, SOCK_DGRAM}) {
    int fd = ::socket(AF_INET, type, 0);
    if (fd < 0) return false;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    bool ok = ::inet_pton(AF_INET, ip.c_str(), &a.sin_addr) == 1 &&
              ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
    ::close(fd);
    if (!ok) return false;
  }
  return true;
}

// Picks a loopback net 127.<net>.*.* and a base port for `providers` providers (plus the launcher's spare DHT address)
// with TCP and UDP port and port + 1 free on every address, and holds the net's lock file, the one the integration
// harness (tests/integration/devnet_harness.cc) takes, so devnets of concurrent test processes never share a net.
// The ports stay below the ephemeral range, where no outgoing connection can take them between check and bind.
// Returns the lock's fd (closed by the caller once the devnet is stopped), or -1 when nothing was found.
int ReserveNet(int providers, std::uint32_t seed, int& net, std::uint16_t& port) {
  std::mt19937 rng(seed);
  const int start = static_cast<int>(rng() % 200);
  for (int step = 0; step < 200; ++step) {
    const int candidate = 40 + (start + step) % 200;
    const std::string lock_path = "/tmp/cairn-integration-net-" + std::to_string(candidate) + ".lock";
    const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) return -1;
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd);
      continue;
    }
    for (int attempt = 0; attempt < 20; ++attempt) {
      const auto p = static_cast<std::uint16_t>(20000 + 2 * (rng() % 6000));
      bool ok = true;
      for (int i = 0; i <= providers && ok; ++i) {
        const std::string ip = "127." + std::to_string(candidate) + "." + std::to_string(i + 1) + ".1";
        ok = PortFree(ip, p) && PortFree(ip, static_cast<std::uint16_t>(p + 1));
      }
      if (ok) {
        net = candidate;
        port = p;
        return fd;
      }
    }
    ::close(fd);
  }
  return -1;
}

Bytes RandomData(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(rng());
  return b;
}

Bytes ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void WriteAll(const std::string& path, ByteSpan data) {
  ASSERT_TRUE(WriteFileAtomic(Env::Default(), path, data).ok()) << path;
}

// Pids of live processes whose command line mentions `needle`.
std::vector<pid_t> ProcessesMentioning(const std::string& needle) {
  std::vector<pid_t> out;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    std::size_t close = line.rfind(')');
    if (close == std::string::npos || close + 2 >= line.size() || line[close + 2] == 'Z') continue;
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmdline.find(needle) != std::string::npos) out.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return out;
}

struct Shard {
  std::string path;
  Bytes data;
  Hash32 comm_d{};
  TorrentFile torrent;
};

class ProviderDevnetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::Create("provider-devnet");
    ASSERT_TRUE(dir.ok());
    tmp_.emplace(std::move(*dir));
    devnet_ = tmp_->Join("devnet");
    ASSERT_TRUE(PickAddresses()) << "no free loopback network and ports found";
    CommandResult r = RunProvider({"devnet", "--providers", std::to_string(kProviders), "--dir", devnet_, "--net",
                                   std::to_string(net_), "--base-port", std::to_string(port_), "--capacity",
                                   std::to_string(kCapacity), "--max-shard-size", std::to_string(kMaxShard), "--price",
                                   "2", "--timeout", "120"});
    started_ = true;
    ASSERT_EQ(r.exit_code, 0) << r.output;
    auto network = NetworkConfig::Load(Env::Default(), devnet_ + "/network");
    ASSERT_TRUE(network.ok()) << network.status().ToString();
    network_ = *network;
    for (int i = 0; i < kProviders; ++i) {
      auto id = Identity::Load(ProviderDir(i) + "/identity.key");
      ASSERT_TRUE(id.ok());
      provider_ids_.push_back(id->public_key());
    }
    client_ = std::make_unique<control::ControlClient>(me_, network_.network_id);
    SwarmOptions so;
    so.listen = Endpoint{"127." + std::to_string(net_) + ".200.1", 0};
    auto swarm = Swarm::Start(so);
    ASSERT_TRUE(swarm.ok()) << swarm.status().ToString();
    swarm_ = std::move(*swarm);
  }

  void TearDown() override {
    swarm_.reset();
    if (!started_) return;
    // A generous grace: a loaded machine may take seconds to stop three providers; a hang still shows as SIGKILL.
    CommandResult r = RunProvider({"devnet", "--dir", devnet_, "--stop", "--grace-ms", "60000"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(r.output.find("SIGKILL"), std::string::npos) << "a provider did not stop on SIGTERM: " << r.output;
    for (pid_t child : children_) ::waitpid(child, nullptr, 0);
    EXPECT_TRUE(ProcessesMentioning(devnet_).empty()) << "provider processes left behind";
    for (int i = 0; i < kProviders; ++i) {
      std::string log(AsStringView(ReadAll(ProviderDir(i) + "/log")));
      EXPECT_NE(log.find("provider: stopped"), std::string::npos) << "p" << i << " log:\n" << log;
    }
  }

  ~ProviderDevnetTest() override {
    if (net_lock_ >= 0) ::close(net_lock_);  // after TearDown stopped the devnet
  }

  bool PickAddresses() {
    net_lock_ = ReserveNet(kProviders, static_cast<std::uint32_t>(::getpid()), net_, port_);
    return net_lock_ >= 0;
  }

  // True while a live provider process runs on data dir i (/proc/<pid>/cmdline separates arguments with NULs).
  bool ProviderRuns(int i) const { return !ProcessesMentioning(ProviderDir(i) + std::string(1, '\0')).empty(); }

  std::string Ip(int i) const { return "127." + std::to_string(net_) + "." + std::to_string(i + 1) + ".1"; }
  std::string ProviderDir(int i) const { return devnet_ + "/p" + std::to_string(i); }
  Endpoint Ctl(int i) const { return Endpoint{Ip(i), port_}; }

  // A random shard of `size` bytes written to the test dir, its comm_d and v2 torrent.
  Shard MakeShard(std::size_t size, std::uint64_t seed) {
    Shard s;
    s.path = tmp_->Join("shard-" + std::to_string(seed));
    s.data = RandomData(size, seed);
    WriteAll(s.path, s.data);
    auto root = MerkleRoot(s.data);
    EXPECT_TRUE(root.ok());
    s.comm_d = *root;
    auto t = Swarm::MakeTorrent(s.path, 64 << 10);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    s.torrent = *t;
    return s;
  }

  control::ProposeRequest Proposal(const Shard& s, std::uint64_t price = 2) {
    control::ProposeRequest p;
    p.shard = ShardId(s.comm_d);
    p.size = s.data.size();
    p.info_hash = s.torrent.info_hash;
    p.torrent = s.torrent.torrent;
    p.price = price;
    p.duration = 10;
    p.ticket[0] = 0x7e;
    p.peer = swarm_->listen_endpoint();
    return p;
  }

  Result<control::Envelope> Call(int provider, std::string_view type, wire::Value::Dict body,
                                 const control::ControlClient* client = nullptr) {
    const control::ControlClient& c = client ? *client : *client_;
    return c.Call(Ctl(provider), provider_ids_[provider], type, std::move(body), seconds(30));
  }

  // The "error" code of a reply, or "" for an ok reply.
  std::string ErrorCode(const Result<control::Envelope>& reply) {
    EXPECT_TRUE(reply.ok()) << reply.status().ToString();
    if (!reply.ok() || reply->type == control::kTypeOk) return "";
    auto e = control::ParseErrorBody(*reply);
    return e.ok() ? e->code : "malformed";
  }

  // Polls "deal" until the state is `want` (OK) or the deadline passes (kDeadlineExceeded, with the last state).
  Result<control::Envelope> WaitForState(int provider, const DealId& deal, std::string_view want, seconds timeout,
                                         std::uint64_t* max_have = nullptr) {
    const auto deadline = Clock::now() + timeout;
    std::string last = "no reply";
    while (Clock::now() < deadline) {
      auto reply = Call(provider, control::kTypeDeal, control::DealRef{deal}.ToBody());
      if (reply.ok() && reply->type == control::kTypeOk) {
        auto st = control::DealStatusReply::FromBody(reply->body);
        if (st.ok() && max_have) *max_have = std::max(*max_have, st->have);
        if (st.ok() && st->state == want) return reply;
        last = st.ok() ? "state " + st->state : st.status().ToString();
      } else {
        last = reply.ok() ? "reply " + reply->type : reply.status().ToString();
      }
      std::this_thread::sleep_for(milliseconds(100));
    }
    return Status::DeadlineExceeded("deal never reached \"" + std::string(want) + "\"; last: " + last);
  }

  std::string StatusJson(int provider) {
    CommandResult r = RunProvider({"status", "--data-dir", ProviderDir(provider), "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return r.output;
  }

  // Starts `cairn-provider run` for provider i again (as the devnet did) and records its pid for --stop.
  void Restart(int i, const std::vector<std::string>& extra_env = {}) {
    const std::string log = ProviderDir(i) + "/log";
    std::vector<std::string> args = {
        CAIRN_PROVIDER_BINARY, "run",      "--data-dir",     ProviderDir(i), "--network",
        devnet_ + "/network",  "--listen", ToString(Ctl(i)), "--bt-listen",  Ip(i) + ":" + std::to_string(port_ + 1)};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    ASSERT_EQ(posix_spawn_file_actions_init(&fa), 0);
    ASSERT_EQ(posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, log.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644),
              0);
    ASSERT_EQ(posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO), 0);
    std::vector<std::string> env_store(extra_env);
    for (char** e = environ; *e != nullptr; ++e) env_store.emplace_back(*e);
    std::vector<char*> envp;
    for (std::string& e : env_store) envp.push_back(e.data());
    envp.push_back(nullptr);
    pid_t pid = 0;
    int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    ASSERT_EQ(rc, 0);
    children_.push_back(pid);
    WriteAll(ProviderDir(i) + "/pid", AsBytes(std::to_string(pid) + "\n"));
  }

  // SIGTERM to provider i; true once it exited. No bound on how fast (a loaded machine is slow): a provider that
  // ignores SIGTERM still fails after a minute.
  bool StopProvider(int i) {
    const pid_t pid = PidOf(i);
    const auto start = Clock::now();
    EXPECT_EQ(::kill(pid, SIGTERM), 0);
    while (ProviderRuns(i)) {
      if (Clock::now() - start > seconds(60)) return false;
      for (pid_t child : children_) ::waitpid(child, nullptr, WNOHANG);
      std::this_thread::sleep_for(milliseconds(20));
    }
    std::cout << "provider " << i << " stopped on SIGTERM in "
              << std::chrono::duration_cast<milliseconds>(Clock::now() - start).count() << " ms\n";
    return true;
  }

  // Downloads `shard` from provider i through "fetch" in a fresh session until it is complete and in its file, or
  // (expect_bad_bytes) until a piece failed its hash; returns the status then.
  TorrentStatus FetchFrom(int i, const Shard& shard, const std::string& out_dir, bool expect_bad_bytes = false) {
    auto fetched = Call(i, control::kTypeFetch, control::FetchRequest{ShardId(shard.comm_d)}.ToBody());
    EXPECT_EQ(ErrorCode(fetched), "");
    auto f = control::FetchReply::FromBody(fetched->body);
    EXPECT_TRUE(f.ok());
    EXPECT_EQ(f->info_hash, shard.torrent.info_hash);
    SwarmOptions so;
    so.listen = Endpoint{"127." + std::to_string(net_) + ".201.1", 0};
    auto reader = Swarm::Start(so);
    EXPECT_TRUE(reader.ok());
    EXPECT_TRUE(Env::Default()->CreateDirs(out_dir).ok());
    DownloadRequest dl;
    dl.torrent = shard.torrent.torrent;  // our own copy of the torrent
    dl.save_dir = out_dir;
    dl.peers = {f->bt};
    auto got = (*reader)->Download(dl);
    EXPECT_TRUE(got.ok());
    if (expect_bad_bytes) {
      Status failed = (*reader)->WaitFor(
          *got, [](const TorrentStatus& st) { return st.failed_bytes > 0; }, Clock::now() + seconds(60));
      EXPECT_TRUE(failed.ok()) << "no piece failed its hash: " << failed.ToString();
    } else {
      Status done = (*reader)->WaitForComplete(*got, Clock::now() + seconds(60));
      EXPECT_TRUE(done.ok()) << done.ToString();
      // The last blocks may still be queued for writing when the torrent completes: the caller reads the file.
      if (done.ok()) {
        EXPECT_TRUE((*reader)->Flush(*got, Clock::now() + seconds(30)).ok());
      }
    }
    auto st = (*reader)->GetStatus(*got);
    EXPECT_TRUE(st.ok());
    return st.ok() ? *st : TorrentStatus{};
  }

  pid_t PidOf(int i) {
    std::string text(AsStringView(ReadAll(ProviderDir(i) + "/pid")));
    return static_cast<pid_t>(std::stol(text));
  }

  std::optional<TempDir> tmp_;
  std::string devnet_;
  int net_ = 0;
  std::uint16_t port_ = 0;
  bool started_ = false;
  NetworkConfig network_;
  std::vector<Ed25519PublicKey> provider_ids_;
  Identity me_ = Identity::Generate();
  std::unique_ptr<control::ControlClient> client_;
  std::unique_ptr<Swarm> swarm_;
  std::vector<pid_t> children_;
  int net_lock_ = -1;
};

TEST_F(ProviderDevnetTest, DevnetComesUpWithNetworkFileAndStatus) {
  EXPECT_EQ(network_.bootstrap.size(), 3u);
  EXPECT_EQ(network_.k, 4);
  for (int i = 0; i < kProviders; ++i) {
    std::string json = StatusJson(i);
    EXPECT_NE(json.find("\"running\": true"), std::string::npos) << json;
    EXPECT_NE(json.find("\"capacity\": " + std::to_string(kCapacity)), std::string::npos) << json;
    EXPECT_NE(json.find("\"shards\": 0"), std::string::npos) << json;
    EXPECT_NE(json.find("\"id\": \"" + ToHex(provider_ids_[i]) + "\""), std::string::npos) << json;
    auto reply = Call(i, control::kTypeRecord, {});
    ASSERT_TRUE(reply.ok()) << reply.status().ToString();
    ASSERT_EQ(reply->type, control::kTypeOk);
    auto record = control::ProviderRecord::FromBody(reply->body);
    ASSERT_TRUE(record.ok()) << record.status().ToString();
    EXPECT_EQ(record->id, provider_ids_[i]);
    EXPECT_EQ(record->ctl, Ctl(i));
    EXPECT_EQ(record->bt.port, port_ + 1);
    EXPECT_EQ(record->free, kCapacity);
    EXPECT_EQ(record->price, 2u);
  }
  // A second devnet in the same dir is refused while this one runs.
  CommandResult again = RunProvider({"devnet", "--providers", "3", "--dir", devnet_, "--net", std::to_string(net_),
                                     "--base-port", std::to_string(port_)});
  EXPECT_EQ(again.exit_code, 3) << again.output;
}

TEST_F(ProviderDevnetTest, StoresShardWithSignedReceiptServesAndRemovesIt) {
  const std::uint64_t seed = 424242;
  SCOPED_TRACE("seed " + std::to_string(seed));
  Shard shard = MakeShard(4 << 20, seed);
  auto seeding = swarm_->Seed(shard.path, shard.torrent.torrent);
  ASSERT_TRUE(seeding.ok()) << seeding.status().ToString();

  control::ProposeRequest p = Proposal(shard);
  auto reply = Call(0, control::kTypePropose, p.ToBody());
  ASSERT_EQ(ErrorCode(reply), "");
  auto accepted = control::ProposeReply::FromBody(reply->body);
  ASSERT_TRUE(accepted.ok());
  EXPECT_EQ(accepted->state, "accepted");
  const DealId deal = control::ComputeDealId(me_.public_key(), p.ToBody());
  EXPECT_EQ(accepted->deal, deal);
  // Proposing the same deal again is answered the same way, without a second reservation.
  auto again = Call(0, control::kTypePropose, p.ToBody());
  EXPECT_EQ(ErrorCode(again), "");

  auto receipt = WaitForState(0, deal, "stored", seconds(90));
  ASSERT_TRUE(receipt.ok()) << receipt.status().ToString();
  auto st = control::DealStatusReply::FromBody(receipt->body);
  ASSERT_TRUE(st.ok());
  ASSERT_EQ(st->state, "stored");
  EXPECT_EQ(st->have, shard.data.size());
  EXPECT_EQ(st->shard.value(), shard.comm_d);
  // The receipt is the signed frame: it verifies on its own, long after, and names the provider.
  auto parsed = control::ParseEnvelope(receipt->raw);
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(control::VerifyEnvelopeSignature(*parsed, network_.network_id).ok());
  EXPECT_EQ(parsed->from, provider_ids_[0]);
  Bytes forged = receipt->raw;
  forged[forged.size() / 2] ^= 1;
  auto forged_parsed = control::ParseEnvelope(forged);
  EXPECT_TRUE(!forged_parsed.ok() || !control::VerifyEnvelopeSignature(*forged_parsed, network_.network_id).ok());

  // Durable in shards/, named by comm_d, byte-identical; the ledger counts it.
  EXPECT_EQ(ReadAll(ProviderDir(0) + "/shards/" + ToHex(shard.comm_d)), shard.data);
  std::string json = StatusJson(0);
  EXPECT_NE(json.find("\"shards\": 1"), std::string::npos) << json;
  EXPECT_NE(json.find("\"used\": " + std::to_string(shard.data.size())), std::string::npos) << json;
  EXPECT_NE(json.find("\"reserved\": 0"), std::string::npos) << json;

  // Retrieval: "fetch" gives the torrent, and a fresh session downloads the shard from the provider alone.
  TorrentStatus got = FetchFrom(0, shard, tmp_->Join("fetched"));
  EXPECT_EQ(got.state, TorrentState::kSeeding);
  EXPECT_EQ(ReadAll(tmp_->Join("fetched") + "/" + shard.torrent.name), shard.data);

  // Refusals, each with its code, on a connection that keeps working.
  control::ProposeRequest cheap = Proposal(shard, 1);
  EXPECT_EQ(ErrorCode(Call(1, control::kTypePropose, cheap.ToBody())), "price");
  control::ProposeRequest big = Proposal(shard);
  big.size = kMaxShard + 1;
  EXPECT_EQ(ErrorCode(Call(1, control::kTypePropose, big.ToBody())), "size");
  control::ProposeRequest lying = Proposal(shard);
  lying.info_hash[0] ^= 1;
  EXPECT_EQ(ErrorCode(Call(1, control::kTypePropose, lying.ToBody())), "bad-torrent");
  Shard large = MakeShard(7 << 20, seed + 1);
  EXPECT_EQ(ErrorCode(Call(0, control::kTypePropose, Proposal(large).ToBody())), "capacity");
  EXPECT_EQ(ErrorCode(Call(0, control::kTypeFetch, control::FetchRequest{ShardId(large.comm_d)}.ToBody())),
            "not-found");

  // Only the deal's client may remove it; then the space is free again and the file gone.
  Identity other = Identity::Generate();
  control::ControlClient stranger(other, network_.network_id);
  EXPECT_EQ(ErrorCode(Call(0, control::kTypeRemove, control::DealRef{deal}.ToBody(), &stranger)), "forbidden");
  EXPECT_EQ(ErrorCode(Call(0, control::kTypeRemove, control::DealRef{deal}.ToBody())), "");
  auto removed = WaitForState(0, deal, "removed", seconds(60));
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  const std::string stored_path = ProviderDir(0) + "/shards/" + ToHex(shard.comm_d);
  for (auto deadline = Clock::now() + seconds(60);
       Env::Default()->FileExists(stored_path) && Clock::now() < deadline;) {
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_FALSE(Env::Default()->FileExists(stored_path));
  json = StatusJson(0);
  EXPECT_NE(json.find("\"used\": 0"), std::string::npos) << json;
  EXPECT_NE(json.find("\"free\": " + std::to_string(kCapacity)), std::string::npos) << json;
}

TEST_F(ProviderDevnetTest, ResumesDownloadAfterSigkill) {
  const std::uint64_t seed = 77;
  SCOPED_TRACE("seed " + std::to_string(seed));
  Shard shard = MakeShard(6 << 20, seed);
  SeedOptions slow;
  slow.upload_rate_limit = 256 << 10;  // 24 s for the shard: the provider is killed part way, whatever the load
  auto seeding = swarm_->Seed(shard.path, shard.torrent.torrent, slow);
  ASSERT_TRUE(seeding.ok());
  control::ProposeRequest p = Proposal(shard);
  const DealId deal = control::ComputeDealId(me_.public_key(), p.ToBody());
  ASSERT_EQ(ErrorCode(Call(1, control::kTypePropose, p.ToBody())), "");

  // Wait until part of the shard arrived and the provider saved resume data (every 5 s while bytes arrive), then
  // kill -9.
  const std::string resume_file = ProviderDir(1) + "/resume/" + ToHex(deal.value());
  std::uint64_t have = 0;
  for (auto deadline = Clock::now() + seconds(90);
       Clock::now() < deadline && (have < (1u << 20) || !Env::Default()->FileExists(resume_file));) {
    auto r = Call(1, control::kTypeDeal, control::DealRef{deal}.ToBody());
    if (r.ok() && r->type == control::kTypeOk) have = control::DealStatusReply::FromBody(r->body)->have;
    std::this_thread::sleep_for(milliseconds(100));
  }
  ASSERT_GE(have, 1u << 20);
  ASSERT_TRUE(Env::Default()->FileExists(resume_file)) << "no resume data saved";
  const pid_t victim = PidOf(1);
  ASSERT_EQ(::kill(victim, SIGKILL), 0);
  for (auto deadline = Clock::now() + seconds(60); ProviderRuns(1) && Clock::now() < deadline;) {
    std::this_thread::sleep_for(milliseconds(50));
  }
  ASSERT_FALSE(ProviderRuns(1)) << "the killed provider still runs";
  auto after_kill = Call(1, control::kTypeDeal, control::DealRef{deal}.ToBody());
  EXPECT_FALSE(after_kill.ok());
  // The shard was not complete when the provider died (its deal is not stored in the data dir it left).
  EXPECT_FALSE(Env::Default()->FileExists(ProviderDir(1) + "/shards/" + ToHex(shard.comm_d)))
      << "the download finished before the kill; the seeding rate limit is too high";
  // The rest at full speed: served again, without the rate limit, from the same session and address.
  ASSERT_TRUE(swarm_->Remove(*seeding, RemoveFiles::kKeep, Clock::now() + seconds(30)).ok());
  ASSERT_TRUE(swarm_->Seed(shard.path, shard.torrent.torrent).ok());

  Restart(1);
  std::uint64_t max_have = 0;
  auto receipt = WaitForState(1, deal, "stored", seconds(90), &max_have);
  ASSERT_TRUE(receipt.ok()) << receipt.status().ToString();
  auto st = control::DealStatusReply::FromBody(receipt->body);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->state, "stored");
  EXPECT_EQ(ReadAll(ProviderDir(1) + "/shards/" + ToHex(shard.comm_d)), shard.data);
  std::string log(AsStringView(ReadAll(ProviderDir(1) + "/log")));
  EXPECT_NE(log.find("resumed 1 downloads"), std::string::npos) << log;
  EXPECT_EQ(log.find("downloading again"), std::string::npos) << "resume data was not used:\n" << log;
  std::string json = StatusJson(1);
  EXPECT_NE(json.find("\"stored\": 1"), std::string::npos) << json;
  EXPECT_NE(json.find("\"reserved\": 0"), std::string::npos) << json;

  // A clean stop and start: the stored shard is seeded again.
  EXPECT_TRUE(StopProvider(1)) << "provider 1 did not stop on SIGTERM";
  swarm_.reset();  // the client is gone: only the provider has the shard
  Restart(1);
  auto again_stored = WaitForState(1, deal, "stored", seconds(90));
  ASSERT_TRUE(again_stored.ok()) << again_stored.status().ToString();
  TorrentStatus again = FetchFrom(1, shard, tmp_->Join("again"));
  EXPECT_EQ(again.state, TorrentState::kSeeding);
  EXPECT_EQ(ReadAll(tmp_->Join("again") + "/" + shard.torrent.name), shard.data);
}

// TEST ONLY switch: with CAIRN_TEST_CORRUPT_SERVE=1 a provider serves bytes that fail the torrent's hashes, while
// its stored shard stays intact.
TEST_F(ProviderDevnetTest, CorruptServeSwitchServesBadBytes) {
  const std::uint64_t seed = 99;
  SCOPED_TRACE("seed " + std::to_string(seed));
  Shard shard = MakeShard(1 << 20, seed);
  ASSERT_TRUE(swarm_->Seed(shard.path, shard.torrent.torrent).ok());
  control::ProposeRequest p = Proposal(shard);
  const DealId deal = control::ComputeDealId(me_.public_key(), p.ToBody());
  ASSERT_EQ(ErrorCode(Call(2, control::kTypePropose, p.ToBody())), "");
  auto stored = WaitForState(2, deal, "stored", seconds(90));
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();

  EXPECT_TRUE(StopProvider(2)) << "provider 2 did not stop on SIGTERM";
  swarm_.reset();
  Restart(2, {"CAIRN_TEST_CORRUPT_SERVE=1"});
  auto restarted = WaitForState(2, deal, "stored", seconds(90));
  ASSERT_TRUE(restarted.ok()) << restarted.status().ToString();
  TorrentStatus st = FetchFrom(2, shard, tmp_->Join("bad"), /*expect_bad_bytes=*/true);
  EXPECT_NE(st.state, TorrentState::kSeeding);
  EXPECT_GT(st.failed_bytes, 0u);
  EXPECT_EQ(ReadAll(ProviderDir(2) + "/shards/" + ToHex(shard.comm_d)), shard.data);
  std::string log(AsStringView(ReadAll(ProviderDir(2) + "/log")));
  EXPECT_NE(log.find("TEST ONLY"), std::string::npos);
}

// The design's bar: 16 providers on this 2-core machine. Each must come up, answer, be found in the DHT (StartDevnet
// checks both) and stay small.
TEST(ProviderDevnetScaleTest, SixteenProvidersComeUpAndStop) {
  constexpr int kMany = 16;
  auto tmp = TempDir::Create("provider-devnet16");
  ASSERT_TRUE(tmp.ok());
  const std::string dir = tmp->Join("devnet");
  int net = 0;
  std::uint16_t port = 0;
  const int net_lock = ReserveNet(kMany, static_cast<std::uint32_t>(::getpid()) ^ 0x16u, net, port);
  ASSERT_GE(net_lock, 0) << "no free loopback network and ports found";
  struct CloseLock {
    int fd;
    ~CloseLock() { ::close(fd); }
  } close_lock{net_lock};
  CommandResult up = RunProvider({"devnet", "--providers", std::to_string(kMany), "--dir", dir, "--net",
                                  std::to_string(net), "--base-port", std::to_string(port), "--timeout", "120"});
  EXPECT_EQ(up.exit_code, 0) << up.output;
  EXPECT_NE(up.output.find("finds all 16 providers"), std::string::npos) << up.output;
  std::vector<pid_t> pids = ProcessesMentioning(dir);
  EXPECT_EQ(pids.size(), static_cast<std::size_t>(kMany));
  for (pid_t pid : pids) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind("VmRSS:", 0) == 0) {
        const long kib = std::stol(line.substr(6));
        EXPECT_LT(kib, 128 * 1024) << "provider pid " << pid << " resident " << kib << " KiB";
        std::cout << "provider pid " << pid << ": " << line << "\n";
      }
    }
  }
  CommandResult down = RunProvider({"devnet", "--dir", dir, "--stop", "--grace-ms", "60000"});
  EXPECT_EQ(down.exit_code, 0) << down.output;
  EXPECT_NE(down.output.find("stopped 16 providers"), std::string::npos) << down.output;
  EXPECT_EQ(down.output.find("SIGKILL"), std::string::npos) << down.output;
  EXPECT_TRUE(ProcessesMentioning(dir).empty());
}

}  // namespace
}  // namespace cairn
