#include "cairn/core/control.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <random>
#include <string>
#include <thread>

#include "cairn/core/hex.h"
#include "cairn/core/manual_clock_env.h"
#include "wire_mutator.h"

namespace cairn::control {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kNet = "testnet";
constexpr std::int64_t kNow = 1'700'000'000;
// The Ed25519 signature of the golden envelope below (seed 32 x 0x01); frozen when the format was fixed.
constexpr std::string_view kGoldenSig =
    "33cdf4f427226b030a7ae9ca8f7a21c3148a5c471c9dec874ab5ebf3e552afd8"
    "b8706f4aa5411a36b53ea6b7af8c22722368151bcb511504ef55a8340df24a04";

Identity FixedIdentity(std::uint8_t fill) { return std::move(Identity::FromSeed(Bytes(32, fill))).value(); }

Nonce FixedNonce(std::uint8_t fill) {
  Nonce n;
  n.fill(fill);
  return n;
}

wire::Value::Dict SampleBody() {
  wire::Value::Dict b;
  b["shard"] = wire::Value(Bytes(32, 0xab));
  b["size"] = std::int64_t{16 << 20};
  b["peer"] = wire::Value::Str("127.0.0.1:6881");
  return b;
}

Envelope Signed(const Identity& id, std::string_view net = kNet, std::int64_t ts = kNow,
                std::optional<Nonce> re = std::nullopt, Nonce nonce = FixedNonce(7)) {
  return std::move(SignEnvelope(id, net, "propose", SampleBody(), nonce, ts, re)).value();
}

// ---- Envelope ----

TEST(ControlEnvelopeTest, SignParseVerifyRoundTrip) {
  const Identity id = FixedIdentity(1);
  const Envelope e = Signed(id);
  auto p = ParseEnvelope(e.raw);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->net, kNet);
  EXPECT_EQ(p->type, "propose");
  EXPECT_EQ(p->nonce, FixedNonce(7));
  EXPECT_EQ(p->ts, kNow);
  EXPECT_EQ(p->from, id.public_key());
  EXPECT_EQ(p->body, SampleBody());
  EXPECT_FALSE(p->re.has_value());
  EXPECT_EQ(p->sig, e.sig);
  EXPECT_EQ(p->raw, e.raw);
  EXPECT_TRUE(VerifyEnvelope(*p, kNet, kNow).ok());
  EXPECT_EQ(wire::Encode(wire::Value(std::move(wire::DecodeFrameBody(e.raw)).value())), e.raw);
}

TEST(ControlEnvelopeTest, GoldenVectorFreezesTheFormat) {
  const Identity id = FixedIdentity(1);
  wire::Value::Dict body;
  body["k"] = wire::Value::Str("v");
  auto e = SignEnvelope(id, "net1", "deal", body, FixedNonce(0x11), 1234, FixedNonce(0x22));
  ASSERT_TRUE(e.ok());
  const std::string head = "d1:bd1:k1:ve4:from32:";
  ASSERT_GT(e->raw.size(), head.size());
  EXPECT_EQ(std::string(AsStringView(e->raw).substr(0, head.size())), head);
  const std::string expected_hex = ToHex(AsBytes(head)) + ToHex(ByteSpan(id.public_key())) + ToHex(AsBytes("1:n16:")) +
                                   std::string(32, '1') + ToHex(AsBytes("3:net4:net12:re16:")) +
                                   std::string(16, '2').append(16, '2') + ToHex(AsBytes("3:sig64:")) +
                                   ToHex(ByteSpan(e->sig)) + ToHex(AsBytes("1:t4:deal2:tsi1234e1:vi1ee"));
  EXPECT_EQ(ToHex(e->raw), expected_hex);
  // Ed25519 is deterministic: the signature over this exact message is frozen too.
  EXPECT_EQ(ToHex(ByteSpan(e->sig)), kGoldenSig);
  // The signed message is the context then the envelope without "sig".
  Bytes message = ToBytes(AsBytes(kSigningContext));
  const std::string without_sig =
      std::string(AsStringView(e->raw)).erase(std::string(AsStringView(e->raw)).find("3:sig64:"), 8 + 64);
  Append(message, AsBytes(without_sig));
  EXPECT_TRUE(VerifySignature(id.public_key(), message, e->sig));
}

TEST(ControlEnvelopeTest, VerifyRefusesEachFaultWithItsCode) {
  const Identity id = FixedIdentity(1);
  const Identity other = FixedIdentity(2);
  const Envelope e = Signed(id);

  EXPECT_EQ(RefusalCode(VerifyEnvelope(e, "othernet", kNow)), kCodeWrongNetwork);
  EXPECT_TRUE(VerifyEnvelope(e, kNet, kNow + kMaxClockSkewSeconds).ok());
  EXPECT_TRUE(VerifyEnvelope(e, kNet, kNow - kMaxClockSkewSeconds).ok());
  EXPECT_EQ(RefusalCode(VerifyEnvelope(e, kNet, kNow + kMaxClockSkewSeconds + 1)), kCodeStale);
  EXPECT_EQ(RefusalCode(VerifyEnvelope(e, kNet, kNow - kMaxClockSkewSeconds - 1)), kCodeStale);

  Envelope forged = e;
  forged.from = other.public_key();  // claims another sender
  EXPECT_EQ(RefusalCode(VerifyEnvelope(forged, kNet, kNow)), kCodeBadSignature);
  Envelope changed = e;
  changed.body["size"] = std::int64_t{1};
  EXPECT_EQ(RefusalCode(VerifyEnvelope(changed, kNet, kNow)), kCodeBadSignature);
  Envelope rebound = e;
  rebound.re = FixedNonce(3);
  EXPECT_EQ(RefusalCode(VerifyEnvelope(rebound, kNet, kNow)), kCodeBadSignature);
  // A signature copied from another envelope.
  Envelope copied = Signed(id, kNet, kNow, std::nullopt, FixedNonce(8));
  copied.sig = e.sig;
  EXPECT_EQ(RefusalCode(VerifyEnvelope(copied, kNet, kNow)), kCodeBadSignature);

  // Every single-byte flip of the signature fails.
  for (std::size_t i = 0; i < e.sig.size(); ++i) {
    Envelope flipped = e;
    flipped.sig[i] ^= 0x01;
    EXPECT_EQ(VerifyEnvelope(flipped, kNet, kNow).code(), Code::kAuthFailed) << "byte " << i;
  }
}

// Re-encodes a valid envelope's dictionary after `edit`, so the result is canonical but structurally wrong.
Bytes EditedEnvelope(const Envelope& e, const std::function<void(wire::Value::Dict&)>& edit) {
  wire::Value::Dict d = std::move(wire::DecodeFrameBody(e.raw)).value();
  edit(d);
  return wire::Encode(wire::Value(std::move(d)));
}

TEST(ControlEnvelopeTest, ParseRefusesMalformedEnvelopesAsBadFrame) {
  const Identity id = FixedIdentity(1);
  const Envelope e = Signed(id, kNet, kNow, FixedNonce(9));
  using D = wire::Value::Dict;
  const std::vector<std::pair<std::string, std::function<void(D&)>>> edits = {
      {"no sig", [](D& d) { d.erase("sig"); }},
      {"no from", [](D& d) { d.erase("from"); }},
      {"no nonce", [](D& d) { d.erase("n"); }},
      {"no net", [](D& d) { d.erase("net"); }},
      {"no type", [](D& d) { d.erase("t"); }},
      {"no ts", [](D& d) { d.erase("ts"); }},
      {"no version", [](D& d) { d.erase("v"); }},
      {"no body", [](D& d) { d.erase("b"); }},
      {"version 2", [](D& d) { d["v"] = std::int64_t{2}; }},
      {"short sig", [](D& d) { d["sig"] = wire::Value(Bytes(63, 1)); }},
      {"long from", [](D& d) { d["from"] = wire::Value(Bytes(33, 1)); }},
      {"short nonce", [](D& d) { d["n"] = wire::Value(Bytes(15, 1)); }},
      {"short re", [](D& d) { d["re"] = wire::Value(Bytes(15, 1)); }},
      {"empty net", [](D& d) { d["net"] = wire::Value(Bytes{}); }},
      {"long net", [](D& d) { d["net"] = wire::Value(Bytes(65, 'a')); }},
      {"empty type", [](D& d) { d["t"] = wire::Value::Str(""); }},
      {"binary type",
       [](D& d) {
         d["t"] = wire::Value(Bytes{'a', 0x01});
       }},
      {"long type", [](D& d) { d["t"] = wire::Value::Str(std::string(33, 't')); }},
      {"negative ts", [](D& d) { d["ts"] = std::int64_t{-1}; }},
      {"huge ts", [](D& d) { d["ts"] = std::int64_t{1} << 50; }},
      {"ts as bytes", [](D& d) { d["ts"] = wire::Value::Str("1"); }},
      {"body as list", [](D& d) { d["b"] = wire::Value(wire::Value::List{}); }},
      {"unknown field", [](D& d) { d["x"] = std::int64_t{1}; }},
  };
  for (const auto& [name, edit] : edits) {
    SCOPED_TRACE(name);
    auto p = ParseEnvelope(EditedEnvelope(e, edit));
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(RefusalCode(p.status()), kCodeBadFrame) << p.status().ToString();
  }
  // Not canonical: an integer with a leading zero, trailing bytes, not a dictionary.
  std::string raw(AsStringView(e.raw));
  std::string leading_zero = raw;
  leading_zero.replace(leading_zero.find("1:vi1e"), 6, "1:vi01e");
  EXPECT_EQ(RefusalCode(ParseEnvelope(AsBytes(leading_zero)).status()), kCodeBadFrame);
  EXPECT_EQ(RefusalCode(ParseEnvelope(AsBytes(raw + "x")).status()), kCodeBadFrame);
  EXPECT_EQ(RefusalCode(ParseEnvelope(AsBytes("li1ee")).status()), kCodeBadFrame);
  EXPECT_EQ(RefusalCode(ParseEnvelope(e.raw, e.raw.size() - 1).status()), kCodeBadFrame);
}

TEST(ControlEnvelopeTest, SignRefusesBadArgumentsAndOversizedBodies) {
  const Identity id = FixedIdentity(1);
  EXPECT_EQ(SignEnvelope(id, "", "x", {}, FixedNonce(1), kNow).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(SignEnvelope(id, kNet, "", {}, FixedNonce(1), kNow).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(SignEnvelope(id, kNet, "a\nb", {}, FixedNonce(1), kNow).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(SignEnvelope(id, kNet, "x", {}, FixedNonce(1), -5).status().code(), Code::kInvalidArgument);
  wire::Value::Dict big;
  big["torrent"] = wire::Value(Bytes(kMaxFrameBytes, 0));
  EXPECT_EQ(SignEnvelope(id, kNet, "x", big, FixedNonce(1), kNow).status().code(), Code::kResourceExhausted);
}

TEST(ControlEnvelopeTest, RefusalCodeMapping) {
  EXPECT_EQ(RefusalCode(Status::Corruption("")), kCodeBadFrame);
  EXPECT_EQ(RefusalCode(Status::ResourceExhausted("")), kCodeBadFrame);
  EXPECT_EQ(RefusalCode(Status::NotFound("")), kCodeBadFrame);
  EXPECT_EQ(RefusalCode(Status::InvalidArgument("")), kCodeBadFrame);
  EXPECT_EQ(RefusalCode(Status::AuthFailed("")), kCodeBadSignature);
  EXPECT_EQ(RefusalCode(Status::FailedPrecondition("")), kCodeWrongNetwork);
  EXPECT_EQ(RefusalCode(Status::DeadlineExceeded("")), kCodeStale);
  EXPECT_EQ(RefusalCode(Status::AlreadyExists("")), kCodeReplay);
  EXPECT_EQ(RefusalCode(Status::Unavailable("")), kCodeBusy);
  EXPECT_EQ(RefusalCode(Status::Internal("")), kCodeInternal);
}

TEST(ControlEnvelopeTest, ErrorBodyRoundTripsAndIsSanitized) {
  const Identity id = FixedIdentity(1);
  auto e = SignEnvelope(id, kNet, kTypeError, ErrorBody("capacity", "full\nreally"), FixedNonce(1), kNow);
  ASSERT_TRUE(e.ok());
  auto info = ParseErrorBody(*e);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->code, "capacity");
  EXPECT_EQ(info->msg, "full?really");
  auto ok = SignEnvelope(id, kNet, kTypeOk, {}, FixedNonce(1), kNow);
  EXPECT_FALSE(ParseErrorBody(*ok).ok());
}

// ---- Replay cache ----

TEST(ReplayCacheTest, RefusesARepeatWithinTheWindowOnly) {
  ReplayCache cache(16, 120);
  const Ed25519PublicKey a = FixedIdentity(1).public_key();
  const Ed25519PublicKey b = FixedIdentity(2).public_key();
  ASSERT_TRUE(cache.Insert(a, FixedNonce(1), kNow, kNow).ok());
  EXPECT_EQ(cache.Insert(a, FixedNonce(1), kNow, kNow + 5).code(), Code::kAlreadyExists);
  EXPECT_TRUE(cache.Insert(b, FixedNonce(1), kNow, kNow).ok());  // same nonce, other sender
  EXPECT_TRUE(cache.Insert(a, FixedNonce(2), kNow, kNow).ok());
  EXPECT_EQ(cache.Insert(a, FixedNonce(1), kNow, kNow + 120).code(), Code::kAlreadyExists);
  // Past ts + window the frame would be stale anyway, so the entry may go.
  EXPECT_TRUE(cache.Insert(a, FixedNonce(1), kNow + 121, kNow + 121).ok());
  EXPECT_EQ(cache.size(), 1u);
}

TEST(ReplayCacheTest, KeepsFutureStampedEntriesUntilTheyExpire) {
  ReplayCache cache(16, 120);
  const Ed25519PublicKey a = FixedIdentity(1).public_key();
  // A frame stamped 100 s ahead of our clock stays fresh until now = ts + 120.
  ASSERT_TRUE(cache.Insert(a, FixedNonce(1), kNow + 100, kNow).ok());
  EXPECT_EQ(cache.Insert(a, FixedNonce(1), kNow + 100, kNow + 200).code(), Code::kAlreadyExists);
}

TEST(ReplayCacheTest, FullCacheRefusesInsteadOfForgetting) {
  ReplayCache cache(3, 120);
  const Ed25519PublicKey a = FixedIdentity(1).public_key();
  for (std::uint8_t i = 0; i < 3; ++i) ASSERT_TRUE(cache.Insert(a, FixedNonce(i), kNow, kNow).ok());
  EXPECT_EQ(cache.Insert(a, FixedNonce(9), kNow, kNow).code(), Code::kUnavailable);
  EXPECT_EQ(RefusalCode(cache.Insert(a, FixedNonce(9), kNow, kNow)), kCodeBusy);
  // The live entries are still there.
  EXPECT_EQ(cache.Insert(a, FixedNonce(0), kNow, kNow).code(), Code::kAlreadyExists);
  // Once they expire, there is room again.
  EXPECT_TRUE(cache.Insert(a, FixedNonce(9), kNow + 200, kNow + 200).ok());
  EXPECT_EQ(cache.size(), 1u);
}

TEST(ReplayCacheTest, OpenEnvelopeParsesVerifiesAndRecords) {
  const Identity id = FixedIdentity(1);
  ReplayCache cache;
  const Envelope e = Signed(id);
  ASSERT_TRUE(OpenEnvelope(e.raw, kNet, kNow, cache).ok());
  EXPECT_EQ(RefusalCode(OpenEnvelope(e.raw, kNet, kNow, cache).status()), kCodeReplay);
  // A forged frame with a fresh nonce is not recorded: its signature fails first.
  Envelope forged = Signed(id, kNet, kNow, std::nullopt, FixedNonce(5));
  forged.raw[forged.raw.size() / 2] ^= 1;
  EXPECT_FALSE(OpenEnvelope(forged.raw, kNet, kNow, cache).ok());
  EXPECT_EQ(cache.size(), 1u);
}

// ---- Server and client over loopback ----

// A blocking TCP connection with a receive timeout, for sending hand-made bytes.
class RawConn {
 public:
  explicit RawConn(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    EXPECT_GE(fd_, 0) << std::strerror(errno);
    timeval tv{60, 0};  // a hang shows as a failure, not a stuck test (generous: a loaded machine is slow)
    EXPECT_EQ(::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    EXPECT_TRUE(connected_) << std::strerror(errno);
  }
  ~RawConn() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawConn(const RawConn&) = delete;
  RawConn& operator=(const RawConn&) = delete;

  // Best effort: the server may close while we are still sending.
  bool Send(ByteSpan data) {
    std::size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = ::send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  }
  void ShutdownWrite() { ::shutdown(fd_, SHUT_WR); }

  // The next frame body, or nullopt on EOF, reset or timeout (timed_out() tells).
  std::optional<Bytes> ReadFrame() {
    while (true) {
      if (auto body = reader_.Next()) return body;
      std::uint8_t buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) timed_out_ = true;
      if (n <= 0) return std::nullopt;
      if (!reader_.Feed(ByteSpan(buf, static_cast<std::size_t>(n))).ok()) return std::nullopt;
    }
  }
  // True when the peer closed (EOF or reset) before the timeout, with no further frame.
  bool Closed() {
    auto extra = ReadFrame();
    return !extra.has_value() && !timed_out_;
  }
  bool timed_out() const { return timed_out_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool timed_out_ = false;
  wire::FrameReader reader_;
};

class ControlServerTest : public ::testing::Test {
 protected:
  void SetUp() override { StartServer({}); }

  void StartServer(ServerOptions options) {
    server_.reset();
    options.network_id = std::string(kNet);
    if (options.listen.empty()) options.listen = "127.0.0.1:0";
    auto s = ControlServer::Start(provider_, options, [this](const Envelope& req) { return Handle(req); });
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s);
    ASSERT_NE(server_->endpoint().port, 0);
  }

  Reply Handle(const Envelope& req) {
    ++handled_;
    if (req.type == "echo") {
      wire::Value::Dict out = req.body;
      out["from"] = wire::Value::Of(req.from);
      return Reply::Ok(std::move(out));
    }
    if (req.type == "propose") return Reply::Error("capacity", "no room");
    if (req.type == "huge") {
      wire::Value::Dict out;
      out["x"] = wire::Value(Bytes(kMaxFrameBytes, 1));
      return Reply::Ok(std::move(out));
    }
    return Reply::Error(kCodeUnknownType, "unknown type " + req.type);
  }

  std::uint16_t port() const { return server_->endpoint().port; }

  Bytes RequestFrame(std::string_view type = "echo", std::string_view net = kNet, std::int64_t ts = -1,
                     const Identity* signer = nullptr, std::optional<Nonce> nonce = std::nullopt) {
    wire::Value::Dict body;
    body["q"] = std::int64_t{42};
    auto e = SignEnvelope(signer ? *signer : client_id_, net, type, body, nonce ? *nonce : NewNonce(),
                          ts >= 0 ? ts : UnixSeconds(Env::Default()));
    return FrameOf(*e);
  }

  // Reads the reply on `c`, checks it is signed by the server for this network, and returns it.
  Envelope ReadVerifiedReply(RawConn& c) {
    auto body = c.ReadFrame();
    EXPECT_TRUE(body.has_value()) << (c.timed_out() ? "timed out" : "closed without a reply");
    if (!body) return {};
    auto reply = ParseEnvelope(*body);
    EXPECT_TRUE(reply.ok()) << reply.status().ToString();
    if (!reply.ok()) return {};
    EXPECT_TRUE(VerifyEnvelope(*reply, kNet, UnixSeconds(Env::Default())).ok());
    EXPECT_EQ(reply->from, provider_.public_key());
    return std::move(*reply);
  }

  // Sends `bytes` on a fresh connection and expects an error reply with `code`, then a closed connection.
  void ExpectRefusal(ByteSpan bytes, std::string_view code) {
    RawConn c(port());
    c.Send(bytes);
    Envelope reply = ReadVerifiedReply(c);
    EXPECT_EQ(reply.type, kTypeError);
    auto info = ParseErrorBody(reply);
    ASSERT_TRUE(info.ok()) << info.status().ToString();
    EXPECT_EQ(info->code, code) << info->msg;
    EXPECT_TRUE(c.Closed()) << "connection left open after a refusal";
  }

  // A request on the long-lived good connection is still answered.
  void ExpectGoodServed(RawConn& good) {
    ASSERT_TRUE(good.Send(RequestFrame()));
    Envelope reply = ReadVerifiedReply(good);
    EXPECT_EQ(reply.type, kTypeOk);
    EXPECT_EQ(reply.body.count("q"), 1u);
  }

  Identity provider_ = Identity::Generate();
  Identity client_id_ = Identity::Generate();
  std::atomic<int> handled_{0};
  std::unique_ptr<ControlServer> server_;
};

TEST_F(ControlServerTest, SignedRoundTrip) {
  ControlClient client(client_id_, std::string(kNet));
  wire::Value::Dict body;
  body["hello"] = wire::Value::Str("world");
  auto reply = client.Call(server_->endpoint(), provider_.public_key(), "echo", body, 30s);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->type, kTypeOk);
  EXPECT_EQ(reply->from, provider_.public_key());
  EXPECT_EQ(reply->body.at("hello"), wire::Value::Str("world"));
  EXPECT_EQ(reply->body.at("from"), wire::Value::Of(client_id_.public_key()));
  ASSERT_TRUE(reply->re.has_value());
  // The kept frame is a receipt: it verifies on its own later.
  auto again = ParseEnvelope(reply->raw);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(VerifyEnvelopeSignature(*again, kNet).ok());
  // "any" key, and the "ip:port" overload.
  auto any = client.Call(ToString(server_->endpoint()), std::nullopt, "echo", {}, 30s);
  ASSERT_TRUE(any.ok()) << any.status().ToString();
  EXPECT_EQ(handled_.load(), 2);
}

TEST_F(ControlServerTest, HandlerErrorIsReturnedAndKeepsTheConnection) {
  ControlClient client(client_id_, std::string(kNet));
  auto reply = client.Call(server_->endpoint(), provider_.public_key(), "propose", {}, 30s);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  auto info = ParseErrorBody(*reply);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->code, "capacity");

  RawConn c(port());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.Send(RequestFrame("propose")));
    EXPECT_EQ(ParseErrorBody(ReadVerifiedReply(c))->code, "capacity");
  }
  ExpectGoodServed(c);  // same connection, still open
}

TEST_F(ControlServerTest, PipelinedRequestsAreAnsweredInOrder) {
  RawConn c(port());
  Bytes two = RequestFrame("echo");
  Append(two, RequestFrame("propose"));
  ASSERT_TRUE(c.Send(two));
  EXPECT_EQ(ReadVerifiedReply(c).type, kTypeOk);
  EXPECT_EQ(ReadVerifiedReply(c).type, kTypeError);
}

TEST_F(ControlServerTest, EveryBadFrameIsRefusedAndClosedWhileOthersAreServed) {
  RawConn good(port());
  ExpectGoodServed(good);
  const Identity stranger = Identity::Generate();

  {  // malformed: not bencode at all
    const Bytes junk = {0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o'};
    ExpectRefusal(junk, kCodeBadFrame);
  }
  ExpectGoodServed(good);
  {  // oversized: the header announces more than 1 MiB; refused before the body arrives
    Bytes big(4);
    PutBE32(big.data(), static_cast<std::uint32_t>(kMaxFrameBytes + 1));
    Append(big, Bytes(64 << 10, 'x'));
    ExpectRefusal(big, kCodeBadFrame);
  }
  ExpectGoodServed(good);
  {  // unsigned: a well-formed envelope without "sig"
    Bytes frame = RequestFrame();
    auto d = std::move(wire::DecodeFrameBody(ByteSpan(frame).subspan(4))).value();
    d.erase("sig");
    ExpectRefusal(*wire::EncodeFrame(d), kCodeBadFrame);
  }
  ExpectGoodServed(good);
  {  // wrongly signed: "from" says client, signature by a stranger
    Bytes frame = RequestFrame();
    auto d = std::move(wire::DecodeFrameBody(ByteSpan(frame).subspan(4))).value();
    d["from"] = wire::Value::Of(stranger.public_key());
    ExpectRefusal(*wire::EncodeFrame(d), kCodeBadSignature);
  }
  ExpectGoodServed(good);
  {  // a tampered body
    Bytes frame = RequestFrame();
    auto d = std::move(wire::DecodeFrameBody(ByteSpan(frame).subspan(4))).value();
    d["b"].as_dict()["q"] = std::int64_t{43};
    ExpectRefusal(*wire::EncodeFrame(d), kCodeBadSignature);
  }
  ExpectGoodServed(good);
  ExpectRefusal(RequestFrame("echo", "othernet"), kCodeWrongNetwork);
  ExpectGoodServed(good);
  ExpectRefusal(RequestFrame("echo", kNet, UnixSeconds(Env::Default()) - 600), kCodeStale);
  ExpectRefusal(RequestFrame("echo", kNet, UnixSeconds(Env::Default()) + 600), kCodeStale);
  ExpectGoodServed(good);
  {  // replayed: accepted once, refused the second time, on another connection
    const Bytes frame = RequestFrame("echo");
    RawConn first(port());
    ASSERT_TRUE(first.Send(frame));
    EXPECT_EQ(ReadVerifiedReply(first).type, kTypeOk);
    ExpectRefusal(frame, kCodeReplay);
    // ... and on the same connection, which is then closed.
    ASSERT_TRUE(first.Send(frame));
    EXPECT_EQ(ParseErrorBody(ReadVerifiedReply(first))->code, kCodeReplay);
    EXPECT_TRUE(first.Closed());
  }
  ExpectGoodServed(good);
  {  // a reply sent as a request
    wire::Value::Dict body;
    auto e = SignEnvelope(client_id_, kNet, kTypeOk, body, NewNonce(), UnixSeconds(Env::Default()), NewNonce());
    ExpectRefusal(FrameOf(*e), kCodeBadFrame);
  }
  ExpectGoodServed(good);
  {  // a good request then a bad one on the same connection: answered, then refused and closed
    RawConn c(port());
    Bytes both = RequestFrame();
    Append(both, Bytes{0, 0, 0, 2, 'l', 'e'});
    ASSERT_TRUE(c.Send(both));
    EXPECT_EQ(ReadVerifiedReply(c).type, kTypeOk);
    EXPECT_EQ(ParseErrorBody(ReadVerifiedReply(c))->code, kCodeBadFrame);
    EXPECT_TRUE(c.Closed());
  }
  ExpectGoodServed(good);
  const ControlServer::Stats stats = server_->stats();
  EXPECT_EQ(stats.refusals, 12u);
  EXPECT_GE(stats.open_connections, 1u);
}

TEST_F(ControlServerTest, OversizedReplyBecomesAnInternalError) {
  ControlClient client(client_id_, std::string(kNet));
  auto reply = client.Call(server_->endpoint(), provider_.public_key(), "huge", {}, 30s);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(ParseErrorBody(*reply)->code, kCodeInternal);
}

TEST_F(ControlServerTest, ClientChecksKeyNetworkAndTransport) {
  const Identity impostor = Identity::Generate();
  ControlClient client(client_id_, std::string(kNet));
  auto wrong_key = client.Call(server_->endpoint(), impostor.public_key(), "echo", {}, 30s);
  EXPECT_EQ(wrong_key.status().code(), Code::kAuthFailed) << wrong_key.status().ToString();

  ControlClient other_net(client_id_, "othernet");
  auto wrong_net = other_net.Call(server_->endpoint(), provider_.public_key(), "echo", {}, 30s);
  EXPECT_EQ(wrong_net.status().code(), Code::kFailedPrecondition) << wrong_net.status().ToString();

  // A client clock 10 minutes off: the server refuses "stale", and the client sees the skew.
  ManualClockEnv skewed(Env::Default(), 1, Env::Default()->WallMicros() + 600'000'000);
  ControlClient late(client_id_, std::string(kNet), &skewed);
  auto stale = late.Call(server_->endpoint(), provider_.public_key(), "echo", {}, 30s);
  EXPECT_EQ(stale.status().code(), Code::kFailedPrecondition) << stale.status().ToString();

  const Endpoint self = server_->endpoint();
  server_->Stop();
  auto refused = client.Call(self, provider_.public_key(), "echo", {}, 30s);
  EXPECT_EQ(refused.status().code(), Code::kUnavailable) << refused.status().ToString();
  EXPECT_EQ(client.Call("not-an-endpoint", std::nullopt, "echo", {}, 30s).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(client.Call(self, std::nullopt, "ok", {}, 30s).status().code(), Code::kInvalidArgument);
}

// A one-shot fake provider on a raw socket: accepts one connection, reads one request, sends what `answer` builds.
class FakeProvider {
 public:
  explicit FakeProvider(std::function<Bytes(const Envelope& request)> answer) : answer_(std::move(answer)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(::listen(fd_, 4), 0);
    socklen_t len = sizeof(addr);
    EXPECT_EQ(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~FakeProvider() {
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }
  std::uint16_t port() const { return port_; }

 private:
  void Serve() {
    const int c = ::accept(fd_, nullptr, nullptr);
    if (c < 0) return;
    wire::FrameReader reader;
    std::optional<Bytes> body;
    std::uint8_t buf[4096];
    while (!(body = reader.Next())) {
      const ssize_t n = ::recv(c, buf, sizeof(buf), 0);
      if (n <= 0 || !reader.Feed(ByteSpan(buf, static_cast<std::size_t>(n))).ok()) break;
    }
    if (body) {
      auto req = ParseEnvelope(*body);
      if (req.ok()) {
        const Bytes out = answer_(*req);
        if (!out.empty()) {
          const ssize_t sent = ::send(c, out.data(), out.size(), MSG_NOSIGNAL);
          EXPECT_EQ(sent, static_cast<ssize_t>(out.size()));
        }
      }
    }
    ::close(c);
  }

  std::function<Bytes(const Envelope&)> answer_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

TEST(ControlClientTest, RefusesRepliesNotBoundToTheRequest) {
  const Identity provider = Identity::Generate();
  const Identity client_id = Identity::Generate();
  ControlClient client(client_id, std::string(kNet));
  const std::int64_t now = UnixSeconds(Env::Default());
  {  // "re" names another request
    FakeProvider fake([&](const Envelope&) {
      return FrameOf(*SignEnvelope(provider, kNet, kTypeOk, {}, NewNonce(), now, NewNonce()));
    });
    auto r = client.Call(Endpoint{"127.0.0.1", fake.port()}, provider.public_key(), "echo", {}, 30s);
    EXPECT_EQ(r.status().code(), Code::kCorruption) << r.status().ToString();
  }
  {  // no "re" on an ok reply
    FakeProvider fake(
        [&](const Envelope&) { return FrameOf(*SignEnvelope(provider, kNet, kTypeOk, {}, NewNonce(), now)); });
    auto r = client.Call(Endpoint{"127.0.0.1", fake.port()}, provider.public_key(), "echo", {}, 30s);
    EXPECT_EQ(r.status().code(), Code::kCorruption) << r.status().ToString();
  }
  {  // an unbound refusal is reported as such, with its code
    FakeProvider fake([&](const Envelope&) {
      return FrameOf(*SignEnvelope(provider, kNet, kTypeError, ErrorBody("bad-frame", "x"), NewNonce(), now));
    });
    auto r = client.Call(Endpoint{"127.0.0.1", fake.port()}, provider.public_key(), "echo", {}, 30s);
    EXPECT_EQ(r.status().code(), Code::kUnavailable);
    EXPECT_NE(r.status().message().find("bad-frame"), std::string::npos) << r.status().ToString();
  }
  {  // a reply whose signature is broken
    FakeProvider fake([&](const Envelope& req) {
      Bytes f = FrameOf(*SignEnvelope(provider, kNet, kTypeOk, {}, NewNonce(), now, req.nonce));
      f[f.size() - 40] ^= 1;  // inside the "sig" bytes region or after; either way it must not verify
      return f;
    });
    auto r = client.Call(Endpoint{"127.0.0.1", fake.port()}, provider.public_key(), "echo", {}, 30s);
    EXPECT_FALSE(r.ok());
  }
  {  // an error reply with a malformed body
    FakeProvider fake([&](const Envelope& req) {
      return FrameOf(*SignEnvelope(provider, kNet, kTypeError, {}, NewNonce(), now, req.nonce));
    });
    auto r = client.Call(Endpoint{"127.0.0.1", fake.port()}, provider.public_key(), "echo", {}, 30s);
    EXPECT_EQ(r.status().code(), Code::kCorruption) << r.status().ToString();
  }
  {  // a correct reply from the fake passes, so the cases above failed for their reason only
    FakeProvider fake([&](const Envelope& req) {
      return FrameOf(*SignEnvelope(provider, kNet, kTypeOk, {}, NewNonce(), now, req.nonce));
    });
    auto r = client.Call(Endpoint{"127.0.0.1", fake.port()}, provider.public_key(), "echo", {}, 30s);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
  }
  {  // closed without a reply
    FakeProvider fake([&](const Envelope&) { return Bytes{}; });
    auto r = client.Call(Endpoint{"127.0.0.1", fake.port()}, provider.public_key(), "echo", {}, 30s);
    EXPECT_EQ(r.status().code(), Code::kUnavailable) << r.status().ToString();
  }
}

TEST(ControlClientTest, TimesOutWhenThePeerNeverAnswers) {
  // A listening socket that never accepts: the connection completes in the backlog, nothing is ever read.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const Identity id = Identity::Generate();
  ControlClient client(id, std::string(kNet));
  auto r = client.Call(Endpoint{"127.0.0.1", ntohs(addr.sin_port)}, std::nullopt, "echo", {}, 200ms);
  EXPECT_EQ(r.status().code(), Code::kDeadlineExceeded) << r.status().ToString();
  ::close(fd);
}

TEST_F(ControlServerTest, SlowAndIdleConnectionsAreClosed) {
  ServerOptions options;
  options.idle_timeout = 300ms;
  options.io_timeout = 200ms;
  StartServer(options);
  RawConn idle(port());
  EXPECT_TRUE(idle.Closed());
  RawConn slow(port());
  const Bytes frame = RequestFrame();
  ASSERT_TRUE(slow.Send(ByteSpan(frame).first(frame.size() / 2)));  // half a frame, never the rest
  EXPECT_TRUE(slow.Closed());
  EXPECT_GE(server_->stats().timeouts, 2u);
  RawConn good(port());
  ExpectGoodServed(good);
}

TEST_F(ControlServerTest, ConnectionCapRejectsTheExtraConnectionOnly) {
  ServerOptions options;
  options.max_connections = 2;
  StartServer(options);
  RawConn a(port());
  RawConn b(port());
  ExpectGoodServed(a);
  ExpectGoodServed(b);
  RawConn c(port());
  EXPECT_TRUE(c.Closed());
  EXPECT_EQ(server_->stats().connections_rejected, 1u);
  ExpectGoodServed(a);
}

TEST_F(ControlServerTest, StartRefusesBadOptions) {
  ServerOptions bad;
  bad.network_id = "has space";
  EXPECT_EQ(ControlServer::Start(provider_, bad, nullptr).status().code(), Code::kInvalidArgument);
  ServerOptions host;
  host.network_id = "n";
  host.listen = "localhost:0";
  EXPECT_EQ(ControlServer::Start(provider_, host, nullptr).status().code(), Code::kInvalidArgument);
  ServerOptions taken;
  taken.network_id = "n";
  taken.listen = ToString(server_->endpoint());
  EXPECT_EQ(ControlServer::Start(provider_, taken, nullptr).status().code(), Code::kIOError);
}

// Seeded random mutations of valid frames against the live server: each gets a verified error reply or a close,
// never a crash or a hang, and a well-behaved connection keeps being served throughout.
TEST_F(ControlServerTest, MutatedFramesFuzz) {
  constexpr std::uint64_t kSeed = 0xC0417;
  constexpr int kFrames = 3000;
  SCOPED_TRACE("seed=" + std::to_string(kSeed));
  std::mt19937_64 rng(kSeed);
  RawConn good(port());
  int replies = 0;
  int closes = 0;
  for (int i = 0; i < kFrames; ++i) {
    const Bytes frame = RequestFrame(i % 2 ? "echo" : "propose");
    Bytes input;
    if (rng() % 4 == 0) {
      input = wire::MutateEncoding(frame, rng);  // header included
    } else {
      const Bytes body = wire::MutateEncoding(Bytes(frame.begin() + 4, frame.end()), rng);
      input.resize(4);
      PutBE32(input.data(), static_cast<std::uint32_t>(body.size()));
      Append(input, body);
    }
    RawConn c(port());
    c.Send(input);
    c.ShutdownWrite();  // a frame left incomplete ends with our EOF instead of the io timeout
    while (auto body = c.ReadFrame()) {
      auto reply = ParseEnvelope(*body);
      ASSERT_TRUE(reply.ok()) << "input " << i << ": " << reply.status().ToString();
      ASSERT_TRUE(VerifyEnvelope(*reply, kNet, UnixSeconds(Env::Default())).ok()) << "input " << i;
      ASSERT_TRUE(reply->type == kTypeOk || ParseErrorBody(*reply).ok()) << "input " << i;
      ++replies;
    }
    ASSERT_FALSE(c.timed_out()) << "server hung on input " << i << ": " << ToHex(input);
    ++closes;
    if (i % 500 == 0) ExpectGoodServed(good);
  }
  ExpectGoodServed(good);
  EXPECT_GT(replies, kFrames / 2);  // most inputs are complete frames and get a signed refusal
  EXPECT_EQ(closes, kFrames);
  EXPECT_GT(server_->stats().refusals, static_cast<std::uint64_t>(kFrames / 2));
}

}  // namespace
}  // namespace cairn::control
