#include "provider_cache.h"

#include <gtest/gtest.h>

#include "cairn/core/control.h"
#include "cairn/core/temp_dir.h"

namespace cairn::client {
namespace {

constexpr std::string_view kNet = "cachenet";
constexpr std::int64_t kNow = 1'800'000'000;
constexpr std::chrono::seconds kMaxAge{1800};

// A provider's signed "record" reply, as ClientNet::Discover keeps it.
DiscoveredProvider Signed(const Identity& id, std::uint16_t port, std::int64_t ts, std::string_view net = kNet) {
  ProviderInfo info;
  info.id = id.public_key();
  info.ctl = Endpoint{"127.0.0.1", port};
  info.bt = Endpoint{"127.0.0.1", static_cast<std::uint16_t>(port + 1)};
  info.capacity = 1 << 30;
  info.free = 1 << 29;
  info.price = 3;
  info.version = "test";
  auto env =
      control::SignEnvelope(id, net, control::kTypeOk, info.ToBody(), control::NewNonce(), ts, control::NewNonce());
  EXPECT_TRUE(env.ok()) << env.status().ToString();
  return {info, env.ok() ? env->raw : Bytes{}};
}

struct Store {
  TempDir dir = std::move(*TempDir::Create("cache-test"));
  std::unique_ptr<KvStore> kv = std::move(*KvStore::Open(dir.Join("db"), {}));
  KvDb db = *kv->OpenDb("providers");
};

TEST(ProviderCacheTest, SavedRecordsComeBackWhileFresh) {
  Store s;
  ProviderCache cache(*s.kv, s.db, std::string(kNet));
  const Identity a = Identity::Generate(), b = Identity::Generate();
  ASSERT_TRUE(cache.Save({Signed(a, 1000, kNow - 10), Signed(b, 2000, kNow - 20)}).ok());
  auto loaded = cache.Load(kNow, kMaxAge);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_EQ(loaded->size(), 2u);
  for (const ProviderInfo& p : *loaded) {
    EXPECT_TRUE(p.id == a.public_key() || p.id == b.public_key());
    EXPECT_EQ(p.ctl.port, p.id == a.public_key() ? 1000 : 2000);
  }
  // A newer record of a provider replaces its old one.
  ASSERT_TRUE(cache.Save({Signed(a, 3000, kNow - 5)}).ok());
  loaded = cache.Load(kNow, kMaxAge);
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded->size(), 2u);
  for (const ProviderInfo& p : *loaded) {
    if (p.id == a.public_key()) {
      EXPECT_EQ(p.ctl.port, 3000);
    }
  }
  // Another network's cache over the same database sees none of them.
  ProviderCache other(*s.kv, s.db, "othernet");
  auto none = other.Load(kNow, kMaxAge);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(ProviderCacheTest, StaleFutureForgedAndMisfiledRecordsAreDroppedAndDeleted) {
  Store s;
  ProviderCache cache(*s.kv, s.db, std::string(kNet));
  const Identity good = Identity::Generate(), old = Identity::Generate(), future = Identity::Generate(),
                 forged = Identity::Generate(), misfiled = Identity::Generate(), foreign = Identity::Generate();
  DiscoveredProvider f = Signed(forged, 4000, kNow);
  f.signed_record[f.signed_record.size() / 2] ^= 1;  // any flipped byte breaks the parse or the signature
  ASSERT_TRUE(cache
                  .Save({Signed(good, 1000, kNow - 1), Signed(old, 2000, kNow - kMaxAge.count() - 1),
                         Signed(future, 3000, kNow + control::kMaxClockSkewSeconds + 1), f})
                  .ok());
  // A record signed for another network, and a genuine record filed under another provider's key.
  ASSERT_TRUE(s.kv->Update([&](WriteTxn& txn) -> Status {
                    CAIRN_RETURN_IF_ERROR(txn.Put(s.db, AsBytes(std::string(kNet) + "/" + std::string(64, 'a')),
                                                  Signed(foreign, 5000, kNow, "othernet").signed_record));
                    return txn.Put(s.db, AsBytes(std::string(kNet) + "/" + std::string(64, 'b')),
                                   Signed(misfiled, 6000, kNow).signed_record);
                  })
                  .ok());
  auto loaded = cache.Load(kNow, kMaxAge);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_EQ(loaded->size(), 1u);
  EXPECT_EQ((*loaded)[0].id, good.public_key());
  // The bad entries are gone from the database, the good one stays.
  int entries = 0;
  ASSERT_TRUE(s.kv->View([&](const ReadTxn& txn) {
                    return txn.ForEach(s.db, {}, [&](ByteSpan, ByteSpan) {
                      ++entries;
                      return true;
                    });
                  })
                  .ok());
  EXPECT_EQ(entries, 1);
}

TEST(ProviderCacheTest, CheckCachedRecordNamesWhyARecordIsRefused) {
  const Identity id = Identity::Generate();
  EXPECT_TRUE(CheckCachedRecord(Signed(id, 1, kNow).signed_record, kNet, kNow, kMaxAge).ok());
  EXPECT_EQ(CheckCachedRecord(Signed(id, 1, kNow - 4000).signed_record, kNet, kNow, kMaxAge).status().code(),
            Code::kDeadlineExceeded);
  EXPECT_FALSE(CheckCachedRecord(Signed(id, 1, kNow, "othernet").signed_record, kNet, kNow, kMaxAge).ok());
  EXPECT_FALSE(CheckCachedRecord(Bytes{1, 2, 3}, kNet, kNow, kMaxAge).ok());
}

}  // namespace
}  // namespace cairn::client
