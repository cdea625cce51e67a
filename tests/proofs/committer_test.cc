#include "committer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "node_buffer.h"
#include "proofs/proofs_test_util.h"

namespace cairn::proofs {
namespace {

using testing::RandomBytes;
using testing::ReadFile;
using testing::TestDir;

// prefix + i, built with += (gcc 12 warns falsely, -Wrestrict, on "literal" + std::string).
std::string Name(const char* prefix, int i) {
  std::string s = prefix;
  s += std::to_string(i);
  return s;
}

CommitJob Job(const std::filesystem::path& file, const Bytes& data, const std::filesystem::path& record,
              const Bytes& record_bytes) {
  CommitJob job;
  auto f = StagedFile::Create(file);
  EXPECT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_TRUE(f->Append(data).ok());
  job.files.push_back(std::move(*f));
  job.records.emplace_back(record, record_bytes);
  return job;
}

TEST(CommitterTest, RunsJobsInOrderInlineAndInBackground) {
  for (bool background : {false, true}) {
    SCOPED_TRACE(background ? "background" : "inline");
    TestDir dir;
    Committer c(background);
    EXPECT_EQ(c.background(), background);
    for (int i = 0; i < 5; ++i) {
      // Every job rewrites the same record: after Drain it must hold the last job's bytes.
      ASSERT_TRUE(
          c.Submit(Job(dir / Name("f", i), RandomBytes(i, 1000 + i), dir / "state", RandomBytes(100 + i, 40))).ok());
    }
    ASSERT_TRUE(c.Drain().ok());
    for (int i = 0; i < 5; ++i) EXPECT_EQ(ReadFile(dir / Name("f", i)), RandomBytes(i, 1000 + i));
    EXPECT_EQ(ReadFile(dir / "state"), RandomBytes(104, 40));
  }
}

TEST(CommitterTest, AFailedJobDropsTheLaterOnesAndIsReported) {
  for (bool background : {false, true}) {
    SCOPED_TRACE(background ? "background" : "inline");
    TestDir dir;
    std::filesystem::create_directories(dir / "gone");
    Committer c(background);
    CommitJob bad = Job(dir / "gone" / "f", RandomBytes(1, 10), dir / "state1", RandomBytes(2, 10));
    std::filesystem::remove_all(dir / "gone");  // the rename into it fails
    const Status first = c.Submit(std::move(bad));
    EXPECT_EQ(first.ok(), background);  // inline reports at once
    // A later job must not run: its record would claim progress past the failed one.
    (void)c.Submit(Job(dir / "g", RandomBytes(3, 10), dir / "state2", RandomBytes(4, 10)));
    EXPECT_FALSE(c.Drain().ok());
    EXPECT_FALSE(c.Submit(CommitJob()).ok());
    EXPECT_FALSE(std::filesystem::exists(dir / "state1"));
    EXPECT_FALSE(std::filesystem::exists(dir / "state2"));
    EXPECT_FALSE(std::filesystem::exists(dir / "g"));
  }
}

TEST(CommitterTest, DestroyingWithQueuedJobsIsSafe) {
  TestDir dir;
  {
    Committer c(true);
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(c.Submit(Job(dir / Name("f", i), RandomBytes(i, 100), dir / "s", {})).ok());
    }
  }  // joins; jobs not started are dropped
  SUCCEED();
}

TEST(CommitterTest, WaitForReturnsOnceTheNumberedJobsRan) {
  TestDir dir;
  Committer c(true);
  EXPECT_EQ(c.submitted(), 0u);
  ASSERT_TRUE(c.WaitFor(0).ok());
  auto buf = NodeBuffer::Allocate(1 << 20);
  ASSERT_TRUE(buf.ok());
  const Bytes data = RandomBytes(9, buf->size());
  std::copy(data.begin(), data.end(), buf->data());
  CommitJob job;
  job.writes.push_back({dir / "layer", {}, {buf->span()}});
  job.records.emplace_back(dir / "state", RandomBytes(10, 8));
  ASSERT_TRUE(c.Submit(std::move(job)).ok());
  EXPECT_EQ(c.submitted(), 1u);
  ASSERT_TRUE(c.Submit(Job(dir / "later", RandomBytes(11, 10), dir / "state2", {})).ok());
  ASSERT_TRUE(c.WaitFor(1).ok());
  // Job 1 has run: its file and record are durable and the buffer may be reused.
  EXPECT_EQ(ReadFile(dir / "layer"), data);
  EXPECT_EQ(ReadFile(dir / "state"), RandomBytes(10, 8));
  std::fill(buf->data(), buf->data() + buf->size(), 0);
  ASSERT_TRUE(c.Drain().ok());
  EXPECT_EQ(ReadFile(dir / "layer"), data);
  EXPECT_TRUE(std::filesystem::exists(dir / "later"));
}

}  // namespace
}  // namespace cairn::proofs
