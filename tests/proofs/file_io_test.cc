#include "file_io.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "proofs/proofs_test_util.h"

namespace cairn::proofs {
namespace {

using testing::RandomBytes;
using testing::ReadFile;
using testing::TestDir;

TEST(StagedFileTest, AppearsWholeOnlyAtCommit) {
  TestDir dir;
  const auto path = dir / "layer";
  const Bytes a = RandomBytes(1, 100000), b = RandomBytes(2, 3);
  auto f = StagedFile::Create(path);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  ASSERT_TRUE(f->Append(a).ok());
  ASSERT_TRUE(f->Append(ByteSpan()).ok());
  ASSERT_TRUE(f->Append(b).ok());
  EXPECT_EQ(f->size(), a.size() + b.size());
  EXPECT_FALSE(std::filesystem::exists(path));
  ASSERT_TRUE(f->Commit().ok());
  Bytes want = a;
  want.insert(want.end(), b.begin(), b.end());
  EXPECT_EQ(ReadFile(path), want);
  EXPECT_FALSE(std::filesystem::exists(dir / "layer.tmp"));
}

TEST(StagedFileTest, ReplacesAnOldFileAndALeftoverTemporary) {
  TestDir dir;
  const auto path = dir / "f";
  testing::WriteFile(path, RandomBytes(3, 50));
  testing::WriteFile(dir / "f.tmp", RandomBytes(4, 5000));  // a crash's leftover
  auto f = StagedFile::Create(path);
  ASSERT_TRUE(f.ok());
  const Bytes data = RandomBytes(5, 10);
  ASSERT_TRUE(f->Append(data).ok());
  ASSERT_TRUE(f->Commit().ok());
  EXPECT_EQ(ReadFile(path), data);
}

TEST(StagedFileTest, MissingDirectoryIsAnError) {
  TestDir dir;
  EXPECT_FALSE(StagedFile::Create(dir / "no-such-dir" / "f").ok());
}

}  // namespace
}  // namespace cairn::proofs
