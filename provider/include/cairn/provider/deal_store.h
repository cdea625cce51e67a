// DealStore: the provider's durable book of deals, proposals and capacity, in LMDB (core/kv_store.h).
//
// Databases:
//   "deals"      deal id (32)  -> DealRecord (deal.h)
//   "proposals"  deal id (32)  -> the propose body exactly as received (canonical bencode, incl. the torrent);
//                                 dropped when the deal fails or is removed
//   "shards"     comm_d (32)   -> deal id of the deal that holds the shard (accepted, downloading or stored)
//   "meta"       "ledger"      -> { "reserved": int, "used": int } (canonical bencode)
// Capacity ledger: reserved = the sizes of accepted and downloading deals, used = the sizes of stored deals. Every
// change of a deal and of the ledger happens in one write transaction, and LMDB runs one writer at a time, so two
// proposals racing for the last free bytes cannot both be accepted.
// Callers commit "stored" only once the shard file is durable in shards/ (see shard_file.h); "removed" is
// committed before the file is deleted, so a record never names a missing file (a crash in between leaves an
// orphan file that the daemon deletes at startup).
//
// Thread-safety: all methods may be called from any thread; the KvStore serialises writers.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "cairn/core/bytes.h"
#include "cairn/core/ids.h"
#include "cairn/core/kv_store.h"
#include "cairn/core/status.h"
#include "cairn/provider/deal.h"

namespace cairn::provider {

struct Ledger {
  std::uint64_t capacity = 0;  // configured
  std::uint64_t reserved = 0;  // accepted + downloading
  std::uint64_t used = 0;      // stored

  std::uint64_t committed() const { return reserved + used; }
  // Bytes a new proposal may still take (0 when the capacity was lowered below what is committed).
  std::uint64_t free() const { return capacity > committed() ? capacity - committed() : 0; }
};

struct AcceptResult {
  DealRecord record;
  bool created = false;  // false: a deal with this id already existed and is returned unchanged
};

class DealStore {
 public:
  // Opens the databases of `kv` (which must outlive the store). With `repair_ledger`, checks the ledger against the
  // deals and rewrites it from them when they disagree (kCorruption when a record cannot be read); without, only
  // reads (for `status`, which runs beside the daemon).
  static Result<std::unique_ptr<DealStore>> Open(KvStore* kv, std::uint64_t capacity, bool repair_ledger = true);

  // Records `deal` in state accepted with its size reserved, and its proposal body, in one transaction.
  // A deal with the same id is returned unchanged (created = false), so a proposal re-sent after a lost reply gets
  // the same answer. kResourceExhausted when the deal does not fit in the free capacity; kAlreadyExists when another
  // deal holds the shard. REQUIRES: deal.state == kAccepted.
  Result<AcceptResult> Accept(const DealRecord& deal, ByteSpan proposal_body);

  // Moves a deal to `to` at unix time `now`, moving its size between reserved, used and free, and dropping the
  // proposal and shard index entry when the deal stops holding capacity. `reason` (truncated to 500 bytes) is kept
  // for failed deals. kNotFound for an unknown deal; kFailedPrecondition for a transition deal.h does not allow.
  Result<DealRecord> Transition(const DealId& id, DealState to, std::string_view reason, std::uint64_t now);

  Result<std::optional<DealRecord>> Get(const DealId& id) const;
  // kNotFound once the deal failed or was removed.
  Result<Bytes> GetProposal(const DealId& id) const;
  // The deal holding `shard` (accepted, downloading or stored), if any.
  Result<std::optional<DealRecord>> FindByShard(const ShardId& shard) const;
  // Every deal, in deal id order.
  Result<std::vector<DealRecord>> List() const;
  Result<Ledger> GetLedger() const;
  // The ledger recomputed from the deal records; equals GetLedger() unless the store is broken.
  Result<Ledger> RecomputeLedger() const;

  std::uint64_t capacity() const { return capacity_; }

 private:
  DealStore(KvStore* kv, KvDb deals, KvDb proposals, KvDb shards, KvDb meta, std::uint64_t capacity)
      : kv_(kv), deals_(deals), proposals_(proposals), shards_(shards), meta_(meta), capacity_(capacity) {}
  Status ReadLedger(const ReadTxn& txn, Ledger& out) const;
  Status WriteLedger(WriteTxn& txn, const Ledger& ledger) const;
  Status RecomputeIn(const ReadTxn& txn, Ledger& out) const;

  KvStore* kv_;
  KvDb deals_;
  KvDb proposals_;
  KvDb shards_;
  KvDb meta_;
  std::uint64_t capacity_;
};

}  // namespace cairn::provider
