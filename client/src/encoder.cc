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

class Encoder {
 public:
  Encoder(const EncodeOptions& o, ByteSpan key, const StreamHeader& h, const ErasureCoder& ec, ShardSink& sink)
      : opt_(o), key_(key), header_(h), ec_(ec), sink_(sink), pool_(o.threads),
        k_(o.params.k), n_(o.params.k + o.params.m), unit_(o.params.unit_size), chunk_(unit_ - kAeadTagSize) {}

  Result<FileCoding> Run(InputStream& in) {
    FileCoding fc;
    fc.k = opt_.params.k;
    fc.m = opt_.params.m;
    fc.segment_size = opt_.params.segment_size;
    fc.unit_size = unit_;
    fc.header = header_;
    const std::size_t batch = std::max<std::size_t>(1, opt_.stripes_per_batch);
    const std::size_t stripe_in = static_cast<std::size_t>(k_) * chunk_;
    in_buf_.resize(batch * stripe_in);
    out_buf_.resize(batch * static_cast<std::size_t>(n_) * unit_);
    LookaheadReader reader(in);
    for (std::uint32_t seg = 0;; ++seg) {
      CAIRN_ASSIGN_OR_RETURN(SegmentCoding sc, EncodeSegment(reader, seg, batch, stripe_in));
      fc.size += sc.plaintext_size;
      fc.segments.push_back(std::move(sc));
      CAIRN_ASSIGN_OR_RETURN(bool end, reader.AtEnd());
      if (end) break;
    }
    return fc;
  }

 private:
  Result<SegmentCoding> EncodeSegment(LookaheadReader& reader, std::uint32_t seg, std::size_t batch,
                                      std::size_t stripe_in) {
    std::vector<std::unique_ptr<ShardWriter>> writers(n_);
    std::vector<MerkleBuilder> trees(n_);
    for (int j = 0; j < n_; ++j) {
      CAIRN_ASSIGN_OR_RETURN(writers[j], sink_.Create(seg, j));
    }
    std::uint64_t consumed = 0;
    std::uint64_t chunk_index = 0;
    bool seg_done = false;
    std::vector<StripeJob> jobs;
    while (!seg_done) {
      if (opt_.cancel && opt_.cancel->load()) return Status::Cancelled("encoding cancelled");
      jobs.clear();
      while (jobs.size() < batch && !seg_done) {
        StripeJob job;
        std::size_t slot = jobs.size();
        std::uint64_t want = std::min<std::uint64_t>(stripe_in, opt_.params.segment_size - consumed);
        std::uint8_t* in = in_buf_.data() + slot * stripe_in;
        CAIRN_ASSIGN_OR_RETURN(std::size_t got, reader.Fill(MutableByteSpan(in, want)));
        consumed += got;
        if (got < want || consumed == opt_.params.segment_size) {
          seg_done = true;
        } else {
          CAIRN_ASSIGN_OR_RETURN(bool end, reader.AtEnd());
          seg_done = end;
        }
        // got == 0 only for the first stripe of an empty file: one empty, last chunk.
        job.first_chunk = chunk_index;
        job.plaintext_size = got;
        job.segment_ends = seg_done;
        job.plaintext = in;
        job.units = out_buf_.data() + slot * static_cast<std::size_t>(n_) * unit_;
        std::uint64_t chunks = got == 0 ? 1 : (got + chunk_ - 1) / chunk_;
        chunk_index += chunks;
        jobs.push_back(std::move(job));
      }
      pool_.ParallelFor(jobs.size(), [&](std::size_t i) { jobs[i].status = SealStripe(seg, jobs[i]); });
      for (StripeJob& job : jobs) {
        CAIRN_RETURN_IF_ERROR(job.status);
        for (int j = 0; j < n_; ++j) {
          ByteSpan u(job.units + static_cast<std::size_t>(j) * unit_, unit_);
          CAIRN_RETURN_IF_ERROR(writers[j]->Append(u));
          CAIRN_RETURN_IF_ERROR(trees[j].AddSubtreeRoot(job.roots[j], unit_ / 32));
        }
      }
      if (opt_.progress) opt_.progress(total_done_ + consumed);
    }
    total_done_ += consumed;
    SegmentCoding sc;
    sc.plaintext_size = consumed;
    sc.shard_size = GeometryFor(consumed, k_, unit_).shard_size;
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
  WorkerPool pool_;
  const int k_;
  const int n_;
  const std::uint32_t unit_;
  const std::uint32_t chunk_;
  std::vector<std::uint8_t> in_buf_;
  std::vector<std::uint8_t> out_buf_;
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
