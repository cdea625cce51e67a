// The wire codec of the control channel: a small bencode value type, a canonical encoder, a decoder with explicit
// limits for untrusted bytes, typed accessors with range checks, and length-prefixed frames.
//
// Canonical form: integers without leading zeros or "-0", string lengths without leading zeros, dictionary keys in
// strictly increasing raw-byte order, nothing after the root value. Encode() always produces it and Decode() accepts
// nothing else, so Encode(Decode(b)) == b for every accepted b: a signature over the bytes of a message is a
// signature over its value.
//
// Thread-safety: Value and FrameReader are plain values, safe to use from one thread at a time; the free functions
// are thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "cairn/core/bytes.h"
#include "cairn/core/status.h"

namespace cairn::wire {

// A bencode value: an integer, a byte string, a list, or a dictionary keyed by byte strings.
class Value {
 public:
  using List = std::vector<Value>;
  // std::string keys compare as unsigned bytes (char_traits<char>::lt), which is bencode's key order.
  using Dict = std::map<std::string, Value, std::less<>>;
  enum class Type { kInt, kBytes, kList, kDict };

  Value() : v_(std::int64_t{0}) {}
  Value(std::int64_t i) : v_(i) {}      // NOLINT(google-explicit-constructor)
  Value(Bytes b) : v_(std::move(b)) {}  // NOLINT(google-explicit-constructor)
  Value(List l) : v_(std::move(l)) {}   // NOLINT(google-explicit-constructor)
  Value(Dict d) : v_(std::move(d)) {}   // NOLINT(google-explicit-constructor)
  static Value Str(std::string_view s) { return Value(ToBytes(AsBytes(s))); }
  static Value Of(ByteSpan b) { return Value(ToBytes(b)); }

  Type type() const { return static_cast<Type>(v_.index()); }
  bool is_int() const { return type() == Type::kInt; }
  bool is_bytes() const { return type() == Type::kBytes; }
  bool is_list() const { return type() == Type::kList; }
  bool is_dict() const { return type() == Type::kDict; }

  // REQUIRES: the matching is_*() is true.
  std::int64_t as_int() const { return std::get<std::int64_t>(v_); }
  const Bytes& as_bytes() const { return std::get<Bytes>(v_); }
  const List& as_list() const { return std::get<List>(v_); }
  List& as_list() { return std::get<List>(v_); }
  const Dict& as_dict() const { return std::get<Dict>(v_); }
  Dict& as_dict() { return std::get<Dict>(v_); }

  friend bool operator==(const Value& a, const Value& b) { return a.v_ == b.v_; }

 private:
  // The index order matches Type.
  std::variant<std::int64_t, Bytes, List, Dict> v_;
};

inline constexpr std::size_t kDefaultMaxFrameBytes = 1 << 20;

// Limits applied to untrusted input before and while it is parsed.
struct DecodeLimits {
  std::size_t max_bytes = kDefaultMaxFrameBytes;  // the whole encoded value
  int max_depth = 16;                             // lists/dicts on any path from the root; 0: a scalar only
  int max_tokens = 10000;                         // values plus list/dict terminators
};

// Canonical bencoding of `v`, appended to `out`.
void EncodeTo(const Value& v, Bytes& out);
Bytes Encode(const Value& v);

// Parses exactly one canonical value filling all of `data`. Errors: kResourceExhausted when a limit is exceeded,
// kCorruption for anything malformed or not canonical.
Result<Value> Decode(ByteSpan data, const DecodeLimits& limits = {});

// Typed accessors on a decoded dictionary, for untrusted messages. Each fails with kNotFound when the key is
// absent and kInvalidArgument when the value has the wrong type or is out of range; the message names the key.
Result<std::int64_t> GetInt(const Value::Dict& d, std::string_view key, std::int64_t min, std::int64_t max);
Result<std::uint64_t> GetUint(const Value::Dict& d, std::string_view key, std::uint64_t max);
// The view lives as long as `d`. REQUIRES: min_len <= max_len.
Result<ByteSpan> GetBytes(const Value::Dict& d, std::string_view key, std::size_t min_len, std::size_t max_len);
Result<Hash32> GetHash32(const Value::Dict& d, std::string_view key);
// A byte string of printable ASCII (0x20..0x7e), e.g. a message type or a version.
Result<std::string> GetText(const Value::Dict& d, std::string_view key, std::size_t max_len);
// The pointers are never null on success and live as long as `d`.
Result<const Value::List*> GetList(const Value::Dict& d, std::string_view key, std::size_t max_items);
Result<const Value::Dict*> GetDict(const Value::Dict& d, std::string_view key);

// Frame := u32 big-endian body length, then the body: the canonical bencoding of one dictionary.
inline constexpr std::size_t kFrameHeaderBytes = 4;
// Fails with kResourceExhausted when the body would exceed max_frame_bytes.
Result<Bytes> EncodeFrame(const Value::Dict& body, std::size_t max_frame_bytes = kDefaultMaxFrameBytes);
// Decodes one frame body (without its length prefix); the root must be a dictionary.
Result<Value::Dict> DecodeFrameBody(ByteSpan body, const DecodeLimits& limits = {});

// Cuts a byte stream into frame bodies as bytes arrive in arbitrary pieces. A header announcing a body longer than
// the limit (or shorter than 2 bytes, the smallest dictionary "de") fails before any of that body is buffered, and
// the reader stays failed: the connection must be closed, as the stream can no longer be re-synchronised.
class FrameReader {
 public:
  explicit FrameReader(std::size_t max_frame_bytes = kDefaultMaxFrameBytes) : max_frame_bytes_(max_frame_bytes) {}

  // Consumes all of `data`; complete bodies become available through Next().
  Status Feed(ByteSpan data);
  // The oldest complete body not yet returned, or nullopt.
  std::optional<Bytes> Next();

  bool failed() const { return !status_.ok(); }
  // Bytes of the frame in progress (header or body) held so far.
  std::size_t partial_bytes() const { return header_fill_ + body_.size(); }

 private:
  std::size_t max_frame_bytes_;
  std::uint8_t header_[kFrameHeaderBytes] = {};
  std::size_t header_fill_ = 0;
  std::size_t body_expected_ = 0;  // valid once header_fill_ == kFrameHeaderBytes
  Bytes body_;
  std::deque<Bytes> ready_;
  Status status_;
};

}  // namespace cairn::wire
