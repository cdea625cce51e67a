// Canonical bencode and length-prefixed frames.
//
// Grammar (canonical bencode, BEP 3 with every choice fixed):
//   value   := int | bytes | list | dict
//   int     := 'i' ( '0' | '-'? nzdigit digit* ) 'e'          -- fits int64; no leading zeros, no "-0"
//   bytes   := len ':' byte[len]                               -- len := '0' | nzdigit digit*
//   list    := 'l' value* 'e'
//   dict    := 'd' ( bytes value )* 'e'                        -- keys strictly increasing as unsigned bytes
//   message := value                                           -- and nothing after it
// Frame:
//   frame   := length:be32 body[length]                        -- 2 <= length <= max_frame_bytes
//   body    := dict
//
// Decoding runs libtorrent's bdecode (a flat token array, no recursion) under the size, depth and token limits, then
// walks the tokens once to check canonical form and build a Value; the walk recurses at most max_depth + 1 deep.
#include "cairn/core/wire.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <libtorrent/bdecode.hpp>
#include <libtorrent/error_code.hpp>
#include <limits>
#include <string>

namespace cairn::wire {
namespace {

namespace lt = libtorrent;

// bdecode keeps one small stack frame per depth level on the machine stack (alloca); keep it far from harmful.
constexpr int kMaxDepthCap = 256;

void AppendString(Bytes& out, ByteSpan s) {
  char len[24];
  auto r = std::to_chars(len, len + sizeof(len), s.size());
  out.insert(out.end(), len, r.ptr);
  out.push_back(':');
  Append(out, s);
}

// Parses the text of an integer token ("i...e"), refusing non-canonical forms and int64 overflow.
Result<std::int64_t> ParseCanonicalInt(std::string_view token) {
  if (token.size() < 3 || token.front() != 'i' || token.back() != 'e') return Status::Corruption("bad integer token");
  std::string_view body = token.substr(1, token.size() - 2);
  const bool negative = body.front() == '-';
  std::string_view digits = negative ? body.substr(1) : body;
  if (digits.empty()) return Status::Corruption("integer without digits");
  if (digits.size() > 1 && digits.front() == '0') return Status::Corruption("integer with a leading zero");
  if (negative && digits == "0") return Status::Corruption("negative zero");
  const std::uint64_t limit =
      negative ? std::uint64_t{1} << 63 : static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  std::uint64_t v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return Status::Corruption("non-digit in integer");
    const unsigned d = static_cast<unsigned>(c - '0');
    if (v > (limit - d) / 10) return Status::Corruption("integer overflows int64");
    v = v * 10 + d;
  }
  if (!negative) return static_cast<std::int64_t>(v);
  // -(2^63) is representable; negate in unsigned arithmetic to avoid signed overflow.
  return static_cast<std::int64_t>(~v + 1);
}

// A string token's source text starts with its length prefix; "0:" is the only prefix that may start with '0'.
std::string_view View(lt::string_view s) { return std::string_view(s.data(), s.size()); }

Status CheckStringPrefix(const lt::bdecode_node& n) {
  lt::span<char const> s = n.data_section();
  if (s.size() >= 2 && s[0] == '0' && s[1] != ':') return Status::Corruption("string length with a leading zero");
  return Status::Ok();
}

Result<Value> Convert(const lt::bdecode_node& n) {
  switch (n.type()) {
    case lt::bdecode_node::int_t: {
      lt::span<char const> s = n.data_section();
      CAIRN_ASSIGN_OR_RETURN(std::int64_t i,
                             ParseCanonicalInt(std::string_view(s.data(), static_cast<std::size_t>(s.size()))));
      return Value(i);
    }
    case lt::bdecode_node::string_t: {
      CAIRN_RETURN_IF_ERROR(CheckStringPrefix(n));
      return Value::Of(AsBytes(View(n.string_value())));
    }
    case lt::bdecode_node::list_t: {
      const int size = n.list_size();
      Value::List list;
      list.reserve(static_cast<std::size_t>(size));
      for (int i = 0; i < size; ++i) {
        CAIRN_ASSIGN_OR_RETURN(Value item, Convert(n.list_at(i)));
        list.push_back(std::move(item));
      }
      return Value(std::move(list));
    }
    case lt::bdecode_node::dict_t: {
      const int size = n.dict_size();
      Value::Dict dict;
      for (int i = 0; i < size; ++i) {
        auto [key_node, value_node] = n.dict_at_node(i);
        CAIRN_RETURN_IF_ERROR(CheckStringPrefix(key_node));
        std::string_view key = View(key_node.string_value());
        // std::string compares as unsigned bytes, the order bencode requires.
        if (!dict.empty() && !(dict.rbegin()->first < key)) {
          return Status::Corruption(dict.rbegin()->first == key ? "duplicate dictionary key"
                                                                : "dictionary keys out of order");
        }
        CAIRN_ASSIGN_OR_RETURN(Value value, Convert(value_node));
        dict.emplace_hint(dict.end(), std::string(key), std::move(value));
      }
      return Value(std::move(dict));
    }
    case lt::bdecode_node::none_t:
      break;
  }
  return Status::Corruption("missing value");
}

Status RequireKey(const Value::Dict& d, std::string_view key, const Value*& out) {
  auto it = d.find(key);
  if (it == d.end()) return Status::NotFound("missing key '" + std::string(key) + "'");
  out = &it->second;
  return Status::Ok();
}

void EncodeDictTo(const Value::Dict& d, Bytes& out) {
  out.push_back('d');
  for (const auto& [key, item] : d) {  // std::map iterates in byte order: canonical
    AppendString(out, AsBytes(key));
    EncodeTo(item, out);
  }
  out.push_back('e');
}

Status WrongType(std::string_view key, std::string_view want) {
  return Status::InvalidArgument("key '" + std::string(key) + "' is not " + std::string(want));
}

}  // namespace

void EncodeTo(const Value& v, Bytes& out) {
  switch (v.type()) {
    case Value::Type::kInt: {
      char buf[24];
      auto r = std::to_chars(buf, buf + sizeof(buf), v.as_int());
      out.push_back('i');
      out.insert(out.end(), buf, r.ptr);
      out.push_back('e');
      return;
    }
    case Value::Type::kBytes:
      AppendString(out, v.as_bytes());
      return;
    case Value::Type::kList:
      out.push_back('l');
      for (const Value& item : v.as_list()) EncodeTo(item, out);
      out.push_back('e');
      return;
    case Value::Type::kDict:
      EncodeDictTo(v.as_dict(), out);
      return;
  }
}

Bytes Encode(const Value& v) {
  Bytes out;
  EncodeTo(v, out);
  return out;
}

Result<Value> Decode(ByteSpan data, const DecodeLimits& limits) {
  if (limits.max_depth < 0 || limits.max_depth > kMaxDepthCap || limits.max_tokens < 1) {
    return Status::InvalidArgument("bad decode limits");
  }
  if (data.size() > limits.max_bytes) {
    return Status::ResourceExhausted("encoded value of " + std::to_string(data.size()) +
                                     " bytes exceeds the limit of " + std::to_string(limits.max_bytes));
  }
  if (data.empty()) return Status::Corruption("empty input");
  lt::error_code ec;
  int error_pos = 0;
  // bdecode fails once depth_limit containers are open, so it admits depth_limit - 1 nested containers.
  lt::bdecode_node root = lt::bdecode(
      lt::span<char const>(reinterpret_cast<const char*>(data.data()), static_cast<std::ptrdiff_t>(data.size())), ec,
      &error_pos, limits.max_depth + 1, limits.max_tokens);
  if (ec) {
    std::string where = " at byte " + std::to_string(error_pos);
    if (ec == lt::bdecode_errors::depth_exceeded) return Status::ResourceExhausted("nesting too deep" + where);
    if (ec == lt::bdecode_errors::limit_exceeded) return Status::ResourceExhausted("too many tokens" + where);
    return Status::Corruption("malformed bencode: " + ec.message() + where);
  }
  if (static_cast<std::size_t>(root.data_section().size()) != data.size()) {
    return Status::Corruption("trailing bytes after the value");
  }
  return Convert(root);
}

Result<std::int64_t> GetInt(const Value::Dict& d, std::string_view key, std::int64_t min, std::int64_t max) {
  const Value* v = nullptr;
  CAIRN_RETURN_IF_ERROR(RequireKey(d, key, v));
  if (!v->is_int()) return WrongType(key, "an integer");
  const std::int64_t i = v->as_int();
  if (i < min || i > max) {
    return Status::InvalidArgument("key '" + std::string(key) + "' = " + std::to_string(i) + " is outside [" +
                                   std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return i;
}

Result<std::uint64_t> GetUint(const Value::Dict& d, std::string_view key, std::uint64_t max) {
  const std::int64_t cap = static_cast<std::int64_t>(
      std::min<std::uint64_t>(max, static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())));
  CAIRN_ASSIGN_OR_RETURN(std::int64_t i, GetInt(d, key, 0, cap));
  return static_cast<std::uint64_t>(i);
}

Result<ByteSpan> GetBytes(const Value::Dict& d, std::string_view key, std::size_t min_len, std::size_t max_len) {
  const Value* v = nullptr;
  CAIRN_RETURN_IF_ERROR(RequireKey(d, key, v));
  if (!v->is_bytes()) return WrongType(key, "a byte string");
  const Bytes& b = v->as_bytes();
  if (b.size() < min_len || b.size() > max_len) {
    return Status::InvalidArgument("key '" + std::string(key) + "' has " + std::to_string(b.size()) +
                                   " bytes, outside [" + std::to_string(min_len) + ", " + std::to_string(max_len) +
                                   "]");
  }
  return ByteSpan(b);
}

Result<Hash32> GetHash32(const Value::Dict& d, std::string_view key) {
  CAIRN_ASSIGN_OR_RETURN(ByteSpan b, GetBytes(d, key, 32, 32));
  Hash32 h;
  std::copy(b.begin(), b.end(), h.begin());
  return h;
}

Result<std::string> GetText(const Value::Dict& d, std::string_view key, std::size_t max_len) {
  CAIRN_ASSIGN_OR_RETURN(ByteSpan b, GetBytes(d, key, 0, max_len));
  for (std::uint8_t c : b) {
    if (c < 0x20 || c > 0x7e) return WrongType(key, "printable text");
  }
  return std::string(AsStringView(b));
}

Result<const Value::List*> GetList(const Value::Dict& d, std::string_view key, std::size_t max_items) {
  const Value* v = nullptr;
  CAIRN_RETURN_IF_ERROR(RequireKey(d, key, v));
  if (!v->is_list()) return WrongType(key, "a list");
  if (v->as_list().size() > max_items) {
    return Status::InvalidArgument("key '" + std::string(key) + "' has more than " + std::to_string(max_items) +
                                   " items");
  }
  return &v->as_list();
}

Result<const Value::Dict*> GetDict(const Value::Dict& d, std::string_view key) {
  const Value* v = nullptr;
  CAIRN_RETURN_IF_ERROR(RequireKey(d, key, v));
  if (!v->is_dict()) return WrongType(key, "a dictionary");
  return &v->as_dict();
}

Result<Bytes> EncodeFrame(const Value::Dict& body, std::size_t max_frame_bytes) {
  Bytes out(kFrameHeaderBytes);
  EncodeDictTo(body, out);
  const std::size_t len = out.size() - kFrameHeaderBytes;
  const std::size_t cap = std::min<std::size_t>(max_frame_bytes, std::numeric_limits<std::uint32_t>::max());
  if (len > cap) {
    return Status::ResourceExhausted("frame body of " + std::to_string(len) + " bytes exceeds the limit of " +
                                     std::to_string(cap));
  }
  PutBE32(out.data(), static_cast<std::uint32_t>(len));
  return out;
}

Result<Value::Dict> DecodeFrameBody(ByteSpan body, const DecodeLimits& limits) {
  CAIRN_ASSIGN_OR_RETURN(Value v, Decode(body, limits));
  if (!v.is_dict()) return Status::Corruption("frame body is not a dictionary");
  return std::move(v.as_dict());
}

Status FrameReader::Feed(ByteSpan data) {
  if (!status_.ok()) return status_;
  std::size_t i = 0;
  while (i < data.size()) {
    if (header_fill_ < kFrameHeaderBytes) {
      const std::size_t n = std::min(kFrameHeaderBytes - header_fill_, data.size() - i);
      std::memcpy(header_ + header_fill_, data.data() + i, n);
      header_fill_ += n;
      i += n;
      if (header_fill_ < kFrameHeaderBytes) break;
      const std::uint32_t len = GetBE32(header_);
      if (len > max_frame_bytes_) {
        status_ = Status::ResourceExhausted("frame of " + std::to_string(len) + " bytes exceeds the limit of " +
                                            std::to_string(max_frame_bytes_));
        return status_;
      }
      if (len < 2) {
        status_ = Status::Corruption("frame of " + std::to_string(len) + " bytes cannot hold a dictionary");
        return status_;
      }
      body_expected_ = len;
      body_.clear();
      body_.reserve(len);
    }
    const std::size_t n = std::min(body_expected_ - body_.size(), data.size() - i);
    body_.insert(body_.end(), data.begin() + static_cast<std::ptrdiff_t>(i),
                 data.begin() + static_cast<std::ptrdiff_t>(i + n));
    i += n;
    if (body_.size() == body_expected_) {
      ready_.push_back(std::move(body_));
      body_ = Bytes();
      header_fill_ = 0;
    }
  }
  return Status::Ok();
}

std::optional<Bytes> FrameReader::Next() {
  if (ready_.empty()) return std::nullopt;
  Bytes b = std::move(ready_.front());
  ready_.pop_front();
  return b;
}

}  // namespace cairn::wire
