// ControlClient: one signed request and one verified reply per TCP connection.
//
// Each call runs its own io_context on the calling thread: connect, then write the request while already reading,
// so an early refusal (sent while the request is still being written) is read rather than lost to a failed write.
// One timer bounds the whole call.
#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <optional>
#include <string>
#include <utility>

#include "cairn/core/control.h"
#include "cairn/core/hex.h"

namespace cairn::control {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

constexpr std::size_t kReadChunk = 16 << 10;

// The transport half of a call: sends `frame`, returns the first reply frame body.
class Exchange {
 public:
  Exchange(const tcp::endpoint& to, Bytes frame, std::size_t max_frame_bytes, std::chrono::milliseconds timeout)
      : socket_(io_), timer_(io_), to_(to), frame_(std::move(frame)), reader_(max_frame_bytes), timeout_(timeout) {}

  Result<Bytes> Run() {
    timer_.expires_after(timeout_);
    timer_.async_wait([this](const error_code& ec) {
      if (ec) return;
      timed_out_ = true;
      error_code ignored;
      socket_.close(ignored);
    });
    socket_.async_connect(to_, [this](const error_code& ec) { OnConnect(ec); });
    io_.run();
    if (reply_.has_value()) return std::move(*reply_);
    if (timed_out_) return Status::DeadlineExceeded("no reply within " + std::to_string(timeout_.count()) + " ms");
    return failure_;
  }

 private:
  void Finish() {
    error_code ignored;
    socket_.close(ignored);
    timer_.cancel();
  }

  void Fail(Status s) {
    if (failure_.ok()) failure_ = std::move(s);
    Finish();
  }

  void OnConnect(const error_code& ec) {
    if (timed_out_) return;
    if (ec) {
      Fail(Status::Unavailable("connect: " + ec.message()));
      return;
    }
    error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
    asio::async_write(socket_, asio::buffer(frame_), [this](const error_code& wec, std::size_t) {
      // A failed write is not the end: the peer may have refused early and its reply may be waiting to be read.
      if (wec) write_error_ = wec.message();
    });
    Read();
  }

  void Read() {
    socket_.async_read_some(asio::buffer(buf_), [this](const error_code& ec, std::size_t n) { OnRead(ec, n); });
  }

  void OnRead(const error_code& ec, std::size_t n) {
    if (timed_out_ || reply_.has_value()) return;
    if (ec) {
      std::string what = ec == asio::error::eof ? "closed without a reply" : "read: " + ec.message();
      if (!write_error_.empty()) what += " (write: " + write_error_ + ")";
      Fail(Status::Unavailable("peer " + what));
      return;
    }
    Status fed = reader_.Feed(ByteSpan(buf_.data(), n));
    if (!fed.ok()) {
      Fail(Status::Corruption("reply frame: " + fed.message()));
      return;
    }
    if (auto body = reader_.Next()) {
      reply_ = std::move(*body);
      Finish();
      return;
    }
    Read();
  }

  asio::io_context io_{1};
  tcp::socket socket_;
  asio::steady_timer timer_;
  tcp::endpoint to_;
  Bytes frame_;
  wire::FrameReader reader_;
  std::chrono::milliseconds timeout_;
  std::array<std::uint8_t, kReadChunk> buf_{};
  std::optional<Bytes> reply_;
  Status failure_;
  std::string write_error_;
  bool timed_out_ = false;
};

}  // namespace

ControlClient::ControlClient(const Identity& identity, std::string network_id, Env* env, std::size_t max_frame_bytes)
    : identity_(&identity),
      network_id_(std::move(network_id)),
      env_(env == nullptr ? Env::Default() : env),
      max_frame_bytes_(max_frame_bytes) {}

Result<Envelope> ControlClient::Call(std::string_view endpoint, const std::optional<Ed25519PublicKey>& expected,
                                     std::string_view type, wire::Value::Dict body,
                                     std::chrono::milliseconds timeout) const {
  CAIRN_ASSIGN_OR_RETURN(Endpoint ep, ParseEndpoint(endpoint));
  return Call(ep, expected, type, std::move(body), timeout);
}

Result<Envelope> ControlClient::Call(const Endpoint& endpoint, const std::optional<Ed25519PublicKey>& expected,
                                     std::string_view type, wire::Value::Dict body,
                                     std::chrono::milliseconds timeout) const {
  if (timeout.count() <= 0) return Status::InvalidArgument("control call: timeout must be positive");
  if (endpoint.port == 0) return Status::InvalidArgument("control call: port 0");
  if (type == kTypeOk || type == kTypeError) return Status::InvalidArgument("control call: reply type as request");
  error_code ec;
  const asio::ip::address address = asio::ip::make_address(endpoint.ip, ec);
  if (ec) return Status::InvalidArgument("control call: address " + endpoint.ip + ": " + ec.message());

  const Nonce nonce = NewNonce();
  CAIRN_ASSIGN_OR_RETURN(Envelope request, SignEnvelope(*identity_, network_id_, type, std::move(body), nonce,
                                                        UnixSeconds(env_), std::nullopt, max_frame_bytes_));
  const std::string peer = ToString(endpoint);
  Exchange exchange(tcp::endpoint(address, endpoint.port), FrameOf(request), max_frame_bytes_, timeout);
  auto raw = exchange.Run();
  if (!raw.ok()) return raw.status().WithContext("control call to " + peer);

  auto reply = ParseEnvelope(*raw, max_frame_bytes_);
  if (!reply.ok())
    return Status::Corruption("control call to " + peer + ": malformed reply: " + reply.status().message());
  Status verified = VerifyEnvelope(*reply, network_id_, UnixSeconds(env_));
  if (!verified.ok()) {
    if (verified.code() == Code::kDeadlineExceeded) {
      // Our clock and the peer's disagree: not a timeout, and retrying will not help.
      verified = Status::FailedPrecondition("reply " + verified.message());
    }
    return verified.WithContext("control call to " + peer);
  }
  if (expected.has_value() && reply->from != *expected) {
    return Status::AuthFailed("control call to " + peer + ": reply signed by " + ToHex(ByteSpan(reply->from)) +
                              ", expected " + ToHex(ByteSpan(*expected)));
  }
  if (reply->type != kTypeOk && reply->type != kTypeError) {
    return Status::Corruption("control call to " + peer + ": reply of type \"" + reply->type + "\"");
  }
  std::optional<ErrorInfo> error;
  if (reply->type == kTypeError) {
    auto info = ParseErrorBody(*reply);
    if (!info.ok()) return Status::Corruption("control call to " + peer + ": " + info.status().message());
    error = std::move(*info);
  }
  if (!reply->re.has_value()) {
    // A refusal of a frame the peer could not parse carries no "re"; it proves nothing about this request.
    if (error.has_value()) {
      return Status::Unavailable("control call to " + peer + ": refused: " + error->code + ": " + error->msg);
    }
    return Status::Corruption("control call to " + peer + ": reply without \"re\"");
  }
  if (*reply->re != nonce) return Status::Corruption("control call to " + peer + ": reply to another request");
  return std::move(*reply);
}

}  // namespace cairn::control
