// The subcommands parsed and run in-process.
#include <gtest/gtest.h>

#include <sstream>

#include "cairn/core/temp_dir.h"
#include "commands.h"

namespace cairn::provider {
namespace {

struct Cli {
  CLI::App app{"test"};
  InitCommand init;
  RunCommand run;
  StatusCommand status;
  DevnetCommand devnet;
  CLI::App* init_cmd = SetupInit(app, init);
  CLI::App* run_cmd = SetupRun(app, run);
  CLI::App* status_cmd = SetupStatus(app, status);
  CLI::App* devnet_cmd = SetupDevnet(app, devnet);
  Cli() { app.require_subcommand(1); }
};

TEST(CliTest, ParsesInit) {
  Cli cli;
  cli.app.parse("init --data-dir /srv/p --capacity 10G --price 3", false);
  EXPECT_TRUE(cli.init_cmd->parsed());
  EXPECT_EQ(cli.init.data_dir, "/srv/p");
  EXPECT_EQ(cli.init.capacity, "10G");
  EXPECT_EQ(cli.init.price, 3u);
  EXPECT_EQ(cli.init.max_shard_size, "1G");
}

TEST(CliTest, ParsesRunAndStatus) {
  Cli cli;
  cli.app.parse("run --data-dir d --network n --listen 127.0.3.1:9000", false);
  EXPECT_TRUE(cli.run_cmd->parsed());
  EXPECT_EQ(cli.run.listen, "127.0.3.1:9000");
  EXPECT_TRUE(cli.run.bt_listen.empty());
  Cli cli2;
  cli2.app.parse("status --data-dir d --json", false);
  EXPECT_TRUE(cli2.status.json);
}

TEST(CliTest, ParsesDevnet) {
  Cli cli;
  cli.app.parse("devnet --providers 16 --dir /tmp/d --base-port 9000 --net 7", false);
  EXPECT_EQ(cli.devnet.options.providers, 16);
  EXPECT_EQ(cli.devnet.options.base_port, 9000);
  EXPECT_EQ(cli.devnet.options.loopback_net, 7);
  EXPECT_FALSE(cli.devnet.stop);
  Cli stop;
  stop.app.parse("devnet --dir /tmp/d --stop", false);
  EXPECT_TRUE(stop.devnet.stop);
}

TEST(CliTest, RefusesBadCommandLines) {
  {
    Cli cli;
    EXPECT_THROW(cli.app.parse("init --data-dir d", false), CLI::RequiredError);
  }
  {
    Cli cli;
    EXPECT_THROW(cli.app.parse("devnet --dir d --providers 0", false), CLI::ValidationError);
  }
  {
    Cli cli;
    EXPECT_THROW(cli.app.parse("devnet --dir d --net 256", false), CLI::ValidationError);
  }
  {
    Cli cli;
    EXPECT_THROW(cli.app.parse("", false), CLI::RequiredError);
  }
}

TEST(CliTest, InitThenStatusInProcess) {
  auto dir = TempDir::Create("provider-cli");
  ASSERT_TRUE(dir.ok());
  InitCommand init;
  init.data_dir = dir->Join("p");
  init.capacity = "64M";
  init.price = 5;
  std::ostringstream out;
  Status s = RunInit(init, out);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_NE(out.str().find("initialized provider"), std::string::npos);
  // An identity is never replaced.
  Status again = RunInit(init, out);
  EXPECT_EQ(again.code(), Code::kAlreadyExists);
  EXPECT_EQ(ExitCodeFor(again), kExitPrecondition);

  StatusCommand st;
  st.data_dir = init.data_dir;
  st.json = true;
  std::ostringstream json;
  ASSERT_TRUE(RunStatus(st, json).ok());
  EXPECT_NE(json.str().find("\"capacity\": 67108864"), std::string::npos) << json.str();
  EXPECT_NE(json.str().find("\"price\": 5"), std::string::npos) << json.str();
  EXPECT_NE(json.str().find("\"running\": false"), std::string::npos) << json.str();

  InitCommand bad = init;
  bad.data_dir = dir->Join("q");
  bad.capacity = "10X";
  Status b = RunInit(bad, out);
  EXPECT_EQ(ExitCodeFor(b), kExitUsage) << b.ToString();
  StatusCommand missing;
  missing.data_dir = dir->Join("none");
  std::ostringstream ignored;
  EXPECT_EQ(ExitCodeFor(RunStatus(missing, ignored)), kExitPrecondition);
}

TEST(CliTest, ExitCodes) {
  EXPECT_EQ(ExitCodeFor(Status::Ok()), kExitOk);
  EXPECT_EQ(ExitCodeFor(Status::InvalidArgument("x")), kExitUsage);
  EXPECT_EQ(ExitCodeFor(Status::FailedPrecondition("x")), kExitPrecondition);
  EXPECT_EQ(ExitCodeFor(Status::DeadlineExceeded("x")), kExitUnavailable);
  EXPECT_EQ(ExitCodeFor(Status::IOError("x")), kExitFailure);
}

}  // namespace
}  // namespace cairn::provider
