#include <gtest/gtest.h>
#include <stdlib.h>

#include "cairn/core/swarm.h"

namespace cairn {
namespace {

TEST(SwarmDiskIoEnvTest, ReadsMmapOrPosixAndRefusesAnythingElse) {
  constexpr const char* kVar = "CAIRN_TEST_DISK_IO_ENV";
  ASSERT_EQ(unsetenv(kVar), 0);
  auto unset = DiskIoFromEnv(kVar, SwarmOptions::DiskIo::kPosix);
  ASSERT_TRUE(unset.ok());
  EXPECT_EQ(*unset, SwarmOptions::DiskIo::kPosix);
  ASSERT_EQ(setenv(kVar, "mmap", 1), 0);
  auto mmap = DiskIoFromEnv(kVar, SwarmOptions::DiskIo::kPosix);
  ASSERT_TRUE(mmap.ok());
  EXPECT_EQ(*mmap, SwarmOptions::DiskIo::kMmap);
  ASSERT_EQ(setenv(kVar, "posix", 1), 0);
  auto posix = DiskIoFromEnv(kVar, SwarmOptions::DiskIo::kMmap);
  ASSERT_TRUE(posix.ok());
  EXPECT_EQ(*posix, SwarmOptions::DiskIo::kPosix);
  ASSERT_EQ(setenv(kVar, "Posix", 1), 0);
  EXPECT_EQ(DiskIoFromEnv(kVar, SwarmOptions::DiskIo::kMmap).status().code(), Code::kInvalidArgument);
  ASSERT_EQ(unsetenv(kVar), 0);
}

}  // namespace
}  // namespace cairn
