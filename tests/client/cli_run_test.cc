// The cairn CLI's commands run in-process against a fake Client: what they print, what they write, the exit code of
// each failure, and that a failed or cancelled `get -o OUT` leaves neither OUT nor a temp file behind.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "cli/app.h"
#include "cli/atomic_file.h"
#include "cli/exit_codes.h"

namespace cairn::cli {
namespace {

// Objects in memory; `fail_get_after` makes a get write that many bytes and then fail with `fail_code`.
class FakeClient : public Client {
 public:
  struct State {
    std::map<std::string, std::string> objects;
    std::map<std::string, ObjectStatus> status;
    std::size_t fail_get_after = std::string::npos;
    Code fail_code = Code::kCorruption;
    bool cancel_seen = false;
    std::vector<std::string> removed;
  };
  explicit FakeClient(State* s) : s_(s) {}

  Result<ObjectInfo> PutFile(const std::string& path, const PutOptions& o) override {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Status::NotFound(path);
    return PutStream(in, o);
  }
  Result<ObjectInfo> PutStream(std::istream& in, const PutOptions& o) override {
    if (s_->objects.count(o.name) && !o.replace) return Status::AlreadyExists("object exists: " + o.name);
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (o.progress) o.progress(Progress{"uploading", data.size(), data.size()});
    s_->objects[o.name] = data;
    return ObjectInfo{o.name, data.size(), 0, o.k == 0 ? 4 : o.k, o.m < 0 ? 2 : o.m, 1};
  }
  Result<ObjectInfo> PutBytes(std::span<const std::uint8_t> data, const PutOptions& o) override {
    std::istringstream in(std::string(data.begin(), data.end()));
    return PutStream(in, o);
  }
  Status GetToFile(const std::string&, const std::string&, const GetOptions&) override {
    return Status::Internal("the CLI streams gets itself");
  }
  Status GetToStream(const std::string& name, std::ostream& out, const GetOptions& o) override {
    auto it = s_->objects.find(name);
    if (it == s_->objects.end()) return Status::NotFound("no object named " + name);
    const std::string& data = it->second;
    if (o.offset > data.size()) return Status::InvalidArgument("offset past the end");
    std::string part = data.substr(o.offset, std::min<std::uint64_t>(o.length, data.size() - o.offset));
    if (s_->fail_get_after != std::string::npos) {
      out.write(part.data(), static_cast<std::streamsize>(std::min(part.size(), s_->fail_get_after)));
      if (o.cancel != nullptr && o.cancel->load()) {
        s_->cancel_seen = true;
        return Status::Cancelled("cancelled");
      }
      return Status(s_->fail_code, "segment 0: only 3 of 4 shards");
    }
    out.write(part.data(), static_cast<std::streamsize>(part.size()));
    return Status::Ok();
  }
  Result<std::vector<ObjectInfo>> List() override {
    std::vector<ObjectInfo> list;
    for (auto it = s_->objects.rbegin(); it != s_->objects.rend(); ++it) {
      list.push_back(ObjectInfo{it->first, it->second.size(), 0, 4, 2, 1});
    }
    return list;
  }
  Status Remove(const std::string& name) override {
    if (s_->objects.erase(name) == 0) return Status::NotFound("no object named " + name);
    s_->removed.push_back(name);
    return Status::Ok();
  }
  Result<ObjectStatus> Stat(const std::string& name) override {
    auto it = s_->status.find(name);
    if (it == s_->status.end()) return Status::Unavailable("no provider answered for " + name);
    return it->second;
  }

 private:
  State* s_;
};

class CliRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "cairn-cli-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    env_.getenv = [this](std::string_view name) -> std::optional<std::string> {
      auto it = vars_.find(std::string(name));
      if (it == vars_.end()) return std::nullopt;
      return it->second;
    };
    vars_ = {{"CAIRN_NETWORK", dir_ + "/network"}, {"CAIRN_REPO", dir_ + "/repo"}, {"CAIRN_PASSPHRASE", "pw"}};
    env_.init_client = [this](const ClientOptions& o) {
      init_options_ = o;
      return Status::Ok();
    };
    env_.open_client = [this](const ClientOptions& o) -> Result<std::unique_ptr<Client>> {
      ++opens_;
      if (o.passphrase != std::optional<std::string>("pw")) return Status::AuthFailed("wrong passphrase");
      return std::unique_ptr<Client>(new FakeClient(&state_));
    };
    env_.in = &in_;
    env_.out = &out_;
    env_.err = &err_;
    env_.cancel = &cancel_;
    env_.set_cleanup_path = [this](const std::string& p) { cleanup_paths_.push_back(p); };
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Parses and runs one command line; returns the exit code main would return and keeps main's error line.
  int Run(std::vector<std::string> args) {
    Cli cli;
    args.insert(args.begin(), "cairn");
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    try {
      cli.app().parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::ParseError& e) {
      std::ostringstream o, er;
      return ReportParseError(cli.app(), e, o, er);
    }
    const Status st = cli.Run(env_);
    error_line_ = st.ok() ? "" : "cairn: " + st.message();
    return ExitCodeFor(st.code());
  }

  std::vector<std::string> DirEntries() const {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir_)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }
  static std::string ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  void WriteFile(const std::string& path, const std::string& data) { std::ofstream(path, std::ios::binary) << data; }

  std::string dir_;
  std::map<std::string, std::string> vars_;
  FakeClient::State state_;
  Environment env_;
  std::istringstream in_;
  std::ostringstream out_, err_;
  std::atomic<bool> cancel_{false};
  std::vector<std::string> cleanup_paths_;
  std::optional<ClientOptions> init_options_;
  int opens_ = 0;
  std::string error_line_;
};

TEST_F(CliRunTest, InitPassesTheResolvedOptions) {
  ASSERT_EQ(Run({"init"}), kExitOk) << error_line_;
  ASSERT_TRUE(init_options_.has_value());
  EXPECT_EQ(init_options_->repo_dir, dir_ + "/repo");
  EXPECT_EQ(init_options_->network_file, dir_ + "/network");
  EXPECT_NE(out_.str().find("created repository"), std::string::npos);
  EXPECT_EQ(out_.str().find("pw"), std::string::npos);
}

TEST_F(CliRunTest, PutThenGetRoundTripsThroughAFile) {
  const std::string data = "hello, cairn\n" + std::string(1000, 'x');
  WriteFile(dir_ + "/in.txt", data);
  ASSERT_EQ(Run({"put", dir_ + "/in.txt", "--k", "3", "--m", "1"}), kExitOk) << error_line_;
  ASSERT_EQ(state_.objects.count("in.txt"), 1u);
  EXPECT_NE(out_.str().find("stored in.txt"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("3+1"), std::string::npos) << out_.str();

  ASSERT_EQ(Run({"get", "in.txt", "-o", dir_ + "/out.txt"}), kExitOk) << error_line_;
  EXPECT_EQ(ReadFile(dir_ + "/out.txt"), data);
  EXPECT_EQ(DirEntries(), (std::vector<std::string>{"in.txt", "out.txt"}));  // no temp file left
  ASSERT_FALSE(cleanup_paths_.empty());
  EXPECT_EQ(cleanup_paths_.back(), "");  // the interrupt cleanup was unregistered
}

TEST_F(CliRunTest, PutOfAMissingFileFailsBeforeOpeningTheRepository) {
  EXPECT_EQ(Run({"put", dir_ + "/absent"}), kExitNotFound);
  EXPECT_EQ(opens_, 0);
  EXPECT_NE(error_line_.find("cairn: put " + dir_ + "/absent: no such file"), std::string::npos) << error_line_;
  EXPECT_EQ(Run({"put", dir_}), kExitUsage);  // a directory
}

TEST_F(CliRunTest, PutFromStdinUsesName) {
  in_.str("streamed bytes");
  ASSERT_EQ(Run({"put", "-", "--name", "piped"}), kExitOk) << error_line_;
  EXPECT_EQ(state_.objects["piped"], "streamed bytes");
  EXPECT_EQ(Run({"put", "-", "--name", "piped"}), kExitError);  // exists, no --replace
  EXPECT_NE(error_line_.find("--replace"), std::string::npos) << error_line_;
  in_.clear();
  in_.str("new");
  ASSERT_EQ(Run({"put", "-", "--name", "piped", "--replace"}), kExitOk) << error_line_;
  EXPECT_EQ(state_.objects["piped"], "new");
}

TEST_F(CliRunTest, GetToStdoutAndByteRange) {
  state_.objects["obj"] = "0123456789";
  ASSERT_EQ(Run({"get", "obj"}), kExitOk) << error_line_;
  EXPECT_EQ(out_.str(), "0123456789");
  out_.str("");
  ASSERT_EQ(Run({"get", "obj", "-o", "-", "--offset", "3", "--length", "4"}), kExitOk) << error_line_;
  EXPECT_EQ(out_.str(), "3456");
  ASSERT_EQ(Run({"get", "obj", "-o", dir_ + "/tail", "--offset", "8"}), kExitOk) << error_line_;
  EXPECT_EQ(ReadFile(dir_ + "/tail"), "89");
}

TEST_F(CliRunTest, GetIntoADirectoryUsesTheBaseName) {
  state_.objects["photos/cat.jpg"] = "meow";
  ASSERT_EQ(Run({"get", "photos/cat.jpg", "-o", dir_}), kExitOk) << error_line_;
  EXPECT_EQ(ReadFile(dir_ + "/cat.jpg"), "meow");
}

TEST_F(CliRunTest, FailedGetLeavesNoPartialOutput) {
  state_.objects["obj"] = std::string(100000, 'q');
  state_.fail_get_after = 5000;
  EXPECT_EQ(Run({"get", "obj", "-o", dir_ + "/out"}), kExitCorrupt);
  EXPECT_TRUE(DirEntries().empty()) << "left: " << DirEntries().front();
  EXPECT_NE(error_line_.find("cairn: get obj: segment 0"), std::string::npos) << error_line_;

  // An existing OUT is left untouched by a failed get.
  WriteFile(dir_ + "/out", "previous");
  state_.fail_code = Code::kUnavailable;
  EXPECT_EQ(Run({"get", "obj", "-o", dir_ + "/out"}), kExitUnavailable);
  EXPECT_EQ(ReadFile(dir_ + "/out"), "previous");
  EXPECT_EQ(DirEntries(), std::vector<std::string>{"out"});
}

TEST_F(CliRunTest, CancelledGetExits130AndLeavesNothing) {
  state_.objects["obj"] = std::string(100000, 'q');
  state_.fail_get_after = 10;
  cancel_.store(true);
  EXPECT_EQ(Run({"get", "obj", "-o", dir_ + "/out"}), kExitCancelled);
  EXPECT_TRUE(state_.cancel_seen);  // the flag reached the library
  EXPECT_TRUE(DirEntries().empty());
}

TEST_F(CliRunTest, ErrorsMapToExitCodes) {
  EXPECT_EQ(Run({"get", "absent"}), kExitNotFound);
  EXPECT_EQ(error_line_, "cairn: get absent: no object named absent");
  EXPECT_EQ(Run({"rm", "absent"}), kExitNotFound);
  vars_["CAIRN_PASSPHRASE"] = "wrong";
  EXPECT_EQ(Run({"ls"}), kExitAuthFailed);
  EXPECT_NE(error_line_.find("open repository"), std::string::npos) << error_line_;
  EXPECT_EQ(error_line_.find("wrong:"), std::string::npos);
  vars_.erase("CAIRN_NETWORK");
  EXPECT_EQ(Run({"ls"}), kExitUsage);
  EXPECT_NE(error_line_.find("CAIRN_NETWORK"), std::string::npos) << error_line_;
  vars_["CAIRN_PASSPHRASE"] = "pw";
  EXPECT_EQ(Run({"--network", dir_ + "/network", "--key-file", dir_ + "/key", "ls"}), kExitUsage);
}

TEST_F(CliRunTest, RmRemoves) {
  state_.objects["gone"] = "x";
  ASSERT_EQ(Run({"rm", "gone"}), kExitOk) << error_line_;
  EXPECT_EQ(state_.removed, std::vector<std::string>{"gone"});
  EXPECT_EQ(out_.str(), "removed gone\n");
}

TEST_F(CliRunTest, LsTextAndJson) {
  state_.objects["b \"quoted\""] = "12345";
  state_.objects["a\nnewline"] = "";
  ASSERT_EQ(Run({"ls", "--json"}), kExitOk) << error_line_;
  EXPECT_EQ(out_.str(),
            "[{\"name\":\"a\\nnewline\",\"size\":0,\"mtime_ns\":0,\"k\":4,\"m\":2,\"segments\":1},"
            "{\"name\":\"b \\\"quoted\\\"\",\"size\":5,\"mtime_ns\":0,\"k\":4,\"m\":2,\"segments\":1}]\n");
  out_.str("");
  ASSERT_EQ(Run({"ls"}), kExitOk) << error_line_;
  const std::string text = out_.str();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2) << text;  // the newline in a name cannot add a line
  EXPECT_NE(text.find("a\\x0anewline"), std::string::npos) << text;
  EXPECT_LT(text.find("a\\x0anewline"), text.find("b \"quoted\""));  // sorted by name
}

ObjectStatus Degraded() {
  ObjectStatus s;
  s.info = ObjectInfo{"big.iso", 20 << 20, 0, 4, 2, 1};
  s.healthy_per_segment = {5};
  s.readable = true;
  for (int i = 0; i < 6; ++i) {
    s.shards.push_back(ShardStatus{0, i, std::string(64, static_cast<char>('a' + i)), std::string(64, 'f'),
                                   "127.0." + std::to_string(i + 1) + ".1:7000", i == 3 ? "unreachable" : "stored"});
  }
  return s;
}

TEST_F(CliRunTest, StatusOfOneObject) {
  state_.status["big.iso"] = Degraded();
  ASSERT_EQ(Run({"status", "big.iso"}), kExitOk) << error_line_;
  const std::string text = out_.str();
  EXPECT_NE(text.find("health:    degraded, readable"), std::string::npos) << text;
  EXPECT_NE(text.find("segment 0: 5/6 shards confirmed (needs 4)"), std::string::npos) << text;
  EXPECT_NE(text.find("unreachable"), std::string::npos) << text;
  EXPECT_NE(text.find("127.0.4.1:7000"), std::string::npos) << text;

  out_.str("");
  ASSERT_EQ(Run({"status", "big.iso", "--json"}), kExitOk) << error_line_;
  const std::string json = out_.str();
  EXPECT_EQ(json.rfind("{\"name\":\"big.iso\",\"size\":20971520,\"mtime_ns\":0,\"k\":4,\"m\":2,\"segments\":1,"
                       "\"health\":\"degraded\",\"readable\":true,\"min_healthy\":5,\"healthy_per_segment\":[5],"
                       "\"shards\":[{\"segment\":0,\"index\":0,\"state\":\"stored\",",
                       0),
            0u)
      << json;
  EXPECT_NE(json.find("\"state\":\"unreachable\""), std::string::npos);

  EXPECT_EQ(Run({"status", "other"}), kExitUnavailable);
}

TEST_F(CliRunTest, StatusOfEveryObjectKeepsGoingPastAnError) {
  state_.objects["big.iso"] = "x";
  state_.objects["lost"] = "y";
  state_.status["big.iso"] = Degraded();
  ASSERT_EQ(Run({"status", "--json"}), kExitOk) << error_line_;
  const std::string json = out_.str();
  EXPECT_NE(json.find("\"name\":\"big.iso\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"health\":\"degraded\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"health\":\"error\",\"error\":\"no provider answered for lost\""), std::string::npos) << json;
  out_.str("");
  ASSERT_EQ(Run({"status"}), kExitOk) << error_line_;
  EXPECT_NE(out_.str().find("degraded    5/6"), std::string::npos) << out_.str();
}

TEST(CliHealthTest, HealthyDegradedUnreadable) {
  ObjectStatus s = Degraded();
  EXPECT_EQ(HealthOf(s), "degraded");
  s.healthy_per_segment = {6};
  EXPECT_EQ(HealthOf(s), "healthy");
  s.healthy_per_segment = {6, 3};
  EXPECT_EQ(HealthOf(s), "unreadable");
  s.healthy_per_segment = {6};
  s.readable = false;
  EXPECT_EQ(HealthOf(s), "unreadable");
}

TEST(AtomicFileWriterTest, OnlyCommitMakesTheFile) {
  std::string tmpl = ::testing::TempDir() + "cairn-atomic-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  const std::string target = tmpl + "/t";
  {
    Result<std::unique_ptr<AtomicFileWriter>> w = AtomicFileWriter::Create(target);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    ASSERT_EQ(::write((*w)->fd(), "abc", 3), 3);
    EXPECT_TRUE(std::filesystem::exists((*w)->temp_path()));
    EXPECT_FALSE(std::filesystem::exists(target));
  }
  EXPECT_TRUE(std::filesystem::is_empty(tmpl));
  {
    Result<std::unique_ptr<AtomicFileWriter>> w = AtomicFileWriter::Create(target);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    ASSERT_EQ(::write((*w)->fd(), "abc", 3), 3);
    ASSERT_TRUE((*w)->Commit().ok());
  }
  std::ifstream in(target);
  std::string got;
  in >> got;
  EXPECT_EQ(got, "abc");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(tmpl), std::filesystem::directory_iterator()), 1);
  std::filesystem::remove_all(tmpl);
}

}  // namespace
}  // namespace cairn::cli
