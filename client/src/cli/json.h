// Minimal JSON output for the CLI's --json modes: a string escaper and a streaming writer. No parsing, no new
// dependency. Output is always valid JSON (RFC 8259): control bytes are escaped, valid UTF-8 passes through
// unchanged, and bytes that are not valid UTF-8 become U+FFFD, because object names are arbitrary bytes.
//
// Thread-safety: JsonWriter is a value owned by one thread; JsonEscape is pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::cli {

// Returns `s` as a quoted JSON string literal.
std::string JsonEscape(std::string_view s);

// Builds one JSON document into a string, inserting commas itself. Misuse (a value where a key is needed, unbalanced
// End calls) is a programming error caught by assert; the CLI only builds fixed shapes.
class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  // Inside an object: the next member's name; the value call follows.
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view v);
  JsonWriter& Int(std::int64_t v);
  JsonWriter& Uint(std::uint64_t v);
  JsonWriter& Bool(bool v);
  JsonWriter& Null();

  // The document so far; complete once every Begin has its End.
  const std::string& str() const { return out_; }

 private:
  struct Level {
    bool is_object = false;
    bool empty = true;
    bool after_key = false;
  };
  void BeforeValue();
  void Begin(bool is_object, char open);
  void End(bool is_object, char close);

  std::string out_;
  std::vector<Level> stack_;
};

}  // namespace cairn::cli
