#include "cairn/core/erasure.h"

#include <isa-l/erasure_code.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <string>

namespace cairn {
namespace {

constexpr int kMaxShards = 255;
// No sub-range splitting for wide codes: on this machine 29+51 is compute bound (1.10 GB/s whole-fragment against
// 1.07-1.14 GB/s in 4-64 KiB sub-ranges), so one call per fragment is as fast and simpler.

// One buffer as an address interval, for the overlap check.
struct Span {
  std::uintptr_t begin;
  bool output;
};

// Outputs must overlap nothing; inputs may overlap each other (reading the same bytes twice is harmless).
Status CheckNoOverlap(std::span<const std::uint8_t* const> in, std::span<std::uint8_t* const> out, std::size_t len) {
  std::vector<Span> spans;
  spans.reserve(in.size() + out.size());
  for (const std::uint8_t* p : in) spans.push_back({reinterpret_cast<std::uintptr_t>(p), false});
  for (std::uint8_t* p : out) spans.push_back({reinterpret_cast<std::uintptr_t>(p), true});
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.begin < b.begin; });
  std::uintptr_t end_any = 0;
  std::uintptr_t end_out = 0;
  bool any = false;
  bool any_out = false;
  for (const Span& s : spans) {
    if ((s.output && any && s.begin < end_any) || (any_out && s.begin < end_out)) {
      return Status::InvalidArgument("erasure: an output buffer overlaps another buffer");
    }
    end_any = std::max(end_any, s.begin + len);
    any = true;
    if (s.output) {
      end_out = std::max(end_out, s.begin + len);
      any_out = true;
    }
  }
  return Status::Ok();
}

Status CheckBuffers(std::span<const std::uint8_t* const> in, std::span<std::uint8_t* const> out, std::size_t len) {
  if (len > static_cast<std::size_t>(INT_MAX)) return Status::InvalidArgument("erasure: len exceeds INT_MAX");
  for (const std::uint8_t* p : in) {
    if (p == nullptr) return Status::InvalidArgument("erasure: null input buffer");
  }
  for (std::uint8_t* p : out) {
    if (p == nullptr) return Status::InvalidArgument("erasure: null output buffer");
  }
  if (len == 0) return Status::Ok();
  return CheckNoOverlap(in, out, len);
}

// ISA-L reads only the tables and the sources, but its prototype takes them non-const.
void RunTables(std::size_t len, int k, int rows, const std::uint8_t* tables, const std::uint8_t* const* src,
               std::uint8_t* const* dst) {
  ec_encode_data(static_cast<int>(len), k, rows, const_cast<unsigned char*>(tables), const_cast<unsigned char**>(src),
                 const_cast<unsigned char**>(dst));
}

}  // namespace

ErasureCoder::ErasureCoder(int k, int m) : k_(k), m_(m) {}
ErasureCoder::~ErasureCoder() = default;

Result<std::unique_ptr<ErasureCoder>> ErasureCoder::Create(int k, int m) {
  if (k < 1 || m < 0 || k + m > kMaxShards) {
    return Status::InvalidArgument("erasure: need 1 <= k, 0 <= m, k + m <= 255; got k=" + std::to_string(k) +
                                   " m=" + std::to_string(m));
  }
  std::unique_ptr<ErasureCoder> c(new ErasureCoder(k, m));
  c->matrix_.resize(static_cast<std::size_t>(k + m) * k);
  gf_gen_cauchy1_matrix(c->matrix_.data(), k + m, k);
  if (m > 0) {
    c->enc_tables_.resize(32u * k * m);
    ec_init_tables(k, m, &c->matrix_[static_cast<std::size_t>(k) * k], c->enc_tables_.data());
  }
  return c;
}

Status ErasureCoder::Encode(std::span<const std::uint8_t* const> data, std::span<std::uint8_t* const> parity,
                            std::size_t len) const {
  if (data.size() != static_cast<std::size_t>(k_)) {
    return Status::InvalidArgument("erasure: encode needs k=" + std::to_string(k_) + " data buffers, got " +
                                   std::to_string(data.size()));
  }
  if (parity.size() != static_cast<std::size_t>(m_)) {
    return Status::InvalidArgument("erasure: encode needs m=" + std::to_string(m_) + " parity buffers, got " +
                                   std::to_string(parity.size()));
  }
  CAIRN_RETURN_IF_ERROR(CheckBuffers(data, parity, len));
  if (len == 0 || m_ == 0) return Status::Ok();
  RunTables(len, k_, m_, enc_tables_.data(), data.data(), parity.data());
  return Status::Ok();
}

Status ErasureCoder::Decode(std::span<const int> present_index, std::span<const std::uint8_t* const> present,
                            std::span<const int> want_index, std::span<std::uint8_t* const> out,
                            std::size_t len) const {
  const int n = k_ + m_;
  if (present_index.size() < static_cast<std::size_t>(k_)) {
    return Status::InvalidArgument("erasure: decode needs k=" + std::to_string(k_) + " present shards, got " +
                                   std::to_string(present_index.size()));
  }
  if (present.size() != present_index.size()) {
    return Status::InvalidArgument("erasure: present buffers and indices differ in count");
  }
  if (out.size() != want_index.size()) {
    return Status::InvalidArgument("erasure: output buffers and wanted indices differ in count");
  }
  std::vector<bool> seen(n, false);
  for (int i : present_index) {
    if (i < 0 || i >= n) return Status::InvalidArgument("erasure: present index out of range: " + std::to_string(i));
    if (seen[i]) return Status::InvalidArgument("erasure: duplicate present index " + std::to_string(i));
    seen[i] = true;
  }
  for (int i : want_index) {
    if (i < 0 || i >= n) return Status::InvalidArgument("erasure: wanted index out of range: " + std::to_string(i));
    if (seen[i]) return Status::InvalidArgument("erasure: wanted index is present or repeated: " + std::to_string(i));
    seen[i] = true;
  }
  CAIRN_RETURN_IF_ERROR(CheckBuffers(present, out, len));
  if (want_index.empty() || len == 0) return Status::Ok();
  CAIRN_ASSIGN_OR_RETURN(std::shared_ptr<const Tables> tables, DecodeTables(present_index.first(k_), want_index));
  RunTables(len, k_, static_cast<int>(want_index.size()), tables->data(), present.data(), out.data());
  return Status::Ok();
}

Result<std::shared_ptr<const ErasureCoder::Tables>> ErasureCoder::DecodeTables(std::span<const int> present_index,
                                                                               std::span<const int> want_index) const {
  std::vector<int> key(present_index.begin(), present_index.end());
  key.push_back(-1);
  key.insert(key.end(), want_index.begin(), want_index.end());
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = decode_cache_.find(key);
    if (it != decode_cache_.end()) return it->second;
  }

  // present = B * data, where B holds the generator rows of the present shards; so data = B^-1 * present, and a
  // parity row p of the generator gives parity = G[p] * B^-1 * present.
  const std::size_t k = static_cast<std::size_t>(k_);
  std::vector<std::uint8_t> b(k * k);
  std::vector<std::uint8_t> inv(k * k);
  for (std::size_t r = 0; r < k; ++r) {
    std::copy_n(&matrix_[static_cast<std::size_t>(present_index[r]) * k], k, &b[r * k]);
  }
  if (gf_invert_matrix(b.data(), inv.data(), k_) != 0) {
    // Every square submatrix of a Cauchy generator is invertible, so this means a bug, not bad input.
    return Status::Internal("erasure: decode submatrix is singular");
  }
  const std::size_t rows = want_index.size();
  std::vector<std::uint8_t> coeffs(rows * k);
  for (std::size_t w = 0; w < rows; ++w) {
    const std::size_t idx = static_cast<std::size_t>(want_index[w]);
    std::uint8_t* row = &coeffs[w * k];
    if (idx < k) {
      std::copy_n(&inv[idx * k], k, row);
      continue;
    }
    const std::uint8_t* g = &matrix_[idx * k];
    for (std::size_t j = 0; j < k; ++j) {
      std::uint8_t acc = 0;
      for (std::size_t i = 0; i < k; ++i) acc ^= gf_mul(g[i], inv[i * k + j]);
      row[j] = acc;
    }
  }
  auto tables = std::make_shared<Tables>(32 * k * rows);
  ec_init_tables(k_, static_cast<int>(rows), coeffs.data(), tables->data());

  std::lock_guard<std::mutex> lock(mu_);
  if (decode_cache_.size() >= kMaxCachedPatterns && decode_cache_.find(key) == decode_cache_.end()) {
    decode_cache_.erase(decode_cache_.begin());
  }
  decode_cache_[key] = tables;
  return std::shared_ptr<const Tables>(std::move(tables));
}

std::size_t ErasureCoder::cached_patterns() const {
  std::lock_guard<std::mutex> lock(mu_);
  return decode_cache_.size();
}

}  // namespace cairn
