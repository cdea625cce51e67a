// `status --json` schema (version 1):
//   { "version": 1, "data_dir": str, "id": hex, "running": bool,
//     "capacity": int, "price": int, "used": int, "reserved": int, "free": int, "disk_free": int, "shards": int,
//     "deals_by_state": { "accepted": int, "downloading": int, "stored": int, "failed": int, "removed": int },
//     "deals": [ { "deal": hex, "client": hex, "shard": hex, "size": int, "price": int, "state": str,
//                  "reason": str, "created": int, "updated": int } ] }
// Sizes in bytes, times in unix seconds.
#include "cairn/provider/status_report.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "cairn/core/hex.h"
#include "cairn/core/kv_store.h"
#include "cairn/provider/config.h"
#include "cairn/provider/data_dir.h"
#include "cairn/provider/deal_store.h"

namespace cairn::provider {
namespace {

// True when another process holds the daemon's exclusive lock.
Result<bool> IsLocked(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return false;
    return Status::FromErrno("open " + path, errno);
  }
  bool locked = false;
  Status s;
  if (::flock(fd, LOCK_SH | LOCK_NB) == 0) {
    if (::flock(fd, LOCK_UN) != 0) s = Status::FromErrno("flock " + path, errno);
  } else if (errno == EWOULDBLOCK) {
    locked = true;
  } else {
    s = Status::FromErrno("flock " + path, errno);
  }
  ::close(fd);
  if (!s.ok()) return s;
  return locked;
}

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
      out += buf;
    } else {
      out.push_back(c);
    }
  }
  return out + "\"";
}

constexpr DealState kStates[] = {DealState::kAccepted, DealState::kDownloading, DealState::kStored, DealState::kFailed,
                                 DealState::kRemoved};

}  // namespace

Result<StatusReport> GatherStatus(Env* env, const std::string& data_dir) {
  DataDir dir(data_dir);
  CAIRN_RETURN_IF_ERROR(dir.CheckInitialized(env));
  StatusReport r;
  r.data_dir = data_dir;
  CAIRN_ASSIGN_OR_RETURN(Identity identity, Identity::Load(dir.identity_path()));
  r.id = identity.public_key();
  CAIRN_ASSIGN_OR_RETURN(r.running, IsLocked(dir.lock_path()));
  CAIRN_ASSIGN_OR_RETURN(ProviderConfig config, ProviderConfig::Load(env, dir.config_path()));
  r.price = config.price;
  CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<KvStore> kv, KvStore::Open(dir.db_dir(), KvStoreOptions{}));
  CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<DealStore> store, DealStore::Open(kv.get(), config.capacity, false));
  CAIRN_ASSIGN_OR_RETURN(Ledger ledger, store->GetLedger());
  r.capacity = ledger.capacity;
  r.used = ledger.used;
  r.reserved = ledger.reserved;
  r.free = ledger.free();
  CAIRN_ASSIGN_OR_RETURN(r.deals, store->List());
  for (DealState s : kStates) r.deals_by_state[s] = 0;
  for (const DealRecord& d : r.deals) {
    ++r.deals_by_state[d.state];
    if (d.state == DealState::kStored) ++r.shards;
  }
  struct statvfs vfs {};
  if (::statvfs(data_dir.c_str(), &vfs) != 0) return Status::FromErrno("statvfs " + data_dir, errno);
  r.disk_free = static_cast<std::uint64_t>(vfs.f_bavail) * vfs.f_frsize;
  return r;
}

std::string FormatStatusText(const StatusReport& r) {
  std::string out;
  auto row = [&](std::string_view key, const std::string& value) {
    out += std::string(key) + std::string(12 - std::min<std::size_t>(key.size(), 11), ' ') + value + "\n";
  };
  row("provider", ToHex(r.id));
  row("data dir", r.data_dir + (r.running ? " (running)" : " (not running)"));
  row("capacity", FormatByteSize(r.capacity) + ", price " + std::to_string(r.price) + " per GiB-epoch");
  row("used", FormatByteSize(r.used) + " in " + std::to_string(r.shards) + " shard" + (r.shards == 1 ? "" : "s"));
  row("reserved", FormatByteSize(r.reserved) + " for unfinished downloads");
  row("free", FormatByteSize(r.free) + " (disk has " + FormatByteSize(r.disk_free) + " free)");
  std::string states;
  for (DealState s : kStates) {
    if (!states.empty()) states += ", ";
    states += std::string(DealStateName(s)) + " " + std::to_string(r.deals_by_state.at(s));
  }
  row("deals", states);
  for (const DealRecord& d : r.deals) {
    if (d.state == DealState::kRemoved) continue;
    std::string line = "  " + ToHex(ByteSpan(d.id.value()).first(8)) + "  shard " +
                       ToHex(ByteSpan(d.shard.value()).first(8)) + "  " + FormatByteSize(d.size) + "  " +
                       std::string(DealStateName(d.state));
    if (!d.reason.empty()) line += " (" + d.reason + ")";
    out += line + "\n";
  }
  return out;
}

std::string FormatStatusJson(const StatusReport& r) {
  auto num = [](std::uint64_t v) { return std::to_string(v); };
  std::string out = "{\"version\": 1, \"data_dir\": " + JsonString(r.data_dir) + ", \"id\": \"" + ToHex(r.id) +
                    "\", \"running\": " + (r.running ? "true" : "false") + ", \"capacity\": " + num(r.capacity) +
                    ", \"price\": " + num(r.price) + ", \"used\": " + num(r.used) +
                    ", \"reserved\": " + num(r.reserved) + ", \"free\": " + num(r.free) +
                    ", \"disk_free\": " + num(r.disk_free) + ", \"shards\": " + num(r.shards) +
                    ", \"deals_by_state\": {";
  bool first = true;
  for (DealState s : kStates) {
    out += std::string(first ? "" : ", ") + "\"" + std::string(DealStateName(s)) + "\": " + num(r.deals_by_state.at(s));
    first = false;
  }
  out += "}, \"deals\": [";
  first = true;
  for (const DealRecord& d : r.deals) {
    out += std::string(first ? "" : ", ") + "{\"deal\": \"" + ToHex(d.id.value()) + "\", \"client\": \"" +
           ToHex(d.client) + "\", \"shard\": \"" + ToHex(d.shard.value()) + "\", \"size\": " + num(d.size) +
           ", \"price\": " + num(d.price) + ", \"state\": \"" + std::string(DealStateName(d.state)) +
           "\", \"reason\": " + JsonString(d.reason) + ", \"created\": " + num(d.created) +
           ", \"updated\": " + num(d.updated) + "}";
    first = false;
  }
  out += "]}\n";
  return out;
}

}  // namespace cairn::provider
