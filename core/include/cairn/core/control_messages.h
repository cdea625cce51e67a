// Typed bodies of the control protocol v1 requests and replies (the envelope is in control.h): "record",
// "propose", "deal", "fetch", "remove", the deal id derivation and the handler error codes. Shared by the provider
// (which answers) and the client (which asks), so both read and write the same fields with the same limits.
//
//   "record"  {}                      -> ok {"id": 32, "ctl": "ip:port", "bt": "ip:port", "cap": int, "free": int,
//                                            "price": int, "ver": str}
//   "propose" {"shard": 32, "size": int, "ih": 32, "torrent": bytes, "price": int, "dur": int, "ticket": 32,
//              "peer": "ip:port"}     -> ok {"deal": 32, "state": "accepted"} | error {"code", "msg"}
//   "deal"    {"deal": 32}            -> ok {"deal": 32, "state": str, "have": int, "shard": 32}
//   "fetch"   {"shard": 32}           -> ok {"ih": 32, "torrent": bytes, "bt": "ip:port"}
//   "remove"  {"deal": 32}            -> ok {}
//   deal id = SHA-256("cairn/deal/v1" || client public key || canonical bencoding of the propose body)
//
// FromBody refuses a missing, ill-typed or out-of-range field (kNotFound / kInvalidArgument naming it) and ignores
// keys it does not know, so a later version may add fields (a propose's extra fields are still bound by the deal id).
//
// Thread-safety: plain values and reentrant functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cairn/core/bytes.h"
#include "cairn/core/endpoint.h"
#include "cairn/core/identity.h"
#include "cairn/core/ids.h"
#include "cairn/core/status.h"
#include "cairn/core/wire.h"

namespace cairn::control {

// Limits on body fields.
inline constexpr std::uint64_t kMaxShardSize = std::uint64_t{1} << 36;  // 64 GiB
inline constexpr std::uint64_t kMaxPriceValue = std::uint64_t{1} << 62;
inline constexpr std::uint64_t kMaxDurationEpochs = std::uint64_t{1} << 32;
inline constexpr std::uint64_t kMaxCapacityValue = std::uint64_t{1} << 62;
inline constexpr std::size_t kMaxTorrentBytes = 960 << 10;  // leaves room for the envelope in a 1 MiB frame
inline constexpr std::size_t kMaxVersionBytes = 64;
inline constexpr std::size_t kMaxStateBytes = 32;

// Error codes a provider's handler answers with ({"code": ..., "msg": ...}); the connection stays open.
inline constexpr std::string_view kCodeBadRequest = "bad-request";   // a body field missing or out of range
inline constexpr std::string_view kCodeBadTorrent = "bad-torrent";   // torrent does not match shard, size or ih
inline constexpr std::string_view kCodeCapacity = "capacity";        // not enough free space
inline constexpr std::string_view kCodePrice = "price";              // offered price below the provider's
inline constexpr std::string_view kCodeSize = "size";                // shard larger than the provider takes
inline constexpr std::string_view kCodeExists = "exists";            // the shard is held under another deal
inline constexpr std::string_view kCodeNotFound = "not-found";       // no such deal or stored shard
inline constexpr std::string_view kCodeForbidden = "forbidden";      // not the deal's client
inline constexpr std::string_view kCodeUnavailable = "unavailable";  // shutting down, or a local failure

// Deal states as they appear in "state" fields.
inline constexpr std::string_view kStateAccepted = "accepted";
inline constexpr std::string_view kStateDownloading = "downloading";
inline constexpr std::string_view kStateStored = "stored";
inline constexpr std::string_view kStateFailed = "failed";
inline constexpr std::string_view kStateRemoved = "removed";

struct ProviderRecord {
  Ed25519PublicKey id{};
  Endpoint ctl;
  Endpoint bt;
  std::uint64_t capacity = 0;
  std::uint64_t free = 0;
  std::uint64_t price = 0;
  std::string version;

  wire::Value::Dict ToBody() const;
  static Result<ProviderRecord> FromBody(const wire::Value::Dict& body);
};

struct ProposeRequest {
  ShardId shard;               // comm_d
  std::uint64_t size = 0;      // bytes, 1..kMaxShardSize
  Hash32 info_hash{};          // v2 info-hash of `torrent`
  Bytes torrent;               // the shard's .torrent, at most kMaxTorrentBytes
  std::uint64_t price = 0;     // per GiB-epoch
  std::uint64_t duration = 0;  // epochs, 1..kMaxDurationEpochs
  Hash32 ticket{};             // client randomness bound into the seal later
  Endpoint peer;               // where the client seeds the torrent

  wire::Value::Dict ToBody() const;
  static Result<ProposeRequest> FromBody(const wire::Value::Dict& body);
};

// SHA-256("cairn/deal/v1" || client || Encode(propose_body)). Use the body exactly as sent (it may carry fields this
// version does not know).
DealId ComputeDealId(const Ed25519PublicKey& client, const wire::Value::Dict& propose_body);

struct ProposeReply {
  DealId deal;
  std::string state;

  wire::Value::Dict ToBody() const;
  static Result<ProposeReply> FromBody(const wire::Value::Dict& body);
};

// The body of "deal" and "remove" requests.
struct DealRef {
  DealId deal;

  wire::Value::Dict ToBody() const;
  static Result<DealRef> FromBody(const wire::Value::Dict& body);
};

// The "deal" reply. Signed with state "stored", the whole reply frame is the storage receipt.
struct DealStatusReply {
  DealId deal;
  std::string state;
  std::uint64_t have = 0;  // bytes held (verified bytes while downloading, the size once stored)
  ShardId shard;

  wire::Value::Dict ToBody() const;
  static Result<DealStatusReply> FromBody(const wire::Value::Dict& body);
};

struct FetchRequest {
  ShardId shard;

  wire::Value::Dict ToBody() const;
  static Result<FetchRequest> FromBody(const wire::Value::Dict& body);
};

struct FetchReply {
  Hash32 info_hash{};
  Bytes torrent;
  Endpoint bt;

  wire::Value::Dict ToBody() const;
  static Result<FetchReply> FromBody(const wire::Value::Dict& body);
};

}  // namespace cairn::control
