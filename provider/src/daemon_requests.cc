// The control request handler. Runs on the control server's io thread, so every branch returns quickly: LMDB reads,
// one durable LMDB commit for "propose" and "remove", and posts to the owner thread for anything touching the swarm
// or shard files.
#include <algorithm>

#include "cairn/core/control_messages.h"
#include "cairn/core/hex.h"
#include "daemon_core.h"
#include "log.h"
#include "shard_torrent.h"

namespace cairn::provider {
namespace {

using control::Reply;

std::string Short(const Hash32& h) { return ToHex(ByteSpan(h).first(6)); }

Reply BadRequest(const Status& s) { return Reply::Error(control::kCodeBadRequest, s.message()); }

Reply LocalFailure(const Status& s) {
  LogLine("local failure answering a request: " + s.ToString());
  return Reply::Error(control::kCodeUnavailable, "provider-side failure");
}

}  // namespace

void Daemon::Core::Post(PostedWork w) {
  {
    std::lock_guard<std::mutex> lock(mu);
    work.push_back(std::move(w));
  }
  if (options.wake_owner) options.wake_owner();
}

Reply Daemon::Core::Handle(const control::Envelope& request) {
  if (stopping.load()) return Reply::Error(control::kCodeUnavailable, "shutting down");
  if (request.type == control::kTypeRecord) return HandleRecord();
  if (request.type == control::kTypePropose) return HandlePropose(request);
  if (request.type == control::kTypeDeal) return HandleDeal(request);
  if (request.type == control::kTypeFetch) return HandleFetch(request);
  if (request.type == control::kTypeRemove) return HandleRemove(request);
  return Reply::Error(control::kCodeUnknownType, "unknown request type '" + request.type + "'");
}

Reply Daemon::Core::HandleRecord() {
  auto ledger = deals->GetLedger();
  if (!ledger.ok()) return LocalFailure(ledger.status());
  control::ProviderRecord r;
  r.id = identity.public_key();
  r.ctl = ctl_endpoint;
  r.bt = bt_endpoint;
  r.capacity = ledger->capacity;
  r.free = ledger->free();
  r.price = config.price;
  r.version = version;
  return Reply::Ok(r.ToBody());
}

Reply Daemon::Core::HandlePropose(const control::Envelope& request) {
  auto p = control::ProposeRequest::FromBody(request.body);
  if (!p.ok()) return BadRequest(p.status());
  if (p->size > config.max_shard_size) {
    return Reply::Error(control::kCodeSize,
                        "shards of at most " + std::to_string(config.max_shard_size) + " bytes are taken here");
  }
  if (p->price < config.price) {
    return Reply::Error(control::kCodePrice, "the price here is " + std::to_string(config.price));
  }
  auto torrent = CheckShardTorrent(p->torrent, p->info_hash, p->size);
  if (!torrent.ok()) return Reply::Error(control::kCodeBadTorrent, torrent.status().message());

  DealRecord d;
  d.id = control::ComputeDealId(request.from, request.body);
  d.client = request.from;
  d.shard = p->shard;
  d.size = p->size;
  d.price = p->price;
  d.duration = p->duration;
  d.info_hash = p->info_hash;
  d.peer = ToString(p->peer);
  d.state = DealState::kAccepted;
  d.created = d.updated = Now();
  auto accepted = deals->Accept(d, wire::Encode(wire::Value(request.body)));
  if (!accepted.ok()) {
    const Status& s = accepted.status();
    if (s.code() == Code::kResourceExhausted) return Reply::Error(control::kCodeCapacity, s.message());
    if (s.code() == Code::kAlreadyExists) return Reply::Error(control::kCodeExists, s.message());
    return LocalFailure(s);
  }
  if (accepted->created) {
    LogLine("deal " + Short(d.id.value()) + " accepted: shard " + Short(d.shard.value()) + ", " +
            std::to_string(d.size) + " bytes, from " + d.peer);
    Post({PostedWork::Kind::kStartDownload, d.id, d.shard});
  }
  control::ProposeReply reply{accepted->record.id, std::string(DealStateName(accepted->record.state))};
  return Reply::Ok(reply.ToBody());
}

Reply Daemon::Core::HandleDeal(const control::Envelope& request) {
  auto ref = control::DealRef::FromBody(request.body);
  if (!ref.ok()) return BadRequest(ref.status());
  auto found = deals->Get(ref->deal);
  if (!found.ok()) return LocalFailure(found.status());
  if (!found->has_value()) return Reply::Error(control::kCodeNotFound, "no such deal");
  const DealRecord& d = **found;
  control::DealStatusReply r;
  r.deal = d.id;
  r.shard = d.shard;
  // The protocol knows accepted deals as downloading: the download starts at once.
  r.state = std::string(DealStateName(d.state == DealState::kAccepted ? DealState::kDownloading : d.state));
  if (d.state == DealState::kStored) {
    r.have = d.size;
  } else if (d.state == DealState::kAccepted || d.state == DealState::kDownloading) {
    std::lock_guard<std::mutex> lock(mu);
    auto it = have.find(d.id);
    r.have = it == have.end() ? 0 : std::min(it->second, d.size);
  }
  return Reply::Ok(r.ToBody());
}

Reply Daemon::Core::HandleFetch(const control::Envelope& request) {
  auto req = control::FetchRequest::FromBody(request.body);
  if (!req.ok()) return BadRequest(req.status());
  auto found = deals->FindByShard(req->shard);
  if (!found.ok()) return LocalFailure(found.status());
  if (!found->has_value() || (*found)->state != DealState::kStored) {
    return Reply::Error(control::kCodeNotFound, "no stored shard " + ToHex(req->shard.value()));
  }
  auto body = deals->GetProposal((*found)->id);
  if (!body.ok()) return LocalFailure(body.status());
  auto dict = wire::DecodeFrameBody(*body);
  if (!dict.ok()) return LocalFailure(dict.status());
  auto proposal = control::ProposeRequest::FromBody(*dict);
  if (!proposal.ok()) return LocalFailure(proposal.status());
  control::FetchReply r;
  r.info_hash = proposal->info_hash;
  r.torrent = std::move(proposal->torrent);
  r.bt = bt_endpoint;
  return Reply::Ok(r.ToBody());
}

Reply Daemon::Core::HandleRemove(const control::Envelope& request) {
  auto ref = control::DealRef::FromBody(request.body);
  if (!ref.ok()) return BadRequest(ref.status());
  auto found = deals->Get(ref->deal);
  if (!found.ok()) return LocalFailure(found.status());
  if (!found->has_value()) return Reply::Error(control::kCodeNotFound, "no such deal");
  const DealRecord& d = **found;
  if (d.client != request.from) return Reply::Error(control::kCodeForbidden, "only the deal's client may remove it");
  if (d.state == DealState::kRemoved) return Reply::Ok();
  // Committed before the file goes, so no record ever names a deleted file; the owner thread deletes it next.
  auto moved = deals->Transition(d.id, DealState::kRemoved, "", Now());
  if (!moved.ok()) return LocalFailure(moved.status());
  LogLine("deal " + Short(d.id.value()) + " removed by its client");
  if (HoldsCapacity(d.state)) Post({PostedWork::Kind::kDropDeal, d.id, d.shard});  // a failed deal left no files
  return Reply::Ok();
}

}  // namespace cairn::provider
