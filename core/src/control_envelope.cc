// The control protocol v1 envelope: building, signing, parsing and verifying.
//
// Grammar (canonical bencode, wire.h; keys listed in their encoded order):
//   frame    := length:be32 envelope                     -- 2 <= length <= 1 MiB (kMaxFrameBytes)
//   envelope := 'd'
//                 "1:b"    dict                          -- the message body, any canonical dictionary
//                 "4:from" "32:" pubkey[32]              -- sender's Ed25519 public key
//                 "1:n"    "16:" nonce[16]               -- fresh random bytes per message
//                 "3:net"  len ':' id                    -- network id, 1..64 bytes
//                 ( "2:re" "16:" nonce[16] )?            -- replies only: the nonce of the request answered
//                 "3:sig"  "64:" sig[64]                 -- Ed25519 signature, below
//                 "1:t"    len ':' type                  -- printable ASCII, 1..32 bytes
//                 "2:ts"   'i' seconds 'e'               -- sender's Unix time, 0..2^40
//                 "1:v"    "i1e"                         -- protocol version
//               'e'                                      -- and no other key
//   signed   := "cairn/ctl/v1" 0x00 || envelope without its "sig" entry (still canonical)
//   sig      := Ed25519(secret key of from, signed)
// Replies: t = "ok" (any body) or "error" (body {"code": printable 1..64, "msg": printable 0..1024}).
//
// A receiver checks, in order: frame size and canonical structure (bad-frame), network id (wrong-network), |now -
// ts| <= 120 s (stale), the signature (bad-signature), and only then records (from, n) in its replay cache (replay,
// or busy when the cache is full), so forged frames cannot fill the cache.
#include <charconv>
#include <cstring>
#include <limits>
#include <string>
#include <utility>

#include "cairn/core/aead.h"
#include "cairn/core/control.h"

namespace cairn::control {
namespace {

constexpr std::int64_t kMaxTimestamp = std::int64_t{1} << 40;

void AppendStr(Bytes& out, ByteSpan s) {
  char len[24];
  auto r = std::to_chars(len, len + sizeof(len), s.size());
  out.insert(out.end(), len, r.ptr);
  out.push_back(':');
  Append(out, s);
}
void AppendStr(Bytes& out, std::string_view s) { AppendStr(out, AsBytes(s)); }

void AppendInt(Bytes& out, std::int64_t v) {
  char digits[24];
  auto r = std::to_chars(digits, digits + sizeof(digits), v);
  out.push_back('i');
  out.insert(out.end(), digits, r.ptr);
  out.push_back('e');
}

// The canonical encoding of the envelope, with or without the "sig" entry, appended to `out`. The body dictionary
// is encoded entry by entry so a large body is not copied.
void EncodeEnvelope(const Envelope& e, bool with_sig, Bytes& out) {
  out.push_back('d');
  AppendStr(out, "b");
  out.push_back('d');
  for (const auto& [key, value] : e.body) {
    AppendStr(out, key);
    wire::EncodeTo(value, out);
  }
  out.push_back('e');
  AppendStr(out, "from");
  AppendStr(out, ByteSpan(e.from));
  AppendStr(out, "n");
  AppendStr(out, ByteSpan(e.nonce));
  AppendStr(out, "net");
  AppendStr(out, e.net);
  if (e.re.has_value()) {
    AppendStr(out, "re");
    AppendStr(out, ByteSpan(*e.re));
  }
  if (with_sig) {
    AppendStr(out, "sig");
    AppendStr(out, ByteSpan(e.sig));
  }
  AppendStr(out, "t");
  AppendStr(out, e.type);
  AppendStr(out, "ts");
  AppendInt(out, e.ts);
  AppendStr(out, "v");
  AppendInt(out, kProtocolVersion);
  out.push_back('e');
}

Bytes SigningPayload(const Envelope& e) {
  // Built by copy, not reserve + insert: the latter trips a GCC 12 false positive (-Wstringop-overflow).
  const ByteSpan context = AsBytes(kSigningContext);
  Bytes out(context.begin(), context.end());
  EncodeEnvelope(e, /*with_sig=*/false, out);
  return out;
}

bool IsValidType(std::string_view type) {
  if (type.empty() || type.size() > kMaxTypeBytes) return false;
  for (char c : type) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

template <std::size_t N>
std::array<std::uint8_t, N> ToArray(ByteSpan b) {
  std::array<std::uint8_t, N> a{};
  std::memcpy(a.data(), b.data(), N);
  return a;
}

}  // namespace

Nonce NewNonce() {
  Nonce n;
  RandomBytes(n);
  return n;
}

std::int64_t UnixSeconds(Env* env) {
  if (env == nullptr) env = Env::Default();
  return static_cast<std::int64_t>(env->WallMicros() / 1'000'000);
}

Result<Envelope> SignEnvelope(const Identity& signer, std::string_view network_id, std::string_view type,
                              wire::Value::Dict body, const Nonce& nonce, std::int64_t ts,
                              const std::optional<Nonce>& re, std::size_t max_frame_bytes) {
  if (!IsValidNetworkId(network_id)) return Status::InvalidArgument("invalid network id");
  if (!IsValidType(type)) return Status::InvalidArgument("invalid message type");
  if (ts < 0 || ts > kMaxTimestamp) return Status::InvalidArgument("timestamp out of range");
  Envelope e;
  e.net = std::string(network_id);
  e.type = std::string(type);
  e.nonce = nonce;
  e.ts = ts;
  e.from = signer.public_key();
  e.body = std::move(body);
  e.re = re;
  e.sig = signer.Sign(SigningPayload(e));
  EncodeEnvelope(e, /*with_sig=*/true, e.raw);
  if (e.raw.size() > max_frame_bytes) {
    return Status::ResourceExhausted("envelope of " + std::to_string(e.raw.size()) + " bytes exceeds the frame limit");
  }
  return e;
}

Bytes FrameOf(const Envelope& envelope) {
  Bytes frame(wire::kFrameHeaderBytes + envelope.raw.size());
  PutBE32(frame.data(), static_cast<std::uint32_t>(envelope.raw.size()));
  if (!envelope.raw.empty()) {
    std::memcpy(frame.data() + wire::kFrameHeaderBytes, envelope.raw.data(), envelope.raw.size());
  }
  return frame;
}

Result<Envelope> ParseEnvelope(ByteSpan body, std::size_t max_frame_bytes) {
  if (body.size() > max_frame_bytes) return Status::ResourceExhausted("frame exceeds the size limit");
  wire::DecodeLimits limits;
  limits.max_bytes = max_frame_bytes;
  CAIRN_ASSIGN_OR_RETURN(wire::Value::Dict d, wire::DecodeFrameBody(body, limits));
  static constexpr std::string_view kKeys[] = {"b", "from", "n", "net", "re", "sig", "t", "ts", "v"};
  for (const auto& entry : d) {
    bool known = false;
    for (std::string_view k : kKeys) known = known || entry.first == k;
    if (!known) return Status::Corruption("unknown envelope field");
  }
  Envelope e;
  CAIRN_ASSIGN_OR_RETURN(std::int64_t version, wire::GetInt(d, "v", 0, std::numeric_limits<std::int64_t>::max()));
  if (version != kProtocolVersion) return Status::Corruption("unsupported protocol version " + std::to_string(version));
  CAIRN_ASSIGN_OR_RETURN(ByteSpan net, wire::GetBytes(d, "net", 1, kMaxNetworkIdBytes));
  e.net = std::string(AsStringView(net));
  CAIRN_ASSIGN_OR_RETURN(e.type, wire::GetText(d, "t", kMaxTypeBytes));
  if (e.type.empty()) return Status::Corruption("empty message type");
  CAIRN_ASSIGN_OR_RETURN(ByteSpan nonce, wire::GetBytes(d, "n", kNonceSize, kNonceSize));
  e.nonce = ToArray<kNonceSize>(nonce);
  CAIRN_ASSIGN_OR_RETURN(e.ts, wire::GetInt(d, "ts", 0, kMaxTimestamp));
  CAIRN_ASSIGN_OR_RETURN(ByteSpan from, wire::GetBytes(d, "from", kEd25519PublicKeySize, kEd25519PublicKeySize));
  e.from = ToArray<kEd25519PublicKeySize>(from);
  CAIRN_ASSIGN_OR_RETURN(ByteSpan sig, wire::GetBytes(d, "sig", kEd25519SignatureSize, kEd25519SignatureSize));
  e.sig = ToArray<kEd25519SignatureSize>(sig);
  if (d.find("re") != d.end()) {
    CAIRN_ASSIGN_OR_RETURN(ByteSpan re, wire::GetBytes(d, "re", kNonceSize, kNonceSize));
    e.re = ToArray<kNonceSize>(re);
  }
  CAIRN_RETURN_IF_ERROR(wire::GetDict(d, "b").status());
  e.body = std::move(d.find("b")->second.as_dict());  // `d` is ours and dies here
  // The decoder accepts only canonical bytes, so the input is exactly the envelope's encoding.
  e.raw = ToBytes(body);
  return e;
}

Status VerifyEnvelopeSignature(const Envelope& envelope, std::string_view network_id) {
  if (envelope.net != network_id) return Status::FailedPrecondition("message for another network");
  if (!VerifySignature(envelope.from, SigningPayload(envelope), envelope.sig)) {
    return Status::AuthFailed("signature does not verify");
  }
  return Status::Ok();
}

Status VerifyEnvelope(const Envelope& envelope, std::string_view network_id, std::int64_t now_seconds) {
  if (envelope.net != network_id) return Status::FailedPrecondition("message for another network");
  const std::int64_t skew = envelope.ts > now_seconds ? envelope.ts - now_seconds : now_seconds - envelope.ts;
  if (skew > kMaxClockSkewSeconds) {
    return Status::DeadlineExceeded("timestamp " + std::to_string(skew) + " s away from the receiver's clock");
  }
  return VerifyEnvelopeSignature(envelope, network_id);
}

std::string_view RefusalCode(const Status& status) {
  switch (status.code()) {
    case Code::kAuthFailed:
      return kCodeBadSignature;
    case Code::kFailedPrecondition:
      return kCodeWrongNetwork;
    case Code::kDeadlineExceeded:
      return kCodeStale;
    case Code::kAlreadyExists:
      return kCodeReplay;
    case Code::kUnavailable:
      return kCodeBusy;
    case Code::kInternal:
      return kCodeInternal;
    default:
      return kCodeBadFrame;
  }
}

wire::Value::Dict ErrorBody(std::string_view code, std::string_view msg) {
  wire::Value::Dict body;
  body["code"] = wire::Value::Str(code.substr(0, kMaxErrorCodeBytes));
  std::string clean(msg.substr(0, kMaxErrorMessageBytes));
  for (char& c : clean) {
    if (c < 0x20 || c > 0x7e) c = '?';
  }
  body["msg"] = wire::Value::Str(clean);
  return body;
}

Result<ErrorInfo> ParseErrorBody(const Envelope& reply) {
  if (reply.type != kTypeError) return Status::InvalidArgument("not an error reply");
  ErrorInfo info;
  CAIRN_ASSIGN_OR_RETURN(info.code, wire::GetText(reply.body, "code", kMaxErrorCodeBytes));
  if (info.code.empty()) return Status::InvalidArgument("empty error code");
  CAIRN_ASSIGN_OR_RETURN(info.msg, wire::GetText(reply.body, "msg", kMaxErrorMessageBytes));
  return info;
}

Result<Envelope> OpenEnvelope(ByteSpan body, std::string_view network_id, std::int64_t now_seconds, ReplayCache& replay,
                              std::size_t max_frame_bytes) {
  CAIRN_ASSIGN_OR_RETURN(Envelope e, ParseEnvelope(body, max_frame_bytes));
  CAIRN_RETURN_IF_ERROR(VerifyEnvelope(e, network_id, now_seconds));
  CAIRN_RETURN_IF_ERROR(replay.Insert(e.from, e.nonce, e.ts, now_seconds));
  return e;
}

}  // namespace cairn::control
