// Provider config file, version 1. Grammar:
//   file   := line*            (at most kMaxConfigFileBytes)
//   line   := ws* ( "#" any* | key ws* "=" ws* value ws* )? "\n"
//   key    := "capacity" | "price" | "max_shard_size"     (each at most once; unknown keys are refused)
//   value  := decimal digits, or for capacity / max_shard_size a byte size as ParseByteSize reads it
// Every key is required. Ranges: capacity in [kMinCapacity, kMaxCapacity], price in [0, kMaxPrice],
// max_shard_size in [1, min(capacity, kMaxShardSizeLimit)].
#include "cairn/provider/config.h"

#include <cctype>
#include <cstdio>
#include <optional>

namespace cairn::provider {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

Result<std::uint64_t> ParseDecimal(std::string_view s, std::uint64_t max) {
  if (s.empty() || s.size() > 20) return Status::InvalidArgument("not a number: '" + std::string(s) + "'");
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return Status::InvalidArgument("not a number: '" + std::string(s) + "'");
    std::uint64_t d = static_cast<std::uint64_t>(c - '0');
    if (v > (max - d) / 10) return Status::InvalidArgument("number too large: '" + std::string(s) + "'");
    v = v * 10 + d;
  }
  return v;
}

}  // namespace

Result<std::uint64_t> ParseByteSize(std::string_view text) {
  constexpr std::uint64_t kMax = std::uint64_t{1} << 62;
  std::string_view s = Trim(text);
  std::size_t digits = 0;
  while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') ++digits;
  if (digits == 0) return Status::InvalidArgument("not a byte size: '" + std::string(text) + "'");
  CAIRN_ASSIGN_OR_RETURN(std::uint64_t n, ParseDecimal(s.substr(0, digits), kMax));
  std::string unit;
  for (char c : Trim(s.substr(digits))) unit.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (unit.size() == 3 && unit.substr(1) == "ib") unit.resize(1);
  if (unit.size() == 2 && unit[1] == 'b') unit.resize(1);
  int shift = 0;
  if (unit.empty() || unit == "b") {
    shift = 0;
  } else if (unit == "k") {
    shift = 10;
  } else if (unit == "m") {
    shift = 20;
  } else if (unit == "g") {
    shift = 30;
  } else if (unit == "t") {
    shift = 40;
  } else if (unit == "p") {
    shift = 50;
  } else {
    return Status::InvalidArgument("unknown unit in byte size: '" + std::string(text) + "'");
  }
  if (n > (kMax >> shift)) return Status::InvalidArgument("byte size too large: '" + std::string(text) + "'");
  return n << shift;
}

std::string FormatByteSize(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double v = static_cast<double>(bytes);
  int unit = -1;
  while (v >= 1024.0 && unit < 5) {
    v /= 1024.0;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f %s", v, kUnits[unit]);
  return buf;
}

Status ProviderConfig::Validate() const {
  if (capacity < kMinCapacity || capacity > kMaxCapacity) {
    return Status::InvalidArgument("capacity must be between " + FormatByteSize(kMinCapacity) + " and " +
                                   FormatByteSize(kMaxCapacity));
  }
  if (price > kMaxPrice) return Status::InvalidArgument("price must be at most " + std::to_string(kMaxPrice));
  if (max_shard_size == 0 || max_shard_size > kMaxShardSizeLimit) {
    return Status::InvalidArgument("max_shard_size must be between 1 B and " + FormatByteSize(kMaxShardSizeLimit));
  }
  if (max_shard_size > capacity) return Status::InvalidArgument("max_shard_size must not exceed capacity");
  return Status::Ok();
}

std::string ProviderConfig::Serialize() const {
  std::string out = "# cairn provider config v1 (written by cairn-provider init)\n";
  out += "capacity = " + std::to_string(capacity) + "\n";
  out += "price = " + std::to_string(price) + "\n";
  out += "max_shard_size = " + std::to_string(max_shard_size) + "\n";
  return out;
}

Result<ProviderConfig> ProviderConfig::Parse(std::string_view text) {
  if (text.size() > kMaxConfigFileBytes) return Status::InvalidArgument("config file too large");
  std::optional<std::uint64_t> capacity, price, max_shard;
  int line_no = 0;
  while (!text.empty()) {
    ++line_no;
    std::size_t nl = text.find('\n');
    std::string_view line = Trim(text.substr(0, nl));
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.empty() || line.front() == '#') continue;
    auto where = [&](std::string_view what) {
      return Status::InvalidArgument("config line " + std::to_string(line_no) + ": " + std::string(what));
    };
    std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) return where("expected 'key = value'");
    std::string_view key = Trim(line.substr(0, eq));
    std::string_view value = Trim(line.substr(eq + 1));
    std::optional<std::uint64_t>* slot = nullptr;
    bool is_size = true;
    if (key == "capacity") {
      slot = &capacity;
    } else if (key == "price") {
      slot = &price;
      is_size = false;
    } else if (key == "max_shard_size") {
      slot = &max_shard;
    } else {
      return where("unknown key '" + std::string(key) + "'");
    }
    if (slot->has_value()) return where("repeated key '" + std::string(key) + "'");
    Result<std::uint64_t> v = is_size ? ParseByteSize(value) : ParseDecimal(value, kMaxPrice);
    if (!v.ok()) return where(v.status().message());
    *slot = *v;
  }
  if (!capacity) return Status::InvalidArgument("config: missing key 'capacity'");
  if (!price) return Status::InvalidArgument("config: missing key 'price'");
  if (!max_shard) return Status::InvalidArgument("config: missing key 'max_shard_size'");
  ProviderConfig c;
  c.capacity = *capacity;
  c.price = *price;
  c.max_shard_size = *max_shard;
  CAIRN_RETURN_IF_ERROR(c.Validate().WithContext("config"));
  return c;
}

Result<ProviderConfig> ProviderConfig::Load(Env* env, const std::string& path) {
  Result<Bytes> bytes = ReadFileToBytes(env, path, kMaxConfigFileBytes);
  if (!bytes.ok()) return bytes.status().WithContext(path);
  Result<ProviderConfig> c = Parse(AsStringView(*bytes));
  if (!c.ok()) return c.status().WithContext(path);
  return c;
}

Status ProviderConfig::Save(Env* env, const std::string& path) const {
  CAIRN_RETURN_IF_ERROR(Validate());
  return WriteFileAtomic(env, path, AsBytes(Serialize()));
}

}  // namespace cairn::provider
