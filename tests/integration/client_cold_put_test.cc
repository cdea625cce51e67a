// A put with an empty provider cache proposes its first shards as soon as discovery has found enough providers for a
// segment, not after discovery's last pass. Real processes: a devnet of 6 providers and the `cairn` CLI with
// CAIRN_TRACE=1, whose timeline (one write(2) per line, so in the order the events happened) the test reads.
//
// Why discovery outlasts the first proposal here: with a 4 + 2 code the put looks for k + m + 2 = 8 providers, more
// than the 6 the network has, so the lookup runs until its deadline (8 s) unless the put ends first (it then stops the
// lookup). CAIRN_DISCOVERY_PASS_MS=8000 makes that one pass, so no pass can end for lack of news while a loaded
// machine is still fetching records; the first proposal needs only the 6 providers' records and the first segment's
// encoding. A put that waited for discovery (as before) would trace the end of its passes first. The assertions are
// on the order of the timeline's events, never on their times.
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "cairn/core/temp_dir.h"
#include "devnet_harness.h"

namespace cairn {
namespace {

using testing::Devnet;
using testing::DevnetOptions;
using testing::ProcessResult;
using testing::RunProcess;

std::string ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The "cairn trace +<t> <event>" lines of a run's output, events only, in order.
std::vector<std::string> TraceEvents(const std::string& output) {
  std::vector<std::string> events;
  std::istringstream in(output);
  std::string line;
  const std::string head = "cairn trace +";
  while (std::getline(in, line)) {
    const std::size_t at = line.find(head);
    if (at == std::string::npos) continue;
    const std::size_t space = line.find(' ', at + head.size());
    if (space != std::string::npos) events.push_back(line.substr(space + 1));
  }
  return events;
}

// Index of the first event starting with `prefix`, or -1.
int FirstEvent(const std::vector<std::string>& events, const std::string& prefix) {
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (events[i].rfind(prefix, 0) == 0) return static_cast<int>(i);
  }
  return -1;
}

TEST(ClientColdPutTest, FirstProposalComesBeforeDiscoveryEndsItsPasses) {
  auto tmp = TempDir::Create("cairn-cold-put");
  ASSERT_TRUE(tmp.ok()) << tmp.status().ToString();
  DevnetOptions options;
  options.providers = 6;
  auto devnet = Devnet::Start(tmp->Join("devnet"), options);
  ASSERT_TRUE(devnet.ok()) << devnet.status().ToString();
  constexpr std::uint64_t kSeed = 3131;
  std::mt19937_64 rng(kSeed);
  std::string data((3u << 20) + 5, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  SCOPED_TRACE("file seed " + std::to_string(kSeed));
  std::ofstream(tmp->Join("c.bin"), std::ios::binary) << data;

  const std::vector<std::string> global = {"--network",  (*devnet)->network_file(), "--repo", tmp->Join("repo"),
                                           "--key-file", tmp->Join("master.key")};
  auto cairn = [&](std::vector<std::string> args, const std::string& pass_ms = "8000") {
    std::vector<std::string> argv = {testing::CliBinary()};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), global.begin(), global.end());
    auto r = RunProcess(argv, std::chrono::seconds(120), {{"CAIRN_TRACE", "1"}, {"CAIRN_DISCOVERY_PASS_MS", pass_ms}});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ProcessResult{};
  };
  ProcessResult r = cairn({"init"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // A bad pass length is refused with a clear message before anything is sent.
  for (const std::string bad : {"abc", "100", "60001", "500ms"}) {
    r = cairn({"put", tmp->Join("c.bin"), "--k", "4", "--m", "2"}, bad);
    EXPECT_NE(r.exit_code, 0) << bad << ": " << r.output;
    EXPECT_NE(r.output.find("CAIRN_DISCOVERY_PASS_MS"), std::string::npos) << bad << ": " << r.output;
  }
  // A fresh repository: no provider is cached, so the put's first proposals depend on this discovery.
  r = cairn({"put", tmp->Join("c.bin"), "--k", "4", "--m", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::cout << r.output;

  const std::vector<std::string> events = TraceEvents(r.output);
  EXPECT_EQ(FirstEvent(events, "providers known before the lookup"), -1) << "the cache should be empty: " << r.output;
  const int first_proposal = FirstEvent(events, "proposing ");
  const int passes_ended = FirstEvent(events, "discovery passes ended");
  ASSERT_GE(first_proposal, 0) << r.output;
  ASSERT_GE(passes_ended, 0) << r.output;
  EXPECT_LT(first_proposal, passes_ended) << "the first proposal waited for discovery's last pass:\n" << r.output;
  // It went out while the lookup was still gathering, with a whole segment's worth of providers known.
  EXPECT_NE(events[first_proposal].find("lookup under way"), std::string::npos) << events[first_proposal];
  EXPECT_NE(events[first_proposal].find("6 providers known"), std::string::npos) << events[first_proposal];

  r = cairn({"get", "c.bin", "-o", tmp->Join("c.out")});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(ReadWhole(tmp->Join("c.out")) == data) << "the bytes read back differ";
  Status stopped = (*devnet)->Stop();
  EXPECT_TRUE(stopped.ok()) << stopped.ToString();
}

}  // namespace
}  // namespace cairn
