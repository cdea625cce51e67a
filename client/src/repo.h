// The client's repository folder:
//   repo            "cairn-repo v1" header: how the master key is obtained (Argon2id params, or a key file) and a
//                   key-check value sealed under a subkey, so a wrong passphrase fails at open, not at first get
//   db/             LMDB: "objects" name -> sealed object record (manifest + placement); "providers" network id +
//                   provider id -> the provider's signed record, as last discovered (provider_cache.h)
//   spool/          shards of puts in progress (removed when the put ends)
// The client's Ed25519 identity is derived from the master key (subkey "identity"), so a new machine holding the
// master key is the same client to providers (it may remove its deals).
//
// Thread-safety: Repo is used by one Client; KvStore is itself thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "cairn/core/identity.h"
#include "cairn/core/keys.h"
#include "cairn/core/kv_store.h"

namespace cairn::client {

struct RepoKeySource {
  std::optional<std::string> passphrase;
  std::optional<std::string> key_file;
};

class Repo {
 public:
  // Creates the folder and its header. kAlreadyExists when a repository is there. With a key file that does not
  // exist yet, a new random key is written to it (0600).
  static Status Create(const std::string& dir, const RepoKeySource& key);
  static Result<std::unique_ptr<Repo>> Open(const std::string& dir, const RepoKeySource& key);

  const std::string& dir() const { return dir_; }
  std::string spool_dir() const { return dir_ + "/spool"; }
  const SecretKey& master() const { return master_; }
  const SecretKey& manifest_key() const { return manifest_key_; }
  const Identity& identity() const { return *identity_; }
  KvStore& store() { return *store_; }
  KvDb objects() const { return objects_; }
  KvDb providers() const { return providers_; }

 private:
  Repo(std::string dir, SecretKey master, SecretKey manifest_key);
  std::string dir_;
  SecretKey master_;
  SecretKey manifest_key_;
  std::optional<Identity> identity_;
  std::unique_ptr<KvStore> store_;
  KvDb objects_;
  KvDb providers_;
};

}  // namespace cairn::client
