// Test support shared by tests/core/wire_test.cc and bench/core_wire_fuzz.cc: mutates a valid encoding in ways that
// reach the decoder's interesting branches (bencode punctuation and digits, cuts, repeats, bit flips).
//
// Thread-safety: a pure function of its arguments; the generator is the caller's.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string_view>

#include "cairn/core/bytes.h"

namespace cairn::wire {

// Applies 1 to 4 random edits to `in` and returns the result.
inline Bytes MutateEncoding(const Bytes& in, std::mt19937_64& rng) {
  static constexpr std::string_view kAlphabet = "ilde0123456789:-";
  Bytes b = in;
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits; ++e) {
    const std::size_t pos = b.empty() ? 0 : rng() % b.size();
    const auto at = [&b](std::size_t i) { return b.begin() + static_cast<std::ptrdiff_t>(i); };
    switch (rng() % 7) {
      case 0:  // flip one bit
        if (!b.empty()) b[pos] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
        break;
      case 1:  // overwrite with a bencode character
        if (!b.empty()) b[pos] = static_cast<std::uint8_t>(kAlphabet[rng() % kAlphabet.size()]);
        break;
      case 2:  // insert a bencode character
        b.insert(at(pos), static_cast<std::uint8_t>(kAlphabet[rng() % kAlphabet.size()]));
        break;
      case 3:  // delete a byte
        if (!b.empty()) b.erase(at(pos));
        break;
      case 4:  // truncate
        b.resize(pos);
        break;
      case 5: {  // copy a short run elsewhere
        if (b.empty()) break;
        const std::size_t len = 1 + rng() % std::min<std::size_t>(16, b.size() - pos);
        const Bytes chunk(at(pos), at(pos + len));
        b.insert(at(rng() % (b.size() + 1)), chunk.begin(), chunk.end());
        break;
      }
      default:  // overwrite with any byte
        if (!b.empty()) b[pos] = static_cast<std::uint8_t>(rng());
        break;
    }
  }
  return b;
}

}  // namespace cairn::wire
