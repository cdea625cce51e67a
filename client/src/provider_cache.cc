#include "provider_cache.h"

#include "cairn/core/control.h"
#include "cairn/core/hex.h"

namespace cairn::client {

Result<ProviderInfo> CheckCachedRecord(ByteSpan signed_record, std::string_view network_id, std::int64_t now_seconds,
                                       std::chrono::seconds max_age) {
  CAIRN_ASSIGN_OR_RETURN(control::Envelope reply, control::ParseEnvelope(signed_record));
  CAIRN_RETURN_IF_ERROR(control::VerifyEnvelopeSignature(reply, network_id));
  if (reply.type != control::kTypeOk || !reply.is_reply()) return Status::Corruption("not a provider record reply");
  if (reply.ts > now_seconds + control::kMaxClockSkewSeconds) {
    return Status::DeadlineExceeded("provider record signed in the future");
  }
  if (now_seconds - reply.ts > max_age.count()) return Status::DeadlineExceeded("provider record too old");
  return ParseProviderRecord(reply);
}

std::string ProviderCache::Key(const Ed25519PublicKey& id) const { return net_ + "/" + ToHex(id); }

Result<std::vector<ProviderInfo>> ProviderCache::Load(std::int64_t now_seconds, std::chrono::seconds max_age) {
  std::vector<ProviderInfo> out;
  std::vector<Bytes> bad;
  const std::string prefix = net_ + "/";
  CAIRN_RETURN_IF_ERROR(store_.View([&](const ReadTxn& txn) {
    return txn.ForEach(db_, AsBytes(prefix), [&](ByteSpan key, ByteSpan value) {
      auto info = CheckCachedRecord(value, net_, now_seconds, max_age);
      // The key must name the record's signer: a record filed under another provider's id is not used.
      const std::string_view k(reinterpret_cast<const char*>(key.data()), key.size());
      if (info.ok() && k == Key(info->id)) {
        out.push_back(std::move(*info));
      } else {
        bad.emplace_back(key.begin(), key.end());
      }
      return true;
    });
  }));
  if (!bad.empty()) {
    // Best effort: an entry that cannot be deleted is skipped again next time.
    (void)store_.Update([&](WriteTxn& txn) -> Status {
      for (const Bytes& k : bad) CAIRN_RETURN_IF_ERROR(txn.Delete(db_, k).status());
      return Status::Ok();
    });
  }
  return out;
}

Status ProviderCache::Save(const std::vector<DiscoveredProvider>& found) {
  if (found.empty()) return Status::Ok();
  return store_.Update([&](WriteTxn& txn) -> Status {
    for (const DiscoveredProvider& p : found) {
      if (p.signed_record.empty() || p.signed_record.size() > control::kMaxFrameBytes) continue;
      CAIRN_RETURN_IF_ERROR(txn.Put(db_, AsBytes(Key(p.info.id)), p.signed_record));
    }
    return Status::Ok();
  });
}

}  // namespace cairn::client
