// cairn::Client: the library apps use to store files on a cairn network and get them back.
//
// A client owns a repository folder (its master-key parameters, an LMDB database of sealed manifests and deals, and a
// spool for shards being uploaded) and talks to providers found through the network's DHT. Files are encrypted
// under a random per-file key, erasure-coded into k + m shards per segment, and each shard is placed with a distinct
// provider, which downloads it over BitTorrent and returns a signed receipt. `Put` returns once every shard has a
// receipt; `Get` needs any k shards of each segment.
//
// No libtorrent, LMDB or ISA-L type appears here. Thread-safety: a Client may be used from one thread at a time;
// progress callbacks run on that thread, and `cancel` may be set from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <istream>
#include <limits>
#include <memory>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "cairn/core/status.h"

namespace cairn {

// How a client is opened.
struct ClientOptions {
  std::string network_file;  // the network file (cairn-provider devnet writes D/network)
  std::string repo_dir;      // the repository folder; created by Client::Init
  // Exactly one of these unlocks the master key.
  std::optional<std::string> passphrase;
  std::optional<std::string> key_file;
  int threads = 2;  // encode/decode threads
};

// Progress of a long operation: bytes of plaintext processed out of the total (0 when unknown), and a phase.
struct Progress {
  std::string phase;  // "encoding", "uploading", "downloading", "decoding"
  std::uint64_t done = 0;
  std::uint64_t total = 0;
};
using ProgressFn = std::function<void(const Progress&)>;

struct PutOptions {
  std::string name;      // the object name; required, 1..4096 bytes
  int k = 0;             // 0: the network's default
  int m = -1;            // -1: the network's default
  bool replace = false;  // overwrite an existing object of that name
  ProgressFn progress;   // may be empty
  const std::atomic<bool>* cancel = nullptr;
};

struct GetOptions {
  std::uint64_t offset = 0;
  std::uint64_t length = std::numeric_limits<std::uint64_t>::max();
  ProgressFn progress;
  const std::atomic<bool>* cancel = nullptr;
};

struct ObjectInfo {
  std::string name;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  int k = 0;
  int m = 0;
  std::uint32_t segments = 0;
};

// One shard of one segment and where it lives.
struct ShardStatus {
  std::uint32_t segment = 0;
  int index = 0;
  std::string shard_id;     // comm_d, hex
  std::string provider_id;  // hex of the provider's public key
  std::string endpoint;     // the provider's control endpoint
  std::string state;        // "stored", "unreachable", "missing"
};

struct ObjectStatus {
  ObjectInfo info;
  std::vector<ShardStatus> shards;
  // Per segment, the number of shards currently confirmed; a segment is readable while this is >= k.
  std::vector<int> healthy_per_segment;
  bool readable = false;
};

class Client {
 public:
  // Creates a repository (fails if it exists) with a master key from the passphrase (Argon2id) or key file.
  static Status Init(const ClientOptions& options);
  // Opens an existing repository; kAuthFailed for a wrong passphrase or key.
  static Result<std::unique_ptr<Client>> Open(const ClientOptions& options);

  virtual ~Client() = default;

  virtual Result<ObjectInfo> PutFile(const std::string& path, const PutOptions& options) = 0;
  virtual Result<ObjectInfo> PutStream(std::istream& in, const PutOptions& options) = 0;
  // Puts an app's buffer. The encoder reads it in place (no copy), so it must stay unchanged until PutBytes returns.
  virtual Result<ObjectInfo> PutBytes(std::span<const std::uint8_t> data, const PutOptions& options) = 0;
  virtual Status GetToFile(const std::string& name, const std::string& path, const GetOptions& options) = 0;
  virtual Status GetToStream(const std::string& name, std::ostream& out, const GetOptions& options) = 0;
  virtual Result<std::vector<ObjectInfo>> List() = 0;
  virtual Status Remove(const std::string& name) = 0;
  // Asks every provider holding a shard of `name` for its deal state.
  virtual Result<ObjectStatus> Stat(const std::string& name) = 0;
};

}  // namespace cairn
