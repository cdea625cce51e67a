// The cairn CLI, in-process: argument parsing (required arguments, env fallbacks, conflicts, bad numbers, byte
// ranges), the Status -> exit code table, and the JSON escaper and writer.
#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "cli/app.h"
#include "cli/exit_codes.h"
#include "cli/format.h"
#include "cli/global_options.h"
#include "cli/json.h"
#include "cli/progress.h"

namespace cairn::cli {
namespace {

// A parse of one argument vector (without the program name) by a fresh Cli.
struct Parsed {
  std::unique_ptr<Cli> cli = std::make_unique<Cli>();
  int exit_code = -1;  // -1: parsed without error
  std::string out, err;
};

Parsed Parse(std::vector<std::string> args) {
  Parsed p;
  args.insert(args.begin(), "cairn");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  try {
    p.cli->app().parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    std::ostringstream out, err;
    p.exit_code = ReportParseError(p.cli->app(), e, out, err);
    p.out = out.str();
    p.err = err.str();
  }
  return p;
}

TEST(CliParseTest, PutTakesFileAndDefaultsNameToBaseName) {
  Parsed p = Parse({"put", "some/dir/report.pdf"});
  ASSERT_EQ(p.exit_code, -1) << p.err;
  EXPECT_EQ(p.cli->Command(), "put");
  EXPECT_EQ(p.cli->args().put.file, "some/dir/report.pdf");
  EXPECT_EQ(PutObjectName(p.cli->args().put), "report.pdf");
  EXPECT_EQ(p.cli->args().put.k, 0);   // the network's default
  EXPECT_EQ(p.cli->args().put.m, -1);  // the network's default
  EXPECT_FALSE(p.cli->args().put.replace);
}

TEST(CliParseTest, PutNameKAndM) {
  Parsed p = Parse({"put", "f.bin", "--name", "backups/f", "--k", "10", "--m", "4", "--replace"});
  ASSERT_EQ(p.exit_code, -1) << p.err;
  EXPECT_EQ(PutObjectName(p.cli->args().put), "backups/f");
  EXPECT_EQ(p.cli->args().put.k, 10);
  EXPECT_EQ(p.cli->args().put.m, 4);
  EXPECT_TRUE(p.cli->args().put.replace);
}

TEST(CliParseTest, MissingRequiredArgumentsAreUsageErrors) {
  EXPECT_EQ(Parse({"put"}).exit_code, kExitUsage);
  EXPECT_EQ(Parse({"get"}).exit_code, kExitUsage);
  EXPECT_EQ(Parse({"rm"}).exit_code, kExitUsage);
  Parsed none = Parse({});
  EXPECT_EQ(none.exit_code, kExitUsage);
  EXPECT_NE(none.err.find("cairn: "), std::string::npos) << none.err;
}

TEST(CliParseTest, UnknownCommandsAndOptionsAreUsageErrors) {
  EXPECT_EQ(Parse({"frobnicate"}).exit_code, kExitUsage);
  EXPECT_EQ(Parse({"ls", "--bogus"}).exit_code, kExitUsage);
  EXPECT_EQ(Parse({"ls", "rm", "x"}).exit_code, kExitUsage);  // one command at a time
  EXPECT_EQ(Parse({"rm", "a", "b"}).exit_code, kExitUsage);
}

TEST(CliParseTest, StdinNeedsName) {
  Parsed bare = Parse({"put", "-"});
  EXPECT_EQ(bare.exit_code, kExitUsage);
  EXPECT_NE(bare.err.find("--name"), std::string::npos) << bare.err;
  Parsed named = Parse({"put", "-", "--name", "from-stdin"});
  ASSERT_EQ(named.exit_code, -1) << named.err;
  EXPECT_EQ(PutObjectName(named.cli->args().put), "from-stdin");
}

TEST(CliParseTest, PutRefusesBadErasureNumbers) {
  EXPECT_EQ(Parse({"put", "f", "--k", "0"}).exit_code, kExitUsage);
  EXPECT_EQ(Parse({"put", "f", "--k", "300"}).exit_code, kExitUsage);
  EXPECT_EQ(Parse({"put", "f", "--k", "-3"}).exit_code, kExitUsage);
  EXPECT_EQ(Parse({"put", "f", "--k", "four"}).exit_code, kExitUsage);
  EXPECT_EQ(Parse({"put", "f", "--k", "4.5"}).exit_code, kExitUsage);
  EXPECT_EQ(Parse({"put", "f", "--m", "-1"}).exit_code, kExitUsage);
  EXPECT_EQ(Parse({"put", "f", "--m", "255"}).exit_code, kExitUsage);
  EXPECT_EQ(Parse({"put", "f", "--k", "200", "--m", "56"}).exit_code, kExitUsage);  // k + m > 255
  EXPECT_EQ(Parse({"put", "f", "--k", "200", "--m", "55"}).exit_code, -1);
  EXPECT_EQ(Parse({"put", "f", "--k", "1", "--m", "0"}).exit_code, -1);
}

TEST(CliParseTest, PutRefusesOverlongNameAndFileWithoutBaseName) {
  EXPECT_EQ(Parse({"put", "f", "--name", std::string(kMaxObjectNameBytes, 'a')}).exit_code, -1);
  EXPECT_EQ(Parse({"put", "f", "--name", std::string(kMaxObjectNameBytes + 1, 'a')}).exit_code, kExitUsage);
  EXPECT_EQ(Parse({"put", "some/dir/.."}).exit_code, kExitUsage);
  EXPECT_EQ(Parse({"put", "some/dir/..", "--name", "x"}).exit_code, -1);
}

TEST(CliParseTest, GetOutputAndByteRange) {
  Parsed p = Parse({"get", "movie", "-o", "out.mkv", "--offset", "1048576", "--length", "4096"});
  ASSERT_EQ(p.exit_code, -1) << p.err;
  const GetArgs& g = p.cli->args().get;
  EXPECT_EQ(g.name, "movie");
  EXPECT_EQ(g.output, "out.mkv");
  EXPECT_EQ(g.offset, 1048576u);
  EXPECT_EQ(g.length, 4096u);

  Parsed whole = Parse({"get", "movie"});
  ASSERT_EQ(whole.exit_code, -1) << whole.err;
  EXPECT_EQ(whole.cli->args().get.output, "");
  EXPECT_EQ(whole.cli->args().get.offset, 0u);
  EXPECT_EQ(whole.cli->args().get.length, std::numeric_limits<std::uint64_t>::max());

  Parsed big = Parse({"get", "movie", "--offset", "18446744073709551614", "--length", "1"});
  ASSERT_EQ(big.exit_code, -1) << big.err;
  EXPECT_EQ(big.cli->args().get.offset, 18446744073709551614u);
}

TEST(CliParseTest, GetRefusesBadRanges) {
  EXPECT_EQ(Parse({"get", "x", "--length", "0"}).exit_code, kExitUsage);
  EXPECT_EQ(Parse({"get", "x", "--offset", "-1"}).exit_code, kExitUsage);
  EXPECT_EQ(Parse({"get", "x", "--offset", "ten"}).exit_code, kExitUsage);
  EXPECT_EQ(Parse({"get", "x", "--offset", "18446744073709551616"}).exit_code, kExitUsage);  // 2^64
  EXPECT_EQ(Parse({"get", "x", "--offset", "18446744073709551615", "--length", "1"}).exit_code, kExitUsage);
  EXPECT_EQ(Parse({"get", "x", "--length", "-5"}).exit_code, kExitUsage);
}

TEST(CliParseTest, GlobalOptionsGoBeforeOrAfterTheCommand) {
  Parsed before = Parse({"--network", "net", "--repo", "r", "--key-file", "k", "ls"});
  ASSERT_EQ(before.exit_code, -1) << before.err;
  EXPECT_EQ(before.cli->args().global.network, "net");
  EXPECT_EQ(before.cli->args().global.repo, "r");
  EXPECT_EQ(before.cli->args().global.key_file, "k");

  Parsed after = Parse({"get", "obj", "--network", "net2", "-o", "o", "--repo", "r2"});
  ASSERT_EQ(after.exit_code, -1) << after.err;
  EXPECT_EQ(after.cli->args().global.network, "net2");
  EXPECT_EQ(after.cli->args().global.repo, "r2");
  EXPECT_EQ(after.cli->args().get.output, "o");
}

TEST(CliParseTest, LsStatusAndRm) {
  Parsed ls = Parse({"ls", "--json"});
  ASSERT_EQ(ls.exit_code, -1) << ls.err;
  EXPECT_EQ(ls.cli->Command(), "ls");
  EXPECT_TRUE(ls.cli->args().ls.json);

  Parsed all = Parse({"status"});
  ASSERT_EQ(all.exit_code, -1) << all.err;
  EXPECT_EQ(all.cli->args().status.name, "");
  EXPECT_FALSE(all.cli->args().status.json);

  Parsed one = Parse({"status", "photo.jpg", "--json"});
  ASSERT_EQ(one.exit_code, -1) << one.err;
  EXPECT_EQ(one.cli->args().status.name, "photo.jpg");
  EXPECT_TRUE(one.cli->args().status.json);

  Parsed rm = Parse({"rm", "photo.jpg"});
  ASSERT_EQ(rm.exit_code, -1) << rm.err;
  EXPECT_EQ(rm.cli->Command(), "rm");
  EXPECT_EQ(rm.cli->args().rm.name, "photo.jpg");

  EXPECT_EQ(Parse({"init"}).cli->Command(), "init");
}

TEST(CliParseTest, HelpShowsExitCodesAndExitsZero) {
  Parsed p = Parse({"--help"});
  EXPECT_EQ(p.exit_code, 0);
  EXPECT_NE(p.out.find("Exit codes:"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("130"), std::string::npos);
  EXPECT_NE(p.out.find("--network"), std::string::npos);
  EXPECT_EQ(Parse({"--version"}).exit_code, 0);
  EXPECT_EQ(Parse({"put", "--help"}).exit_code, 0);
}

// --- Global options, the environment and the key source ---

struct FakeEnv {
  std::map<std::string, std::string> vars;
  std::vector<std::string> answers;  // what the terminal "types", in order
  std::vector<std::string> prompts;
  Environment env;

  explicit FakeEnv(bool tty) {
    env.stdin_is_terminal = tty;
    env.getenv = [this](std::string_view name) -> std::optional<std::string> {
      auto it = vars.find(std::string(name));
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
    env.read_secret = [this](std::string_view prompt) -> Result<std::string> {
      prompts.emplace_back(prompt);
      if (answers.empty()) return Status::IOError("end of input");
      std::string a = answers.front();
      answers.erase(answers.begin());
      return a;
    };
  }
};

GlobalArgs Args(std::string network, std::string repo, std::string key_file = "") {
  return GlobalArgs{std::move(network), std::move(repo), std::move(key_file)};
}

TEST(CliGlobalOptionsTest, MissingNetworkOrRepoIsAUsageErrorNamingTheFix) {
  FakeEnv f(false);
  f.vars["CAIRN_PASSPHRASE"] = "pw";
  Result<ClientOptions> no_net = ResolveClientOptions(Args("", "r"), f.env, KeyUse::kOpen);
  ASSERT_FALSE(no_net.ok());
  EXPECT_EQ(no_net.status().code(), Code::kInvalidArgument);
  EXPECT_NE(no_net.status().message().find("--network"), std::string::npos);
  EXPECT_NE(no_net.status().message().find("CAIRN_NETWORK"), std::string::npos);

  Result<ClientOptions> no_repo = ResolveClientOptions(Args("n", ""), f.env, KeyUse::kOpen);
  ASSERT_FALSE(no_repo.ok());
  EXPECT_EQ(no_repo.status().code(), Code::kInvalidArgument);
  EXPECT_NE(no_repo.status().message().find("CAIRN_REPO"), std::string::npos);
}

TEST(CliGlobalOptionsTest, EnvironmentFallbacksAndFlagsWin) {
  FakeEnv f(false);
  f.vars = {{"CAIRN_NETWORK", "/env/network"}, {"CAIRN_REPO", "/env/repo"}, {"CAIRN_PASSPHRASE", "hunter2"}};
  Result<ClientOptions> from_env = ResolveClientOptions(Args("", ""), f.env, KeyUse::kOpen);
  ASSERT_TRUE(from_env.ok()) << from_env.status().ToString();
  EXPECT_EQ(from_env->network_file, "/env/network");
  EXPECT_EQ(from_env->repo_dir, "/env/repo");
  EXPECT_EQ(from_env->passphrase, std::optional<std::string>("hunter2"));
  EXPECT_FALSE(from_env->key_file.has_value());

  Result<ClientOptions> flags = ResolveClientOptions(Args("/flag/network", "/flag/repo"), f.env, KeyUse::kOpen);
  ASSERT_TRUE(flags.ok());
  EXPECT_EQ(flags->network_file, "/flag/network");
  EXPECT_EQ(flags->repo_dir, "/flag/repo");
}

TEST(CliGlobalOptionsTest, KeyFileConflictsWithPassphraseEnv) {
  FakeEnv f(true);
  f.vars["CAIRN_PASSPHRASE"] = "hunter2";
  Result<ClientOptions> r = ResolveClientOptions(Args("n", "r", "/keys/master"), f.env, KeyUse::kOpen);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("--key-file"), std::string::npos);
  EXPECT_EQ(r.status().message().find("hunter2"), std::string::npos);  // the secret is never echoed

  f.vars.clear();
  Result<ClientOptions> key_only = ResolveClientOptions(Args("n", "r", "/keys/master"), f.env, KeyUse::kOpen);
  ASSERT_TRUE(key_only.ok());
  EXPECT_EQ(key_only->key_file, std::optional<std::string>("/keys/master"));
  EXPECT_FALSE(key_only->passphrase.has_value());
  EXPECT_TRUE(f.prompts.empty());  // a key file never prompts
}

TEST(CliGlobalOptionsTest, EmptyPassphraseEnvIsRefused) {
  FakeEnv f(true);
  f.vars["CAIRN_PASSPHRASE"] = "";
  Result<ClientOptions> r = ResolveClientOptions(Args("n", "r"), f.env, KeyUse::kOpen);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(f.prompts.empty());
}

TEST(CliGlobalOptionsTest, WithoutATerminalThereIsNoPrompt) {
  FakeEnv f(false);
  f.answers = {"never read"};
  Result<ClientOptions> r = ResolveClientOptions(Args("n", "r"), f.env, KeyUse::kOpen);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("CAIRN_PASSPHRASE"), std::string::npos);
  EXPECT_TRUE(f.prompts.empty());
}

TEST(CliGlobalOptionsTest, OpenPromptsOnceInitPromptsTwice) {
  FakeEnv open(true);
  open.answers = {"correct horse"};
  Result<ClientOptions> o = ResolveClientOptions(Args("n", "r"), open.env, KeyUse::kOpen);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->passphrase, std::optional<std::string>("correct horse"));
  EXPECT_EQ(open.prompts.size(), 1u);

  FakeEnv create(true);
  create.answers = {"correct horse", "correct horse"};
  Result<ClientOptions> c = ResolveClientOptions(Args("n", "r"), create.env, KeyUse::kCreate);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->passphrase, std::optional<std::string>("correct horse"));
  EXPECT_EQ(create.prompts.size(), 2u);
}

TEST(CliGlobalOptionsTest, InitRefusesDifferingOrEmptyPassphrases) {
  FakeEnv differ(true);
  differ.answers = {"correct horse", "correct hose"};
  Result<ClientOptions> d = ResolveClientOptions(Args("n", "r"), differ.env, KeyUse::kCreate);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(d.status().message().find("horse"), std::string::npos);

  FakeEnv empty(true);
  empty.answers = {""};
  Result<ClientOptions> e = ResolveClientOptions(Args("n", "r"), empty.env, KeyUse::kCreate);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(empty.prompts.size(), 1u);
}

TEST(CliGlobalOptionsTest, PromptFailureKeepsItsCode) {
  FakeEnv f(true);  // no answers: the fake terminal reports end of input as an I/O error
  Result<ClientOptions> r = ResolveClientOptions(Args("n", "r"), f.env, KeyUse::kOpen);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kIOError);
}

// --- Exit codes ---

TEST(CliExitCodeTest, EveryStatusCodeHasItsDocumentedExitCode) {
  const std::vector<std::pair<Code, int>> table = {
      {Code::kOk, 0},          {Code::kInvalidArgument, 2},  {Code::kNotFound, 3},    {Code::kAlreadyExists, 1},
      {Code::kCorruption, 6},  {Code::kAuthFailed, 4},       {Code::kIOError, 1},     {Code::kResourceExhausted, 1},
      {Code::kUnavailable, 5}, {Code::kDeadlineExceeded, 5}, {Code::kCancelled, 130}, {Code::kFailedPrecondition, 1},
      {Code::kInternal, 1},
  };
  for (const auto& [code, exit_code] : table) {
    SCOPED_TRACE(std::string(CodeName(code)));
    EXPECT_EQ(ExitCodeFor(code), exit_code);
  }
  EXPECT_EQ(ExitCodeFor(static_cast<Code>(999)), 1);
}

TEST(CliExitCodeTest, HelpFooterListsEveryExitCode) {
  const std::string footer = ExitCodeHelpFooter();
  for (const char* line : {"  0 ", "  1 ", "  2 ", "  3 ", "  4 ", "  5 ", "  6 ", "  130 "}) {
    EXPECT_NE(footer.find(line), std::string::npos) << line;
  }
}

// --- JSON ---

TEST(CliJsonTest, EscapesQuotesBackslashesAndControlBytes) {
  EXPECT_EQ(JsonEscape(""), "\"\"");
  EXPECT_EQ(JsonEscape("plain"), "\"plain\"");
  EXPECT_EQ(JsonEscape("say \"hi\""), "\"say \\\"hi\\\"\"");
  EXPECT_EQ(JsonEscape("C:\\dir\\f"), "\"C:\\\\dir\\\\f\"");
  EXPECT_EQ(JsonEscape("a\nb\tc\rd\be\ff"), "\"a\\nb\\tc\\rd\\be\\ff\"");
  EXPECT_EQ(JsonEscape(std::string("\x01\x1f", 2)), "\"\\u0001\\u001f\"");
  EXPECT_EQ(JsonEscape(std::string("nul\0here", 8)), "\"nul\\u0000here\"");
  EXPECT_EQ(JsonEscape("\x7f/"), "\"\x7f/\"");  // DEL and '/' need no escape
}

TEST(CliJsonTest, ValidUtf8PassesThrough) {
  const std::string s = "h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x98\x80 \xef\xbf\xbd";  // é ✓ 😀 U+FFFD
  EXPECT_EQ(JsonEscape(s), "\"" + s + "\"");
}

TEST(CliJsonTest, InvalidUtf8BecomesReplacementCharacter) {
  EXPECT_EQ(JsonEscape("a\xff"
                       "b"),
            "\"a\\ufffdb\"");
  EXPECT_EQ(JsonEscape("\xc0\x80"), "\"\\ufffd\\ufffd\"");                        // overlong NUL
  EXPECT_EQ(JsonEscape("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");             // UTF-16 surrogate
  EXPECT_EQ(JsonEscape("\xf4\x90\x80\x80"), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");  // above U+10FFFF
  EXPECT_EQ(JsonEscape("x\xe2\x9c"), "\"x\\ufffd\\ufffd\"");                      // truncated sequence
  EXPECT_EQ(JsonEscape("\x80"), "\"\\ufffd\"");                                   // lone continuation byte
}

// A strict check of one JSON string literal: only legal escapes, no raw control bytes, valid UTF-8 throughout.
bool IsValidJsonStringLiteral(const std::string& s) {
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') return false;
  for (std::size_t i = 1; i + 1 < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20) return false;
    if (c == '"') return false;
    if (c == '\\') {
      const char e = s[++i];
      if (std::string("\"\\/bfnrt").find(e) != std::string::npos) continue;
      if (e != 'u' || i + 4 >= s.size()) return false;
      for (int j = 1; j <= 4; ++j) {
        if (!std::isxdigit(static_cast<unsigned char>(s[i + j]))) return false;
      }
      i += 4;
      continue;
    }
    if (c >= 0x80) {
      int len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
      if (len == 0 || c > 0xF4 || i + len > s.size() - 1) return false;
      for (int j = 1; j < len; ++j) {
        if ((static_cast<unsigned char>(s[i + j]) & 0xC0) != 0x80) return false;
      }
      i += len - 1;
    }
  }
  return true;
}

TEST(CliJsonTest, RandomBytesAlwaysGiveValidJson) {
  const std::uint32_t seed = 20240601;
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  for (int round = 0; round < 5000; ++round) {
    std::string s(rng() % 40, '\0');
    for (char& ch : s) ch = static_cast<char>(rng() & 0xff);
    const std::string escaped = JsonEscape(s);
    ASSERT_TRUE(IsValidJsonStringLiteral(escaped)) << "round " << round;
  }
}

TEST(CliJsonTest, WriterBuildsNestedDocumentsWithCommas) {
  JsonWriter w;
  w.BeginObject();
  w.Key("name").String("a\"b");
  w.Key("size").Uint(18446744073709551615u);
  w.Key("delta").Int(-5);
  w.Key("ok").Bool(true);
  w.Key("none").Null();
  w.Key("list").BeginArray().Int(1).Int(2).BeginObject().EndObject().BeginArray().EndArray().EndArray();
  w.EndObject();
  EXPECT_EQ(w.str(),
            "{\"name\":\"a\\\"b\",\"size\":18446744073709551615,\"delta\":-5,\"ok\":true,\"none\":null,"
            "\"list\":[1,2,{},[]]}");
}

// --- Text formatting ---

TEST(CliFormatTest, PrintableNameEscapesTerminalControl) {
  EXPECT_EQ(PrintableName("plain name.txt"), "plain name.txt");
  EXPECT_EQ(PrintableName("evil\x1b[2Jname\n"), "evil\\x1b[2Jname\\x0a");
  EXPECT_EQ(PrintableName("back\\slash"), "back\\\\slash");
  EXPECT_EQ(PrintableName("caf\xc3\xa9"), "caf\xc3\xa9");
}

TEST(CliFormatTest, BaseNameAndHumanBytes) {
  EXPECT_EQ(BaseName("a/b/c.txt"), "c.txt");
  EXPECT_EQ(BaseName("c.txt"), "c.txt");
  EXPECT_EQ(BaseName("dir/sub/"), "sub");
  EXPECT_EQ(BaseName("/"), "");
  EXPECT_EQ(BaseName("a/.."), "");
  EXPECT_EQ(HumanBytes(0), "0 B");
  EXPECT_EQ(HumanBytes(1023), "1023 B");
  EXPECT_EQ(HumanBytes(1024), "1.0 KiB");
  EXPECT_EQ(HumanBytes(20 << 20), "20.0 MiB");
  EXPECT_EQ(HumanBytes(std::uint64_t{3} << 29), "1.5 GiB");
  EXPECT_EQ(FormatTimeUtc(0), "1970-01-01 00:00:00");
  EXPECT_EQ(FormatTimeUtc(std::int64_t{1700000000} * 1000000000 + 999), "2023-11-14 22:13:20");
}

TEST(CliProgressTest, LineShowsPhasePercentAndRate) {
  const std::string half = FormatProgressLine(Progress{"uploading", 50, 100}, 2.5 * 1024 * 1024);
  EXPECT_NE(half.find("uploading"), std::string::npos);
  EXPECT_NE(half.find(" 50%"), std::string::npos) << half;
  EXPECT_NE(half.find("2.5 MiB/s"), std::string::npos) << half;
  EXPECT_NE(half.find("############............"), std::string::npos) << half;
  const std::string over = FormatProgressLine(Progress{"decoding", 150, 100}, 0);
  EXPECT_NE(over.find("100%"), std::string::npos) << over;
  EXPECT_EQ(over.find("MiB/s"), std::string::npos);
  const std::string unknown = FormatProgressLine(Progress{"encoding", 3 << 20, 0}, 0);
  EXPECT_NE(unknown.find("3.0 MiB"), std::string::npos) << unknown;
}

TEST(CliProgressTest, SilentWhenDisabledAndClearsWhenDone) {
  std::ostringstream quiet;
  {
    ProgressBar bar(quiet, false, [] { return std::chrono::steady_clock::time_point{}; });
    EXPECT_FALSE(static_cast<bool>(bar.Callback()));
    bar.Update(Progress{"uploading", 1, 2});
  }
  EXPECT_EQ(quiet.str(), "");

  std::ostringstream tty;
  auto t = std::chrono::steady_clock::time_point{};
  {
    ProgressBar bar(tty, true, [&t] { return t; });
    ProgressFn fn = bar.Callback();
    ASSERT_TRUE(static_cast<bool>(fn));
    fn(Progress{"uploading", 0, 4 << 20});
    t += std::chrono::seconds(1);
    fn(Progress{"uploading", 2 << 20, 4 << 20});
  }
  const std::string drawn = tty.str();
  EXPECT_NE(drawn.find("\ruploading"), std::string::npos) << drawn;
  EXPECT_NE(drawn.find(" 50%  2.0 MiB/s"), std::string::npos) << drawn;
  EXPECT_EQ(drawn.back(), '\r');  // Finish erased the bar and returned to the line start
}

}  // namespace
}  // namespace cairn::cli
