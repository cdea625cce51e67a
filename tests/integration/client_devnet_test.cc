// End-to-end tests of cairn::Client against real `cairn-provider` processes: each test starts its own devnet (6 or 7
// providers, 4 + 2) on loopback addresses of its own, stores seeded random files of a few MiB, and checks what a user
// would: exact bytes back, listings and status, and the fault cases of issue 3 (providers killed at get time and
// during a put, a provider serving corrupted bytes, a full provider), plus the example program and the cairn CLI.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "cairn/client/client.h"
#include "cairn/core/temp_dir.h"
#include "devnet_harness.h"

namespace cairn {
namespace {

using testing::Devnet;
using testing::DevnetOptions;
using testing::JsonInt;
using testing::ProcessResult;
using testing::RunProcess;

constexpr std::size_t kMiB = std::size_t{1} << 20;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Seeded random bytes; the seed is logged by the caller.
std::string RandomBytes(std::size_t size, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string out(size, '\0');
  for (std::size_t i = 0; i < size; i += 8) {
    std::uint64_t v = rng();
    std::memcpy(out.data() + i, &v, std::min<std::size_t>(8, size - i));
  }
  return out;
}

DevnetOptions Providers(int n) {
  DevnetOptions o;
  o.providers = n;
  return o;
}

// Which provider (devnet index) holds each (segment, shard), from Stat.
using ShardMap = std::map<std::pair<std::uint32_t, int>, int>;

class ClientDevnetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto tmp = TempDir::Create("cairn-e2e");
    ASSERT_TRUE(tmp.ok()) << tmp.status().ToString();
    tmp_.emplace(std::move(*tmp));
  }

  void TearDown() override {
    client_.reset();  // its swarm session goes before the providers
    if (devnet_) {
      if (HasFailure()) std::cout << devnet_->LogTails(20);
      Status stopped = devnet_->Stop();
      EXPECT_TRUE(stopped.ok()) << stopped.ToString();
      devnet_.reset();
    }
  }

  void StartDevnet(const DevnetOptions& options) {
    auto devnet = Devnet::Start(tmp_->Join("devnet"), options);
    ASSERT_TRUE(devnet.ok()) << devnet.status().ToString();
    devnet_ = std::move(*devnet);
    std::cout << "devnet: " << options.providers << " providers on 127." << devnet_->loopback_net()
              << ".<i+1>.1, base port " << devnet_->base_port() << "\n";
  }

  // Creates the repository (key file in the temp dir) and opens it on `network_file` (default: the devnet's).
  void OpenClient(std::string network_file = "") {
    ClientOptions o;
    o.network_file = network_file.empty() ? devnet_->network_file() : network_file;
    o.repo_dir = tmp_->Join("repo");
    o.key_file = tmp_->Join("master.key");
    Status init = Client::Init(o);
    ASSERT_TRUE(init.ok()) << init.ToString();
    auto client = Client::Open(o);
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    client_ = std::move(*client);
  }

  // Writes `size` seeded random bytes to <tmp>/<name> and returns them.
  std::string MakeFile(const std::string& name, std::size_t size, std::uint64_t seed) {
    std::cout << "file " << name << ": " << size << " bytes, seed " << seed << "\n";
    std::string bytes = RandomBytes(size, seed);
    std::ofstream(tmp_->Join(name), std::ios::binary) << bytes;
    return bytes;
  }

  // Stat(name), with every shard's provider mapped to its devnet index.
  ShardMap Holders(const ObjectStatus& st) {
    ShardMap out;
    for (const ShardStatus& s : st.shards) out[{s.segment, s.index}] = devnet_->IndexOf(s.provider_id);
    return out;
  }

  ObjectStatus StatOrDie(const std::string& name) {
    auto st = client_->Stat(name);
    EXPECT_TRUE(st.ok()) << st.status().ToString();
    return st.ok() ? *st : ObjectStatus{};
  }

  // Gets the whole object into a file and compares it with `expected`.
  void ExpectGetExact(const std::string& name, const std::string& expected) {
    const std::string out = tmp_->Join("out-" + std::to_string(++gets_));
    Status got = client_->GetToFile(name, out, GetOptions{});
    ASSERT_TRUE(got.ok()) << got.ToString();
    std::string back = ReadAll(out);
    ASSERT_EQ(back.size(), expected.size());
    EXPECT_TRUE(back == expected) << "the bytes read back differ";
  }

  // Puts <tmp>/<name> under `name`, with the network's default code.
  ObjectInfo PutOrDie(const std::string& name) {
    PutOptions po;
    po.name = name;
    auto info = client_->PutFile(tmp_->Join(name), po);
    EXPECT_TRUE(info.ok()) << info.status().ToString();
    return info.ok() ? *info : ObjectInfo{};
  }

  // Polls `status --json` of provider i until `done(json)` holds or 60 s pass.
  bool WaitForProviderStatus(int i, const std::function<bool(const std::string&)>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    std::string last;
    while (std::chrono::steady_clock::now() < deadline) {
      auto json = devnet_->StatusJson(i);
      if (json.ok()) {
        last = *json;
        if (done(last)) return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    ADD_FAILURE() << "provider " << i << " status never matched; last:\n" << last;
    return false;
  }

  // Indices of providers holding a deal (space reserved for a download, or used by a stored shard).
  std::vector<int> ProvidersWithDeals() const {
    std::vector<int> out;
    for (int i = 0; i < devnet_->providers(); ++i) {
      auto json = devnet_->StatusJson(i);
      if (json.ok() && JsonInt(*json, "reserved").value_or(0) + JsonInt(*json, "used").value_or(0) > 0) {
        out.push_back(i);
      }
    }
    return out;
  }

  std::optional<TempDir> tmp_;
  std::unique_ptr<Devnet> devnet_;
  std::unique_ptr<Client> client_;
  int gets_ = 0;
};

TEST_F(ClientDevnetTest, PutGetRangeListStatusRemove) {
  ASSERT_NO_FATAL_FAILURE(StartDevnet(Providers(6)));
  ASSERT_NO_FATAL_FAILURE(OpenClient());
  const std::uint64_t seed = 1001;
  const std::string data = MakeFile("a.bin", 3 * kMiB + 4097, seed);

  std::vector<Progress> progress;
  PutOptions po;
  po.name = "a.bin";
  po.progress = [&](const Progress& p) { progress.push_back(p); };
  auto info = client_->PutFile(tmp_->Join("a.bin"), po);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->name, "a.bin");
  EXPECT_EQ(info->size, data.size());
  EXPECT_EQ(info->k, 4);
  EXPECT_EQ(info->m, 2);
  EXPECT_EQ(info->segments, 1u);
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back().phase, "uploading");
  EXPECT_EQ(progress.back().done, progress.back().total) << "the last upload progress is not complete";

  ASSERT_NO_FATAL_FAILURE(ExpectGetExact("a.bin", data));

  // Byte ranges, including ones crossing chunk and stripe boundaries and one clipped at the end.
  std::mt19937_64 rng(seed);
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges = {
      {0, 1}, {1, 100000}, {data.size() - 10, 10}, {data.size() - 10, 1000}, {data.size(), 5}};
  for (int i = 0; i < 6; ++i) {
    std::uint64_t off = rng() % data.size();
    ranges.push_back({off, 1 + rng() % (kMiB + 3)});
  }
  for (auto [off, len] : ranges) {
    SCOPED_TRACE("range offset " + std::to_string(off) + " length " + std::to_string(len));
    std::ostringstream out;
    GetOptions go;
    go.offset = off;
    go.length = len;
    Status got = client_->GetToStream("a.bin", out, go);
    ASSERT_TRUE(got.ok()) << got.ToString();
    EXPECT_TRUE(out.str() == data.substr(off, len)) << "range bytes differ (" << out.str().size() << " bytes read)";
  }

  auto list = client_->List();
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].name, "a.bin");
  EXPECT_EQ((*list)[0].size, data.size());

  ObjectStatus st = StatOrDie("a.bin");
  EXPECT_TRUE(st.readable);
  EXPECT_EQ(st.healthy_per_segment, std::vector<int>{6});
  ASSERT_EQ(st.shards.size(), 6u);
  std::set<int> holders, indices;
  for (const ShardStatus& s : st.shards) {
    EXPECT_EQ(s.state, "stored") << "shard " << s.index;
    holders.insert(devnet_->IndexOf(s.provider_id));
    indices.insert(s.index);
  }
  EXPECT_EQ(holders, (std::set<int>{0, 1, 2, 3, 4, 5})) << "each shard on its own devnet provider";
  EXPECT_EQ(indices, (std::set<int>{0, 1, 2, 3, 4, 5}));

  auto again = client_->PutFile(tmp_->Join("a.bin"), po);
  EXPECT_EQ(again.status().code(), Code::kAlreadyExists) << again.status().ToString();

  Status removed = client_->Remove("a.bin");
  ASSERT_TRUE(removed.ok()) << removed.ToString();
  list = client_->List();
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->empty());
  EXPECT_EQ(client_->Stat("a.bin").status().code(), Code::kNotFound);
  EXPECT_EQ(client_->GetToFile("a.bin", tmp_->Join("gone"), GetOptions{}).code(), Code::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(tmp_->Join("gone")));
  // Every provider ends the deal and frees the space.
  for (int i = 0; i < 6; ++i) {
    EXPECT_TRUE(WaitForProviderStatus(i, [](const std::string& json) {
      return JsonInt(json, "shards") == 0 && JsonInt(json, "used") == 0 && JsonInt(json, "reserved") == 0;
    }));
  }

  // An app's buffer, put without a copy (the encoder reads it in place), comes back exact.
  const std::vector<std::uint8_t> buffer(data.begin(), data.end());
  PutOptions bo;
  bo.name = "from-memory";
  auto from_memory = client_->PutBytes(buffer, bo);
  ASSERT_TRUE(from_memory.ok()) << from_memory.status().ToString();
  EXPECT_EQ(from_memory->size, buffer.size());
  ASSERT_NO_FATAL_FAILURE(ExpectGetExact("from-memory", data));
}

TEST_F(ClientDevnetTest, GetSucceedsWithMProvidersKilled) {
  ASSERT_NO_FATAL_FAILURE(StartDevnet(Providers(6)));
  ASSERT_NO_FATAL_FAILURE(OpenClient());
  const std::string data = MakeFile("b.bin", 4 * kMiB - 123, 2002);
  PutOrDie("b.bin");
  ShardMap holders = Holders(StatOrDie("b.bin"));
  // Two data shards gone: the decoder must rebuild from parity.
  for (int shard : {0, 2}) {
    int p = holders[{0, shard}];
    ASSERT_GE(p, 0);
    Status killed = devnet_->Kill(p);
    ASSERT_TRUE(killed.ok()) << killed.ToString();
  }
  ASSERT_NO_FATAL_FAILURE(ExpectGetExact("b.bin", data));

  ObjectStatus st = StatOrDie("b.bin");
  EXPECT_TRUE(st.readable);
  EXPECT_EQ(st.healthy_per_segment, std::vector<int>{4});
  for (const ShardStatus& s : st.shards) {
    bool dead = s.index == 0 || s.index == 2;
    EXPECT_EQ(s.state, dead ? "unreachable" : "stored") << "shard " << s.index;
  }
}

TEST_F(ClientDevnetTest, GetWithMPlusOneProvidersKilledNamesTheMissingShards) {
  ASSERT_NO_FATAL_FAILURE(StartDevnet(Providers(6)));
  ASSERT_NO_FATAL_FAILURE(OpenClient());
  MakeFile("c.bin", 2 * kMiB + 5, 3003);
  PutOrDie("c.bin");
  ShardMap holders = Holders(StatOrDie("c.bin"));
  for (int shard : {0, 1, 2}) {
    Status killed = devnet_->Kill(holders[{0, shard}]);
    ASSERT_TRUE(killed.ok()) << killed.ToString();
  }
  const std::string out = tmp_->Join("c.out");
  Status got = client_->GetToFile("c.bin", out, GetOptions{});
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.code(), Code::kNotFound) << got.ToString();
  EXPECT_NE(got.message().find("segment 0"), std::string::npos) << got.ToString();
  EXPECT_NE(got.message().find("missing shards 0,1,2"), std::string::npos) << got.ToString();
  EXPECT_FALSE(std::filesystem::exists(out)) << "a failed get left a partial file";
  std::cout << "error as reported: " << got.ToString() << "\n";

  ObjectStatus st = StatOrDie("c.bin");
  EXPECT_FALSE(st.readable);
  EXPECT_EQ(st.healthy_per_segment, std::vector<int>{3});
}

TEST_F(ClientDevnetTest, ProviderKilledDuringPutShardGoesElsewhere) {
  ASSERT_NO_FATAL_FAILURE(StartDevnet(Providers(7)));
  ASSERT_NO_FATAL_FAILURE(OpenClient());
  const std::string data = MakeFile("d.bin", 3 * kMiB + 77, 4004);
  // The first "uploading" report comes after every shard was proposed and before any receipt was asked for: kill a
  // provider that accepted a deal right then.
  int victim = -1;
  PutOptions po;
  po.name = "d.bin";
  po.progress = [&](const Progress& p) {
    if (p.phase != "uploading" || victim >= 0) return;
    std::vector<int> with_deals = ProvidersWithDeals();
    if (with_deals.empty()) return;
    victim = with_deals.front();
    Status killed = devnet_->Kill(victim);
    EXPECT_TRUE(killed.ok()) << killed.ToString();
  };
  auto info = client_->PutFile(tmp_->Join("d.bin"), po);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  ASSERT_GE(victim, 0) << "no provider was killed during the put";
  ASSERT_TRUE(devnet_->Killed(victim));
  std::cout << "killed provider " << victim << " during the put\n";

  auto list = client_->List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  ObjectStatus st = StatOrDie("d.bin");
  EXPECT_TRUE(st.readable);
  EXPECT_EQ(st.healthy_per_segment, std::vector<int>{6});
  for (const auto& [where, p] : Holders(st)) {
    EXPECT_NE(p, victim) << "shard " << where.second << " is placed on the killed provider";
    EXPECT_GE(p, 0);
  }
  for (const ShardStatus& s : st.shards) EXPECT_EQ(s.state, "stored") << "shard " << s.index;
  ASSERT_NO_FATAL_FAILURE(ExpectGetExact("d.bin", data));
}

TEST_F(ClientDevnetTest, ProviderKilledDuringPutWithNoSpareFailsCleanly) {
  ASSERT_NO_FATAL_FAILURE(StartDevnet(Providers(6)));
  ASSERT_NO_FATAL_FAILURE(OpenClient());
  MakeFile("e.bin", 2 * kMiB + 1, 5005);
  int victim = -1;
  PutOptions po;
  po.name = "e.bin";
  po.progress = [&](const Progress& p) {
    if (p.phase != "uploading" || victim >= 0) return;
    std::vector<int> with_deals = ProvidersWithDeals();
    if (with_deals.empty()) return;
    victim = with_deals.front();
    Status killed = devnet_->Kill(victim);
    EXPECT_TRUE(killed.ok()) << killed.ToString();
  };
  auto info = client_->PutFile(tmp_->Join("e.bin"), po);
  ASSERT_GE(victim, 0) << "no provider was killed during the put";
  ASSERT_FALSE(info.ok()) << "a put with 5 live providers for 6 shards succeeded";
  EXPECT_EQ(info.status().code(), Code::kUnavailable) << info.status().ToString();
  EXPECT_NE(info.status().message().find("no provider left"), std::string::npos) << info.status().ToString();
  std::cout << "error as reported: " << info.status().ToString() << "\n";

  // No object was recorded, and the live providers dropped the deals the put had made.
  auto list = client_->List();
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->empty());
  EXPECT_EQ(client_->Stat("e.bin").status().code(), Code::kNotFound);
  for (int i = 0; i < 6; ++i) {
    if (i == victim) continue;
    EXPECT_TRUE(WaitForProviderStatus(i, [](const std::string& json) {
      return JsonInt(json, "shards") == 0 && JsonInt(json, "used") == 0 && JsonInt(json, "reserved") == 0;
    }));
  }
}

TEST_F(ClientDevnetTest, CorruptedShardIsDetectedAndOtherShardsUsed) {
  ASSERT_NO_FATAL_FAILURE(StartDevnet(Providers(6)));
  ASSERT_NO_FATAL_FAILURE(OpenClient());
  const std::string data = MakeFile("f.bin", 3 * kMiB + 999, 6006);
  PutOrDie("f.bin");
  ShardMap holders = Holders(StatOrDie("f.bin"));
  // The holder of data shard 0 (always among the first k the decoder asks for) now serves corrupted bytes.
  const int bad = holders[{0, 0}];
  ASSERT_GE(bad, 0);
  Status restarted = devnet_->Restart(bad, {{"CAIRN_TEST_CORRUPT_SERVE", "1"}});
  ASSERT_TRUE(restarted.ok()) << restarted.ToString();

  ASSERT_NO_FATAL_FAILURE(ExpectGetExact("f.bin", data));

  // Proof that shard 0 was rejected, not merely skipped: with two more shards gone the get fails and names it.
  for (int shard : {1, 4}) {
    Status killed = devnet_->Kill(holders[{0, shard}]);
    ASSERT_TRUE(killed.ok()) << killed.ToString();
  }
  Status got = client_->GetToFile("f.bin", tmp_->Join("f.out"), GetOptions{});
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.code(), Code::kNotFound) << got.ToString();
  EXPECT_NE(got.message().find("corrupt shards 0"), std::string::npos) << got.ToString();
  EXPECT_NE(got.message().find("missing shards 1,4"), std::string::npos) << got.ToString();
  std::cout << "error as reported: " << got.ToString() << "\n";
}

TEST_F(ClientDevnetTest, FullProviderRefusesAndShardGoesElsewhere) {
  // Providers 5 and 6 have room for one shard each (shards here are a little over 1 MiB); 0-4 have plenty. A file of
  // two segments: segment 0 goes to 0-5 (5 ranks above 6 by free space); segment 1 then finds 5 full and must go to 6.
  DevnetOptions o;
  o.providers = 7;
  o.capacity = {{5, "1536K"}, {6, "1280K"}};
  ASSERT_NO_FATAL_FAILURE(StartDevnet(o));
  // The client cuts 4 MiB segments (providers do not use the segment size; the network id and nodes are the
  // devnet's).
  std::string network = ReadAll(devnet_->network_file());
  std::size_t at = network.find("segment_size");
  ASSERT_NE(at, std::string::npos) << network;
  network.replace(at, network.find('\n', at) - at, "segment_size = 4194304");
  const std::string client_network = tmp_->Join("network-4m");
  std::ofstream(client_network) << network;
  ASSERT_NO_FATAL_FAILURE(OpenClient(client_network));

  // A cold put proposes as soon as it knows k + m providers, so which six the DHT lookup heard first would decide
  // where segment 0 goes. A small put over all seven (5 + 2: its first proposals wait for seven records), removed at
  // once, leaves every provider in the client's cache; the put below then ranks all seven by free space.
  MakeFile("warm.bin", 1000, 7006);
  PutOptions warm;
  warm.name = "warm.bin";
  warm.k = 5;
  warm.m = 2;
  auto warmed = client_->PutFile(tmp_->Join("warm.bin"), warm);
  ASSERT_TRUE(warmed.ok()) << warmed.status().ToString();
  Status removed = client_->Remove("warm.bin");
  ASSERT_TRUE(removed.ok()) << removed.ToString();
  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE(WaitForProviderStatus(
        i, [](const std::string& json) { return JsonInt(json, "used") == 0 && JsonInt(json, "reserved") == 0; }));
  }

  const std::string data = MakeFile("g.bin", 8 * kMiB, 7007);
  ObjectInfo info = PutOrDie("g.bin");
  ASSERT_EQ(info.segments, 2u);
  ObjectStatus st = StatOrDie("g.bin");
  EXPECT_TRUE(st.readable);
  EXPECT_EQ(st.healthy_per_segment, (std::vector<int>{6, 6}));
  std::map<int, std::vector<std::uint32_t>> segments_of;
  for (const auto& [where, p] : Holders(st)) segments_of[p].push_back(where.first);
  EXPECT_EQ(segments_of[5], std::vector<std::uint32_t>{0}) << "provider 5 should hold one shard, of segment 0";
  EXPECT_EQ(segments_of[6], std::vector<std::uint32_t>{1}) << "provider 6 should hold one shard, of segment 1";
  for (int p = 0; p < 5; ++p) EXPECT_EQ(segments_of[p], (std::vector<std::uint32_t>{0, 1})) << "provider " << p;
  auto json = devnet_->StatusJson(5);
  ASSERT_TRUE(json.ok());
  // It holds one shard (its "used"): less than that is free. (The first "size" in the status may be the warm-up's
  // removed deal.)
  EXPECT_LT(JsonInt(*json, "free").value_or(-1), JsonInt(*json, "used").value_or(0))
      << "provider 5 has room for another shard:\n"
      << *json;
  ASSERT_NO_FATAL_FAILURE(ExpectGetExact("g.bin", data));
  // A range across the segment boundary reads from both segments.
  std::ostringstream across;
  GetOptions go;
  go.offset = 4 * kMiB - 1000;
  go.length = 3000;
  Status got = client_->GetToStream("g.bin", across, go);
  ASSERT_TRUE(got.ok()) << got.ToString();
  EXPECT_TRUE(across.str() == data.substr(go.offset, go.length));
}

TEST_F(ClientDevnetTest, ExampleProgramRoundTrip) {
  ASSERT_NO_FATAL_FAILURE(StartDevnet(Providers(6)));
  MakeFile("h.bin", kMiB + 31, 8008);
  auto run = RunProcess({testing::PutGetExampleBinary(), "--network", devnet_->network_file(), "--repo",
                         tmp_->Join("example-repo"), "--key-file", tmp_->Join("example.key"), tmp_->Join("h.bin")},
                        std::chrono::seconds(120));
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  std::cout << run->output;
  EXPECT_EQ(run->exit_code, 0) << run->output;
  EXPECT_NE(run->output.find("stored h.bin: 1048607 bytes"), std::string::npos) << run->output;
  EXPECT_NE(run->output.find("identical"), std::string::npos) << run->output;
  EXPECT_NE(run->output.find("removed h.bin"), std::string::npos) << run->output;

  auto usage = RunProcess({testing::PutGetExampleBinary()}, std::chrono::seconds(10));
  ASSERT_TRUE(usage.ok());
  EXPECT_EQ(usage->exit_code, 2) << usage->output;
}

TEST_F(ClientDevnetTest, CliPutGetStatusRemove) {
  ASSERT_NO_FATAL_FAILURE(StartDevnet(Providers(6)));
  const std::string data = MakeFile("i.bin", 2 * kMiB + 17, 9009);
  const std::vector<std::string> global = {"--network",  devnet_->network_file(), "--repo", tmp_->Join("cli-repo"),
                                           "--key-file", tmp_->Join("cli.key")};
  auto cairn = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {testing::CliBinary()};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), global.begin(), global.end());
    auto r = RunProcess(argv, std::chrono::seconds(120));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ProcessResult{};
  };
  ProcessResult r = cairn({"init"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = cairn({"put", tmp_->Join("i.bin")});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = cairn({"get", "i.bin", "-o", tmp_->Join("i.out")});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(ReadAll(tmp_->Join("i.out")) == data);
  r = cairn({"ls", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\"i.bin\""), std::string::npos) << r.output;
  r = cairn({"status", "i.bin", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("stored"), std::string::npos) << r.output;
  r = cairn({"rm", "i.bin"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = cairn({"get", "i.bin", "-o", tmp_->Join("i.again")});
  EXPECT_EQ(r.exit_code, 3) << "not found; output: " << r.output;
}

// Long tail: a provider paused (SIGSTOP) while it downloads a shard answers nothing. Once the segment's other shards
// are stored, the shard is proposed to a spare provider, whose receipt completes the put while the paused one still
// sleeps; the record names the spare.
TEST_F(ClientDevnetTest, PausedProviderDuringPutShardGoesToSpare) {
  ASSERT_NO_FATAL_FAILURE(StartDevnet(Providers(8)));
  ASSERT_NO_FATAL_FAILURE(OpenClient());
  const std::string data = MakeFile("f.bin", 48 * kMiB + 3, 6006);
  int victim = -1;
  pid_t victim_pid = -1;
  PutOptions po;
  po.name = "f.bin";
  po.progress = [&](const Progress& p) {
    if (p.phase != "uploading" || victim >= 0) return;
    // A provider with space reserved for a download and nothing stored yet is mid-download.
    for (int i = 0; i < devnet_->providers(); ++i) {
      auto json = devnet_->StatusJson(i);
      if (!json.ok() || JsonInt(*json, "reserved").value_or(0) == 0 || JsonInt(*json, "used").value_or(0) > 0) continue;
      auto pid = devnet_->Pid(i);
      if (!pid.ok()) continue;
      ASSERT_EQ(::kill(*pid, SIGSTOP), 0);
      victim = i;
      victim_pid = *pid;
      return;
    }
  };
  const auto start = std::chrono::steady_clock::now();
  auto info = client_->PutFile(tmp_->Join("f.bin"), po);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const bool paused = victim_pid > 0 && !testing::ProcessGone(victim_pid);
  if (victim_pid > 0) ::kill(victim_pid, SIGCONT);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  ASSERT_GE(victim, 0) << "no provider was caught mid-download";
  EXPECT_TRUE(paused) << "the paused provider should still exist when the put returns";
  std::cout << "paused provider " << victim << " mid-download; the put took " << seconds << " s\n";

  ObjectStatus st = StatOrDie("f.bin");
  EXPECT_TRUE(st.readable);
  std::set<int> holders;
  for (const auto& [where, p] : Holders(st)) {
    EXPECT_NE(p, victim) << "segment " << where.first << " shard " << where.second << " names the paused provider";
    EXPECT_GE(p, 0);
    holders.insert(p);
  }
  for (const ShardStatus& s : st.shards) EXPECT_EQ(s.state, "stored") << "shard " << s.index;
  // Six shards per segment on eight providers: the paused one is out, so a spare took its shard.
  EXPECT_GE(holders.size(), 6u);
  ASSERT_NO_FATAL_FAILURE(ExpectGetExact("f.bin", data));
}

}  // namespace
}  // namespace cairn
