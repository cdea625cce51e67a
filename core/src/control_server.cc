// ControlServer: the control channel's TCP server on Boost.Asio, one io thread.
//
// Per connection (all on the io thread):
//   read bytes -> FrameReader -> for each complete frame, one at a time:
//     parse + verify + replay check -> refusal: signed error reply, then a lingering close
//                                   -> handler -> signed "ok"/"error" reply; the connection stays open
// Reading pauses while a reply is being written, so a client cannot make the server queue unbounded replies.
// Deadlines (one timer per connection): idle_timeout from accept and from each reply sent until the next request
// completes; io_timeout for a frame once its first byte arrived and for each reply write. A refused connection
// half-closes (FIN) after its error reply and discards input for a short while, so the reply is not destroyed by a
// TCP reset when the peer was still sending (a close with unread input sends RST).
#include <algorithm>
#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include "cairn/core/control.h"

namespace cairn::control {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

constexpr std::size_t kReadChunk = 16 << 10;
constexpr std::chrono::milliseconds kLingerTime{1000};
constexpr std::size_t kLingerMaxBytes = 4 << 20;
constexpr std::chrono::milliseconds kAcceptRetry{50};

}  // namespace

class ControlServer::Impl {
 public:
  Impl(const Identity& identity, ServerOptions options, Handler handler)
      : identity_(identity),
        options_(std::move(options)),
        handler_(std::move(handler)),
        acceptor_(io_),
        accept_retry_(io_),
        replay_(options_.replay_capacity) {
    if (options_.env == nullptr) options_.env = Env::Default();
  }

  Status Bind();
  void Run() {
    thread_ = std::thread([this] { io_.run(); });
  }
  void Stop();

  const Endpoint& endpoint() const { return endpoint_; }
  Stats stats() const {
    std::lock_guard<std::mutex> lock(stats_mu_);
    return stats_;
  }

 private:
  class Connection;
  friend class Connection;

  void Accept();
  template <typename F>
  void Count(F f) {
    std::lock_guard<std::mutex> lock(stats_mu_);
    f(stats_);
  }

  const Identity& identity_;
  ServerOptions options_;
  Handler handler_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  asio::steady_timer accept_retry_;
  std::thread thread_;
  std::once_flag stop_once_;
  Endpoint endpoint_;
  ReplayCache replay_;                                           // io thread only
  std::unordered_set<std::shared_ptr<Connection>> connections_;  // io thread only
  mutable std::mutex stats_mu_;
  Stats stats_;
};

class ControlServer::Impl::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Impl& server, tcp::socket socket)
      : server_(server), socket_(std::move(socket)), timer_(server.io_), reader_(server.options_.max_frame_bytes) {}

  void Start() {
    SetDeadline(Clock::now() + server_.options_.idle_timeout);
    Read();
  }

  // Closes at once; pending operations finish with operation_aborted and do nothing.
  void Close() {
    if (closed_) return;
    closed_ = true;
    server_.Count([](Stats& s) { --s.open_connections; });
    error_code ignored;
    socket_.close(ignored);
    timer_.cancel();
    server_.connections_.erase(shared_from_this());
  }

 private:
  void SetDeadline(Clock::time_point at) {
    deadline_ = at;
    timer_.expires_at(at);
    timer_.async_wait([self = shared_from_this()](const error_code& ec) { self->OnTimer(ec); });
  }

  void OnTimer(const error_code& ec) {
    // A wait superseded by a later SetDeadline may still complete successfully; only the current deadline counts.
    if (ec || closed_ || Clock::now() < deadline_) return;
    if (!lingering_) server_.Count([](Stats& s) { ++s.timeouts; });
    Close();
  }

  void Read() {
    socket_.async_read_some(asio::buffer(buf_),
                            [self = shared_from_this()](const error_code& ec, std::size_t n) { self->OnRead(ec, n); });
  }

  void OnRead(const error_code& ec, std::size_t n) {
    if (closed_) return;
    if (ec) {
      Close();  // EOF or a socket error: nothing more to answer
      return;
    }
    if (lingering_) {
      lingered_bytes_ += n;
      if (lingered_bytes_ > kLingerMaxBytes) {
        Close();
      } else {
        Read();
      }
      return;
    }
    const bool was_idle = reader_.partial_bytes() == 0;
    Status fed = reader_.Feed(ByteSpan(buf_.data(), n));
    if (!fed.ok()) {
      Refuse(fed, std::nullopt);
      return;
    }
    if (was_idle && reader_.partial_bytes() > 0) {
      // A frame has started: it must complete within io_timeout (slow senders hold a connection slot).
      SetDeadline(std::min(deadline_, Clock::now() + server_.options_.io_timeout));
    }
    ProcessNext();
  }

  // Answers the oldest complete frame, or reads more when none is left.
  void ProcessNext() {
    std::optional<Bytes> body = reader_.Next();
    if (!body.has_value()) {
      Read();
      return;
    }
    const std::int64_t now = UnixSeconds(server_.options_.env);
    auto parsed = ParseEnvelope(*body, server_.options_.max_frame_bytes);
    if (!parsed.ok()) {
      Refuse(parsed.status(), std::nullopt);
      return;
    }
    const Envelope& request = *parsed;
    if (request.re.has_value() || request.type == kTypeOk || request.type == kTypeError) {
      Refuse(Status::Corruption("a reply sent as a request"), request.nonce);
      return;
    }
    Status verified = VerifyEnvelope(request, server_.options_.network_id, now);
    if (verified.ok()) verified = server_.replay_.Insert(request.from, request.nonce, request.ts, now);
    if (!verified.ok()) {
      Refuse(verified, request.nonce);
      return;
    }
    Reply reply = server_.handler_ ? server_.handler_(request)
                                   : Reply::Error(kCodeUnknownType, "no handler for \"" + request.type + "\"");
    server_.Count([](Stats& s) { ++s.requests_served; });
    Send(std::move(reply), request.nonce, /*close_after=*/false);
  }

  void Refuse(const Status& why, const std::optional<Nonce>& re) {
    server_.Count([](Stats& s) { ++s.refusals; });
    Send(Reply::Error(RefusalCode(why), why.message()), re, /*close_after=*/true);
  }

  void Send(Reply reply, const std::optional<Nonce>& re, bool close_after) {
    const Impl& s = server_;
    const std::int64_t now = UnixSeconds(s.options_.env);
    auto signed_reply = SignEnvelope(s.identity_, s.options_.network_id, reply.type, std::move(reply.body), NewNonce(),
                                     now, re, s.options_.max_frame_bytes);
    if (!signed_reply.ok()) {
      // Too large, or a handler's type is invalid: tell the client something went wrong on this side.
      signed_reply =
          SignEnvelope(s.identity_, s.options_.network_id, kTypeError,
                       ErrorBody(kCodeInternal, "reply could not be built: " + signed_reply.status().message()),
                       NewNonce(), now, re, s.options_.max_frame_bytes);
      if (!signed_reply.ok()) {
        Close();
        return;
      }
    }
    out_ = FrameOf(*signed_reply);
    SetDeadline(Clock::now() + s.options_.io_timeout);
    asio::async_write(socket_, asio::buffer(out_),
                      [self = shared_from_this(), close_after](const error_code& ec, std::size_t) {
                        self->OnWritten(ec, close_after);
                      });
  }

  void OnWritten(const error_code& ec, bool close_after) {
    if (closed_) return;
    if (ec) {
      Close();
      return;
    }
    if (close_after) {
      Linger();
      return;
    }
    SetDeadline(Clock::now() + server_.options_.idle_timeout);
    if (reader_.partial_bytes() > 0) {
      SetDeadline(std::min(deadline_, Clock::now() + server_.options_.io_timeout));
    }
    ProcessNext();
  }

  // Half-closes and drains input until the peer closes, kLingerTime passes or kLingerMaxBytes arrive.
  void Linger() {
    lingering_ = true;
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    SetDeadline(Clock::now() + std::min<std::chrono::milliseconds>(kLingerTime, server_.options_.io_timeout));
    Read();
  }

  Impl& server_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  Clock::time_point deadline_;
  wire::FrameReader reader_;
  std::array<std::uint8_t, kReadChunk> buf_{};
  Bytes out_;
  bool closed_ = false;
  bool lingering_ = false;
  std::size_t lingered_bytes_ = 0;
};

Status ControlServer::Impl::Bind() {
  if (!IsValidNetworkId(options_.network_id)) return Status::InvalidArgument("control server: invalid network id");
  if (options_.max_connections == 0) return Status::InvalidArgument("control server: max_connections is 0");
  if (options_.max_frame_bytes < 2 || options_.max_frame_bytes > std::numeric_limits<std::uint32_t>::max()) {
    return Status::InvalidArgument("control server: max_frame_bytes out of range");
  }
  if (options_.idle_timeout.count() <= 0 || options_.io_timeout.count() <= 0) {
    return Status::InvalidArgument("control server: timeouts must be positive");
  }
  auto ep = ParseEndpoint(options_.listen);
  if (!ep.ok()) return ep.status().WithContext("control server listen address");
  error_code ec;
  const asio::ip::address address = asio::ip::make_address(ep->ip, ec);
  if (ec) return Status::InvalidArgument("control server listen address: " + ec.message());
  const tcp::endpoint bind_to(address, ep->port);
  const std::string where = "control server on " + options_.listen;
  if (acceptor_.open(bind_to.protocol(), ec); ec) return Status::IOError(where + ": socket: " + ec.message());
  if (acceptor_.set_option(tcp::acceptor::reuse_address(true), ec); ec) {
    return Status::IOError(where + ": SO_REUSEADDR: " + ec.message());
  }
  if (acceptor_.bind(bind_to, ec); ec) return Status::IOError(where + ": bind: " + ec.message());
  if (acceptor_.listen(asio::socket_base::max_listen_connections, ec); ec) {
    return Status::IOError(where + ": listen: " + ec.message());
  }
  const tcp::endpoint bound = acceptor_.local_endpoint(ec);
  if (ec) return Status::IOError(where + ": getsockname: " + ec.message());
  endpoint_ = Endpoint{ep->ip, bound.port()};
  Accept();
  return Status::Ok();
}

void ControlServer::Impl::Accept() {
  acceptor_.async_accept([this](const error_code& ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      // EMFILE and friends: back off briefly instead of spinning on the error.
      accept_retry_.expires_after(kAcceptRetry);
      accept_retry_.async_wait([this](const error_code& wait_ec) {
        if (!wait_ec) Accept();
      });
      return;
    }
    if (connections_.size() >= options_.max_connections) {
      Count([](Stats& s) { ++s.connections_rejected; });  // counted before the peer can see the close
      error_code ignored;
      socket.close(ignored);
    } else {
      error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);  // replies are single small writes
      auto conn = std::make_shared<Connection>(*this, std::move(socket));
      connections_.insert(conn);
      Count([](Stats& s) {
        ++s.connections_accepted;
        ++s.open_connections;
      });
      conn->Start();
    }
    Accept();
  });
}

void ControlServer::Impl::Stop() {
  std::call_once(stop_once_, [this] {
    asio::post(io_, [this] {
      error_code ignored;
      acceptor_.close(ignored);
      accept_retry_.cancel();
      // Close() erases from the set: iterate over a copy.
      std::vector<std::shared_ptr<Connection>> open(connections_.begin(), connections_.end());
      for (auto& c : open) c->Close();
    });
    if (thread_.joinable()) thread_.join();
  });
}

ControlServer::ControlServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ControlServer::~ControlServer() { Stop(); }

Result<std::unique_ptr<ControlServer>> ControlServer::Start(const Identity& identity, ServerOptions options,
                                                            Handler handler) {
  auto impl = std::make_unique<Impl>(identity, std::move(options), std::move(handler));
  CAIRN_RETURN_IF_ERROR(impl->Bind());
  impl->Run();
  return std::unique_ptr<ControlServer>(new ControlServer(std::move(impl)));
}

void ControlServer::Stop() { impl_->Stop(); }

const Endpoint& ControlServer::endpoint() const { return impl_->endpoint(); }

ControlServer::Stats ControlServer::stats() const { return impl_->stats(); }

}  // namespace cairn::control
