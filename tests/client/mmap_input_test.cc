// MmapInput: the bytes of files around the window size, by Borrow and by Read; loans that outlive their window's
// turn (and the input); read() for pipes; a file that shrinks while read gives kIOError; and the encoder fed from a
// mapped file or a pipe stores the same shards as from memory.
#include "mmap_input.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <random>
#include <string>
#include <thread>

#include "cairn/core/temp_dir.h"
#include "encoder.h"
#include "lend_test_util.h"

namespace cairn::client {
namespace {

Bytes Noise(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  Bytes out(n);
  for (std::uint8_t& x : out) x = static_cast<std::uint8_t>(rng() >> 16);
  return out;
}

class MmapInputTest : public testing::Test {
 protected:
  void SetUp() override {
    auto d = TempDir::Create("mmap-input");
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    dir_ = std::make_unique<TempDir>(std::move(*d));
    window_ = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  }

  std::string WriteFile(const Bytes& data) {
    std::string name = std::to_string(files_++);  // GCC 12 warns (-Wrestrict) on "f" + std::to_string(...)
    std::string path = dir_->Join(name);
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(::write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
    EXPECT_EQ(::close(fd), 0);
    return path;
  }

  std::unique_ptr<TempDir> dir_;
  std::size_t window_ = 0;  // one page
  int files_ = 0;
};

TEST_F(MmapInputTest, LendsAndReadsEveryByteAroundTheWindowSize) {
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, window_ - 1, window_, window_ + 1, 3 * window_ + 5}) {
    SCOPED_TRACE("size=" + std::to_string(size) + " seed=61");
    Bytes data = Noise(size, 61);
    std::string path = WriteFile(data);

    auto lent = MmapInput::Open(path, window_);
    ASSERT_TRUE(lent.ok()) << lent.status().ToString();
    ASSERT_TRUE((*lent)->CanLend());
    Bytes got;
    for (;;) {
      auto loan = (*lent)->Borrow(SIZE_MAX);
      ASSERT_TRUE(loan.ok()) << loan.status().ToString();
      if (loan->bytes.empty()) break;
      // Never across a window's end.
      EXPECT_LE(got.size() % window_ + loan->bytes.size(), window_);
      Append(got, loan->bytes);
    }
    EXPECT_EQ(got, data);

    auto read = MmapInput::Open(path, window_);
    ASSERT_TRUE(read.ok());
    Bytes buf(1000), back;
    for (;;) {
      auto n = (*read)->Read(buf);
      ASSERT_TRUE(n.ok()) << n.status().ToString();
      if (*n == 0) break;
      back.insert(back.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
    }
    EXPECT_EQ(back, data);
  }
}

TEST_F(MmapInputTest, WindowsStayMappedOnlyWhileLent) {
  Bytes data = Noise(3 * window_, 62);
  std::string path = WriteFile(data);
  auto in = MmapInput::Open(path, window_);
  ASSERT_TRUE(in.ok());
  auto first = (*in)->Borrow(SIZE_MAX);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->bytes.size(), window_);
  std::weak_ptr<const void> first_window = first->keep;
  auto second = (*in)->Borrow(SIZE_MAX);
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(first_window.expired()) << "a lent window was unmapped";
  EXPECT_TRUE(std::equal(first->bytes.begin(), first->bytes.end(), data.begin()));
  first->keep.reset();
  EXPECT_TRUE(first_window.expired()) << "a window the input moved past stayed mapped";
  std::weak_ptr<const void> second_window = second->keep;
  auto third = (*in)->Borrow(SIZE_MAX);
  ASSERT_TRUE(third.ok());
  std::weak_ptr<const void> third_window = third->keep;
  third->keep.reset();
  auto end = (*in)->Borrow(SIZE_MAX);
  ASSERT_TRUE(end.ok());
  EXPECT_TRUE(end->bytes.empty());
  EXPECT_TRUE(third_window.expired()) << "the last window stayed mapped at the end";
  in->reset();  // the loan outlives the input
  EXPECT_FALSE(second_window.expired());
  EXPECT_TRUE(std::equal(second->bytes.begin(), second->bytes.end(), data.begin() + static_cast<long>(window_)));
}

TEST_F(MmapInputTest, PipeFallsBackToRead) {
  Bytes data = Noise(300000, 63);  // more than a pipe holds
  ASSERT_NE(std::signal(SIGPIPE, SIG_IGN), SIG_ERR);
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::thread writer([&] {
    std::size_t off = 0;
    while (off < data.size()) {
      ssize_t n = ::write(fds[1], data.data() + off, data.size() - off);
      if (n <= 0) break;
      off += static_cast<std::size_t>(n);
    }
    ::close(fds[1]);
  });
  auto in = MmapInput::FromFd(fds[0]);
  ASSERT_TRUE(in.ok());
  EXPECT_FALSE((*in)->CanLend());
  EXPECT_EQ((*in)->Borrow(10).status().code(), Code::kFailedPrecondition);
  // The encoder reads it through the copying path: same shards as from memory.
  EncodeOptions o;
  o.params = {4, 2, 100000, 4096};
  o.threads = 2;
  EXPECT_TRUE(EncodesLikeMemory(**in, data, o));
  // Closing the read end unblocks the writer if the encode stopped early (its write then fails with EPIPE).
  in->reset();
  writer.join();
}

TEST_F(MmapInputTest, EncodesTheSameShardsAsMemory) {
  Bytes data = Noise(7 * window_ + 123, 64);
  std::string path = WriteFile(data);
  for (int threads : {1, 2, 3}) {
    SCOPED_TRACE("threads=" + std::to_string(threads) + " seed=64");
    EncodeOptions o;
    o.params = {4, 2, 3 * window_, 1024};  // chunks straddle every window's end
    o.threads = threads;
    auto in = MmapInput::Open(path, window_);
    ASSERT_TRUE(in.ok());
    EXPECT_TRUE(EncodesLikeMemory(**in, data, o));
  }
}

TEST_F(MmapInputTest, FileThatShrinksWhileReadIsAnError) {
  Bytes data = Noise(3 * window_ + 10, 65);
  {
    // Shrunk inside the mapped window, below bytes not lent yet.
    std::string path = WriteFile(data);
    auto in = MmapInput::Open(path, window_);
    ASSERT_TRUE(in.ok());
    auto loan = (*in)->Borrow(100);
    ASSERT_TRUE(loan.ok());
    loan->keep.reset();
    ASSERT_EQ(::truncate(path.c_str(), 50), 0);
    auto r = (*in)->Borrow(100);
    EXPECT_EQ(r.status().code(), Code::kIOError);
    Bytes buf(10);
    EXPECT_EQ((*in)->Read(buf).status().code(), Code::kIOError) << "the error must stick";
  }
  {
    // Shrunk before the next window, while the lent window is still held (its pages stay in the file).
    std::string path = WriteFile(data);
    auto in = MmapInput::Open(path, window_);
    ASSERT_TRUE(in.ok());
    auto loan = (*in)->Borrow(SIZE_MAX);
    ASSERT_TRUE(loan.ok());
    ASSERT_EQ(::truncate(path.c_str(), static_cast<off_t>(window_ + 100)), 0);
    EXPECT_EQ((*in)->Borrow(SIZE_MAX).status().code(), Code::kIOError);
    EXPECT_TRUE(std::equal(loan->bytes.begin(), loan->bytes.end(), data.begin()));
  }
  {
    // Shrunk between open and the first read.
    std::string path = WriteFile(data);
    auto in = MmapInput::Open(path, window_);
    ASSERT_TRUE(in.ok());
    ASSERT_EQ(::truncate(path.c_str(), 0), 0);
    Bytes buf(10);
    EXPECT_EQ((*in)->Read(buf).status().code(), Code::kIOError);
  }
}

// Forwards to an MmapInput and, after `after` loans, truncates the file to the bytes lent so far (whole windows, so
// no lent page leaves the file).
class TruncatingInput : public InputStream {
 public:
  TruncatingInput(MmapInput& in, std::string path, int after) : in_(in), path_(std::move(path)), after_(after) {}
  Result<std::size_t> Read(MutableByteSpan out) override { return in_.Read(out); }
  bool CanLend() const override { return true; }
  Result<Loan> Borrow(std::size_t max) override {
    if (loans_++ == after_ && ::truncate(path_.c_str(), static_cast<off_t>(lent_)) != 0) {
      return Status::FromErrno("truncate", errno);
    }
    CAIRN_ASSIGN_OR_RETURN(Loan loan, in_.Borrow(max));
    lent_ += loan.bytes.size();
    return loan;
  }

 private:
  MmapInput& in_;
  std::string path_;
  int after_;
  int loans_ = 0;
  std::uint64_t lent_ = 0;
};

TEST_F(MmapInputTest, EncodingAFileTruncatedMidwayFails) {
  Bytes data = Noise(10 * window_, 66);
  for (int threads : {1, 2, 3}) {
    SCOPED_TRACE("threads=" + std::to_string(threads) + " seed=66");
    std::string path = WriteFile(data);
    auto in = MmapInput::Open(path, window_);
    ASSERT_TRUE(in.ok());
    TruncatingInput truncating(**in, path, 4);
    EncodeOptions o;
    o.params = {4, 2, 100 * window_, 1024};
    o.threads = threads;
    StreamHeader h;
    h.chunk_size = 1024 - kAeadTagSize;
    MemoryShards shards;
    auto r = EncodeFileWithHeader(truncating, Bytes(kAeadKeySize, 7), h, o, shards);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Code::kIOError);
    EXPECT_NE(r.status().message().find("shrank"), std::string::npos) << r.status().ToString();
  }
}

}  // namespace
}  // namespace cairn::client
