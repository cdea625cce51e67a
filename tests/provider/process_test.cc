#include "process.h"

#include <gtest/gtest.h>

#include <thread>

#include "cairn/core/env.h"
#include "cairn/core/temp_dir.h"

namespace cairn::provider {
namespace {

using Clock = std::chrono::steady_clock;

TEST(ProcessTest, SpawnsDetachedAndTerminates) {
  auto tmp = TempDir::Create("provider-process");
  ASSERT_TRUE(tmp.ok());
  SpawnRequest req;
  req.binary = "/bin/sleep";
  req.args = {"30"};
  req.log_path = tmp->Join("log");
  auto pid = SpawnDetached(req);
  ASSERT_TRUE(pid.ok()) << pid.status().ToString();
  EXPECT_TRUE(IsAlive(*pid));
  // Right after fork the child may not have exec'd yet (on a loaded machine, for a while).
  for (auto deadline = Clock::now() + std::chrono::seconds(30);
       !CommandLineContains(*pid, "sleep 30") && Clock::now() < deadline;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(CommandLineContains(*pid, "sleep 30"));
  EXPECT_FALSE(CommandLineContains(*pid, "cairn"));
  std::vector<pid_t> killed = TerminateAll({*pid}, std::chrono::seconds(60));
  EXPECT_TRUE(killed.empty());  // sleep stops on SIGTERM
  EXPECT_FALSE(IsAlive(*pid));
}

TEST(ProcessTest, KillsWhatIgnoresSigterm) {
  auto tmp = TempDir::Create("provider-process");
  ASSERT_TRUE(tmp.ok());
  SpawnRequest req;
  req.binary = "/bin/sh";
  req.args = {"-c", "trap '' TERM; echo ready; exec sleep 30"};  // the ignored SIGTERM survives exec
  req.log_path = tmp->Join("log");
  req.env.emplace("CAIRN_PROCESS_TEST", "1");
  auto pid = SpawnDetached(req);
  ASSERT_TRUE(pid.ok());
  // Wait until the trap is set (the shell wrote "ready"); before that SIGTERM would end the shell.
  bool ready = false;
  for (auto deadline = Clock::now() + std::chrono::seconds(30); !ready && Clock::now() < deadline;) {
    auto log = ReadFileToBytes(Env::Default(), req.log_path, 1024);
    ready = log.ok() && !log->empty();
    if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(ready) << "the shell never started";
  std::vector<pid_t> killed = TerminateAll({*pid}, std::chrono::milliseconds(300));
  ASSERT_EQ(killed.size(), 1u);
  EXPECT_EQ(killed[0], *pid);
  EXPECT_FALSE(IsAlive(*pid));
}

TEST(ProcessTest, ExecFailureShowsInLogAndExit) {
  auto tmp = TempDir::Create("provider-process");
  ASSERT_TRUE(tmp.ok());
  SpawnRequest req;
  req.binary = tmp->Join("no-such-binary");
  req.log_path = tmp->Join("log");
  auto pid = SpawnDetached(req);
  ASSERT_TRUE(pid.ok());
  for (auto deadline = Clock::now() + std::chrono::seconds(30); IsAlive(*pid) && Clock::now() < deadline;) {
    ReapIfChild(*pid);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ReapIfChild(*pid);
  EXPECT_FALSE(IsAlive(*pid));
  auto log = ReadFileToBytes(Env::Default(), req.log_path, 1024);
  ASSERT_TRUE(log.ok());
  EXPECT_NE(std::string(AsStringView(*log)).find("exec failed"), std::string::npos);
}

TEST(ProcessTest, FindsOwnExecutable) {
  auto self = SelfExecutable();
  ASSERT_TRUE(self.ok());
  EXPECT_NE(self->find("provider_tests"), std::string::npos) << *self;
}

}  // namespace
}  // namespace cairn::provider
