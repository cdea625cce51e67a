// The encoder's pipeline: shard bytes frozen by golden digests whatever the threads, batch size and read sizes; the
// order and thread of the sink and callback calls; errors and cancellation in the middle of a multi-threaded encode.
#include "encoder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cairn/core/hex.h"
#include "cairn/core/sha256.h"
#include "memory_shards.h"

namespace cairn::client {
namespace {

Bytes RandomData(std::size_t n, std::uint32_t seed) {
  std::mt19937_64 rng(seed);
  Bytes b(n);
  for (auto& x : b) x = static_cast<std::uint8_t>(rng());
  return b;
}

Bytes Key() { return Bytes(kAeadKeySize, 0x5a); }

StreamHeader Header(std::uint32_t unit) {
  StreamHeader h;
  h.chunk_size = unit - kAeadTagSize;
  for (std::size_t i = 0; i < h.nonce.size(); ++i) h.nonce[i] = static_cast<std::uint8_t>(i * 7 + 1);
  return h;
}

EncodeOptions Options(int k, int m, std::uint64_t segment, std::uint32_t unit, int threads, std::size_t batch) {
  EncodeOptions o;
  o.params = {k, m, segment, unit};
  o.threads = threads;
  o.stripes_per_batch = batch;
  return o;
}

// SHA-256 over every shard's bytes (segment by segment, shard by shard), then every comm_d and segment size.
std::string Digest(const FileCoding& c, MemoryShards& shards) {
  Bytes all;
  for (std::uint32_t s = 0; s < c.segments.size(); ++s) {
    for (int j = 0; j < c.k + c.m; ++j) {
      Bytes* shard = shards.Find(s, j);
      if (shard == nullptr) return "missing shard";
      Append(all, *shard);
    }
    for (const Hash32& h : c.segments[s].comm_d) Append(all, h);
    AppendBE64(all, c.segments[s].plaintext_size);
  }
  return ToHex(Sha256Digest(all));
}

struct GoldenCase {
  int k;
  int m;
  std::uint64_t segment;
  std::uint32_t unit;
  std::size_t size;
  const char* digest;
};

// Computed once from the encoder as first written (the one with a barrier per round of stripes); any change here is
// a change of the stored format.
const GoldenCase kGolden[] = {
    {4, 2, 5000, 256, 0, "864872e6e12e56647403ca2e89e39bdc2b89cf58da0fffe337e6773b7408bc48"},
    {4, 2, 5000, 256, 1, "30b58383df0dab9dad404991f955a90bea7a5489ec454f121898c0edec448e51"},
    {4, 2, 5000, 256, 959, "ad8bb89983fedc19195c153194164da10b745da763fa1435f7e131a7aa9952c9"},
    {4, 2, 5000, 256, 960, "de9f51b3654e00e1229ec0b3ea38bf37b0f347c6263bc3f4e33eaca33ecdf418"},
    {4, 2, 5000, 256, 5000, "5fb88b2472cdbc3818e25e2eb3232e4049dd2a9e9856d1d1238982fc358689d8"},
    {4, 2, 5000, 256, 23456, "d01a5cdc0fd76a9365babc1f83e8ad6a9163bab808f9a1930722a5e5a36eed1c"},
    {10, 4, 1 << 20, 65536, (5 << 19) + 77, "4735717904da43a7870690b04e07b420a1adba43e9938a9386eaa84f0342a525"},
    {3, 0, 4096, 128, 9000, "54c0a567b994424b75ea6b0bda80a1d3e61e81df6bb7f9c8752aa94208a61271"},
    {29, 51, 100000, 1024, 250000, "6530e05ce6382bca37a6df1c09d4bee15de78653b22f76965435a5836811081b"},
};

TEST(EncoderTest, GoldenDigestsWhateverThreadsBatchesAndReads) {
  for (const GoldenCase& g : kGolden) {
    Bytes data = RandomData(g.size, 41);
    for (int threads : {1, 2, 3}) {
      for (std::size_t batch : {1, 2, 5}) {
        for (std::size_t max_read : {SIZE_MAX, std::size_t{1000}}) {
          SCOPED_TRACE("k=" + std::to_string(g.k) + " m=" + std::to_string(g.m) + " size=" + std::to_string(g.size) +
                       " threads=" + std::to_string(threads) + " batch=" + std::to_string(batch) +
                       " max_read=" + std::to_string(max_read) + " seed=41");
          MemoryShards shards;
          MemoryInput in(data, max_read);
          auto r = EncodeFileWithHeader(in, Key(), Header(g.unit), Options(g.k, g.m, g.segment, g.unit, threads, batch),
                                        shards);
          ASSERT_TRUE(r.ok()) << r.status().ToString();
          EXPECT_EQ(r->size, g.size);
          EXPECT_EQ(Digest(*r, shards), g.digest);
        }
      }
    }
  }
}

// "A0.3": an event, a segment and a shard (or size). Built by appending (GCC 12 warns on a chain of operator+).
std::string Event(char what, std::uint64_t a, std::uint64_t b) {
  std::string e(1, what);
  e += std::to_string(a);
  e += '.';
  e += std::to_string(b);
  return e;
}

// Records every sink call (and the thread it came on), and fails the `fail_at`th call (0-based) when set.
class RecordingSink : public ShardSink {
 public:
  explicit RecordingSink(std::size_t fail_at = SIZE_MAX) : fail_at_(fail_at) {}

  class Writer : public ShardWriter {
   public:
    Writer(RecordingSink& sink, std::uint32_t seg, int shard, std::unique_ptr<ShardWriter> inner)
        : sink_(sink), seg_(seg), shard_(shard), inner_(std::move(inner)) {}
    Status Append(ByteSpan data) override {
      CAIRN_RETURN_IF_ERROR(sink_.Record('A', seg_, shard_));
      return inner_->Append(data);
    }
    Status Commit() override {
      CAIRN_RETURN_IF_ERROR(sink_.Record('M', seg_, shard_));
      return inner_->Commit();
    }

   private:
    RecordingSink& sink_;
    std::uint32_t seg_;
    int shard_;
    std::unique_ptr<ShardWriter> inner_;
  };

  Result<std::unique_ptr<ShardWriter>> Create(std::uint32_t segment, int shard) override {
    CAIRN_RETURN_IF_ERROR(Record('C', segment, shard));
    CAIRN_ASSIGN_OR_RETURN(auto inner, shards.Create(segment, shard));
    return std::unique_ptr<ShardWriter>(new Writer(*this, segment, shard, std::move(inner)));
  }

  Status Record(char what, std::uint32_t seg, int shard) {
    if (std::this_thread::get_id() != owner) ++foreign_calls;
    if (calls++ == fail_at_) return Status::IOError("injected sink failure");
    if (calls > fail_at_) ++calls_after_failure;
    events.push_back(Event(what, seg, static_cast<std::uint64_t>(shard)));
    return Status::Ok();
  }

  MemoryShards shards;
  std::thread::id owner = std::this_thread::get_id();
  std::vector<std::string> events;
  std::size_t calls = 0;
  std::size_t calls_after_failure = 0;
  int foreign_calls = 0;

 private:
  std::size_t fail_at_;
};

// Fails with kIOError once `fail_after` bytes have been read.
class FailingInput : public InputStream {
 public:
  FailingInput(ByteSpan data, std::size_t fail_after) : inner_(data, 777), left_(fail_after) {}
  Result<std::size_t> Read(MutableByteSpan out) override {
    if (left_ == 0) return Status::IOError("injected read failure");
    CAIRN_ASSIGN_OR_RETURN(std::size_t n, inner_.Read(out.first(std::min(out.size(), left_))));
    left_ -= n;
    return n;
  }

 private:
  MemoryInput inner_;
  std::size_t left_;
};

constexpr std::uint64_t kSegment = 5000;
constexpr std::uint32_t kUnit = 256;
constexpr int kShards = 6;

TEST(EncoderTest, SinkAndCallbacksRunOnTheCallingThreadInOrder) {
  Bytes data = RandomData(4 * kSegment + 321, 42);
  for (int threads : {1, 2, 3}) {
    for (std::size_t batch : {1, 2}) {
      SCOPED_TRACE("threads=" + std::to_string(threads) + " batch=" + std::to_string(batch) + " seed=42");
      RecordingSink sink;
      std::vector<std::uint64_t> progress;
      int foreign_callbacks = 0;
      EncodeOptions o = Options(4, 2, kSegment, kUnit, threads, batch);
      o.progress = [&](std::uint64_t done) {
        if (std::this_thread::get_id() != sink.owner) ++foreign_callbacks;
        progress.push_back(done);
      };
      o.segment_done = [&](std::uint32_t seg, const SegmentCoding& sc) {
        if (std::this_thread::get_id() != sink.owner) ++foreign_callbacks;
        sink.events.push_back(Event('D', seg, sc.plaintext_size));
        return Status::Ok();
      };
      MemoryInput in(data, 999);
      auto r = EncodeFileWithHeader(in, Key(), Header(kUnit), o, sink);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      EXPECT_EQ(sink.foreign_calls, 0);
      EXPECT_EQ(foreign_callbacks, 0);
      // Per segment: its k+m shards created, appended to (5000 B = 21 chunks = 6 stripes), committed, reported.
      std::vector<std::string> want;
      for (std::uint32_t s = 0; s < 5; ++s) {
        std::uint64_t plain = s < 4 ? kSegment : 321;
        std::uint64_t stripes = GeometryFor(plain, 4, kUnit).stripes;
        for (int j = 0; j < kShards; ++j) want.push_back(Event('C', s, j));
        for (std::uint64_t t = 0; t < stripes; ++t) {
          for (int j = 0; j < kShards; ++j) want.push_back(Event('A', s, j));
        }
        for (int j = 0; j < kShards; ++j) want.push_back(Event('M', s, j));
        want.push_back(Event('D', s, plain));
      }
      EXPECT_EQ(sink.events, want);
      ASSERT_FALSE(progress.empty());
      EXPECT_TRUE(std::is_sorted(progress.begin(), progress.end()));
      EXPECT_EQ(progress.back(), data.size());
    }
  }
}

TEST(EncoderTest, SinkFailureMidwayStopsEveryThread) {
  Bytes data = RandomData(6 * kSegment, 43);
  // 0: the first Create; 40: an Append of segment 0; 50: segment 0's first Commit; 200: deep in a later segment.
  for (std::size_t fail_at : {0, 40, 50, 200}) {
    for (int threads : {1, 2, 3}) {
      SCOPED_TRACE("fail_at=" + std::to_string(fail_at) + " threads=" + std::to_string(threads) + " seed=43");
      RecordingSink sink(fail_at);
      MemoryInput in(data);
      auto r = EncodeFileWithHeader(in, Key(), Header(kUnit), Options(4, 2, kSegment, kUnit, threads, 2), sink);
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.status().code(), Code::kIOError);
      EXPECT_EQ(r.status().message(), "injected sink failure");
      EXPECT_EQ(sink.calls, fail_at + 1) << "the encoder went on calling the sink after it failed";
    }
  }
}

TEST(EncoderTest, ReadFailureMidwayIsReturnedAndNothingAfterItIsCommitted) {
  Bytes data = RandomData(6 * kSegment, 44);
  for (std::size_t fail_after : {std::size_t{0}, std::size_t{100}, 2 * kSegment + 17}) {
    for (int threads : {1, 2, 3}) {
      SCOPED_TRACE("fail_after=" + std::to_string(fail_after) + " threads=" + std::to_string(threads) + " seed=44");
      RecordingSink sink;
      std::vector<std::uint32_t> done;
      EncodeOptions o = Options(4, 2, kSegment, kUnit, threads, 1);
      o.segment_done = [&](std::uint32_t seg, const SegmentCoding&) {
        done.push_back(seg);
        return Status::Ok();
      };
      FailingInput in(data, fail_after);
      auto r = EncodeFileWithHeader(in, Key(), Header(kUnit), o, sink);
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.status().code(), Code::kIOError);
      EXPECT_EQ(r.status().message(), "injected read failure");
      // Only the segments read whole before the failure may be committed.
      std::vector<std::uint32_t> whole;
      for (std::uint32_t s = 0; (s + 1) * kSegment <= fail_after; ++s) whole.push_back(s);
      EXPECT_EQ(done, whole);
    }
  }
}

TEST(EncoderTest, SegmentDoneErrorStopsBeforeTheNextSegment) {
  Bytes data = RandomData(8 * kSegment, 45);
  for (int threads : {1, 2, 3}) {
    SCOPED_TRACE("threads=" + std::to_string(threads) + " seed=45");
    RecordingSink sink;
    EncodeOptions o = Options(4, 2, kSegment, kUnit, threads, 1);
    o.segment_done = [](std::uint32_t seg, const SegmentCoding&) {
      return seg == 1 ? Status::Unavailable("uploader gave up") : Status::Ok();
    };
    MemoryInput in(data);
    auto r = EncodeFileWithHeader(in, Key(), Header(kUnit), o, sink);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().message(), "uploader gave up");
    ASSERT_FALSE(sink.events.empty());
    EXPECT_EQ(sink.events.back(), "M1.5");
    EXPECT_EQ(sink.shards.count(), 2u * kShards);
  }
}

TEST(EncoderTest, CancelMidwayStopsWithCancelled) {
  Bytes data = RandomData(10 * kSegment, 46);
  for (int threads : {1, 2, 3}) {
    SCOPED_TRACE("threads=" + std::to_string(threads) + " seed=46");
    RecordingSink sink;
    std::atomic<bool> cancel{false};
    std::uint64_t last_progress = 0;
    EncodeOptions o = Options(4, 2, kSegment, kUnit, threads, 1);
    o.cancel = &cancel;
    o.progress = [&](std::uint64_t done) {
      last_progress = done;
      if (done >= 3 * kSegment) cancel = true;
    };
    MemoryInput in(data);
    auto r = EncodeFileWithHeader(in, Key(), Header(kUnit), o, sink);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Code::kCancelled);
    EXPECT_LT(last_progress, 4 * kSegment);
    EXPECT_LE(sink.shards.count(), 4u * kShards);
  }
}

TEST(EncoderTest, CancelAtASegmentsEndStopsOnlyIfMoreFollows) {
  // The file ends exactly at a segment boundary, so only a look-ahead tells that segment 1 is the last.
  Bytes data = RandomData(2 * kSegment, 47);
  for (int threads : {1, 2}) {
    for (std::uint32_t cancel_at : {0u, 1u}) {
      SCOPED_TRACE("threads=" + std::to_string(threads) + " cancel_at=" + std::to_string(cancel_at) + " seed=47");
      RecordingSink sink;
      std::atomic<bool> cancel{false};
      EncodeOptions o = Options(4, 2, kSegment, kUnit, threads, 2);
      o.cancel = &cancel;
      o.segment_done = [&](std::uint32_t seg, const SegmentCoding&) {
        if (seg == cancel_at) cancel = true;
        return Status::Ok();
      };
      MemoryInput in(data);
      auto r = EncodeFileWithHeader(in, Key(), Header(kUnit), o, sink);
      if (cancel_at == 1) {
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        EXPECT_EQ(r->segments.size(), 2u);
      } else {
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.status().code(), Code::kCancelled);
        EXPECT_EQ(sink.shards.count(), static_cast<std::size_t>(kShards)) << "segment 1 was started after the cancel";
      }
    }
  }
}

}  // namespace
}  // namespace cairn::client
