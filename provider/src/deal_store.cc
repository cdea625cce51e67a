// DealStore over LMDB; the database layout is in deal_store.h. Ledger value grammar:
//   ledger := canonical bencode { "reserved": int, "used": int }   (bytes; absent = both 0)
#include "cairn/provider/deal_store.h"

#include <string>

#include "cairn/core/hex.h"
#include "cairn/core/wire.h"

namespace cairn::provider {
namespace {

using wire::Value;

constexpr std::string_view kLedgerKey = "ledger";
constexpr std::size_t kMaxReasonBytes = 500;
constexpr std::uint64_t kMaxLedgerValue = std::uint64_t{1} << 62;

ByteSpan Key(const Hash32& h) { return ByteSpan(h); }

std::string Short(const DealId& id) { return ToHex(ByteSpan(id.value()).first(8)); }

// Cuts `s` to at most n bytes of printable ASCII (what a record's "why" may hold).
std::string CleanReason(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (out.size() >= kMaxReasonBytes) break;
    out.push_back(c >= 0x20 && c <= 0x7e ? c : '?');
  }
  return out;
}

void Account(Ledger& l, DealState s, std::uint64_t size, bool add) {
  std::uint64_t* slot = nullptr;
  if (s == DealState::kAccepted || s == DealState::kDownloading) slot = &l.reserved;
  if (s == DealState::kStored) slot = &l.used;
  if (slot == nullptr) return;
  *slot = add ? *slot + size : (*slot >= size ? *slot - size : 0);
}

Result<std::optional<DealRecord>> ReadDeal(const ReadTxn& txn, KvDb db, const DealId& id) {
  CAIRN_ASSIGN_OR_RETURN(std::optional<Bytes> bytes, txn.Get(db, Key(id.value())));
  if (!bytes) return std::optional<DealRecord>();
  CAIRN_ASSIGN_OR_RETURN(DealRecord r, DealRecord::Decode(*bytes));
  if (r.id != id) return Status::Corruption("deal record " + Short(id) + " names another deal");
  return std::optional<DealRecord>(std::move(r));
}

}  // namespace

Result<std::unique_ptr<DealStore>> DealStore::Open(KvStore* kv, std::uint64_t capacity, bool repair_ledger) {
  CAIRN_ASSIGN_OR_RETURN(KvDb deals, kv->OpenDb("deals"));
  CAIRN_ASSIGN_OR_RETURN(KvDb proposals, kv->OpenDb("proposals"));
  CAIRN_ASSIGN_OR_RETURN(KvDb shards, kv->OpenDb("shards"));
  CAIRN_ASSIGN_OR_RETURN(KvDb meta, kv->OpenDb("meta"));
  std::unique_ptr<DealStore> store(new DealStore(kv, deals, proposals, shards, meta, capacity));
  if (!repair_ledger) return store;
  CAIRN_RETURN_IF_ERROR(kv->Update([&](WriteTxn& txn) -> Status {
    Ledger stored, actual;
    CAIRN_RETURN_IF_ERROR(store->ReadLedger(txn, stored));
    CAIRN_RETURN_IF_ERROR(store->RecomputeIn(txn, actual));
    if (stored.reserved == actual.reserved && stored.used == actual.used) return Status::Ok();
    return store->WriteLedger(txn, actual);
  }));
  return store;
}

Status DealStore::ReadLedger(const ReadTxn& txn, Ledger& out) const {
  out = Ledger{};
  out.capacity = capacity_;
  CAIRN_ASSIGN_OR_RETURN(std::optional<Bytes> bytes, txn.Get(meta_, AsBytes(kLedgerKey)));
  if (!bytes) return Status::Ok();
  auto d = wire::DecodeFrameBody(*bytes);
  if (!d.ok()) return Status::Corruption("capacity ledger: " + d.status().message());
  auto reserved = wire::GetUint(*d, "reserved", kMaxLedgerValue);
  auto used = wire::GetUint(*d, "used", kMaxLedgerValue);
  if (!reserved.ok() || !used.ok()) return Status::Corruption("capacity ledger is malformed");
  out.reserved = *reserved;
  out.used = *used;
  return Status::Ok();
}

Status DealStore::WriteLedger(WriteTxn& txn, const Ledger& ledger) const {
  Value::Dict d;
  d["reserved"] = static_cast<std::int64_t>(ledger.reserved);
  d["used"] = static_cast<std::int64_t>(ledger.used);
  return txn.Put(meta_, AsBytes(kLedgerKey), wire::Encode(Value(std::move(d))));
}

Status DealStore::RecomputeIn(const ReadTxn& txn, Ledger& out) const {
  out = Ledger{};
  out.capacity = capacity_;
  Status bad;
  CAIRN_RETURN_IF_ERROR(txn.ForEach(deals_, {}, [&](ByteSpan, ByteSpan value) {
    Result<DealRecord> r = DealRecord::Decode(value);
    if (!r.ok()) {
      bad = r.status();
      return false;
    }
    Account(out, r->state, r->size, true);
    return true;
  }));
  return bad;
}

Result<AcceptResult> DealStore::Accept(const DealRecord& deal, ByteSpan proposal_body) {
  if (deal.state != DealState::kAccepted) return Status::InvalidArgument("a new deal must be in state accepted");
  AcceptResult result;
  CAIRN_RETURN_IF_ERROR(kv_->Update([&](WriteTxn& txn) -> Status {
    result = AcceptResult{};
    CAIRN_ASSIGN_OR_RETURN(std::optional<DealRecord> existing, ReadDeal(txn, deals_, deal.id));
    if (existing) {
      result.record = std::move(*existing);
      return Status::Ok();
    }
    CAIRN_ASSIGN_OR_RETURN(std::optional<Bytes> holder, txn.Get(shards_, Key(deal.shard.value())));
    if (holder) return Status::AlreadyExists("the shard is held under another deal");
    Ledger ledger;
    CAIRN_RETURN_IF_ERROR(ReadLedger(txn, ledger));
    if (deal.size > ledger.free()) {
      return Status::ResourceExhausted("shard of " + std::to_string(deal.size) + " bytes does not fit in " +
                                       std::to_string(ledger.free()) + " free bytes");
    }
    Account(ledger, DealState::kAccepted, deal.size, true);
    CAIRN_RETURN_IF_ERROR(txn.Put(deals_, Key(deal.id.value()), deal.Encode()));
    CAIRN_RETURN_IF_ERROR(txn.Put(proposals_, Key(deal.id.value()), proposal_body));
    CAIRN_RETURN_IF_ERROR(txn.Put(shards_, Key(deal.shard.value()), Key(deal.id.value())));
    CAIRN_RETURN_IF_ERROR(WriteLedger(txn, ledger));
    result.record = deal;
    result.created = true;
    return Status::Ok();
  }));
  return result;
}

Result<DealRecord> DealStore::Transition(const DealId& id, DealState to, std::string_view reason, std::uint64_t now) {
  DealRecord out;
  CAIRN_RETURN_IF_ERROR(kv_->Update([&](WriteTxn& txn) -> Status {
    CAIRN_ASSIGN_OR_RETURN(std::optional<DealRecord> found, ReadDeal(txn, deals_, id));
    if (!found) return Status::NotFound("no deal " + Short(id));
    DealRecord r = std::move(*found);
    if (!IsAllowedTransition(r.state, to)) {
      return Status::FailedPrecondition("deal " + Short(id) + " cannot go from " + std::string(DealStateName(r.state)) +
                                        " to " + std::string(DealStateName(to)));
    }
    Ledger ledger;
    CAIRN_RETURN_IF_ERROR(ReadLedger(txn, ledger));
    Account(ledger, r.state, r.size, false);
    Account(ledger, to, r.size, true);
    r.state = to;
    r.updated = now;
    if (to == DealState::kFailed) r.reason = CleanReason(reason);
    if (!HoldsCapacity(to)) {
      CAIRN_RETURN_IF_ERROR(txn.Delete(proposals_, Key(id.value())).status());
      CAIRN_ASSIGN_OR_RETURN(std::optional<Bytes> holder, txn.Get(shards_, Key(r.shard.value())));
      if (holder && ByteSpan(*holder).size() == 32 && std::equal(holder->begin(), holder->end(), id.value().begin())) {
        CAIRN_RETURN_IF_ERROR(txn.Delete(shards_, Key(r.shard.value())).status());
      }
    }
    CAIRN_RETURN_IF_ERROR(txn.Put(deals_, Key(id.value()), r.Encode()));
    CAIRN_RETURN_IF_ERROR(WriteLedger(txn, ledger));
    out = std::move(r);
    return Status::Ok();
  }));
  return out;
}

Result<std::optional<DealRecord>> DealStore::Get(const DealId& id) const {
  CAIRN_ASSIGN_OR_RETURN(ReadTxn txn, kv_->BeginRead());
  return ReadDeal(txn, deals_, id);
}

Result<Bytes> DealStore::GetProposal(const DealId& id) const {
  CAIRN_ASSIGN_OR_RETURN(ReadTxn txn, kv_->BeginRead());
  CAIRN_ASSIGN_OR_RETURN(std::optional<Bytes> bytes, txn.Get(proposals_, Key(id.value())));
  if (!bytes) return Status::NotFound("no proposal for deal " + Short(id));
  return std::move(*bytes);
}

Result<std::optional<DealRecord>> DealStore::FindByShard(const ShardId& shard) const {
  CAIRN_ASSIGN_OR_RETURN(ReadTxn txn, kv_->BeginRead());
  CAIRN_ASSIGN_OR_RETURN(std::optional<Bytes> holder, txn.Get(shards_, Key(shard.value())));
  if (!holder) return std::optional<DealRecord>();
  if (holder->size() != 32) return Status::Corruption("shard index entry is not a deal id");
  Hash32 id;
  std::copy(holder->begin(), holder->end(), id.begin());
  CAIRN_ASSIGN_OR_RETURN(std::optional<DealRecord> r, ReadDeal(txn, deals_, DealId(id)));
  if (!r) return Status::Corruption("shard index names a missing deal");
  return r;
}

Result<std::vector<DealRecord>> DealStore::List() const {
  CAIRN_ASSIGN_OR_RETURN(ReadTxn txn, kv_->BeginRead());
  std::vector<DealRecord> out;
  Status bad;
  CAIRN_RETURN_IF_ERROR(txn.ForEach(deals_, {}, [&](ByteSpan, ByteSpan value) {
    Result<DealRecord> r = DealRecord::Decode(value);
    if (!r.ok()) {
      bad = r.status();
      return false;
    }
    out.push_back(std::move(*r));
    return true;
  }));
  CAIRN_RETURN_IF_ERROR(bad);
  return out;
}

Result<Ledger> DealStore::GetLedger() const {
  CAIRN_ASSIGN_OR_RETURN(ReadTxn txn, kv_->BeginRead());
  Ledger l;
  CAIRN_RETURN_IF_ERROR(ReadLedger(txn, l));
  return l;
}

Result<Ledger> DealStore::RecomputeLedger() const {
  CAIRN_ASSIGN_OR_RETURN(ReadTxn txn, kv_->BeginRead());
  Ledger l;
  CAIRN_RETURN_IF_ERROR(RecomputeIn(txn, l));
  return l;
}

}  // namespace cairn::provider
