// Text formatting shared by the CLI's human-readable outputs.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cairn::cli {

// "512 B", "20.0 MiB", "1.5 GiB" (binary units).
std::string HumanBytes(std::uint64_t bytes);

// UTC "YYYY-MM-DD HH:MM:SS" for nanoseconds since the epoch; "-" when out of range.
std::string FormatTimeUtc(std::int64_t unix_ns);

// An object name safe to print on a terminal: control bytes and backslashes become "\xNN" / "\\", so a name cannot
// move the cursor, fake extra lines or hide itself. Other bytes (UTF-8) pass through.
std::string PrintableName(std::string_view name);

// The last component of a path ("a/b/c.txt" -> "c.txt"), ignoring trailing slashes; "" when there is none.
std::string BaseName(std::string_view path);

}  // namespace cairn::cli
