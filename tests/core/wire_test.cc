#include "cairn/core/wire.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include "wire_mutator.h"

namespace cairn::wire {
namespace {

Bytes B(std::string_view s) { return ToBytes(AsBytes(s)); }
std::string S(const Bytes& b) { return std::string(AsStringView(b)); }

Value SampleMessage() {
  Value::Dict inner;
  inner["x"] = std::int64_t{-1};
  inner["y"] = Value::Str("");
  Value::List list;
  list.push_back(std::int64_t{0});
  list.push_back(Value::Str("spam"));
  list.push_back(Value(Value::List{}));
  list.push_back(Value(Value::Dict{}));
  Value::Dict d;
  d["type"] = Value::Str("propose");
  d["max"] = std::numeric_limits<std::int64_t>::max();
  d["min"] = std::numeric_limits<std::int64_t>::min();
  d["bin"] = Value(Bytes{0x00, 0xff, 0x3a, 0x65});
  d["list"] = Value(std::move(list));
  d["inner"] = Value(std::move(inner));
  return Value(std::move(d));
}

std::string Golden() {
  return std::string("d3:bin4:") + std::string("\x00\xff:e", 4) +
         "5:innerd1:xi-1e1:y0:e4:listli0e4:spamledee3:maxi9223372036854775807e3:mini-9223372036854775808e"
         "4:type7:proposee";
}

Code DecodeCode(std::string_view s, const DecodeLimits& limits = {}) {
  return Decode(AsBytes(s), limits).status().code();
}

TEST(WireTest, EncodesGoldenBytes) { EXPECT_EQ(S(Encode(SampleMessage())), Golden()); }

TEST(WireTest, RoundTripsSampleMessage) {
  std::string golden = Golden();
  auto v = Decode(AsBytes(golden));
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(*v, SampleMessage());
  EXPECT_EQ(S(Encode(*v)), golden);
}

TEST(WireTest, RoundTripsScalars) {
  for (std::int64_t i : {std::int64_t{0}, std::int64_t{1}, std::int64_t{-1}, std::int64_t{10}, std::int64_t{-10},
                         std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::min()}) {
    Bytes enc = Encode(Value(i));
    auto back = Decode(enc);
    ASSERT_TRUE(back.ok()) << S(enc);
    ASSERT_TRUE(back->is_int());
    EXPECT_EQ(back->as_int(), i);
  }
  EXPECT_EQ(S(Encode(Value::Str(""))), "0:");
  auto empty = Decode(AsBytes(std::string_view("0:")));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->is_bytes());
  EXPECT_TRUE(empty->as_bytes().empty());
}

TEST(WireTest, SortsKeysAsUnsignedBytes) {
  Value::Dict d;
  d["\x80"] = std::int64_t{1};
  d["a"] = std::int64_t{2};
  d[""] = std::int64_t{3};
  EXPECT_EQ(S(Encode(Value(d))), "d0:i3e1:ai2e1:\x80i1ee");
  EXPECT_TRUE(Decode(AsBytes(std::string_view("d0:i3e1:ai2e1:\x80i1ee"))).ok());
  EXPECT_EQ(DecodeCode("d1:\x80i1e1:ai2ee"), Code::kCorruption);  // 0x80 sorts after 'a', not before
}

TEST(WireTest, RejectsEveryTruncation) {
  std::string golden = Golden();
  for (std::size_t n = 0; n < golden.size(); ++n) {
    EXPECT_EQ(DecodeCode(std::string_view(golden).substr(0, n)), Code::kCorruption) << "prefix of " << n;
  }
}

TEST(WireTest, RejectsBadLengths) {
  EXPECT_EQ(DecodeCode("5:abc"), Code::kCorruption);
  EXPECT_EQ(DecodeCode("3abc"), Code::kCorruption);
  EXPECT_EQ(DecodeCode("-1:a"), Code::kCorruption);
  EXPECT_EQ(DecodeCode("99999999999999999999:a"), Code::kCorruption);
  EXPECT_EQ(DecodeCode("4294967297:a"), Code::kCorruption);
  EXPECT_EQ(DecodeCode(":a"), Code::kCorruption);
}

TEST(WireTest, RejectsNonCanonicalNumbers) {
  EXPECT_EQ(DecodeCode("i03e"), Code::kCorruption);
  EXPECT_EQ(DecodeCode("i00e"), Code::kCorruption);
  EXPECT_EQ(DecodeCode("i-0e"), Code::kCorruption);
  EXPECT_EQ(DecodeCode("i-03e"), Code::kCorruption);
  EXPECT_EQ(DecodeCode("ie"), Code::kCorruption);
  EXPECT_EQ(DecodeCode("i-e"), Code::kCorruption);
  EXPECT_EQ(DecodeCode("i+3e"), Code::kCorruption);
  EXPECT_EQ(DecodeCode("i1.5e"), Code::kCorruption);
  EXPECT_EQ(DecodeCode("03:abc"), Code::kCorruption);
  EXPECT_EQ(DecodeCode("00:"), Code::kCorruption);
  EXPECT_EQ(DecodeCode("d01:ai1ee"), Code::kCorruption);  // leading zero in a key's length
  EXPECT_EQ(DecodeCode("l01:ae"), Code::kCorruption);
}

TEST(WireTest, RejectsIntegerOverflow) {
  EXPECT_EQ(DecodeCode("i9223372036854775808e"), Code::kCorruption);
  EXPECT_EQ(DecodeCode("i-9223372036854775809e"), Code::kCorruption);
  EXPECT_EQ(DecodeCode("i99999999999999999999e"), Code::kCorruption);
  EXPECT_EQ(DecodeCode("i999999999999999999999999e"), Code::kCorruption);
}

TEST(WireTest, RejectsUnsortedAndDuplicateKeys) {
  auto unsorted = Decode(AsBytes(std::string_view("d1:bi1e1:ai2ee")));
  EXPECT_EQ(unsorted.status().code(), Code::kCorruption);
  EXPECT_NE(unsorted.status().message().find("order"), std::string::npos);
  auto dup = Decode(AsBytes(std::string_view("d1:ai1e1:ai2ee")));
  EXPECT_EQ(dup.status().code(), Code::kCorruption);
  EXPECT_NE(dup.status().message().find("duplicate"), std::string::npos);
  EXPECT_EQ(DecodeCode("d1:a0:1:b0:1:ai1ee"), Code::kCorruption);  // duplicate that is not adjacent
  EXPECT_EQ(DecodeCode("dd1:ai1ee1:be1:ce"), Code::kCorruption);   // nested unsorted
  EXPECT_EQ(DecodeCode("ddei1ee"), Code::kCorruption);             // a dict as a key
  EXPECT_EQ(DecodeCode("di1ei2ee"), Code::kCorruption);            // an int as a key
  EXPECT_EQ(DecodeCode("d1:ae"), Code::kCorruption);               // key without a value
}

TEST(WireTest, RejectsTrailingAndStrayBytes) {
  EXPECT_EQ(DecodeCode("i1ei2e"), Code::kCorruption);
  EXPECT_EQ(DecodeCode("dee"), Code::kCorruption);
  EXPECT_EQ(DecodeCode("de "), Code::kCorruption);
  EXPECT_EQ(DecodeCode("e"), Code::kCorruption);
  EXPECT_EQ(DecodeCode("x"), Code::kCorruption);
  EXPECT_EQ(DecodeCode(""), Code::kCorruption);
}

TEST(WireTest, EnforcesDepthLimit) {
  DecodeLimits limits;
  limits.max_depth = 4;
  EXPECT_TRUE(Decode(AsBytes(std::string_view("lllli7eeeee")), limits).ok());  // four containers deep
  EXPECT_EQ(DecodeCode("llllli7eeeeee", limits), Code::kResourceExhausted);
  EXPECT_TRUE(Decode(AsBytes(std::string_view("d0:d0:d0:d0:i1eeeee")), limits).ok());
  EXPECT_EQ(DecodeCode("d0:d0:d0:d0:d0:i1eeeeee", limits), Code::kResourceExhausted);
  limits.max_depth = 0;
  EXPECT_TRUE(Decode(AsBytes(std::string_view("i5e")), limits).ok());
  EXPECT_EQ(DecodeCode("le", limits), Code::kResourceExhausted);
  // A deep input far beyond the default limit fails cleanly instead of recursing.
  std::string deep = std::string(100000, 'l') + std::string(100000, 'e');
  EXPECT_EQ(DecodeCode(deep), Code::kResourceExhausted);
}

TEST(WireTest, EnforcesTokenLimit) {
  DecodeLimits limits;
  limits.max_tokens = 5;  // "l", three integers and "e"
  EXPECT_TRUE(Decode(AsBytes(std::string_view("li1ei2ei3ee")), limits).ok());
  EXPECT_EQ(DecodeCode("li1ei2ei3ei4ee", limits), Code::kResourceExhausted);
  std::string many = "l";
  for (int i = 0; i < 20000; ++i) many += "i1e";
  many += "e";
  EXPECT_EQ(DecodeCode(many), Code::kResourceExhausted);  // the default allows 10000 tokens
  limits.max_tokens = 20002;
  EXPECT_TRUE(Decode(AsBytes(many), limits).ok());
}

TEST(WireTest, EnforcesSizeLimit) {
  DecodeLimits limits;
  limits.max_bytes = 8;
  EXPECT_TRUE(Decode(AsBytes(std::string_view("6:abcdef")), limits).ok());
  EXPECT_EQ(DecodeCode("7:abcdefg", limits), Code::kResourceExhausted);
  limits.max_depth = -1;
  EXPECT_EQ(DecodeCode("i1e", limits), Code::kInvalidArgument);
}

TEST(WireTest, TypedAccessorsCheckTypeAndRange) {
  Value::Dict d = SampleMessage().as_dict();
  EXPECT_EQ(*GetInt(d, "max", 0, std::numeric_limits<std::int64_t>::max()), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(GetInt(d, "min", 0, 10).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(GetInt(d, "type", 0, 10).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(GetInt(d, "absent", 0, 10).status().code(), Code::kNotFound);
  EXPECT_EQ(GetUint(d, "min", 100).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(GetUint(d, "max", 100).status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(GetUint(d, "max", std::numeric_limits<std::uint64_t>::max()).ok());

  auto bin = GetBytes(d, "bin", 4, 4);
  ASSERT_TRUE(bin.ok());
  EXPECT_EQ(ToBytes(*bin), (Bytes{0x00, 0xff, 0x3a, 0x65}));
  EXPECT_EQ(GetBytes(d, "bin", 5, 10).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(GetBytes(d, "bin", 0, 3).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(GetBytes(d, "max", 0, 3).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(GetHash32(d, "bin").status().code(), Code::kInvalidArgument);

  EXPECT_EQ(*GetText(d, "type", 16), "propose");
  EXPECT_EQ(GetText(d, "type", 3).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(GetText(d, "bin", 16).status().code(), Code::kInvalidArgument);  // not printable

  auto list = GetList(d, "list", 4);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ((*list)->size(), 4u);
  EXPECT_EQ(GetList(d, "list", 3).status().code(), Code::kInvalidArgument);
  auto inner = GetDict(d, "inner");
  ASSERT_TRUE(inner.ok());
  EXPECT_EQ(*GetInt(**inner, "x", -1, -1), -1);
  EXPECT_EQ(GetDict(d, "list").status().code(), Code::kInvalidArgument);

  Value::Dict h;
  h["h"] = Value(Bytes(32, 7));
  auto hash = GetHash32(h, "h");
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ((*hash)[31], 7);
}

TEST(FrameTest, EncodesLengthPrefix) {
  Value::Dict d;
  d["a"] = std::int64_t{1};
  auto f = EncodeFrame(d);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(S(*f), std::string("\0\0\0\x08"
                               "d1:ai1ee",
                               12));
  auto body = DecodeFrameBody(ByteSpan(*f).subspan(4));
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(*body, d);
  EXPECT_EQ(EncodeFrame(d, 7).status().code(), Code::kResourceExhausted);
  EXPECT_EQ(DecodeFrameBody(AsBytes(std::string_view("li1ee"))).status().code(), Code::kCorruption);
}

TEST(FrameTest, ReassemblesFramesFedByteByByte) {
  Bytes stream;
  std::vector<Value::Dict> sent;
  for (int i = 0; i < 5; ++i) {
    Value::Dict d;
    d["seq"] = std::int64_t{i};
    d["pad"] = Value(Bytes(static_cast<std::size_t>(i * 1000), static_cast<std::uint8_t>(i)));
    Append(stream, *EncodeFrame(d));
    sent.push_back(d);
  }
  FrameReader reader;
  std::vector<Value::Dict> got;
  for (std::uint8_t b : stream) {
    ASSERT_TRUE(reader.Feed(ByteSpan(&b, 1)).ok());
    while (auto body = reader.Next()) got.push_back(*DecodeFrameBody(*body));
  }
  EXPECT_EQ(got, sent);
  EXPECT_EQ(reader.partial_bytes(), 0u);

  FrameReader whole;
  ASSERT_TRUE(whole.Feed(stream).ok());
  int n = 0;
  while (whole.Next()) ++n;
  EXPECT_EQ(n, 5);
}

TEST(FrameTest, RefusesOversizedFrameBeforeBufferingIt) {
  FrameReader reader(1024);
  Bytes header(4);
  PutBE32(header.data(), 1025);
  Status s = reader.Feed(header);
  EXPECT_EQ(s.code(), Code::kResourceExhausted);
  EXPECT_TRUE(reader.failed());
  EXPECT_EQ(reader.partial_bytes(), 4u);  // nothing of the body was taken
  // Sticky: the stream cannot be re-synchronised.
  Bytes good = *EncodeFrame(Value::Dict{});
  EXPECT_EQ(reader.Feed(good).code(), Code::kResourceExhausted);
  EXPECT_FALSE(reader.Next().has_value());

  FrameReader huge;
  PutBE32(header.data(), 0xffffffffu);
  EXPECT_EQ(huge.Feed(header).code(), Code::kResourceExhausted);

  FrameReader at_limit(1024);
  PutBE32(header.data(), 1024);
  EXPECT_TRUE(at_limit.Feed(header).ok());
}

TEST(FrameTest, RefusesFramesTooShortForADictionary) {
  for (std::uint32_t len : {0u, 1u}) {
    FrameReader reader;
    Bytes header(4);
    PutBE32(header.data(), len);
    EXPECT_EQ(reader.Feed(header).code(), Code::kCorruption) << len;
  }
}

TEST(WireFuzzTest, MutatedInputsDecodeOrFailCleanly) {
  const std::uint64_t seed = 0xC0FFEE;
  SCOPED_TRACE("seed=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  std::vector<Bytes> corpus = {B(Golden()), B("d1:ai1e1:bli2ei3eee"), B("li-42e0:d1:k4:vvvvee"),
                               B("d4:typed1:x3:abce5:nonce32:0123456789abcdef0123456789abcdefe")};
  DecodeLimits limits;
  limits.max_depth = 8;
  limits.max_tokens = 200;
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    const Bytes input = MutateEncoding(corpus[static_cast<std::size_t>(i) % corpus.size()], rng);
    auto v = Decode(input, limits);
    if (v.ok()) {
      ++accepted;
      // Canonical form: whatever is accepted re-encodes to exactly the same bytes.
      ASSERT_EQ(Encode(*v), input) << "iteration " << i;
    } else {
      const Code c = v.status().code();
      ASSERT_TRUE(c == Code::kCorruption || c == Code::kResourceExhausted) << v.status().ToString();
    }
  }
  // Mutations sometimes produce valid encodings; the check above must have run on some of them.
  EXPECT_GT(accepted, 100);
}

TEST(WireFuzzTest, MutatedFrameStreamsNeverCrashTheReader) {
  const std::uint64_t seed = 20240601;
  SCOPED_TRACE("seed=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  Bytes stream;
  for (int i = 0; i < 4; ++i) Append(stream, *EncodeFrame(SampleMessage().as_dict()));
  int frames = 0;
  for (int i = 0; i < 2000; ++i) {
    Bytes input = MutateEncoding(stream, rng);
    FrameReader reader(4096);
    std::size_t off = 0;
    while (off < input.size()) {
      const std::size_t n = std::min<std::size_t>(1 + rng() % 64, input.size() - off);
      if (!reader.Feed(ByteSpan(input).subspan(off, n)).ok()) break;
      off += n;
      while (auto body = reader.Next()) {
        ++frames;
        ASSERT_LE(body->size(), 4096u);
        auto d = DecodeFrameBody(*body);
        if (d.ok()) {
          ASSERT_EQ(Encode(Value(*d)), *body);
        }
      }
    }
    ASSERT_LE(reader.partial_bytes(), 4096u + kFrameHeaderBytes);
  }
  EXPECT_GT(frames, 0);
}

}  // namespace
}  // namespace cairn::wire
