// The encoder's unit of work: a batch of consecutive stripes of one segment, laid out as the units they become.
// BatchReader cuts the plaintext stream into batches. From a stream that lends its bytes (InputStream::Borrow) it only
// records where each chunk's plaintext is and holds the loans; otherwise, or for a chunk that straddles two loans, it
// reads the plaintext straight into the unit that will hold its ciphertext. BatchSealer then encrypts each chunk from
// its lent view (out of place) or in place into its unit, computes the parity units and hashes every unit to its
// Merkle subtree root, and drops the batch's loans. The shard writer (encoder_output.h) takes sealed batches in order.
//
// Thread-safety: a BatchReader is used by one thread at a time (the pipeline's workers take turns under a lock); a
// BatchSealer is one worker's scratch; an EncodeBatch is owned by one thread at a time (the pipeline hands it over).
#pragma once

#include <cstdint>
#include <memory>
#include <new>
#include <vector>

#include "cairn/core/aead.h"
#include "cairn/core/erasure.h"
#include "coding.h"
#include "shard_io.h"

namespace cairn::client {

// Sizes derived once from the coding parameters.
struct StripeLayout {
  explicit StripeLayout(const CodingParams& p);

  int k;
  int n;                     // k + m
  std::uint32_t unit;        // bytes per unit
  std::uint32_t chunk;       // plaintext bytes per unit (unit - tag)
  std::uint64_t segment;     // plaintext bytes per segment
  std::size_t stripe_plain;  // k * chunk
  std::size_t stripe_bytes;  // n * unit
};

struct StripeInfo {
  std::uint64_t first_chunk = 0;     // chunk index of unit 0 within the segment
  std::uint64_t plaintext_size = 0;  // plaintext bytes in the stripe
  bool segment_ends = false;         // the stripe's last chunk is its segment's last
};

struct EncodeBatch {
  std::uint32_t segment = 0;
  bool segment_starts = false;  // the batch's first stripe is its segment's first
  bool segment_ends = false;    // the batch's last stripe is its segment's last
  bool input_ends = false;      // nothing follows this batch (it may hold no stripe: then it only marks the end)
  std::uint64_t plaintext_size = 0;
  std::vector<StripeInfo> stripes;
  std::vector<Hash32> roots;  // after sealing: stripes.size() x n subtree roots, stripe-major
  Status status;              // a read or seal failure; the batch is then not written
  // Lent plaintext, until the batch is sealed: chunk c of stripe s reads from sources[s * k + c] when that is not
  // null (else from its unit). Empty when nothing was lent. `loans` keeps those views valid.
  std::vector<const std::uint8_t*> sources;
  std::vector<std::shared_ptr<const void>> loans;
  // Lent plaintext that follows the batch (up to one stripe), only prefetched while the last stripe is hashed, never
  // read; empty when nothing more was lent. With several threads it is the stripe this thread will likely seal next
  // (encoder_pipeline.cc), not the one right after the batch.
  ByteSpan upcoming;

  // Unit j of stripe s: units() + (s * n + j) * unit. 64-byte aligned, capacity fixed at construction.
  std::uint8_t* units() const { return units_.get(); }
  std::size_t capacity() const { return capacity_; }  // stripes

  EncodeBatch(const StripeLayout& layout, std::size_t capacity);

 private:
  struct AlignedDelete {
    void operator()(std::uint8_t* p) const { ::operator delete[](p, std::align_val_t{64}); }
  };
  std::unique_ptr<std::uint8_t[], AlignedDelete> units_;
  std::size_t capacity_;
};

// Reads the plaintext stream into batches, segment after segment; borrows instead of reading when the stream lends.
class BatchReader {
 public:
  BatchReader(InputStream& in, const StripeLayout& layout);

  // Fills `b` with up to b.capacity() stripes of the current segment (never more than one segment). Once the input
  // is known to have ended, the batch is marked input_ends (possibly with no stripe); call no more after that.
  // A read failure is returned, and the reader must not be used again. b.upcoming is the lent stripe that starts
  // `upcoming_after` bytes past the batch (the batches other threads will take in between, when several encode).
  Status Next(EncodeBatch& b, std::size_t upcoming_after = 0);

 private:
  // Copies up to out.size() bytes; fewer only at the end of the stream.
  Result<std::size_t> Fill(MutableByteSpan out);
  // Whether the stream has ended; may read one byte ahead (kept for the next Fill) or borrow ahead (into pending_).
  Result<bool> AtEnd();
  // Lending streams: borrows into pending_ when it is empty; false at the end of the stream.
  Result<bool> Lend();
  // Reads one stripe's plaintext (at most `want` bytes) into the data units at `units`, or, for each chunk the
  // pending loan holds whole, records its view in sources[chunk] and its keep in `loans`; returns the bytes taken.
  // `sources` is null for a stream that does not lend.
  Result<std::size_t> ReadStripe(std::uint8_t* units, std::uint64_t want, const std::uint8_t** sources,
                                 std::vector<std::shared_ptr<const void>>& loans);

  InputStream& in_;
  const StripeLayout& layout_;
  const bool lend_;
  Loan pending_;  // the part of the last loan not handed out yet
  std::uint8_t carry_ = 0;
  bool has_carry_ = false;
  bool eof_ = false;
  std::uint32_t segment_ = 0;
  std::uint64_t consumed_ = 0;     // plaintext of the current segment read so far
  std::uint64_t chunk_index_ = 0;  // next chunk of the current segment
  bool segment_closed_ = false;    // the current segment's last stripe was handed out
};

// One worker's sealing state: a stream sealer kept for the segment it was made for, and pointer scratch for RS.
class BatchSealer {
 public:
  BatchSealer(ByteSpan key, const StreamHeader& header, const StripeLayout& layout, const ErasureCoder& ec);

  // Encrypts the batch's chunks into their units (from their lent views, or in place), pads, RS-encodes and hashes
  // every unit into b.roots; then drops the batch's loans. While a stripe is hashed, the lent plaintext of the next
  // one (b.upcoming after the last) is prefetched, so the next stripe's AEAD reads it from L2, not from memory.
  Status Seal(EncodeBatch& b);

 private:
  // `sources`: the stripe's k lent views (null entries are read from their units), or null.
  Status SealStripe(std::uint32_t segment, const StripeInfo& stripe, std::uint8_t* units,
                    const std::uint8_t* const* sources);

  ByteSpan key_;
  const StreamHeader& header_;
  const StripeLayout& layout_;
  const ErasureCoder& ec_;
  std::unique_ptr<StreamSealer> sealer_;
  std::uint32_t sealer_segment_ = 0;
  std::vector<const std::uint8_t*> data_;
  std::vector<std::uint8_t*> parity_;
};

}  // namespace cairn::client
