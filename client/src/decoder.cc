#include "decoder.h"

#include <algorithm>
#include <cstring>
#include <deque>
#include <functional>
#include <future>
#include <thread>

#include "cairn/core/erasure.h"
#include "cairn/core/merkle.h"
#include "cairn/core/worker_pool.h"

namespace cairn::client {

Status VerifyShard(ShardReader& reader, std::uint64_t expected_size, const Hash32& comm_d) {
  if (reader.size() != expected_size) {
    return Status::Corruption("shard has " + std::to_string(reader.size()) + " bytes, expected " +
                              std::to_string(expected_size));
  }
  constexpr std::size_t kBlock = 1 << 20;
  std::vector<std::uint8_t> buf(std::min<std::uint64_t>(kBlock, expected_size));
  MerkleBuilder tree;
  for (std::uint64_t off = 0; off < expected_size;) {
    std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), expected_size - off));
    CAIRN_RETURN_IF_ERROR(reader.ReadAt(off, MutableByteSpan(buf.data(), n)));
    CAIRN_RETURN_IF_ERROR(tree.AddNodes(ByteSpan(buf.data(), n)));
    off += n;
  }
  CAIRN_ASSIGN_OR_RETURN(Hash32 root, tree.Finish());
  if (root != comm_d) return Status::Corruption("shard does not match its comm_d");
  return Status::Ok();
}

namespace {

// Runs fn(i) for every i in [0, n) on threads of its own, at most kMaxConcurrentOpens at a time. Opening a shard
// mostly waits on the network (a control call, then a torrent download), so all the shards a batch needs are opened
// at once rather than as many at a time as the decode pool has threads.
constexpr std::size_t kMaxConcurrentOpens = 16;
// Shards (of the segments after the one being decoded) that a decode keeps fetching at a time. 1 GiB get on 14
// providers (10+4), same window: 16 -> 0.45-0.50x raw libtorrent, 32 -> 0.76x; client max RSS 152 -> 211-237 MiB
// (291 MiB for a 4 GiB get on 4+2).
constexpr std::size_t kShardsInFlight = 32;

void OpenConcurrently(std::size_t n, const std::function<void(std::size_t)>& fn) {
  for (std::size_t start = 0; start < n; start += kMaxConcurrentOpens) {
    const std::size_t stop = std::min(n, start + kMaxConcurrentOpens);
    std::vector<std::thread> threads;
    threads.reserve(stop - start - 1);
    for (std::size_t i = start + 1; i < stop; ++i) threads.emplace_back(fn, i);
    fn(start);  // the calling thread takes the first
    for (std::thread& t : threads) t.join();
  }
}

struct StripeWork {
  std::uint64_t stripe = 0;
  std::vector<std::uint8_t*> units;  // per shard index (k+m), each a unit-sized slot
  std::uint8_t* plain = nullptr;     // k * chunk bytes
  std::uint64_t plain_size = 0;      // plaintext bytes this stripe holds
  Status status;
};

class Decoder {
 public:
  Decoder(const FileCoding& c, ByteSpan key, ShardSource& src, OutputStream& out, const DecodeOptions& o,
          const ErasureCoder& ec)
      : c_(c),
        key_(key),
        src_(src),
        out_(out),
        opt_(o),
        ec_(ec),
        pool_(o.threads),
        k_(c.k),
        n_(c.k + c.m),
        unit_(c.unit_size),
        chunk_(c.unit_size - kAeadTagSize) {}

  Result<DecodeReport> Run() {
    struct Span {
      std::uint32_t segment;
      std::uint64_t lo, hi;  // plaintext range within the segment
    };
    std::vector<Span> todo;
    std::uint64_t begin = std::min(opt_.offset, c_.size);
    std::uint64_t end = c_.size - begin < opt_.length ? c_.size : begin + opt_.length;
    std::uint64_t seg_start = 0;
    for (std::uint32_t s = 0; s < c_.segments.size(); ++s) {
      const SegmentCoding& sc = c_.segments[s];
      std::uint64_t seg_end = seg_start + sc.plaintext_size;
      bool touches = (begin < seg_end && end > seg_start) || (c_.size == 0 && s == 0);
      if (touches) todo.push_back({s, std::max(begin, seg_start) - seg_start, std::min(end, seg_end) - seg_start});
      seg_start = seg_end;
    }
    // Shards of the next segments are fetched and checked while this one decodes, about kShardsInFlight at a time:
    // one fresh shard download on its own is slow (it waits on connection and request ramp-up), many side by side
    // fill the link. Decoding runs on the pool meanwhile. (On an early return, the futures' destructors wait.)
    const std::size_t depth = std::max<std::size_t>(1, (kShardsInFlight + k_ - 1) / k_);
    DecodeReport report;
    std::deque<std::future<Result<Selected>>> ahead;
    std::size_t launched = 0;
    for (std::size_t t = 0; t < todo.size(); ++t) {
      for (; launched < todo.size() && launched < t + depth; ++launched) {
        ahead.push_back(std::async(std::launch::async, [this, s = todo[launched].segment] { return Select(s); }));
      }
      Result<Selected> current = ahead.front().get();
      ahead.pop_front();
      CAIRN_RETURN_IF_ERROR(current.status());
      CAIRN_ASSIGN_OR_RETURN(SegmentReport r, DecodeSegment(todo[t].segment, todo[t].lo, todo[t].hi, *current));
      report.segments.push_back(std::move(r));
    }
    report.bytes_written = written_;
    return report;
  }

 private:
  // The k checked shards a segment is decoded from.
  struct Selected {
    SegmentReport report;
    std::vector<std::unique_ptr<ShardReader>> readers;  // by shard index; null for those not used
  };

  // Thread-safety: touches only the source and its own locals, so it may run beside DecodeSegment.
  Result<Selected> Select(std::uint32_t s) {
    Selected out;
    CAIRN_ASSIGN_OR_RETURN(out.report, SelectShards(s, out.readers));
    return out;
  }

  // Picks k shards that pass their checks, verifying candidates in parallel.
  Result<SegmentReport> SelectShards(std::uint32_t s, std::vector<std::unique_ptr<ShardReader>>& readers) {
    const SegmentCoding& sc = c_.segments[s];
    SegmentReport r;
    r.segment = s;
    readers.clear();
    readers.resize(n_);
    int next = 0;
    while (static_cast<int>(r.used.size()) < k_ && next < n_) {
      std::vector<int> batch;
      while (static_cast<int>(r.used.size() + batch.size()) < k_ && next < n_) batch.push_back(next++);
      std::vector<Status> st(batch.size());
      std::vector<std::unique_ptr<ShardReader>> opened(batch.size());
      OpenConcurrently(batch.size(), [&](std::size_t i) {
        auto rd = src_.Open(s, batch[i]);
        if (!rd.ok()) {
          st[i] = rd.status();
          return;
        }
        opened[i] = std::move(*rd);
        st[i] = VerifyShard(*opened[i], sc.shard_size, sc.comm_d[batch[i]]);
      });
      for (std::size_t i = 0; i < batch.size(); ++i) {
        if (st[i].ok()) {
          r.used.push_back(batch[i]);
          readers[batch[i]] = std::move(opened[i]);
        } else if (st[i].code() == Code::kCorruption) {
          r.corrupt.push_back(batch[i]);
        } else {
          r.missing.push_back(batch[i]);
        }
      }
    }
    if (static_cast<int>(r.used.size()) < k_) {
      std::string msg = "segment " + std::to_string(s) + ": only " + std::to_string(r.used.size()) + " of " +
                        std::to_string(n_) + " shards usable, " + std::to_string(k_) + " needed";
      auto list = [](const std::vector<int>& v) {
        std::string out;
        for (int i : v) {
          if (!out.empty()) out += ',';
          out += std::to_string(i);
        }
        return out;
      };
      if (!r.missing.empty()) msg += "; missing shards " + list(r.missing);
      if (!r.corrupt.empty()) msg += "; corrupt shards " + list(r.corrupt);
      return Status::NotFound(msg);
    }
    std::sort(r.used.begin(), r.used.end());
    return r;
  }

  Result<SegmentReport> DecodeSegment(std::uint32_t s, std::uint64_t lo, std::uint64_t hi, Selected& selected) {
    const SegmentReport& report = selected.report;
    std::vector<std::unique_ptr<ShardReader>>& readers = selected.readers;
    const SegmentCoding& sc = c_.segments[s];
    SegmentGeometry g = GeometryFor(sc.plaintext_size, k_, unit_);
    std::vector<int> want;
    for (int j = 0; j < k_; ++j) {
      if (!readers[j]) want.push_back(j);
    }
    std::uint64_t stripe_plain = static_cast<std::uint64_t>(k_) * chunk_;
    std::uint64_t first = lo / stripe_plain;
    std::uint64_t last = hi == 0 ? 0 : (hi - 1) / stripe_plain;  // inclusive
    if (sc.plaintext_size == 0) last = 0;
    last = std::min(last, g.stripes - 1);
    const std::size_t batch = std::max<std::size_t>(1, opt_.stripes_per_batch);
    std::vector<std::uint8_t> units(batch * static_cast<std::size_t>(n_) * unit_);
    std::vector<std::uint8_t> plain(batch * stripe_plain);
    std::vector<StripeWork> work;
    for (std::uint64_t st = first; st <= last;) {
      if (opt_.cancel && opt_.cancel->load()) return Status::Cancelled("decoding cancelled");
      work.clear();
      for (std::size_t b = 0; b < batch && st <= last; ++b, ++st) {
        StripeWork w;
        w.stripe = st;
        w.units.assign(n_, nullptr);
        // Every shard index has its own slot; missing data units are rebuilt into theirs.
        std::uint8_t* base = units.data() + b * static_cast<std::size_t>(n_) * unit_;
        for (int j = 0; j < n_; ++j) w.units[j] = base + static_cast<std::size_t>(j) * unit_;
        for (int j : report.used) {
          CAIRN_RETURN_IF_ERROR(readers[j]
                                    ->ReadAt(st * unit_, MutableByteSpan(w.units[j], unit_))
                                    .WithContext("segment " + std::to_string(s) + " shard " + std::to_string(j)));
        }
        w.plain = plain.data() + b * stripe_plain;
        work.push_back(std::move(w));
      }
      pool_.ParallelFor(work.size(), [&](std::size_t i) { work[i].status = OpenStripe(s, g, report, want, work[i]); });
      for (StripeWork& w : work) {
        CAIRN_RETURN_IF_ERROR(w.status.WithContext("segment " + std::to_string(s)));
        std::uint64_t w_lo = w.stripe * stripe_plain;
        std::uint64_t w_hi = w_lo + w.plain_size;
        std::uint64_t a = std::max(w_lo, lo);
        std::uint64_t b = std::min(w_hi, hi);
        if (a < b) {
          CAIRN_RETURN_IF_ERROR(out_.Write(ByteSpan(w.plain + (a - w_lo), b - a)));
          written_ += b - a;
        }
      }
      if (opt_.progress) opt_.progress(written_);
    }
    return report;
  }

  Status OpenStripe(std::uint32_t s, const SegmentGeometry& g, const SegmentReport& report,
                    const std::vector<int>& want, StripeWork& w) {
    if (!want.empty()) {
      std::vector<const std::uint8_t*> present;
      present.reserve(report.used.size());
      for (int j : report.used) present.push_back(w.units[j]);
      std::vector<std::uint8_t*> outs;
      outs.reserve(want.size());
      for (int j : want) outs.push_back(w.units[j]);
      CAIRN_RETURN_IF_ERROR(ec_.Decode(report.used, present, want, outs, unit_));
    }
    CAIRN_ASSIGN_OR_RETURN(auto opener, StreamOpener::Create(key_, c_.header, FileStreamContext(), s));
    std::uint64_t first_chunk = w.stripe * static_cast<std::uint64_t>(k_);
    w.plain_size = 0;
    for (int j = 0; j < k_; ++j) {
      std::uint64_t chunk = first_chunk + static_cast<std::uint64_t>(j);
      if (chunk >= g.chunks) break;
      bool last = chunk + 1 == g.chunks;
      std::uint64_t len = last ? g.plaintext_size - chunk * chunk_ : chunk_;
      CAIRN_RETURN_IF_ERROR(opener->OpenChunk(chunk, last, ByteSpan(w.units[j], len + kAeadTagSize),
                                              MutableByteSpan(w.plain + static_cast<std::size_t>(j) * chunk_, len)));
      w.plain_size += len;
    }
    return Status::Ok();
  }

  const FileCoding& c_;
  ByteSpan key_;
  ShardSource& src_;
  OutputStream& out_;
  const DecodeOptions& opt_;
  const ErasureCoder& ec_;
  WorkerPool pool_;
  const int k_;
  const int n_;
  const std::uint32_t unit_;
  const std::uint32_t chunk_;
  std::uint64_t written_ = 0;
};

}  // namespace

Result<DecodeReport> DecodeFile(const FileCoding& coding, ByteSpan file_key, ShardSource& source, OutputStream& out,
                                const DecodeOptions& options) {
  CAIRN_RETURN_IF_ERROR(ValidateFileCoding(coding));
  if (file_key.size() != kAeadKeySize) return Status::InvalidArgument("file key must be 32 bytes");
  CAIRN_ASSIGN_OR_RETURN(auto ec, ErasureCoder::Create(coding.k, coding.m));
  Decoder d(coding, file_key, source, out, options, *ec);
  return d.Run();
}

}  // namespace cairn::client
