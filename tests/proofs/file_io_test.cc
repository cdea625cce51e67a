#include "file_io.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "node_buffer.h"
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

TEST(WriteFilePiecesTest, WritesHeadAndPiecesWhateverTheirAlignment) {
  // Page-aligned buffers (direct I/O for their whole 4 KiB blocks, page cache for the tail), a piece after an odd
  // head (page cache only), and empty pieces.
  TestDir dir;
  auto aligned = NodeBuffer::Allocate(3 * 4096 + 100);
  ASSERT_TRUE(aligned.ok());
  const Bytes fill = RandomBytes(6, aligned->size());
  std::copy(fill.begin(), fill.end(), aligned->data());
  const Bytes small = RandomBytes(7, 5000);
  struct Case {
    Bytes head;
    std::vector<ByteSpan> pieces;
  };
  const Case cases[] = {
      {{}, {aligned->span()}},
      {{}, {aligned->span().first(8192), aligned->span().subspan(8192)}},
      {RandomBytes(8, 16), {aligned->span(), small}},
      {{}, {ByteSpan(), small, ByteSpan()}},
      {{}, {}},
  };
  int i = 0;
  for (const Case& c : cases) {
    std::string name = "f";  // built with += (gcc 12 warns falsely, -Wrestrict, on "literal" + std::string)
    name += std::to_string(i++);
    SCOPED_TRACE(name);
    const auto path = dir / name;
    ASSERT_TRUE(WriteFilePieces(path, c.head, c.pieces, i % 2 == 0).ok());
    Bytes want = c.head;
    for (ByteSpan p : c.pieces) want.insert(want.end(), p.begin(), p.end());
    EXPECT_EQ(ReadFile(path), want);
    EXPECT_FALSE(std::filesystem::exists(path.string() + ".tmp"));
  }
  EXPECT_FALSE(WriteFilePieces(dir / "no-such-dir" / "f", {}, {}, true).ok());
}

TEST(WriteFilePiecesTest, WritesOnTmpfs) {
  // tmpfs refuses O_DIRECT before Linux 6.6 (EINVAL at open: the page-cache fallback) and accepts it since: the same
  // bytes must arrive either way.
  const std::filesystem::path shm = "/dev/shm";
  if (!std::filesystem::is_directory(shm)) GTEST_SKIP() << "no /dev/shm";
  const auto path = shm / ("cairn-proofs-direct-" + std::to_string(::getpid()));
  auto buf = NodeBuffer::Allocate(2 * 4096 + 64);
  ASSERT_TRUE(buf.ok());
  const Bytes fill = RandomBytes(12, buf->size());
  std::copy(fill.begin(), fill.end(), buf->data());
  const ByteSpan pieces[] = {buf->span()};
  ASSERT_TRUE(WriteFilePieces(path, {}, pieces, true).ok());
  EXPECT_EQ(ReadFile(path), fill);
  std::filesystem::remove(path);
}

TEST(FileTest, UnnamedFileLeavesNoNameAndReadsBack) {
  TestDir dir;
  const Bytes data = RandomBytes(9, 5000);
  {
    auto f = File::CreateUnnamed(dir.path());
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    ASSERT_TRUE(f->WriteAt(100, data).ok());
    Bytes back(data.size());
    ASSERT_TRUE(f->ReadAt(100, back).ok());
    EXPECT_EQ(back, data);
    EXPECT_EQ(*f->Size(), 100 + data.size());
    EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
  EXPECT_FALSE(File::CreateUnnamed(dir / "missing").ok());
}

TEST(StagedFileTest, ReaderSeesAppendsBeforeAndAfterCommit) {
  TestDir dir;
  const Bytes a = RandomBytes(3, 4096), b = RandomBytes(4, 100);
  auto f = StagedFile::Create(dir / "layer");
  ASSERT_TRUE(f.ok());
  auto reader = f->OpenReader();
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE(f->Append(a).ok());
  Bytes got(a.size());
  ASSERT_TRUE(reader->ReadAt(0, got).ok());
  EXPECT_EQ(got, a);
  ASSERT_TRUE(f->Append(b).ok());
  ASSERT_TRUE(f->Commit().ok());  // renamed: the reader still reads the same file
  Bytes tail(b.size());
  ASSERT_TRUE(reader->ReadAt(a.size(), tail).ok());
  EXPECT_EQ(tail, b);
  EXPECT_EQ(*reader->Size(), a.size() + b.size());
}

}  // namespace
}  // namespace cairn::proofs
