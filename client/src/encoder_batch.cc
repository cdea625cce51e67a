#include "encoder_batch.h"

#include <algorithm>
#include <cstring>

#include "cairn/core/merkle.h"

namespace cairn::client {
namespace {

// 64-byte aligned, uninitialised: each thread's first read faults its pages in. Freed by EncodeBatch::AlignedDelete.
std::uint8_t* AllocateUnits(std::size_t bytes) {
  return static_cast<std::uint8_t*>(::operator new[](bytes, std::align_val_t{64}));
}

// The lent plaintext stripe s + 1 of `b` reads (b.upcoming after the last stripe): the run of its chunks that lie end
// to end from its first (all of them, unless a chunk straddled two loans and was gathered). Only prefetched.
ByteSpan NextStripePlaintext(const EncodeBatch& b, const StripeLayout& layout, std::size_t s) {
  if (s + 1 >= b.stripes.size()) return b.upcoming;
  if (b.sources.empty()) return {};
  const std::uint8_t* const* src = b.sources.data() + (s + 1) * static_cast<std::size_t>(layout.k);
  if (src[0] == nullptr) return {};
  const std::uint64_t plaintext = b.stripes[s + 1].plaintext_size;
  std::size_t c = 1;
  while (c < static_cast<std::size_t>(layout.k) && c * layout.chunk < plaintext &&
         src[c] == src[0] + c * layout.chunk) {
    ++c;
  }
  return ByteSpan(src[0], static_cast<std::size_t>(std::min<std::uint64_t>(c * layout.chunk, plaintext)));
}

}  // namespace

StripeLayout::StripeLayout(const CodingParams& p)
    : k(p.k),
      n(p.k + p.m),
      unit(p.unit_size),
      chunk(p.unit_size - static_cast<std::uint32_t>(kAeadTagSize)),
      segment(p.segment_size),
      stripe_plain(static_cast<std::size_t>(k) * chunk),
      stripe_bytes(static_cast<std::size_t>(n) * unit) {}

EncodeBatch::EncodeBatch(const StripeLayout& layout, std::size_t capacity)
    : units_(AllocateUnits(layout.stripe_bytes * capacity)), capacity_(capacity) {
  stripes.reserve(capacity);
  roots.reserve(capacity * static_cast<std::size_t>(layout.n));
  sources.reserve(capacity * static_cast<std::size_t>(layout.k));
}

BatchReader::BatchReader(InputStream& in, const StripeLayout& layout) : in_(in), layout_(layout), lend_(in.CanLend()) {}

Result<bool> BatchReader::Lend() {
  if (!pending_.bytes.empty()) return true;
  if (eof_) return false;
  // As much as the stream will lend: the rest is handed out by later chunks, batches and segments.
  CAIRN_ASSIGN_OR_RETURN(pending_, in_.Borrow(SIZE_MAX));
  if (!pending_.bytes.empty()) return true;
  eof_ = true;
  pending_.keep.reset();
  return false;
}

Result<std::size_t> BatchReader::Fill(MutableByteSpan out) {
  std::size_t n = 0;
  if (has_carry_ && !out.empty()) {
    out[0] = carry_;
    has_carry_ = false;
    n = 1;
  }
  while (lend_ && n < out.size()) {
    CAIRN_ASSIGN_OR_RETURN(bool more, Lend());
    if (!more) break;
    std::size_t take = std::min(out.size() - n, pending_.bytes.size());
    std::memcpy(out.data() + n, pending_.bytes.data(), take);
    pending_.bytes = pending_.bytes.subspan(take);
    n += take;
  }
  while (!lend_ && n < out.size() && !eof_) {
    CAIRN_ASSIGN_OR_RETURN(std::size_t got, in_.Read(out.subspan(n)));
    if (got == 0) eof_ = true;
    n += got;
  }
  return n;
}

Result<bool> BatchReader::AtEnd() {
  if (lend_) {
    CAIRN_ASSIGN_OR_RETURN(bool more, Lend());
    return !more;
  }
  if (has_carry_) return false;
  if (eof_) return true;
  std::uint8_t b;
  CAIRN_ASSIGN_OR_RETURN(std::size_t got, in_.Read(MutableByteSpan(&b, 1)));
  if (got == 0) {
    eof_ = true;
    return true;
  }
  carry_ = b;
  has_carry_ = true;
  return false;
}

Result<std::size_t> BatchReader::ReadStripe(std::uint8_t* units, std::uint64_t want, const std::uint8_t** sources,
                                            std::vector<std::shared_ptr<const void>>& loans) {
  std::size_t got = 0;
  for (int c = 0; c < layout_.k && got < want; ++c) {
    std::size_t len = static_cast<std::size_t>(std::min<std::uint64_t>(layout_.chunk, want - got));
    if (sources != nullptr) {
      CAIRN_ASSIGN_OR_RETURN(bool more, Lend());
      if (more && pending_.bytes.size() >= len) {
        sources[c] = pending_.bytes.data();
        if (pending_.keep && (loans.empty() || loans.back() != pending_.keep)) loans.push_back(pending_.keep);
        pending_.bytes = pending_.bytes.subspan(len);
        got += len;
        continue;
      }
      // The chunk straddles two loans (or the stream ends inside it): gather it into its unit.
    }
    CAIRN_ASSIGN_OR_RETURN(std::size_t n,
                           Fill(MutableByteSpan(units + static_cast<std::size_t>(c) * layout_.unit, len)));
    got += n;
    if (n < len) break;
  }
  return got;
}

Status BatchReader::Next(EncodeBatch& b, std::size_t upcoming_after) {
  b.stripes.clear();
  b.roots.clear();
  b.plaintext_size = 0;
  b.segment_starts = false;
  b.segment_ends = false;
  b.input_ends = false;
  b.status = Status::Ok();
  b.sources.clear();
  b.loans.clear();
  b.upcoming = {};
  if (segment_closed_) {
    CAIRN_ASSIGN_OR_RETURN(bool end, AtEnd());
    if (end) {
      b.input_ends = true;
      return Status::Ok();
    }
    ++segment_;
    consumed_ = 0;
    chunk_index_ = 0;
    segment_closed_ = false;
  }
  b.segment = segment_;
  b.segment_starts = chunk_index_ == 0;
  while (b.stripes.size() < b.capacity()) {
    std::uint64_t want = std::min<std::uint64_t>(layout_.stripe_plain, layout_.segment - consumed_);
    std::uint8_t* units = b.units() + b.stripes.size() * layout_.stripe_bytes;
    const std::uint8_t** sources = nullptr;
    if (lend_) {
      const std::size_t first = b.stripes.size() * static_cast<std::size_t>(layout_.k);
      b.sources.resize(first + static_cast<std::size_t>(layout_.k), nullptr);
      sources = b.sources.data() + first;
    }
    CAIRN_ASSIGN_OR_RETURN(std::size_t got, ReadStripe(units, want, sources, b.loans));
    consumed_ += got;
    bool input_ends = false;
    if (got < want) {
      input_ends = true;
    } else if (consumed_ < layout_.segment || eof_) {
      // Only the look-ahead tells whether this full stripe holds the stream's last chunk. At a segment's end it
      // waits for the next call, so that a failure there does not undo a complete segment.
      CAIRN_ASSIGN_OR_RETURN(input_ends, AtEnd());
    }
    StripeInfo s;
    s.first_chunk = chunk_index_;
    s.plaintext_size = got;  // 0 only for the one empty chunk of an empty stream
    s.segment_ends = input_ends || consumed_ == layout_.segment;
    b.stripes.push_back(s);
    b.plaintext_size += got;
    chunk_index_ += got == 0 ? 1 : (got + layout_.chunk - 1) / layout_.chunk;
    if (s.segment_ends) {
      b.segment_ends = true;
      b.input_ends = input_ends;
      segment_closed_ = true;
      break;
    }
  }
  if (lend_ && upcoming_after < pending_.bytes.size()) {
    const ByteSpan rest = pending_.bytes.subspan(upcoming_after);
    b.upcoming = rest.first(std::min(rest.size(), layout_.stripe_plain));
  }
  return Status::Ok();
}

BatchSealer::BatchSealer(ByteSpan key, const StreamHeader& header, const StripeLayout& layout, const ErasureCoder& ec)
    : key_(key), header_(header), layout_(layout), ec_(ec), data_(layout.k), parity_(layout.n - layout.k) {}

Status BatchSealer::Seal(EncodeBatch& b) {
  b.roots.resize(b.stripes.size() * static_cast<std::size_t>(layout_.n));
  for (std::size_t s = 0; s < b.stripes.size(); ++s) {
    const std::uint8_t* const* sources =
        b.sources.empty() ? nullptr : b.sources.data() + s * static_cast<std::size_t>(layout_.k);
    CAIRN_RETURN_IF_ERROR(SealStripe(b.segment, b.stripes[s], b.units() + s * layout_.stripe_bytes, sources));
    // Each unit's hashing prefetches its share of the next stripe's plaintext.
    const ByteSpan next = NextStripePlaintext(b, layout_, s);
    const std::size_t n = static_cast<std::size_t>(layout_.n);
    for (std::size_t j = 0; j < n; ++j) {
      const std::uint8_t* unit = b.units() + s * layout_.stripe_bytes + j * layout_.unit;
      const ByteSpan share = next.subspan(j * next.size() / n, (j + 1) * next.size() / n - j * next.size() / n);
      CAIRN_ASSIGN_OR_RETURN(b.roots[s * n + j], MerklePerfectRoot(ByteSpan(unit, layout_.unit), share));
    }
  }
  // The lent views are read: let the stream release them (e.g. unmap a window) before the batch is written.
  b.sources.clear();
  b.loans.clear();
  b.upcoming = {};
  return Status::Ok();
}

Status BatchSealer::SealStripe(std::uint32_t segment, const StripeInfo& stripe, std::uint8_t* units,
                               const std::uint8_t* const* sources) {
  if (!sealer_ || sealer_segment_ != segment) {
    CAIRN_ASSIGN_OR_RETURN(sealer_, StreamSealer::Create(key_, header_, FileStreamContext(), segment));
    sealer_segment_ = segment;
  }
  const std::size_t unit = layout_.unit;
  std::uint64_t chunks = stripe.plaintext_size == 0 ? 1 : (stripe.plaintext_size + layout_.chunk - 1) / layout_.chunk;
  for (std::uint64_t c = 0; c < chunks; ++c) {
    std::uint64_t off = c * layout_.chunk;
    std::size_t len = static_cast<std::size_t>(std::min<std::uint64_t>(layout_.chunk, stripe.plaintext_size - off));
    std::uint8_t* u = units + c * unit;
    const std::uint8_t* src = sources != nullptr && sources[c] != nullptr ? sources[c] : u;
    bool last = stripe.segment_ends && c + 1 == chunks;
    CAIRN_RETURN_IF_ERROR(
        sealer_->SealChunk(stripe.first_chunk + c, last, ByteSpan(src, len), MutableByteSpan(u, len + kAeadTagSize)));
    std::memset(u + len + kAeadTagSize, 0, unit - len - kAeadTagSize);
  }
  std::memset(units + chunks * unit, 0, (static_cast<std::size_t>(layout_.k) - chunks) * unit);
  if (layout_.n == layout_.k) return Status::Ok();
  for (int j = 0; j < layout_.k; ++j) data_[j] = units + static_cast<std::size_t>(j) * unit;
  for (int j = layout_.k; j < layout_.n; ++j) parity_[j - layout_.k] = units + static_cast<std::size_t>(j) * unit;
  return ec_.Encode(data_, parity_, layout_.unit);
}

}  // namespace cairn::client
