#include "encoder.h"

#include <cstring>
#include <vector>

#include "cairn/core/erasure.h"
#include "cairn/core/merkle.h"

namespace cairn::client {
namespace {

// Reads exactly what is asked unless the stream ends, and can tell whether the stream has ended (it keeps one byte
// of look-ahead), so the encoder knows which chunk is the last of a segment before sealing it.
class LookaheadReader {
 public:
  explicit LookaheadReader(InputStream& in) : in_(in) {}

  Result<std::size_t> Fill(MutableByteSpan out) {
    std::size_t n = 0;
    if (has_carry_ && !out.empty()) {
      out[0] = carry_;
      has_carry_ = false;
      n = 1;
    }
    while (n < out.size()) {
      CAIRN_ASSIGN_OR_RETURN(std::size_t got, in_.Read(out.subspan(n)));
      if (got == 0) {
        eof_ = true;
        break;
      }
      n += got;
    }
    return n;
  }

  Result<bool> AtEnd() {
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

 private:
  InputStream& in_;
  std::uint8_t carry_ = 0;
  bool has_carry_ = false;
  bool eof_ = false;
};

struct StripeJob {
  std::uint64_t first_chunk = 0;
  std::uint64_t plaintext_size = 0;  // bytes of plaintext in this stripe
  bool segment_ends = false;         // the stripe's last chunk is the segment's last
  const std::uint8_t* plaintext = nullptr;
  std::uint8_t* units = nullptr;     // (k+m) x unit
  std::vector<Hash32> roots;         // per unit
  Status status;
};

// One batch of stripes: its plaintext in, its units out.
struct Batch {
  std::vector<StripeJob> jobs;
  std::vector<std::uint8_t> in;
  std::vector<std::uint8_t> out;
};

// Reads, encodes and writes a file segment by segment. With two or more threads the calling thread only does I/O
// (reading the next batch, writing the previous one) while the pool's workers encode the current batch; with one
// thread everything runs inline, so a one-thread figure is one core's.
class Encoder {
 public:
  Encoder(const EncodeOptions& o, ByteSpan key, const StreamHeader& h, const ErasureCoder& ec, ShardSink& sink)
      : opt_(o), key_(key), header_(h), ec_(ec), sink_(sink), pipelined_(o.threads >= 2),
        pool_(pipelined_ ? o.threads + 1 : 1), k_(o.params.k), n_(o.params.k + o.params.m),
        unit_(o.params.unit_size), chunk_(unit_ - kAeadTagSize),
        batch_(std::max<std::size_t>(1, o.stripes_per_batch)), stripe_in_(static_cast<std::size_t>(k_) * chunk_) {}

  Result<FileCoding> Run(InputStream& in) {
    FileCoding fc;
    fc.k = opt_.params.k;
    fc.m = opt_.params.m;
    fc.segment_size = opt_.params.segment_size;
    fc.unit_size = unit_;
    fc.header = header_;
    for (Batch& b : batches_) {
      b.in.resize(batch_ * stripe_in_);
      b.out.resize(batch_ * static_cast<std::size_t>(n_) * unit_);
    }
    LookaheadReader reader(in);
    for (std::uint32_t seg = 0;; ++seg) {
      CAIRN_ASSIGN_OR_RETURN(SegmentCoding sc, EncodeSegment(reader, seg));
      if (opt_.segment_done) CAIRN_RETURN_IF_ERROR(opt_.segment_done(seg, sc));
      fc.size += sc.plaintext_size;
      fc.segments.push_back(std::move(sc));
      CAIRN_ASSIGN_OR_RETURN(bool end, reader.AtEnd());
      if (end) break;
    }
    return fc;
  }

 private:
  // Per-segment state of the reader side.
  struct SegmentCursor {
    std::uint64_t consumed = 0;
    std::uint64_t chunk_index = 0;
    bool done = false;
  };

  // Reads up to batch_ stripes of segment plaintext into `b`.
  Status Fill(LookaheadReader& reader, SegmentCursor& cur, Batch& b) {
    b.jobs.clear();
    while (b.jobs.size() < batch_ && !cur.done) {
      StripeJob job;
      std::size_t slot = b.jobs.size();
      std::uint64_t want = std::min<std::uint64_t>(stripe_in_, opt_.params.segment_size - cur.consumed);
      std::uint8_t* in = b.in.data() + slot * stripe_in_;
      CAIRN_ASSIGN_OR_RETURN(std::size_t got, reader.Fill(MutableByteSpan(in, want)));
      cur.consumed += got;
      if (got < want || cur.consumed == opt_.params.segment_size) {
        cur.done = true;
      } else {
        CAIRN_ASSIGN_OR_RETURN(bool end, reader.AtEnd());
        cur.done = end;
      }
      // got == 0 only for the first stripe of an empty file: one empty, last chunk.
      job.first_chunk = cur.chunk_index;
      job.plaintext_size = got;
      job.segment_ends = cur.done;
      job.plaintext = in;
      job.units = b.out.data() + slot * static_cast<std::size_t>(n_) * unit_;
      cur.chunk_index += got == 0 ? 1 : (got + chunk_ - 1) / chunk_;
      b.jobs.push_back(std::move(job));
    }
    return Status::Ok();
  }

  // Writes a processed batch's units to the shards, in order, and feeds their subtree roots to the trees.
  Status Emit(Batch& b, std::vector<std::unique_ptr<ShardWriter>>& writers, std::vector<MerkleBuilder>& trees) {
    for (StripeJob& job : b.jobs) {
      CAIRN_RETURN_IF_ERROR(job.status);
      for (int j = 0; j < n_; ++j) {
        ByteSpan u(job.units + static_cast<std::size_t>(j) * unit_, unit_);
        CAIRN_RETURN_IF_ERROR(writers[j]->Append(u));
        CAIRN_RETURN_IF_ERROR(trees[j].AddSubtreeRoot(job.roots[j], unit_ / 32));
      }
    }
    return Status::Ok();
  }

  Status Pipeline(LookaheadReader& reader, std::uint32_t seg, SegmentCursor& cur,
                  std::vector<std::unique_ptr<ShardWriter>>& writers, std::vector<MerkleBuilder>& trees) {
    auto process = [this, seg](Batch& b) {
      return [this, seg, &b](std::size_t i) { b.jobs[i].status = SealStripe(seg, b.jobs[i]); };
    };
    int current = 0;
    CAIRN_RETURN_IF_ERROR(Fill(reader, cur, batches_[current]));
    if (!pipelined_) {
      for (;;) {
        Batch& b = batches_[current];
        pool_.ParallelFor(b.jobs.size(), process(b));
        CAIRN_RETURN_IF_ERROR(Emit(b, writers, trees));
        if (opt_.progress) opt_.progress(total_done_ + cur.consumed);
        if (cur.done) return Status::Ok();
        if (opt_.cancel && opt_.cancel->load()) return Status::Cancelled("encoding cancelled");
        CAIRN_RETURN_IF_ERROR(Fill(reader, cur, b));
      }
    }
    pool_.Start(batches_[current].jobs.size(), process(batches_[current]));
    for (;;) {
      // While the workers encode `current`, read the next batch; then start it and write `current`.
      bool more = !cur.done;
      Status read = more ? Fill(reader, cur, batches_[1 - current]) : Status::Ok();
      pool_.Wait();
      CAIRN_RETURN_IF_ERROR(read);
      if (more) pool_.Start(batches_[1 - current].jobs.size(), process(batches_[1 - current]));
      Status wrote = Emit(batches_[current], writers, trees);
      if (!wrote.ok() || (opt_.cancel && opt_.cancel->load())) {
        pool_.Wait();
        return wrote.ok() ? Status::Cancelled("encoding cancelled") : wrote;
      }
      if (opt_.progress) opt_.progress(total_done_ + cur.consumed);
      if (!more) return Status::Ok();
      current = 1 - current;
    }
  }

  Result<SegmentCoding> EncodeSegment(LookaheadReader& reader, std::uint32_t seg) {
    if (opt_.cancel && opt_.cancel->load()) return Status::Cancelled("encoding cancelled");
    std::vector<std::unique_ptr<ShardWriter>> writers(n_);
    std::vector<MerkleBuilder> trees(n_);
    for (int j = 0; j < n_; ++j) {
      CAIRN_ASSIGN_OR_RETURN(writers[j], sink_.Create(seg, j));
    }
    SegmentCursor cur;
    CAIRN_RETURN_IF_ERROR(Pipeline(reader, seg, cur, writers, trees));
    total_done_ += cur.consumed;
    SegmentCoding sc;
    sc.plaintext_size = cur.consumed;
    sc.shard_size = GeometryFor(cur.consumed, k_, unit_).shard_size;
    for (int j = 0; j < n_; ++j) {
      CAIRN_RETURN_IF_ERROR(writers[j]->Commit());
      CAIRN_ASSIGN_OR_RETURN(Hash32 root, trees[j].Finish());
      sc.comm_d.push_back(root);
    }
    return sc;
  }

  Status SealStripe(std::uint32_t seg, StripeJob& job) {
    CAIRN_ASSIGN_OR_RETURN(auto sealer, StreamSealer::Create(key_, header_, FileStreamContext(), seg));
    std::uint64_t chunks = job.plaintext_size == 0 ? 1 : (job.plaintext_size + chunk_ - 1) / chunk_;
    for (std::uint64_t c = 0; c < chunks; ++c) {
      std::uint64_t off = c * chunk_;
      std::size_t len = static_cast<std::size_t>(std::min<std::uint64_t>(chunk_, job.plaintext_size - off));
      std::uint8_t* unit = job.units + c * unit_;
      bool last = job.segment_ends && c + 1 == chunks;
      CAIRN_RETURN_IF_ERROR(sealer->SealChunk(job.first_chunk + c, last, ByteSpan(job.plaintext + off, len),
                                              MutableByteSpan(unit, len + kAeadTagSize)));
      std::memset(unit + len + kAeadTagSize, 0, unit_ - len - kAeadTagSize);
    }
    for (std::uint64_t c = chunks; c < static_cast<std::uint64_t>(k_); ++c) {
      std::memset(job.units + c * unit_, 0, unit_);
    }
    std::vector<const std::uint8_t*> data(k_);
    std::vector<std::uint8_t*> parity(n_ - k_);
    for (int j = 0; j < k_; ++j) data[j] = job.units + static_cast<std::size_t>(j) * unit_;
    for (int j = k_; j < n_; ++j) parity[j - k_] = job.units + static_cast<std::size_t>(j) * unit_;
    if (n_ > k_) CAIRN_RETURN_IF_ERROR(ec_.Encode(data, parity, unit_));
    job.roots.resize(n_);
    for (int j = 0; j < n_; ++j) {
      CAIRN_ASSIGN_OR_RETURN(job.roots[j], MerkleRoot(ByteSpan(job.units + static_cast<std::size_t>(j) * unit_, unit_)));
    }
    return Status::Ok();
  }

  const EncodeOptions& opt_;
  ByteSpan key_;
  StreamHeader header_;
  const ErasureCoder& ec_;
  ShardSink& sink_;
  const bool pipelined_;
  WorkerPool pool_;  // pipelined: `threads` workers and the caller doing I/O; else inline
  const int k_;
  const int n_;
  const std::uint32_t unit_;
  const std::uint32_t chunk_;
  const std::size_t batch_;
  const std::size_t stripe_in_;
  Batch batches_[2];
  std::uint64_t total_done_ = 0;
};

}  // namespace

Result<FileCoding> EncodeFileWithHeader(InputStream& in, ByteSpan file_key, const StreamHeader& header,
                                        const EncodeOptions& options, ShardSink& sink) {
  CAIRN_RETURN_IF_ERROR(ValidateCodingParams(options.params));
  if (file_key.size() != kAeadKeySize) return Status::InvalidArgument("file key must be 32 bytes");
  if (options.params.unit_size == 0) return Status::InvalidArgument("unit size must be chosen");
  if (header.chunk_size != options.params.unit_size - kAeadTagSize) {
    return Status::InvalidArgument("stream chunk size must be the unit size minus the tag");
  }
  CAIRN_ASSIGN_OR_RETURN(auto ec, ErasureCoder::Create(options.params.k, options.params.m));
  Encoder enc(options, file_key, header, *ec, sink);
  return enc.Run(in);
}

Result<FileCoding> EncodeFile(InputStream& in, std::uint64_t size_hint, ByteSpan file_key,
                              const EncodeOptions& options, ShardSink& sink) {
  CAIRN_RETURN_IF_ERROR(ValidateCodingParams(options.params));
  EncodeOptions o = options;
  if (o.params.unit_size == 0) o.params.unit_size = ChooseUnitSize(size_hint, o.params.k, o.params.segment_size);
  StreamHeader h;
  h.chunk_size = o.params.unit_size - static_cast<std::uint32_t>(kAeadTagSize);
  RandomBytes(h.nonce);
  return EncodeFileWithHeader(in, file_key, h, o, sink);
}

}  // namespace cairn::client
