// The control channel, protocol v1: signed, replay-proof request/reply messages between a client and a provider
// over TCP. This header has the envelope (build + sign, parse + verify), the bounded replay cache, a server (one io
// thread, a handler called per verified request) and a blocking client call. The exact grammar is written at the top
// of control_envelope.cc.
//
//   envelope := { "v": 1, "net": network id, "t": message type, "n": 16-byte nonce, "ts": unix seconds,
//                 "from": 32-byte Ed25519 key, "b": body dict, "re": request nonce (replies only), "sig": 64 bytes }
//   sig = Ed25519(from, "cairn/ctl/v1\0" || canonical bencoding of the envelope without "sig")
//
// Every frame is a u32 BE length then the envelope's canonical bencoding (wire.h), at most 1 MiB. A receiver refuses
// a frame with an error reply whose "code" is one of the kCode* strings below, then closes the connection. Replies
// have type "ok" (any body) or "error" ({"code": str, "msg": str}); a handler's own error codes ("capacity",
// "price", ...) do not close the connection.
//
// Status codes map to refusal codes (RefusalCode): kAuthFailed -> "bad-signature", kFailedPrecondition ->
// "wrong-network", kDeadlineExceeded -> "stale", kAlreadyExists -> "replay", kUnavailable -> "busy", kInternal ->
// "internal", anything else -> "bad-frame".
//
// Thread-safety: free functions are reentrant. ReplayCache is not thread-safe (the server uses it from its io
// thread). ControlServer's methods may be called from any thread; its handler runs on the server's io thread.
// ControlClient::Call may be called from many threads at once.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/core/bytes.h"
#include "cairn/core/endpoint.h"
#include "cairn/core/env.h"
#include "cairn/core/identity.h"
#include "cairn/core/network.h"
#include "cairn/core/status.h"
#include "cairn/core/wire.h"

namespace cairn::control {

inline constexpr std::int64_t kProtocolVersion = 1;
inline constexpr std::size_t kNonceSize = 16;
using Nonce = std::array<std::uint8_t, kNonceSize>;

inline constexpr std::size_t kMaxFrameBytes = wire::kDefaultMaxFrameBytes;
inline constexpr std::int64_t kMaxClockSkewSeconds = 120;
inline constexpr std::size_t kMaxTypeBytes = 32;
inline constexpr std::size_t kMaxErrorCodeBytes = 64;
inline constexpr std::size_t kMaxErrorMessageBytes = 1024;
// The prefix of every signed message: the protocol name and version, NUL-terminated (13 bytes).
inline constexpr std::string_view kSigningContext{"cairn/ctl/v1\0", 13};

// Reply types.
inline constexpr std::string_view kTypeOk = "ok";
inline constexpr std::string_view kTypeError = "error";
// Request types of protocol v1 (bodies in the issue and in provider/client code).
inline constexpr std::string_view kTypeRecord = "record";
inline constexpr std::string_view kTypePropose = "propose";
inline constexpr std::string_view kTypeDeal = "deal";
inline constexpr std::string_view kTypeFetch = "fetch";
inline constexpr std::string_view kTypeRemove = "remove";

// Refusal codes sent by the channel itself (a refusal closes the connection).
inline constexpr std::string_view kCodeBadFrame = "bad-frame";
inline constexpr std::string_view kCodeBadSignature = "bad-signature";
inline constexpr std::string_view kCodeWrongNetwork = "wrong-network";
inline constexpr std::string_view kCodeReplay = "replay";
inline constexpr std::string_view kCodeStale = "stale";
inline constexpr std::string_view kCodeBusy = "busy";          // replay cache full; try again later
inline constexpr std::string_view kCodeInternal = "internal";  // a bug on the receiver's side
// Sent by the server (connection kept) when no handler result exists for a type; handlers may use it too.
inline constexpr std::string_view kCodeUnknownType = "unknown-type";

// A parsed envelope. `raw` holds its exact canonical bytes (the frame body): an "ok" reply of a "deal" request in
// state "stored" is the provider's signed storage receipt, and keeping `raw` keeps the proof.
struct Envelope {
  std::string net;  // network id
  std::string type;
  Nonce nonce{};
  std::int64_t ts = 0;  // sender's unix seconds
  Ed25519PublicKey from{};
  wire::Value::Dict body;
  std::optional<Nonce> re;  // replies only: the request's nonce
  Ed25519Signature sig{};
  Bytes raw;

  bool is_reply() const { return re.has_value(); }
};

// The fields of an "error" reply.
struct ErrorInfo {
  std::string code;
  std::string msg;
};

// 16 random bytes from the OS CSPRNG.
Nonce NewNonce();
// Seconds since the Unix epoch by env's wall clock.
std::int64_t UnixSeconds(Env* env);

// ---- Envelope ----

// Builds and signs an envelope. kInvalidArgument for an invalid network id (IsValidNetworkId) or type (printable
// ASCII, 1..kMaxTypeBytes); kResourceExhausted when the encoding would exceed max_frame_bytes.
Result<Envelope> SignEnvelope(const Identity& signer, std::string_view network_id, std::string_view type,
                              wire::Value::Dict body, const Nonce& nonce, std::int64_t ts,
                              const std::optional<Nonce>& re = std::nullopt,
                              std::size_t max_frame_bytes = kMaxFrameBytes);
// The frame: u32 BE length then envelope.raw.
Bytes FrameOf(const Envelope& envelope);

// Parses the structure only (canonical bencode; every field present, typed, in range; no other key). Errors map
// to "bad-frame". Does not check the signature, network or clock.
Result<Envelope> ParseEnvelope(ByteSpan body, std::size_t max_frame_bytes = kMaxFrameBytes);
// Checks the network id (kFailedPrecondition), the clock (|now - ts| > kMaxClockSkewSeconds: kDeadlineExceeded) and
// the signature (kAuthFailed), in that order.
Status VerifyEnvelope(const Envelope& envelope, std::string_view network_id, std::int64_t now_seconds);
// Network and signature only, for checking a stored receipt long after it was made.
Status VerifyEnvelopeSignature(const Envelope& envelope, std::string_view network_id);
// The refusal code a receiver sends for a failed Parse/Verify/replay check (mapping in the header comment).
std::string_view RefusalCode(const Status& status);

// The body of an "error" reply.
wire::Value::Dict ErrorBody(std::string_view code, std::string_view msg);
// Reads an "error" reply's body: kInvalidArgument/kNotFound unless the envelope has type "error" and a body with
// a printable "code" (1..kMaxErrorCodeBytes) and "msg" (<= kMaxErrorMessageBytes, printable).
Result<ErrorInfo> ParseErrorBody(const Envelope& reply);

// ---- Replay cache ----

// Remembers (from, nonce) pairs of accepted frames until their timestamp leaves the freshness window (an entry for
// a frame stamped ts is dropped once now > ts + window_seconds, after which that frame is refused as stale anyway).
// Holds at most `capacity` live entries: when full after dropping the expired ones, new frames are refused
// (kUnavailable, "busy") rather than forgetting a live entry, which would re-open a replay.
class ReplayCache {
 public:
  explicit ReplayCache(std::size_t capacity = 1 << 18, std::int64_t window_seconds = kMaxClockSkewSeconds);

  // Records the pair. kAlreadyExists when it was seen within the window; kUnavailable when the cache is full.
  // REQUIRES: the frame's timestamp passed the freshness check at `now_seconds`.
  Status Insert(const Ed25519PublicKey& from, const Nonce& nonce, std::int64_t ts, std::int64_t now_seconds);
  std::size_t size() const { return keys_.size(); }
  std::size_t capacity() const { return capacity_; }

 private:
  using Key = std::array<std::uint8_t, kEd25519PublicKeySize + kNonceSize>;
  struct Expiry {
    std::int64_t at;
    Key key;
    bool operator>(const Expiry& o) const { return at > o.at; }
  };
  void DropExpired(std::int64_t now_seconds);

  std::size_t capacity_;
  std::int64_t window_seconds_;
  std::set<Key> keys_;  // ordered: O(log n) whatever nonces a sender picks (no hash flooding)
  std::priority_queue<Expiry, std::vector<Expiry>, std::greater<>> expiries_;
};

// Parse, verify and record in one step, as a server does for each request frame.
Result<Envelope> OpenEnvelope(ByteSpan body, std::string_view network_id, std::int64_t now_seconds, ReplayCache& replay,
                              std::size_t max_frame_bytes = kMaxFrameBytes);

// ---- Server ----

// What a handler answers: type "ok" with a body, or "error" with {"code", "msg"}.
struct Reply {
  std::string type;
  wire::Value::Dict body;

  static Reply Ok(wire::Value::Dict body = {}) { return {std::string(kTypeOk), std::move(body)}; }
  static Reply Error(std::string_view code, std::string_view msg) {
    return {std::string(kTypeError), ErrorBody(code, msg)};
  }
};

// Called on the server's io thread for each verified request (type, body and sender are in `request`). It should
// return quickly: while it runs no other connection is served. A reply too large for a frame becomes an
// "internal" error reply.
using Handler = std::function<Reply(const Envelope& request)>;

struct ServerOptions {
  std::string listen = "127.0.0.1:0";  // an explicit IP and a port; port 0 picks a free one (see endpoint())
  std::string network_id;              // required
  std::size_t max_frame_bytes = kMaxFrameBytes;
  std::size_t max_connections = 64;  // further connections are closed at once
  // A connection is closed when no request completes for idle_timeout, or a started frame or a reply write takes
  // longer than io_timeout.
  std::chrono::milliseconds idle_timeout{30'000};
  std::chrono::milliseconds io_timeout{10'000};
  std::size_t replay_capacity = 1 << 18;
  Env* env = nullptr;  // wall clock for "ts"; nullptr: Env::Default()
};

class ControlServer {
 public:
  struct Stats {
    std::uint64_t connections_accepted = 0;
    std::uint64_t connections_rejected = 0;  // over max_connections
    std::uint64_t requests_served = 0;       // handler called
    std::uint64_t refusals = 0;              // error replies by the channel, each followed by a close
    std::uint64_t timeouts = 0;
    std::size_t open_connections = 0;
  };

  // Binds, listens and starts the io thread. `identity` signs every reply and must outlive the server.
  // kInvalidArgument for bad options; kIOError when the address cannot be bound.
  static Result<std::unique_ptr<ControlServer>> Start(const Identity& identity, ServerOptions options, Handler handler);
  ~ControlServer();  // Stop()
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Closes the listener and every connection and joins the io thread. Idempotent.
  // REQUIRES: not called from the handler (it runs on the io thread being joined).
  void Stop();
  // The bound address, with the real port when 0 was asked for.
  const Endpoint& endpoint() const;
  Stats stats() const;

  class Impl;

 private:
  explicit ControlServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// ---- Client ----

class ControlClient {
 public:
  // `identity` signs every request and must outlive the client. env: wall clock for "ts"; nullptr: Env::Default().
  ControlClient(const Identity& identity, std::string network_id, Env* env = nullptr,
                std::size_t max_frame_bytes = kMaxFrameBytes);

  // Connects, sends one signed request, reads one reply, closes. The reply is verified: canonical structure,
  // network, clock, signature, "re" == the request's nonce, "from" == `expected` (nullopt: any key), type "ok" or
  // "error" (an error body well formed). A verified "error" reply is returned as a value (see ParseErrorBody).
  // Errors: kInvalidArgument (bad arguments), kUnavailable (cannot connect, closed without a reply, or refused
  // with an error reply that is not bound to this request), kDeadlineExceeded (timeout covering the whole call),
  // kCorruption (malformed reply, wrong "re"), kAuthFailed (bad signature, unexpected "from"),
  // kFailedPrecondition (another network).
  Result<Envelope> Call(const Endpoint& endpoint, const std::optional<Ed25519PublicKey>& expected,
                        std::string_view type, wire::Value::Dict body, std::chrono::milliseconds timeout) const;
  // The same with "ip:port".
  Result<Envelope> Call(std::string_view endpoint, const std::optional<Ed25519PublicKey>& expected,
                        std::string_view type, wire::Value::Dict body, std::chrono::milliseconds timeout) const;

  const Ed25519PublicKey& public_key() const { return identity_->public_key(); }
  const std::string& network_id() const { return network_id_; }

 private:
  const Identity* identity_;
  std::string network_id_;
  Env* env_;
  std::size_t max_frame_bytes_;
};

}  // namespace cairn::control
