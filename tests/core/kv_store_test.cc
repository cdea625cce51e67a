#include "cairn/core/kv_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "cairn/core/env.h"
#include "cairn/core/fault_injection_env.h"
#include "cairn/core/temp_dir.h"

namespace cairn {
namespace {

TempDir MakeTempDir() {
  auto d = TempDir::Create("cairn-kv-test");
  EXPECT_TRUE(d.ok()) << d.status().ToString();
  return std::move(*d);
}

std::unique_ptr<KvStore> OpenStore(const std::string& dir, KvStoreOptions options = {}) {
  auto s = KvStore::Open(dir, options);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(*s) : nullptr;
}

KvDb OpenDb(KvStore& store, std::string_view name) {
  auto db = store.OpenDb(name);
  EXPECT_TRUE(db.ok()) << db.status().ToString();
  return db.ok() ? *db : KvDb();
}

Bytes B(std::string_view s) { return ToBytes(AsBytes(s)); }

std::optional<Bytes> Get(KvStore& store, KvDb db, std::string_view key) {
  auto txn = store.BeginRead();
  EXPECT_TRUE(txn.ok());
  auto v = txn->Get(db, AsBytes(key));
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return v.ok() ? *v : std::nullopt;
}

Status Put(KvStore& store, KvDb db, std::string_view key, std::string_view value) {
  return store.Update([&](WriteTxn& txn) { return txn.Put(db, AsBytes(key), AsBytes(value)); });
}

TEST(KvStoreTest, PutGetDeleteAndMissingKeys) {
  TempDir dir = MakeTempDir();
  auto store = OpenStore(dir.path());
  ASSERT_TRUE(store);
  KvDb db = OpenDb(*store, "deals");
  EXPECT_EQ(Get(*store, db, "missing"), std::nullopt);
  ASSERT_TRUE(Put(*store, db, "k1", "v1").ok());
  ASSERT_TRUE(Put(*store, db, "k2", "v2").ok());
  ASSERT_TRUE(Put(*store, db, "k1", "v1b").ok());  // replaces
  EXPECT_EQ(Get(*store, db, "k1"), B("v1b"));
  EXPECT_EQ(Get(*store, db, "k2"), B("v2"));
  bool deleted = false, deleted_again = true;
  ASSERT_TRUE(store
                  ->Update([&](WriteTxn& txn) {
                    CAIRN_ASSIGN_OR_RETURN(deleted, txn.Delete(db, AsBytes("k1")));
                    CAIRN_ASSIGN_OR_RETURN(deleted_again, txn.Delete(db, AsBytes("k1")));
                    // The transaction sees its own writes.
                    CAIRN_ASSIGN_OR_RETURN(auto v, txn.Get(db, AsBytes("k1")));
                    return v.has_value() ? Status::Internal("still there") : Status::Ok();
                  })
                  .ok());
  EXPECT_TRUE(deleted);
  EXPECT_FALSE(deleted_again);
  EXPECT_EQ(Get(*store, db, "k1"), std::nullopt);
  ASSERT_TRUE(Put(*store, db, "empty", "").ok());
  EXPECT_EQ(Get(*store, db, "empty"), Bytes());  // an empty value is not a missing one
}

TEST(KvStoreTest, NamedDatabasesAreSeparateAndCached) {
  TempDir dir = MakeTempDir();
  auto store = OpenStore(dir.path());
  ASSERT_TRUE(store);
  KvDb a = OpenDb(*store, "a");
  KvDb b = OpenDb(*store, "b");
  EXPECT_FALSE(a == b);
  EXPECT_TRUE(a == OpenDb(*store, "a"));
  ASSERT_TRUE(Put(*store, a, "k", "in a").ok());
  ASSERT_TRUE(Put(*store, b, "k", "in b").ok());
  EXPECT_EQ(Get(*store, a, "k"), B("in a"));
  EXPECT_EQ(Get(*store, b, "k"), B("in b"));
  EXPECT_EQ(store->OpenDb("").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(store->OpenDb(std::string(256, 'x')).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(store->OpenDb(std::string("a\0b", 3)).status().code(), Code::kInvalidArgument);
}

TEST(KvStoreTest, TooManyDatabasesIsResourceExhausted) {
  TempDir dir = MakeTempDir();
  KvStoreOptions options;
  options.max_dbs = 2;
  auto store = OpenStore(dir.path(), options);
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->OpenDb("one").ok());
  ASSERT_TRUE(store->OpenDb("two").ok());
  EXPECT_EQ(store->OpenDb("three").status().code(), Code::kResourceExhausted);
}

TEST(KvStoreTest, ForEachScansAPrefixInKeyOrder) {
  TempDir dir = MakeTempDir();
  auto store = OpenStore(dir.path());
  ASSERT_TRUE(store);
  KvDb db = OpenDb(*store, "t");
  for (const char* k : {"b/2", "a/1", "b/1", "b", "c/1", "b/3"}) ASSERT_TRUE(Put(*store, db, k, k).ok());
  auto scan = [&](std::string_view prefix, std::size_t limit) {
    std::vector<std::string> keys;
    auto txn = store->BeginRead();
    EXPECT_TRUE(txn.ok());
    Status s = txn->ForEach(db, AsBytes(prefix), [&](ByteSpan key, ByteSpan value) {
      EXPECT_EQ(AsStringView(key), AsStringView(value));
      keys.emplace_back(AsStringView(key));
      return keys.size() < limit;
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return keys;
  };
  EXPECT_EQ(scan("b/", 100), (std::vector<std::string>{"b/1", "b/2", "b/3"}));
  EXPECT_EQ(scan("b", 100), (std::vector<std::string>{"b", "b/1", "b/2", "b/3"}));
  EXPECT_EQ(scan("", 100), (std::vector<std::string>{"a/1", "b", "b/1", "b/2", "b/3", "c/1"}));
  EXPECT_EQ(scan("b/", 2), (std::vector<std::string>{"b/1", "b/2"}));  // stops when fn says so
  EXPECT_TRUE(scan("d", 100).empty());
  EXPECT_TRUE(scan("a/10", 100).empty());
  EXPECT_TRUE(scan(std::string(600, 'a'), 100).empty());  // longer than any key
}

TEST(KvStoreTest, RejectsBadKeysAndFinishedTransactions) {
  TempDir dir = MakeTempDir();
  auto store = OpenStore(dir.path());
  ASSERT_TRUE(store);
  KvDb db = OpenDb(*store, "t");
  auto txn = store->BeginWrite();
  ASSERT_TRUE(txn.ok());
  EXPECT_EQ(txn->Put(db, ByteSpan(), AsBytes("v")).code(), Code::kInvalidArgument);
  const std::string longest(store->max_key_size(), 'k');
  EXPECT_TRUE(txn->Put(db, AsBytes(longest), AsBytes("v")).ok());
  EXPECT_EQ(txn->Put(db, AsBytes(longest + "k"), AsBytes("v")).code(), Code::kInvalidArgument);
  EXPECT_EQ(txn->Get(db, ByteSpan()).status().code(), Code::kInvalidArgument);
  ASSERT_TRUE(txn->Commit().ok());
  EXPECT_EQ(txn->Commit().code(), Code::kFailedPrecondition);
  EXPECT_EQ(txn->Put(db, AsBytes("a"), AsBytes("v")).code(), Code::kFailedPrecondition);
  EXPECT_EQ(txn->Get(db, AsBytes("a")).status().code(), Code::kFailedPrecondition);
  EXPECT_TRUE(Get(*store, db, longest).has_value());
}

TEST(KvStoreTest, AbortedTransactionsLeaveNothing) {
  TempDir dir = MakeTempDir();
  auto store = OpenStore(dir.path());
  ASSERT_TRUE(store);
  KvDb db = OpenDb(*store, "t");
  {
    auto txn = store->BeginWrite();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(txn->Put(db, AsBytes("dropped"), AsBytes("x")).ok());
  }  // destroyed uncommitted
  EXPECT_EQ(Get(*store, db, "dropped"), std::nullopt);
  {
    auto txn = store->BeginWrite();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(txn->Put(db, AsBytes("aborted"), AsBytes("x")).ok());
    txn->Abort();
    EXPECT_EQ(txn->Commit().code(), Code::kFailedPrecondition);
  }
  EXPECT_EQ(Get(*store, db, "aborted"), std::nullopt);
  Status s = store->Update([&](WriteTxn& txn) {
    CAIRN_RETURN_IF_ERROR(txn.Put(db, AsBytes("failed"), AsBytes("x")));
    return Status::Cancelled("changed my mind");
  });
  EXPECT_EQ(s.code(), Code::kCancelled);
  EXPECT_EQ(Get(*store, db, "failed"), std::nullopt);
}

TEST(KvStoreTest, ReadersSeeASnapshot) {
  TempDir dir = MakeTempDir();
  auto store = OpenStore(dir.path());
  ASSERT_TRUE(store);
  KvDb db = OpenDb(*store, "t");
  ASSERT_TRUE(Put(*store, db, "k", "old").ok());
  auto before = store->BeginRead();
  ASSERT_TRUE(before.ok());
  // The write runs on another thread: this thread holds a transaction (see the REQUIRES in kv_store.h).
  std::thread writer([&] { EXPECT_TRUE(Put(*store, db, "k", "new").ok()); });
  writer.join();
  EXPECT_EQ(*before->Get(db, AsBytes("k")), B("old"));
  before->Abort();
  EXPECT_EQ(Get(*store, db, "k"), B("new"));
}

TEST(KvStoreTest, ReopenKeepsCommittedData) {
  TempDir dir = MakeTempDir();
  {
    auto store = OpenStore(dir.path());
    ASSERT_TRUE(store);
    KvDb db = OpenDb(*store, "persist");
    ASSERT_TRUE(Put(*store, db, "k", "survives").ok());
    auto txn = store->BeginWrite();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(txn->Put(db, AsBytes("uncommitted"), AsBytes("x")).ok());
  }
  auto store = OpenStore(dir.path());
  ASSERT_TRUE(store);
  KvDb db = OpenDb(*store, "persist");
  EXPECT_EQ(Get(*store, db, "k"), B("survives"));
  EXPECT_EQ(Get(*store, db, "uncommitted"), std::nullopt);
}

TEST(KvStoreTest, MapGrowsFromTinyToFitSeveralMiB) {
  TempDir dir = MakeTempDir();
  KvStoreOptions options;
  options.initial_map_size = 64 << 10;
  options.max_map_size = 256 << 20;
  auto store = OpenStore(dir.path(), options);
  ASSERT_TRUE(store);
  const std::size_t initial = store->map_size();
  KvDb db = OpenDb(*store, "big");
  const Bytes value(1000, 0xab);
  constexpr int kBatches = 24, kPerBatch = 200;  // 4.8 MB of values
  for (int b = 0; b < kBatches; ++b) {
    Status s = store->Update([&](WriteTxn& txn) {
      for (int i = 0; i < kPerBatch; ++i) {
        std::string key = "key-" + std::to_string(b) + "-" + std::to_string(i);
        CAIRN_RETURN_IF_ERROR(txn.Put(db, AsBytes(key), value));
      }
      return Status::Ok();
    });
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  EXPECT_GT(store->map_size(), initial * 64);
  int count = 0;
  ASSERT_TRUE(store
                  ->View([&](const ReadTxn& txn) {
                    return txn.ForEach(db, AsBytes("key-"), [&](ByteSpan, ByteSpan v) {
                      count += v.size() == value.size();
                      return true;
                    });
                  })
                  .ok());
  EXPECT_EQ(count, kBatches * kPerBatch);
  // And the grown store reopens with everything in it.
  store.reset();
  store = OpenStore(dir.path(), options);
  ASSERT_TRUE(store);
  db = OpenDb(*store, "big");
  EXPECT_EQ(Get(*store, db, "key-23-199"), value);
}

TEST(KvStoreTest, MapFullAtMaximumIsResourceExhausted) {
  TempDir dir = MakeTempDir();
  KvStoreOptions options;
  options.initial_map_size = 64 << 10;
  options.max_map_size = 256 << 10;
  auto store = OpenStore(dir.path(), options);
  ASSERT_TRUE(store);
  KvDb db = OpenDb(*store, "t");
  ASSERT_TRUE(Put(*store, db, "small", "fits").ok());
  const Bytes big(1 << 20, 1);
  Status s = store->Update([&](WriteTxn& txn) { return txn.Put(db, AsBytes("big"), big); });
  EXPECT_EQ(s.code(), Code::kResourceExhausted) << s.ToString();
  EXPECT_EQ(store->map_size(), options.max_map_size);
  EXPECT_EQ(Get(*store, db, "small"), B("fits"));
  EXPECT_EQ(Get(*store, db, "big"), std::nullopt);
}

TEST(KvStoreTest, ConcurrentWritersGrowTheMapWhileReadersRead) {
  TempDir dir = MakeTempDir();
  KvStoreOptions options;
  options.initial_map_size = 64 << 10;
  auto store = OpenStore(dir.path(), options);
  ASSERT_TRUE(store);
  KvDb db = OpenDb(*store, "t");
  std::atomic<bool> failed{false};
  std::atomic<bool> done{false};
  auto writer = [&](int id) {
    const Bytes value(2000, static_cast<std::uint8_t>(id));
    for (int i = 0; i < 300; ++i) {
      const std::string key = std::to_string(id * 1000 + i);  // w1: 1000..1299, w2: 2000..2299
      if (!store->Update([&](WriteTxn& txn) { return txn.Put(db, AsBytes(key), value); }).ok()) failed = true;
    }
  };
  auto reader = [&] {
    while (!done) {
      Status s = store->View([&](const ReadTxn& txn) {
        return txn.ForEach(db, ByteSpan(), [](ByteSpan, ByteSpan v) { return v.size() == 2000; });
      });
      if (!s.ok()) failed = true;
    }
  };
  std::thread r(reader), w1(writer, 1), w2(writer, 2);
  w1.join();
  w2.join();
  done = true;
  r.join();
  EXPECT_FALSE(failed);
  EXPECT_EQ(Get(*store, db, "1299"), Bytes(2000, 1));
  EXPECT_EQ(Get(*store, db, "2299"), Bytes(2000, 2));
}

// ---- "Commit to LMDB only after the file is durable" ----

std::uint64_t Fnv1a(ByteSpan data) {
  std::uint64_t h = 14695981039346656037ull;
  for (std::uint8_t b : data) h = (h ^ b) * 1099511628211ull;
  return h;
}

// A record names a spool file and what it must hold: size and hash, 8 bytes each.
Bytes Record(ByteSpan content) {
  Bytes r(16);
  PutBE64(r.data(), content.size());
  PutBE64(r.data() + 8, Fnv1a(content));
  return r;
}

// The provider's pattern: make the spool file durable, then record it.
Status SpoolThenRecord(Env* env, KvStore& store, KvDb db, const std::string& dir, const std::string& name,
                       ByteSpan content, bool fail_record) {
  CAIRN_RETURN_IF_ERROR(WriteFileAtomic(env, dir + "/" + name, content));
  return store.Update([&](WriteTxn& txn) {
    CAIRN_RETURN_IF_ERROR(txn.Put(db, AsBytes(name), Record(content)));
    if (fail_record) return Status::IOError("injected failure before the LMDB commit");
    return Status::Ok();
  });
}

// The wrong order, to show the check below notices when the invariant breaks.
Status RecordThenSpool(Env* env, KvStore& store, KvDb db, const std::string& dir, const std::string& name,
                       ByteSpan content) {
  CAIRN_RETURN_IF_ERROR(store.Update([&](WriteTxn& txn) { return txn.Put(db, AsBytes(name), Record(content)); }));
  return WriteFileAtomic(env, dir + "/" + name, content);
}

// Every record must name a file whose content matches it. Returns the number of records, or an error.
Result<int> CheckEveryRecordNamesACompleteFile(KvStore& store, KvDb db, const std::string& dir) {
  int records = 0;
  Status bad;
  CAIRN_RETURN_IF_ERROR(store.View([&](const ReadTxn& txn) {
    return txn.ForEach(db, ByteSpan(), [&](ByteSpan key, ByteSpan value) {
      ++records;
      const std::string path = dir + "/" + std::string(AsStringView(key));
      auto content = ReadFileToBytes(Env::Default(), path, 1 << 24);
      if (!content.ok() || ToBytes(value) != Record(*content)) {
        bad = Status::Corruption("record " + std::string(AsStringView(key)) + " names no complete file");
        return false;
      }
      return true;
    });
  }));
  if (!bad.ok()) return bad;
  return records;
}

TEST(SpoolPatternTest, EveryRecordNamesACompleteDurableFileWhateverFails) {
  TempDir dir = MakeTempDir();
  const std::string spool = dir.Join("spool");
  ASSERT_TRUE(Env::Default()->CreateDirs(spool).ok());
  ASSERT_TRUE(Env::Default()->SyncDir(dir.path()).ok());
  auto store = OpenStore(dir.Join("db"));
  ASSERT_TRUE(store);
  KvDb db = OpenDb(*store, "shards");
  FaultInjectionEnv env;

  // Count the file steps of one spool-and-record.
  ASSERT_TRUE(SpoolThenRecord(&env, *store, db, spool, "probe", AsBytes("probe"), false).ok());
  std::vector<std::pair<FaultOp, int>> faults;
  for (FaultOp op : {FaultOp::kCreate, FaultOp::kWrite, FaultOp::kSync, FaultOp::kRename, FaultOp::kSyncDir}) {
    for (int n = 1; n <= env.Count(op); ++n) faults.emplace_back(op, n);
  }
  ASSERT_EQ(faults.size(), 5u);

  int expected_records = 1;
  for (std::size_t i = 0; i <= faults.size() + 1; ++i) {
    const bool fail_record = i == faults.size();  // the LMDB step itself fails
    const bool no_fault = i == faults.size() + 1;
    SCOPED_TRACE("step " + std::to_string(i));
    if (i < faults.size()) env.FailNth(faults[i].first, faults[i].second);
    const std::string name = "shard-" + std::to_string(i);
    const Bytes content(4096 + i, static_cast<std::uint8_t>(i));
    Status s0 = SpoolThenRecord(&env, *store, db, spool, name, content, fail_record);
    EXPECT_EQ(s0.ok(), no_fault) << s0.ToString();
    if (s0.ok()) ++expected_records;
    ASSERT_TRUE(env.DropUnsyncedData().ok());  // power loss right after
    auto checked = CheckEveryRecordNamesACompleteFile(*store, db, spool);
    ASSERT_TRUE(checked.ok()) << checked.status().ToString();
    EXPECT_EQ(*checked, expected_records);
  }

  // The wrong order breaks the invariant under the first fault: the check must see it.
  env.FailNth(FaultOp::kSync, 1);
  EXPECT_FALSE(RecordThenSpool(&env, *store, db, spool, "wrong", AsBytes("wrong order")).ok());
  ASSERT_TRUE(env.DropUnsyncedData().ok());
  EXPECT_EQ(CheckEveryRecordNamesACompleteFile(*store, db, spool).status().code(), Code::kCorruption);
}

}  // namespace
}  // namespace cairn
