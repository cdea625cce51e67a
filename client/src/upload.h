// A put's upload, pipelined with its encoding: the encoder hands over each segment as soon as its shards are in the
// spool; the uploader (on a thread of its own) makes and seeds the segment's shard torrents, proposes its k + m shards
// to distinct providers in parallel, and polls the deals until every shard has a signed "stored" receipt, while
// later segments encode. At most a few segments wait for receipts (UploadOptions::max_segments_in_flight and
// spool_budget_bytes): AddSegment blocks beyond that, so the spool holds a few segments, not the whole file. A
// segment's spool files are deleted once all its shards have receipts.
//
// Long tail: once most shards of a segment are stored, a shard with no receipt well after its siblings' median time
// is proposed to a spare provider too; the first receipt wins and the other deal is removed.
//
// Failure: if any shard cannot be placed (or the put is cancelled or aborted), every deal made so far is removed
// (best effort) and Finish returns the error. Nothing is returned (so nothing recorded) unless every shard of every
// segment has a receipt.
//
// Thread-safety: AddSegment, ReportProgress, Finish and Abort are called from one thread (the put's), which also runs
// the progress function; the uploader's own thread does all network work.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "client_net.h"
#include "coding.h"
#include "object_record.h"

namespace cairn::client {

struct UploadOptions {
  std::uint64_t max_price = UINT64_MAX;
  std::uint64_t duration_epochs = 1000;
  std::chrono::milliseconds poll_interval{100};
  std::chrono::milliseconds poll_timeout{1500};  // one "deal" call
  std::chrono::seconds stall_timeout{30};        // a deal with no download progress this long is moved elsewhere
  // Segments seeded and waiting for receipts: at least max_segments_in_flight, more while their shards fit in
  // spool_budget_bytes (small segments: a deeper pipeline keeps the providers busy while a segment's last shards
  // finish; 1 GiB 4+2 put on a 6-provider devnet, 64 MiB segments: 3 in flight 7.2-7.6 s, 5 in flight 5.9-6.3 s).
  std::size_t max_segments_in_flight = 3;
  std::uint64_t spool_budget_bytes = std::uint64_t{512} << 20;
  // A shard for which no provider can be found (after looking providers up again, at most once a second) this long
  // fails the put. Long enough for a provider whose first DHT announce missed the nodes near the key to re-announce
  // (providers re-announce every 5 s in their first minute).
  std::chrono::milliseconds no_provider_timeout{20000};
  // Long tail: once at least `spare_quorum` of a segment's k + m shards are stored (0: all but one), a shard still
  // without a receipt `spare_factor` x its siblings' median receipt time after its proposal (and at least
  // `spare_min_wait`) is proposed to a spare provider too.
  int spare_quorum = 0;
  double spare_factor = 2.0;
  std::chrono::milliseconds spare_min_wait{1500};
  std::function<void(std::uint64_t done, std::uint64_t total)> progress;  // shard bytes received by providers
  const std::atomic<bool>* cancel = nullptr;
  std::uint64_t seed = 0;  // placement tie-breaks
  // Providers known before the put (checked records from the repository's cache): shards are proposed to them at
  // once. The uploader also looks providers up in the background (for fresh records and ones not known yet); when
  // this list is empty, proposals wait for that lookup.
  std::vector<ProviderInfo> providers;
  // The SHA-256 of each 16 KiB block of a spooled shard, if its writer computed them (BlockHashingSink::Take): the
  // shard's torrent is then built from them without reading the file. Unset, or an error: the file is hashed.
  std::function<Result<std::vector<Hash32>>(std::uint32_t segment, int shard)> block_hashes;
  // Called on the uploader's thread with what each lookup found (to refresh the cache).
  std::function<void(const std::vector<DiscoveredProvider>&)> discovered;
};

// How many providers a put with a k + m code looks for: one per shard of a segment, and two spares.
std::size_t ProvidersWanted(int k, int m);

// The piece size used for a shard torrent: a power of two >= 16 KiB giving at most 1024 pieces.
int ShardPieceSize(std::uint64_t shard_size);

class SegmentUploader {
 public:
  // Shards are read from `spool_dir` (SpoolShardPath names). Starts the uploader's thread.
  SegmentUploader(ClientNet& net, int k, int m, std::string spool_dir, UploadOptions options);
  ~SegmentUploader();  // Abort() unless Finish() returned
  SegmentUploader(const SegmentUploader&) = delete;
  SegmentUploader& operator=(const SegmentUploader&) = delete;

  // Hands over segment `seg` (its shards committed to the spool). Segments come in order 0, 1, 2... Blocks while
  // the in-flight limit (UploadOptions) is reached. Returns the upload's error once it has failed.
  Status AddSegment(std::uint32_t seg, const SegmentCoding& coding);
  // No more segments: waits for every receipt. Returns one placement per shard, in (segment, shard) order.
  Result<std::vector<Placement>> Finish();
  // Calls the progress function with the latest upload progress, if any is new. AddSegment and Finish do too while
  // they wait: progress functions only ever run on the put's thread.
  void ReportProgress();
  // Stops: removes every deal made and the seeds; returns once the thread has ended.
  void Abort();

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace cairn::client
