#include "cairn/core/secret_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "secret_test_dir.h"

namespace cairn {
namespace {

class SecretFileTest : public TempDirTest {};

TEST_F(SecretFileTest, WritesOwnerOnlyAndReadsBack) {
  const std::string path = Path("secret");
  Bytes data = {1, 2, 3, 4, 5};
  ASSERT_TRUE(WriteSecretFile(path, data).ok());
  EXPECT_EQ(Mode(path), 0600u);
  auto back = ReadSecretFile(path);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(ToBytes(back->span()), data);
  // Only the file itself is left behind: no temporary files.
  int entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_)) entries += e.path() == path ? 1 : 100;
  EXPECT_EQ(entries, 1);
}

TEST_F(SecretFileTest, NeverReplacesAnExistingFile) {
  const std::string path = Path("secret");
  ASSERT_TRUE(WriteSecretFile(path, Bytes{1}).ok());
  EXPECT_EQ(WriteSecretFile(path, Bytes{2}).code(), Code::kAlreadyExists);
  auto back = ReadSecretFile(path);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(ToBytes(back->span()), Bytes{1});
}

TEST_F(SecretFileTest, RefusesGroupOrOtherAccess) {
  const std::string path = Path("secret");
  ASSERT_TRUE(WriteSecretFile(path, Bytes{7}).ok());
  for (mode_t mode : {0644, 0640, 0604, 0610, 0601}) {
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
    auto r = ReadSecretFile(path);
    ASSERT_FALSE(r.ok()) << std::oct << mode;
    EXPECT_EQ(r.status().code(), Code::kFailedPrecondition);
    EXPECT_NE(r.status().message().find("chmod 600"), std::string::npos) << r.status().message();
  }
  ASSERT_EQ(::chmod(path.c_str(), 0400), 0);
  EXPECT_TRUE(ReadSecretFile(path).ok());
}

TEST_F(SecretFileTest, EnforcesSizeLimitsAndFileType) {
  const std::string path = Path("secret");
  ASSERT_TRUE(WriteSecretFile(path, Bytes(100, 9)).ok());
  EXPECT_EQ(ReadSecretFile(path, 99).status().code(), Code::kCorruption);
  EXPECT_TRUE(ReadSecretFile(path, 100).ok());
  EXPECT_EQ(WriteSecretFile(Path("big"), Bytes(kMaxSecretFileSize + 1)).code(), Code::kInvalidArgument);
  EXPECT_EQ(ReadSecretFile(Path("missing")).status().code(), Code::kNotFound);
  ASSERT_EQ(::chmod(dir_.c_str(), 0700), 0);
  EXPECT_EQ(ReadSecretFile(dir_).status().code(), Code::kFailedPrecondition);
  EXPECT_FALSE(WriteSecretFile(Path("no/such/dir/secret"), Bytes{1}).ok());
}

TEST(SecretBytesTest, MovesAndClones) {
  SecretBytes a(4);
  a.mutable_span()[0] = 42;
  SecretBytes b = a.Clone();
  SecretBytes c = std::move(a);
  EXPECT_EQ(a.size(), 0u);  // NOLINT(bugprone-use-after-move): a moved-from SecretBytes is empty by contract
  EXPECT_EQ(c.span()[0], 42);
  EXPECT_EQ(b.span()[0], 42);
  EXPECT_EQ(b.size(), 4u);
}

}  // namespace
}  // namespace cairn
