// KvStore over LMDB. Every LMDB return code goes through LmdbStatus. Transactions register with a gate so the map
// can be grown (mdb_env_set_mapsize) only while none is open, as LMDB requires.
#include "cairn/core/kv_store.h"

#include <lmdb.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>

#include "cairn/core/env.h"

namespace cairn {
namespace {

constexpr std::size_t kMaxDbNameLength = 255;
constexpr std::size_t kMaxValueSize = 0xffffffffu;  // LMDB's MAXDATASIZE

Status LmdbStatus(int rc, std::string_view what) {
  std::string m = "lmdb " + std::string(what) + ": " + mdb_strerror(rc);
  switch (rc) {
    case MDB_NOTFOUND:
      return Status::NotFound(std::move(m));
    case MDB_KEYEXIST:
      return Status::AlreadyExists(std::move(m));
    case MDB_MAP_FULL:
    case MDB_TXN_FULL:
    case MDB_DBS_FULL:
    case MDB_READERS_FULL:
    case MDB_CURSOR_FULL:
    case MDB_PAGE_FULL:
    case MDB_TLS_FULL:
      return Status::ResourceExhausted(std::move(m));
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_INVALID:
      return Status::Corruption(std::move(m));
    case MDB_VERSION_MISMATCH:
    case MDB_INCOMPATIBLE:
      return Status::FailedPrecondition(std::move(m));
    case MDB_BAD_VALSIZE:
      return Status::InvalidArgument(std::move(m));
    default:
      break;
  }
  if (rc > 0) return Status::FromErrno("lmdb " + std::string(what), rc);  // LMDB passes errno values through
  return Status::IOError(std::move(m));
}

MDB_val Val(ByteSpan b) { return MDB_val{b.size(), const_cast<std::uint8_t*>(b.data())}; }
ByteSpan Span(const MDB_val& v) { return ByteSpan(static_cast<const std::uint8_t*>(v.mv_data), v.mv_size); }

// Closes an environment unless released (Open's error paths).
struct EnvCloser {
  MDB_env* env;
  ~EnvCloser() {
    if (env != nullptr) mdb_env_close(env);
  }
};

}  // namespace

namespace internal {

// What every transaction shares with its store: the LMDB environment and the gate that resizing waits on.
struct KvShared {
  MDB_env* env = nullptr;
  KvStoreOptions options;
  std::atomic<std::size_t> map_size{0};
  std::size_t max_key_size = 0;
  std::mutex gate_mu;
  std::condition_variable gate_cv;
  int open_txns = 0;      // guarded by gate_mu
  bool resizing = false;  // guarded by gate_mu

  void Enter() {
    std::unique_lock<std::mutex> lock(gate_mu);
    gate_cv.wait(lock, [this] { return !resizing; });
    ++open_txns;
  }
  void Leave() {
    std::lock_guard<std::mutex> lock(gate_mu);
    --open_txns;
    gate_cv.notify_all();
  }
};

struct KvTxn {
  KvTxn(KvShared* s, bool w) : shared(s), write(w) { shared->Enter(); }
  ~KvTxn() { End(/*commit=*/false); }
  KvTxn(const KvTxn&) = delete;
  KvTxn& operator=(const KvTxn&) = delete;

  // Aborts or commits the LMDB transaction (if still live) and leaves the gate, once. Returns the commit's code.
  int End(bool commit) {
    int rc = 0;
    if (txn != nullptr) {
      if (commit) {
        rc = mdb_txn_commit(txn);  // frees the handle whatever it returns
      } else {
        mdb_txn_abort(txn);
      }
      txn = nullptr;
    }
    if (entered) {
      entered = false;
      shared->Leave();
    }
    return rc;
  }

  KvShared* shared;
  bool write;
  bool entered = true;
  bool map_full = false;  // a Put or the commit hit MDB_MAP_FULL
  MDB_txn* txn = nullptr;
};

}  // namespace internal

namespace {

Status CheckLive(const internal::KvTxn* t) {
  if (t == nullptr || t->txn == nullptr) return Status::FailedPrecondition("kv: transaction already finished");
  return Status::Ok();
}

Status CheckKey(const internal::KvTxn* t, ByteSpan key) {
  if (key.empty() || key.size() > t->shared->max_key_size) {
    return Status::InvalidArgument("kv: key must be 1.." + std::to_string(t->shared->max_key_size) + " bytes, got " +
                                   std::to_string(key.size()));
  }
  return Status::Ok();
}

// Closes a cursor when the scan ends, however it ends.
struct CursorCloser {
  MDB_cursor* cursor;
  ~CursorCloser() { mdb_cursor_close(cursor); }
};

}  // namespace

struct KvStore::Impl : internal::KvShared {
  std::mutex db_mu;
  std::map<std::string, unsigned, std::less<>> dbs;  // guarded by db_mu
  ~Impl() {
    if (env != nullptr) mdb_env_close(env);
  }
};

// ---- ReadTxn / WriteTxn ----

ReadTxn::ReadTxn(std::unique_ptr<internal::KvTxn> txn) : txn_(std::move(txn)) {}
ReadTxn::ReadTxn(ReadTxn&&) noexcept = default;
ReadTxn& ReadTxn::operator=(ReadTxn&&) noexcept = default;
ReadTxn::~ReadTxn() = default;

void ReadTxn::Abort() {
  if (txn_) txn_->End(/*commit=*/false);
}

Result<std::optional<Bytes>> ReadTxn::Get(KvDb db, ByteSpan key) const {
  CAIRN_RETURN_IF_ERROR(CheckLive(txn_.get()));
  CAIRN_RETURN_IF_ERROR(CheckKey(txn_.get(), key));
  MDB_val k = Val(key);
  MDB_val v;
  int rc = mdb_get(txn_->txn, db.dbi_, &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<Bytes>();
  if (rc != 0) return LmdbStatus(rc, "get");
  return std::optional<Bytes>(ToBytes(Span(v)));
}

Status ReadTxn::ForEach(KvDb db, ByteSpan prefix, const KvScanFn& fn) const {
  CAIRN_RETURN_IF_ERROR(CheckLive(txn_.get()));
  if (prefix.size() > txn_->shared->max_key_size) return Status::Ok();  // no key can be that long
  MDB_cursor* cursor = nullptr;
  int rc = mdb_cursor_open(txn_->txn, db.dbi_, &cursor);
  if (rc != 0) return LmdbStatus(rc, "cursor open");
  CursorCloser closer{cursor};
  MDB_val k = Val(prefix);
  MDB_val v;
  MDB_cursor_op op = prefix.empty() ? MDB_FIRST : MDB_SET_RANGE;
  for (;;) {
    rc = mdb_cursor_get(cursor, &k, &v, op);
    if (rc == MDB_NOTFOUND) return Status::Ok();
    if (rc != 0) return LmdbStatus(rc, "cursor get");
    ByteSpan key = Span(k);
    if (key.size() < prefix.size() || !std::equal(prefix.begin(), prefix.end(), key.begin())) return Status::Ok();
    if (!fn(key, Span(v))) return Status::Ok();
    op = MDB_NEXT;
  }
}

WriteTxn::WriteTxn(std::unique_ptr<internal::KvTxn> txn) : ReadTxn(std::move(txn)) {}
WriteTxn::WriteTxn(WriteTxn&&) noexcept = default;
WriteTxn& WriteTxn::operator=(WriteTxn&&) noexcept = default;
WriteTxn::~WriteTxn() = default;

Status WriteTxn::Put(KvDb db, ByteSpan key, ByteSpan value) {
  CAIRN_RETURN_IF_ERROR(CheckLive(txn_.get()));
  CAIRN_RETURN_IF_ERROR(CheckKey(txn_.get(), key));
  if (value.size() > kMaxValueSize) return Status::InvalidArgument("kv: value larger than 4 GiB");
  MDB_val k = Val(key);
  MDB_val v = Val(value);
  int rc = mdb_put(txn_->txn, db.dbi_, &k, &v, 0);
  if (rc == MDB_MAP_FULL) txn_->map_full = true;
  if (rc != 0) return LmdbStatus(rc, "put");
  return Status::Ok();
}

Result<bool> WriteTxn::Delete(KvDb db, ByteSpan key) {
  CAIRN_RETURN_IF_ERROR(CheckLive(txn_.get()));
  CAIRN_RETURN_IF_ERROR(CheckKey(txn_.get(), key));
  MDB_val k = Val(key);
  int rc = mdb_del(txn_->txn, db.dbi_, &k, nullptr);
  if (rc == MDB_NOTFOUND) return false;
  if (rc == MDB_MAP_FULL) txn_->map_full = true;  // a delete can need new pages (copy on write)
  if (rc != 0) return LmdbStatus(rc, "delete");
  return true;
}

Status WriteTxn::Commit() {
  CAIRN_RETURN_IF_ERROR(CheckLive(txn_.get()));
  int rc = txn_->End(/*commit=*/true);
  if (rc == MDB_MAP_FULL) txn_->map_full = true;
  if (rc != 0) return LmdbStatus(rc, "commit");
  return Status::Ok();
}

// ---- KvStore ----

KvStore::KvStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KvStore::~KvStore() = default;

Result<std::unique_ptr<KvStore>> KvStore::Open(const std::string& dir, const KvStoreOptions& options) {
  if (options.initial_map_size == 0 || options.max_map_size < options.initial_map_size) {
    return Status::InvalidArgument("kv: need 0 < initial_map_size <= max_map_size");
  }
  if (options.max_dbs < 1 || options.max_readers < 1) {
    return Status::InvalidArgument("kv: max_dbs and max_readers must be positive");
  }
  CAIRN_RETURN_IF_ERROR(Env::Default()->CreateDirs(dir));
  EnvCloser env{nullptr};
  int rc = mdb_env_create(&env.env);
  if (rc != 0) return LmdbStatus(rc, "env create");
  if ((rc = mdb_env_set_maxdbs(env.env, static_cast<MDB_dbi>(options.max_dbs))) != 0) {
    return LmdbStatus(rc, "set maxdbs");
  }
  if ((rc = mdb_env_set_maxreaders(env.env, static_cast<unsigned>(options.max_readers))) != 0) {
    return LmdbStatus(rc, "set maxreaders");
  }
  if ((rc = mdb_env_set_mapsize(env.env, options.initial_map_size)) != 0) return LmdbStatus(rc, "set mapsize");
  unsigned flags = MDB_NOTLS | (options.no_sync ? MDB_NOSYNC : 0u);
  if ((rc = mdb_env_open(env.env, dir.c_str(), flags, 0600)) != 0) {
    return LmdbStatus(rc, "open " + dir);
  }
  int dead = 0;
  if ((rc = mdb_reader_check(env.env, &dead)) != 0) return LmdbStatus(rc, "reader check");  // slots of crashed pids
  MDB_envinfo info;
  if ((rc = mdb_env_info(env.env, &info)) != 0) return LmdbStatus(rc, "env info");

  auto impl = std::make_unique<Impl>();
  impl->env = env.env;
  env.env = nullptr;
  impl->options = options;
  impl->map_size = info.me_mapsize;
  impl->max_key_size = static_cast<std::size_t>(mdb_env_get_maxkeysize(impl->env));
  return std::unique_ptr<KvStore>(new KvStore(std::move(impl)));
}

Result<std::unique_ptr<internal::KvTxn>> KvStore::Begin(bool write) {
  for (;;) {
    auto txn = std::make_unique<internal::KvTxn>(impl_.get(), write);
    int rc = mdb_txn_begin(impl_->env, nullptr, write ? 0u : MDB_RDONLY, &txn->txn);
    if (rc == 0) return txn;
    txn->txn = nullptr;
    txn.reset();  // leave the gate before any resize
    if (rc != MDB_MAP_RESIZED) return LmdbStatus(rc, write ? "begin write" : "begin read");
    // Another process grew the map: adopt its size (set_mapsize(0)) while no transaction is open, then retry.
    std::unique_lock<std::mutex> lock(impl_->gate_mu);
    impl_->gate_cv.wait(lock, [this] { return !impl_->resizing && impl_->open_txns == 0; });
    rc = mdb_env_set_mapsize(impl_->env, 0);
    MDB_envinfo info;
    if (rc == 0) rc = mdb_env_info(impl_->env, &info);
    if (rc != 0) return LmdbStatus(rc, "adopt map size");
    impl_->map_size = info.me_mapsize;
  }
}

Result<ReadTxn> KvStore::BeginRead() {
  CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<internal::KvTxn> t, Begin(false));
  return ReadTxn(std::move(t));
}

Result<WriteTxn> KvStore::BeginWrite() {
  CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<internal::KvTxn> t, Begin(true));
  return WriteTxn(std::move(t));
}

Status KvStore::GrowMap(std::size_t seen_size) {
  std::unique_lock<std::mutex> lock(impl_->gate_mu);
  impl_->gate_cv.wait(lock, [this] { return !impl_->resizing; });
  const std::size_t current = impl_->map_size;
  if (current > seen_size) return Status::Ok();  // another writer grew it meanwhile
  const std::size_t max = impl_->options.max_map_size;
  if (current >= max) {
    return Status::ResourceExhausted("kv: map is full at its maximum of " + std::to_string(max) + " bytes");
  }
  impl_->resizing = true;  // new transactions wait from here on
  impl_->gate_cv.wait(lock, [this] { return impl_->open_txns == 0; });
  const std::size_t target = current > max / 2 ? max : current * 2;
  int rc = mdb_env_set_mapsize(impl_->env, target);
  MDB_envinfo info;
  if (rc == 0) rc = mdb_env_info(impl_->env, &info);
  if (rc == 0) impl_->map_size = info.me_mapsize;
  impl_->resizing = false;
  impl_->gate_cv.notify_all();
  if (rc != 0) return LmdbStatus(rc, "grow map");
  return Status::Ok();
}

Status KvStore::Update(const std::function<Status(WriteTxn&)>& fn) {
  for (;;) {
    const std::size_t seen = impl_->map_size;
    CAIRN_ASSIGN_OR_RETURN(WriteTxn txn, BeginWrite());
    Status s = fn(txn);
    if (s.ok() && !txn.txn_->map_full) s = txn.Commit();
    if (!txn.txn_->map_full) return s;
    txn.Abort();  // leave the gate, or growing would wait for this very transaction
    CAIRN_RETURN_IF_ERROR(GrowMap(seen));
  }
}

Status KvStore::View(const std::function<Status(const ReadTxn&)>& fn) {
  CAIRN_ASSIGN_OR_RETURN(ReadTxn txn, BeginRead());
  return fn(txn);
}

Result<KvDb> KvStore::OpenDb(std::string_view name) {
  if (name.empty() || name.size() > kMaxDbNameLength || name.find('\0') != std::string_view::npos) {
    return Status::InvalidArgument("kv: database name must be 1..255 bytes without NUL");
  }
  std::lock_guard<std::mutex> lock(impl_->db_mu);
  auto it = impl_->dbs.find(name);
  if (it != impl_->dbs.end()) return KvDb(it->second);
  const std::string n(name);
  MDB_dbi dbi = 0;
  CAIRN_RETURN_IF_ERROR(Update([&](WriteTxn& txn) {
    int rc = mdb_dbi_open(txn.txn_->txn, n.c_str(), MDB_CREATE, &dbi);
    if (rc == MDB_MAP_FULL) txn.txn_->map_full = true;
    if (rc != 0) return LmdbStatus(rc, "open db " + n);
    return Status::Ok();
  }));
  impl_->dbs.emplace(n, dbi);
  return KvDb(dbi);
}

std::size_t KvStore::map_size() const { return impl_->map_size; }

std::size_t KvStore::max_key_size() const { return impl_->max_key_size; }

}  // namespace cairn
