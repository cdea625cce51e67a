#include "cairn/core/env.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cairn/core/fault_injection_env.h"
#include "cairn/core/manual_clock_env.h"
#include "cairn/core/temp_dir.h"

namespace cairn {
namespace {

TempDir MakeTempDir() {
  auto d = TempDir::Create("cairn-env-test");
  EXPECT_TRUE(d.ok()) << d.status().ToString();
  return std::move(*d);
}

Bytes Pattern(std::size_t n, std::uint8_t seed) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(seed + i * 7);
  return b;
}

// The file's content, or nullopt when it does not exist.
std::optional<Bytes> Content(const std::string& path) {
  if (!Env::Default()->FileExists(path)) return std::nullopt;
  auto r = ReadFileToBytes(Env::Default(), path, 1 << 24);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::optional<Bytes>(*r) : std::nullopt;
}

void WriteUnsynced(Env* env, const std::string& path, ByteSpan data) {
  auto f = env->NewWritableFile(path);
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE((*f)->Append(data).ok());
  ASSERT_TRUE((*f)->Close().ok());
}

TEST(EnvTest, WritesReadsAndListsFiles) {
  TempDir dir = MakeTempDir();
  Env* env = Env::Default();
  const std::string sub = dir.Join("a/b/c");
  ASSERT_TRUE(env->CreateDirs(sub).ok());
  ASSERT_TRUE(env->CreateDirs(sub).ok());  // already there: fine
  const std::string path = sub + "/f";
  auto f = env->NewWritableFile(path);
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE((*f)->Append(AsBytes("hello ")).ok());
  ASSERT_TRUE((*f)->Append(AsBytes("world")).ok());
  ASSERT_TRUE((*f)->Sync().ok());
  ASSERT_TRUE((*f)->Close().ok());
  EXPECT_EQ((*f)->Close().code(), Code::kFailedPrecondition);
  EXPECT_EQ((*f)->Append(AsBytes("x")).code(), Code::kFailedPrecondition);

  auto size = env->FileSize(path);
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, 11u);
  auto all = ReadFileToBytes(env, path, 100);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(AsStringView(*all), "hello world");

  auto ra = env->NewRandomAccessFile(path);
  ASSERT_TRUE(ra.ok());
  Bytes buf(5);
  auto n = (*ra)->Read(6, buf);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 5u);
  EXPECT_EQ(AsStringView(buf), "world");
  n = (*ra)->Read(9, buf);  // short at end of file
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2u);
  n = (*ra)->Read(100, buf);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);

  auto seq = env->NewSequentialFile(path);
  ASSERT_TRUE(seq.ok());
  Bytes part(4);
  auto got = (*seq)->Read(part);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(AsStringView(ByteSpan(part).first(*got)), "hell");

  WriteUnsynced(env, sub + "/e", AsBytes(""));
  ASSERT_TRUE(env->CreateDirs(sub + "/d").ok());
  auto names = env->ListDir(sub);
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"d", "e", "f"}));

  ASSERT_TRUE(env->RenameFile(path, sub + "/g").ok());
  EXPECT_FALSE(env->FileExists(path));
  EXPECT_TRUE(env->FileExists(sub + "/g"));
  ASSERT_TRUE(env->SyncDir(sub).ok());
  ASSERT_TRUE(env->RemoveFile(sub + "/g").ok());
  EXPECT_EQ(env->RemoveFile(sub + "/g").code(), Code::kNotFound);
  EXPECT_EQ(env->FileSize(sub + "/g").status().code(), Code::kNotFound);
  EXPECT_EQ(env->NewSequentialFile(sub + "/g").status().code(), Code::kNotFound);
  EXPECT_EQ(env->ListDir(sub + "/nope").status().code(), Code::kNotFound);
  EXPECT_EQ(env->SyncDir(sub + "/nope").code(), Code::kNotFound);
  EXPECT_FALSE(env->FileSize(sub + "/d").ok());                           // a directory has no file size
  EXPECT_EQ(env->CreateDirs(sub + "/e/x").code(), Code::kAlreadyExists);  // a file is in the way
  EXPECT_EQ(env->CreateDirs(sub + "/e").code(), Code::kAlreadyExists);
  ASSERT_TRUE(env->RemoveDir(sub + "/d").ok());
  EXPECT_FALSE(env->FileExists(sub + "/d"));
}

TEST(EnvTest, ReadFileToBytesEnforcesItsLimit) {
  TempDir dir = MakeTempDir();
  const std::string path = dir.Join("f");
  WriteUnsynced(Env::Default(), path, Pattern(5000, 1));
  auto ok = ReadFileToBytes(Env::Default(), path, 5000);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, Pattern(5000, 1));
  EXPECT_EQ(ReadFileToBytes(Env::Default(), path, 4999).status().code(), Code::kResourceExhausted);
  EXPECT_EQ(ReadFileToBytes(Env::Default(), dir.Join("missing"), 10).status().code(), Code::kNotFound);
  WriteUnsynced(Env::Default(), path, AsBytes(""));
  auto empty = ReadFileToBytes(Env::Default(), path, 0);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

// Reports a size smaller than the file, as if the file grew after the size was taken.
class LyingSizeEnv : public ForwardingEnv {
 public:
  using ForwardingEnv::ForwardingEnv;
  Result<std::uint64_t> FileSize(const std::string&) override { return std::uint64_t{1}; }
};

TEST(EnvTest, ReadFileToBytesCatchesGrowthPastTheLimit) {
  TempDir dir = MakeTempDir();
  const std::string path = dir.Join("f");
  WriteUnsynced(Env::Default(), path, Pattern(10000, 2));
  LyingSizeEnv env(Env::Default());
  EXPECT_EQ(ReadFileToBytes(&env, path, 9999).status().code(), Code::kResourceExhausted);
  auto all = ReadFileToBytes(&env, path, 10000);  // still reads everything when it fits
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, Pattern(10000, 2));
}

TEST(EnvTest, ForwardingEnvOverridesOneMethod) {
  struct NoFiles : ForwardingEnv {
    using ForwardingEnv::ForwardingEnv;
    bool FileExists(const std::string&) override { return false; }
  };
  TempDir dir = MakeTempDir();
  NoFiles env(Env::Default());
  ASSERT_TRUE(WriteFileAtomic(&env, dir.Join("x"), AsBytes("abc")).ok());  // the rest passes through
  EXPECT_FALSE(env.FileExists(dir.Join("x")));
  EXPECT_TRUE(Env::Default()->FileExists(dir.Join("x")));
  EXPECT_EQ(*env.FileSize(dir.Join("x")), 3u);
}

TEST(EnvTest, DirNameAndTempNames) {
  EXPECT_EQ(DirName("a/b/c"), "a/b");
  EXPECT_EQ(DirName("/a"), "/");
  EXPECT_EQ(DirName("a"), ".");
  EXPECT_EQ(DirName("a//b"), "a");
  EXPECT_EQ(DirName("/x/y"), "/x");
  EXPECT_TRUE(IsAtomicTempFileName("shard.tmp.123.4"));
  EXPECT_FALSE(IsAtomicTempFileName("shard.tmp.123"));
  EXPECT_FALSE(IsAtomicTempFileName("shard.tmp.12a.4"));
  EXPECT_FALSE(IsAtomicTempFileName("shard"));
  EXPECT_FALSE(IsAtomicTempFileName(".tmp.1.2"));
}

TEST(EnvTest, WriteFileAtomicReplacesAndLeavesNoTemp) {
  TempDir dir = MakeTempDir();
  const std::string path = dir.Join("f");
  ASSERT_TRUE(WriteFileAtomic(Env::Default(), path, AsBytes("one")).ok());
  ASSERT_TRUE(WriteFileAtomic(Env::Default(), path, AsBytes("two!")).ok());
  EXPECT_EQ(Content(path), ToBytes(AsBytes("two!")));
  auto names = Env::Default()->ListDir(dir.path());
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, std::vector<std::string>{"f"});
}

TEST(EnvTest, AtomicFileWriterStreamsAndCleansUpWhenAbandoned) {
  TempDir dir = MakeTempDir();
  const std::string path = dir.Join("f");
  {
    auto w = AtomicFileWriter::Create(Env::Default(), path);
    ASSERT_TRUE(w.ok());
    for (int i = 0; i < 10; ++i) ASSERT_TRUE((*w)->Append(Pattern(1000, static_cast<std::uint8_t>(i))).ok());
    EXPECT_FALSE(Env::Default()->FileExists(path));  // nothing under the final name until Commit
    ASSERT_TRUE((*w)->Commit().ok());
    EXPECT_EQ((*w)->Commit().code(), Code::kFailedPrecondition);
  }
  auto size = Env::Default()->FileSize(path);
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, 10000u);
  std::string temp;
  {
    auto w = AtomicFileWriter::Create(Env::Default(), path);
    ASSERT_TRUE(w.ok());
    temp = (*w)->temp_path();
    ASSERT_TRUE((*w)->Append(AsBytes("abandoned")).ok());
    EXPECT_TRUE(Env::Default()->FileExists(temp));
  }
  EXPECT_FALSE(Env::Default()->FileExists(temp));
  EXPECT_EQ(*Env::Default()->FileSize(path), 10000u);
}

TEST(FaultInjectionEnvTest, FailsOnlyTheNthCallAndCounts) {
  TempDir dir = MakeTempDir();
  FaultInjectionEnv env;
  auto f = env.NewWritableFile(dir.Join("f"));
  ASSERT_TRUE(f.ok());
  env.FailNth(FaultOp::kWrite, 2);
  EXPECT_TRUE((*f)->Append(AsBytes("aaaa")).ok());
  EXPECT_EQ((*f)->Append(AsBytes("bbbb")).code(), Code::kIOError);
  EXPECT_TRUE((*f)->Append(AsBytes("cccc")).ok());
  EXPECT_EQ(env.Count(FaultOp::kWrite), 3);
  EXPECT_EQ(env.Count(FaultOp::kCreate), 1);
  ASSERT_TRUE((*f)->Close().ok());
  EXPECT_EQ(Content(dir.Join("f")), ToBytes(AsBytes("aaaabbcccc")));  // the failed write left half its bytes
  env.ResetCounts();
  EXPECT_EQ(env.Count(FaultOp::kWrite), 0);
  env.FailNth(FaultOp::kRename, 1);
  EXPECT_EQ(env.RenameFile(dir.Join("f"), dir.Join("g")).code(), Code::kIOError);
  EXPECT_TRUE(env.FileExists(dir.Join("f")));
  EXPECT_TRUE(env.RenameFile(dir.Join("f"), dir.Join("g")).ok());
}

TEST(FaultInjectionEnvTest, PowerLossDropsWhatWasNotSynced) {
  TempDir dir = MakeTempDir();
  FaultInjectionEnv env;
  // Durable before the env starts tracking.
  ASSERT_TRUE(WriteFileAtomic(Env::Default(), dir.Join("old"), AsBytes("OLD")).ok());
  ASSERT_TRUE(WriteFileAtomic(Env::Default(), dir.Join("victim"), AsBytes("VICTIM")).ok());
  ASSERT_TRUE(WriteFileAtomic(Env::Default(), dir.Join("moved"), AsBytes("MOVED")).ok());

  WriteUnsynced(&env, dir.Join("new"), AsBytes("never synced"));
  WriteUnsynced(&env, dir.Join("old"), AsBytes("truncated in place"));
  ASSERT_TRUE(env.RemoveFile(dir.Join("victim")).ok());
  ASSERT_TRUE(env.RenameFile(dir.Join("moved"), dir.Join("there")).ok());
  {
    auto f = env.NewWritableFile(dir.Join("partly"));
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->Append(AsBytes("synced|")).ok());
    ASSERT_TRUE((*f)->Sync().ok());
    ASSERT_TRUE((*f)->Append(AsBytes("lost")).ok());
    ASSERT_TRUE((*f)->Close().ok());
  }
  ASSERT_TRUE(WriteFileAtomic(&env, dir.Join("durable"), AsBytes("DURABLE")).ok());

  // WriteFileAtomic synced the directory, which made every earlier name change in it durable, but no data.
  ASSERT_TRUE(env.DropUnsyncedData().ok());
  EXPECT_EQ(Content(dir.Join("new")), Bytes());
  EXPECT_EQ(Content(dir.Join("old")), Bytes());
  EXPECT_EQ(Content(dir.Join("victim")), std::nullopt);
  EXPECT_EQ(Content(dir.Join("moved")), std::nullopt);
  EXPECT_EQ(Content(dir.Join("there")), ToBytes(AsBytes("MOVED")));
  EXPECT_EQ(Content(dir.Join("partly")), ToBytes(AsBytes("synced|")));
  EXPECT_EQ(Content(dir.Join("durable")), ToBytes(AsBytes("DURABLE")));
}

TEST(FaultInjectionEnvTest, UnsyncedNameChangesRevert) {
  TempDir dir = MakeTempDir();
  ASSERT_TRUE(Env::Default()->CreateDirs(dir.Join("other")).ok());
  ASSERT_TRUE(WriteFileAtomic(Env::Default(), dir.Join("victim"), AsBytes("VICTIM")).ok());
  ASSERT_TRUE(WriteFileAtomic(Env::Default(), dir.Join("moved"), AsBytes("MOVED")).ok());
  ASSERT_TRUE(WriteFileAtomic(Env::Default(), dir.Join("target"), AsBytes("TARGET")).ok());
  FaultInjectionEnv env;
  ASSERT_TRUE(env.RemoveFile(dir.Join("victim")).ok());
  ASSERT_TRUE(env.RenameFile(dir.Join("moved"), dir.Join("target")).ok());
  WriteUnsynced(&env, dir.Join("new"), AsBytes("x"));
  // A sync of another directory makes none of these durable.
  WriteUnsynced(&env, dir.Join("other/f"), AsBytes("y"));
  ASSERT_TRUE(env.SyncDir(dir.Join("other")).ok());
  ASSERT_TRUE(env.DropUnsyncedData().ok());
  EXPECT_EQ(Content(dir.Join("victim")), ToBytes(AsBytes("VICTIM")));
  EXPECT_EQ(Content(dir.Join("moved")), ToBytes(AsBytes("MOVED")));
  EXPECT_EQ(Content(dir.Join("target")), ToBytes(AsBytes("TARGET")));
  EXPECT_EQ(Content(dir.Join("new")), std::nullopt);
  EXPECT_EQ(Content(dir.Join("other/f")), Bytes());  // its name is durable, its data was never synced
}

constexpr FaultOp kWriteFileOps[] = {FaultOp::kCreate, FaultOp::kWrite, FaultOp::kSync, FaultOp::kRename,
                                     FaultOp::kSyncDir};

// Fails each step of WriteFileAtomic in turn, over an existing file and over no file, then cuts the power: the final
// name must hold the complete old content (or nothing, when there was none) or the complete new content, never a
// part, and no temp file may survive.
TEST(FaultInjectionEnvTest, WriteFileAtomicIsAllOrNothingUnderEveryFault) {
  const Bytes old_content = Pattern(3000, 1);
  const Bytes new_content = Pattern(5000, 2);
  for (bool existed : {true, false}) {
    for (FaultOp op : kWriteFileOps) {
      TempDir dir = MakeTempDir();
      const std::string path = dir.Join("final");
      FaultInjectionEnv env;
      if (existed) {
        ASSERT_TRUE(WriteFileAtomic(&env, path, old_content).ok());
      }
      env.ResetCounts();
      ASSERT_TRUE(WriteFileAtomic(&env, path, new_content).ok());  // count how often this step runs
      const int calls = env.Count(op);
      ASSERT_GE(calls, 1);
      for (int n = 1; n <= calls; ++n) {
        SCOPED_TRACE("existed=" + std::to_string(existed) + " op=" + std::to_string(static_cast<int>(op)) +
                     " n=" + std::to_string(n));
        if (existed) {
          ASSERT_TRUE(WriteFileAtomic(&env, path, old_content).ok());
        } else if (env.FileExists(path)) {
          ASSERT_TRUE(env.RemoveFile(path).ok());
          ASSERT_TRUE(env.SyncDir(dir.path()).ok());
        }
        env.FailNth(op, n);
        Status s = WriteFileAtomic(&env, path, new_content);
        EXPECT_EQ(s.code(), Code::kIOError);
        std::optional<Bytes> before_crash = Content(path);
        if (op == FaultOp::kSyncDir) {
          EXPECT_EQ(before_crash, new_content);  // renamed, only its durability is in doubt
        } else {
          EXPECT_EQ(before_crash, existed ? std::optional<Bytes>(old_content) : std::nullopt);
        }
        ASSERT_TRUE(env.DropUnsyncedData().ok());
        EXPECT_EQ(Content(path), existed ? std::optional<Bytes>(old_content) : std::nullopt);
        auto names = env.ListDir(dir.path());
        ASSERT_TRUE(names.ok());
        for (const std::string& name : *names) EXPECT_FALSE(IsAtomicTempFileName(name)) << name;
      }
      // Without a fault the new content survives the power loss.
      ASSERT_TRUE(WriteFileAtomic(&env, path, new_content).ok());
      ASSERT_TRUE(env.DropUnsyncedData().ok());
      EXPECT_EQ(Content(path), new_content);
    }
  }
}

TEST(ManualClockEnvTest, MovesOnlyWhenTold) {
  ManualClockEnv env;
  const std::uint64_t t0 = env.NowMicros();
  const std::uint64_t w0 = env.WallMicros();
  EXPECT_EQ(t0, ManualClockEnv::kDefaultNowMicros);
  EXPECT_EQ(w0, ManualClockEnv::kDefaultWallMicros);
  EXPECT_EQ(env.NowMicros(), t0);
  env.SleepForMicros(500000);  // returns at once, clock moved exactly
  EXPECT_EQ(env.NowMicros(), t0 + 500000);
  env.AdvanceMicros(25);
  EXPECT_EQ(env.NowMicros(), t0 + 500025);
  EXPECT_EQ(env.WallMicros(), w0 + 500025);
  // A deadline loop finishes at the deadline without waiting.
  const std::uint64_t deadline = env.NowMicros() + 3'000'000;
  int sleeps = 0;
  while (env.NowMicros() < deadline) {
    env.SleepForMicros(1'000'000);
    ++sleeps;
  }
  EXPECT_EQ(sleeps, 3);
  EXPECT_EQ(env.NowMicros(), deadline);
}

TEST(EnvTest, DefaultClocksAreSane) {
  Env* env = Env::Default();
  const std::uint64_t t0 = env->NowMicros();
  env->SleepForMicros(1000);
  EXPECT_GE(env->NowMicros(), t0 + 1000);                                  // a sleep lasts at least what was asked
  EXPECT_GT(env->WallMicros(), std::uint64_t{1'600'000'000} * 1'000'000);  // after 2020
}

TEST(TempDirTest, CreatesAndRemovesItsDirectory) {
  std::string path;
  {
    auto d = TempDir::Create("cairn-tempdir-test");
    ASSERT_TRUE(d.ok());
    path = d->path();
    EXPECT_TRUE(Env::Default()->FileExists(path));
    ASSERT_TRUE(Env::Default()->CreateDirs(d->Join("x/y")).ok());
    WriteUnsynced(Env::Default(), d->Join("x/y/z"), AsBytes("z"));
    TempDir moved = std::move(*d);
    EXPECT_EQ(moved.path(), path);
  }
  EXPECT_FALSE(Env::Default()->FileExists(path));
  EXPECT_EQ(TempDir::Create("a/b").status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace cairn
