// The encoder's lending path (InputStream::Borrow): the same shards as the copying path whatever the threads and the
// loan sizes (loans shorter than a chunk are gathered into units), loans released once sealed, and a lend failure in
// the middle of a stream returned with only whole segments committed.
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <string>
#include <vector>

#include "encoder.h"
#include "lend_test_util.h"

namespace cairn::client {
namespace {

constexpr std::uint64_t kSegment = 5000;
constexpr std::uint32_t kUnit = 256;  // chunks of 240 plaintext bytes

Bytes Noise(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  Bytes out(n);
  for (std::uint8_t& x : out) x = static_cast<std::uint8_t>(rng() >> 24);
  return out;
}

EncodeOptions SmallCode(int threads, std::size_t batch) {
  EncodeOptions o;
  o.params = {4, 2, kSegment, kUnit};
  o.threads = threads;
  o.stripes_per_batch = batch;
  return o;
}

StreamHeader FixedHeader() {
  StreamHeader h;
  h.chunk_size = kUnit - kAeadTagSize;
  h.nonce.fill(0x33);
  return h;
}

// Lends copies of `data` at most `max_lend` bytes at a time, each in its own buffer that its keep poisons and frees
// when dropped (so a view read after its release gives other shards); fails every Borrow once `fail_after` bytes
// are lent. Counts the loans alive. Read is refused: a lending input must only be borrowed from.
class LendingInput : public InputStream {
 public:
  LendingInput(ByteSpan data, std::size_t max_lend, std::size_t fail_after = SIZE_MAX)
      : data_(data), max_lend_(max_lend), fail_after_(fail_after) {}

  Result<std::size_t> Read(MutableByteSpan) override { return Status::Internal("Read on a lending input"); }
  bool CanLend() const override { return true; }
  Result<Loan> Borrow(std::size_t max) override {
    if (pos_ >= fail_after_) return Status::IOError("injected lend failure");
    std::size_t n = std::min({max, max_lend_, data_.size() - pos_, fail_after_ - pos_});
    auto copy = std::make_shared<Copy>(data_.subspan(pos_, n), live_);
    pos_ += n;
    ByteSpan view = copy->bytes;
    return Loan{view, std::move(copy)};
  }

  int live() const { return live_.load(); }

 private:
  struct Copy {
    Copy(ByteSpan b, std::atomic<int>& live) : bytes(b.begin(), b.end()), live(live) { ++live; }
    ~Copy() {
      std::fill(bytes.begin(), bytes.end(), 0xEE);
      --live;
    }
    Bytes bytes;
    std::atomic<int>& live;
  };

  ByteSpan data_;
  std::size_t max_lend_;
  std::size_t fail_after_;
  std::size_t pos_ = 0;
  std::atomic<int> live_{0};
};

const Bytes kKey(kAeadKeySize, 0x21);

TEST(EncoderLendTest, LentInputGivesTheCopiedShardsWhateverTheLoanSizes) {
  // Loans: whole stream, several chunks, one chunk, one byte short of a chunk, shorter, a byte at a time.
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{959}, std::size_t{960}, 4 * kSegment + 321}) {
    Bytes data = Noise(size, 51);
    for (int threads : {1, 2, 3}) {
      MemoryShards copied_shards;
      ReadOnlyInput copied(data, 1000);
      auto want = EncodeFileWithHeader(copied, kKey, FixedHeader(), SmallCode(threads, 2), copied_shards);
      ASSERT_TRUE(want.ok()) << want.status().ToString();
      for (std::size_t max_lend :
           {SIZE_MAX, std::size_t{1000}, std::size_t{240}, std::size_t{239}, std::size_t{100}, std::size_t{1}}) {
        SCOPED_TRACE("size=" + std::to_string(size) + " threads=" + std::to_string(threads) +
                     " max_lend=" + std::to_string(max_lend) + " seed=51");
        MemoryShards shards;
        LendingInput in(data, max_lend);
        auto got = EncodeFileWithHeader(in, kKey, FixedHeader(), SmallCode(threads, 2), shards);
        ASSERT_TRUE(got.ok()) << got.status().ToString();
        EXPECT_TRUE(SameShards(*want, copied_shards, *got, shards));
        EXPECT_EQ(in.live(), 0) << "a loan outlived the encode";
      }
    }
  }
}

TEST(EncoderLendTest, LendFailureMidwayIsReturnedAndNothingAfterItIsCommitted) {
  Bytes data = Noise(6 * kSegment, 52);
  for (std::size_t fail_after : {std::size_t{0}, std::size_t{100}, 2 * kSegment + 17, 3 * kSegment}) {
    for (int threads : {1, 2, 3}) {
      SCOPED_TRACE("fail_after=" + std::to_string(fail_after) + " threads=" + std::to_string(threads) + " seed=52");
      MemoryShards shards;
      std::vector<std::uint32_t> done;
      EncodeOptions o = SmallCode(threads, 1);
      o.segment_done = [&](std::uint32_t seg, const SegmentCoding&) {
        done.push_back(seg);
        return Status::Ok();
      };
      LendingInput in(data, 700, fail_after);
      auto r = EncodeFileWithHeader(in, kKey, FixedHeader(), o, shards);
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.status().code(), Code::kIOError);
      EXPECT_EQ(r.status().message(), "injected lend failure");
      // Only segments read whole, and known not to be the last, before the failure may be committed.
      std::vector<std::uint32_t> whole;
      for (std::uint32_t s = 0; (s + 1) * kSegment <= fail_after; ++s) whole.push_back(s);
      EXPECT_EQ(done, whole);
      EXPECT_EQ(in.live(), 0) << "a loan outlived the failed encode";
    }
  }
}

}  // namespace
}  // namespace cairn::client
