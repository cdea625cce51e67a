// KvStore: a transactional, durable key-value store (LMDB underneath) with named databases, for the provider's and
// client's local state. Keys are 1..max_key_size() bytes (511 with stock LMDB), values any size; both are bytes
// compared lexicographically. No LMDB type appears here.
//
// Usage:
//   auto store = KvStore::Open(dir, {});                    // creates dir if missing
//   auto deals = (*store)->OpenDb("deals");                 // once per name, at startup
//   Status s = (*store)->Update([&](WriteTxn& txn) { return txn.Put(*deals, key, value); });
//   auto txn = (*store)->BeginRead();  auto v = txn->Get(*deals, key);
//
// Thread-safety: KvStore may be used from many threads. A ReadTxn is not tied to a thread (MDB_NOTLS): it may be
// begun on one thread and used or ended on another, by one thread at a time. A WriteTxn must begin and end on one
// thread (LMDB's writer lock is a mutex). Many readers run at once; writers run one at a time (BeginWrite blocks
// while another write transaction is open).
// REQUIRES: a thread that holds an open transaction of a store begins no write transaction (BeginWrite / Update) on
// the same store: the writer lock, or growing the map, would wait for that thread forever.
//
// Durability: unless options.no_sync, a committed write transaction is on disk when Commit returns.
// Growth: the memory map starts at initial_map_size and doubles, up to max_map_size, whenever Update's transaction
// runs out of room; growing waits until no transaction of this store is open.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cairn/core/bytes.h"
#include "cairn/core/status.h"

namespace cairn {

struct KvStoreOptions {
  std::size_t initial_map_size = std::size_t{64} << 20;  // bytes; rounded up by LMDB to whole pages
  std::size_t max_map_size = std::size_t{64} << 30;      // Update grows the map no further than this
  int max_dbs = 32;                                      // named databases
  int max_readers = 126;                                 // concurrent read transactions
  bool no_sync = false;  // skip fsync on commit: faster, but a crash may lose (never corrupt) recent commits
};

// A named database of a KvStore. Cheap to copy; valid while its store is open.
class KvDb {
 public:
  KvDb() = default;
  friend bool operator==(const KvDb&, const KvDb&) = default;

 private:
  friend class KvStore;
  friend class ReadTxn;
  friend class WriteTxn;
  explicit KvDb(unsigned dbi) : dbi_(dbi) {}
  unsigned dbi_ = 0;
};

class KvStore;
namespace internal {
struct KvTxn;  // the LMDB transaction and the store's bookkeeping, defined in kv_store.cc
}

// Called for each entry of a scan, in key order. The spans are valid only during the call, and fn must not write to
// the transaction it scans. Return false to stop.
using KvScanFn = std::function<bool(ByteSpan key, ByteSpan value)>;

// A read-only snapshot. Aborted (released) on destruction.
class ReadTxn {
 public:
  ReadTxn(ReadTxn&&) noexcept;
  ReadTxn& operator=(ReadTxn&&) noexcept;
  ~ReadTxn();

  // The value stored under `key`, or nullopt when there is none.
  Result<std::optional<Bytes>> Get(KvDb db, ByteSpan key) const;
  // Calls fn for every entry whose key starts with `prefix` (all entries for an empty prefix), in key order.
  Status ForEach(KvDb db, ByteSpan prefix, const KvScanFn& fn) const;
  // Ends the transaction early; later calls fail with kFailedPrecondition.
  void Abort();

 protected:
  explicit ReadTxn(std::unique_ptr<internal::KvTxn> txn);
  std::unique_ptr<internal::KvTxn> txn_;

 private:
  friend class KvStore;
};

// A read-write transaction. Sees its own writes. Aborted on destruction unless committed.
class WriteTxn : public ReadTxn {
 public:
  WriteTxn(WriteTxn&&) noexcept;
  WriteTxn& operator=(WriteTxn&&) noexcept;
  ~WriteTxn();

  // Inserts or replaces. kResourceExhausted when the map is full (Update grows it and retries).
  Status Put(KvDb db, ByteSpan key, ByteSpan value);
  // Removes `key`; returns whether it was there.
  Result<bool> Delete(KvDb db, ByteSpan key);
  // Makes every write durable (unless no_sync) and ends the transaction, successful or not.
  Status Commit();

 private:
  friend class KvStore;
  explicit WriteTxn(std::unique_ptr<internal::KvTxn> txn);
};

class KvStore {
 public:
  // Opens (creating if needed) the store in directory `dir`: files data.mdb and lock.mdb.
  static Result<std::unique_ptr<KvStore>> Open(const std::string& dir, const KvStoreOptions& options);
  ~KvStore();
  KvStore(const KvStore&) = delete;
  KvStore& operator=(const KvStore&) = delete;

  // The named database, created on first use. Handles are cached: each name is opened in LMDB once.
  // REQUIRES: the calling thread holds no transaction of this store.
  Result<KvDb> OpenDb(std::string_view name);

  Result<ReadTxn> BeginRead();
  // Blocks while another write transaction is open.
  Result<WriteTxn> BeginWrite();

  // Runs fn in a write transaction and commits it. fn's error aborts the transaction and is returned. When the map
  // is full, the transaction is aborted, the map doubled (up to max_map_size) and fn run again: fn must have no
  // effect outside the transaction. kResourceExhausted once the map is at max_map_size.
  Status Update(const std::function<Status(WriteTxn&)>& fn);
  // Runs fn in a read transaction.
  Status View(const std::function<Status(const ReadTxn&)>& fn);

  // Current size of the memory map in bytes.
  std::size_t map_size() const;
  // Largest key LMDB accepts.
  std::size_t max_key_size() const;

 private:
  struct Impl;
  explicit KvStore(std::unique_ptr<Impl> impl);
  // Doubles the map (up to the maximum) once no transaction is open. kResourceExhausted at the maximum.
  Status GrowMap(std::size_t seen_size);
  Result<std::unique_ptr<internal::KvTxn>> Begin(bool write);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cairn
