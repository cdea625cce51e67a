#include "cli/json.h"

#include <cassert>
#include <cstdio>

namespace cairn::cli {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 when the bytes there are not one (overlong forms,
// surrogates and code points above U+10FFFF are invalid, as RFC 3629 says).
std::size_t Utf8SequenceLength(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t j) { return static_cast<unsigned char>(s[j]); };
  const unsigned char c = byte(i);
  std::size_t len;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;  // no overlong forms
    if (c == 0xED) hi = 0x9F;  // no UTF-16 surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;  // no overlong forms
    if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (std::size_t j = 2; j < len; ++j) {
    if (byte(i + j) < 0x80 || byte(i + j) > 0xBF) return 0;
  }
  return len;
}

}  // namespace

std::string JsonEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  std::size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const std::size_t len = Utf8SequenceLength(s, i);
      if (len == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(s.substr(i, len));
        i += len;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out.push_back('"');
  return out;
}

void JsonWriter::BeforeValue() {
  if (stack_.empty()) {
    assert(out_.empty() && "a JSON document has one top-level value");
    return;
  }
  Level& top = stack_.back();
  if (top.is_object) {
    assert(top.after_key && "an object member needs Key() first");
    top.after_key = false;
    return;
  }
  if (!top.empty) out_.push_back(',');
  top.empty = false;
}

void JsonWriter::Begin(bool is_object, char open) {
  BeforeValue();
  out_.push_back(open);
  stack_.push_back(Level{is_object, true, false});
}

void JsonWriter::End(bool is_object, char close) {
  assert(!stack_.empty() && stack_.back().is_object == is_object && !stack_.back().after_key);
  (void)is_object;
  stack_.pop_back();
  out_.push_back(close);
}

JsonWriter& JsonWriter::BeginObject() {
  Begin(true, '{');
  return *this;
}
JsonWriter& JsonWriter::EndObject() {
  End(true, '}');
  return *this;
}
JsonWriter& JsonWriter::BeginArray() {
  Begin(false, '[');
  return *this;
}
JsonWriter& JsonWriter::EndArray() {
  End(false, ']');
  return *this;
}

JsonWriter& JsonWriter::Key(std::string_view key) {
  assert(!stack_.empty() && stack_.back().is_object && !stack_.back().after_key);
  Level& top = stack_.back();
  if (!top.empty) out_.push_back(',');
  top.empty = false;
  top.after_key = true;
  out_ += JsonEscape(key);
  out_.push_back(':');
  return *this;
}

JsonWriter& JsonWriter::String(std::string_view v) {
  BeforeValue();
  out_ += JsonEscape(v);
  return *this;
}
JsonWriter& JsonWriter::Int(std::int64_t v) {
  BeforeValue();
  out_ += std::to_string(v);
  return *this;
}
JsonWriter& JsonWriter::Uint(std::uint64_t v) {
  BeforeValue();
  out_ += std::to_string(v);
  return *this;
}
JsonWriter& JsonWriter::Bool(bool v) {
  BeforeValue();
  out_ += v ? "true" : "false";
  return *this;
}
JsonWriter& JsonWriter::Null() {
  BeforeValue();
  out_ += "null";
  return *this;
}

}  // namespace cairn::cli
