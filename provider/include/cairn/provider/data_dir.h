// DataDir: where a provider keeps everything, under one root directory.
//
//   <root>/identity.key      Ed25519 seed, a 0600 secret file (core/identity.h)
//   <root>/provider.conf     ProviderConfig (config.h)
//   <root>/db/               LMDB: deals, proposals, shard index, capacity ledger (deal_store.h)
//   <root>/shards/<comm_d>   stored shards, named by the lower-case hex of their comm_d; complete and durable
//   <root>/spool/<deal>/     a deal's incoming download (libtorrent's save path); deleted once stored or failed
//   <root>/resume/<deal>     libtorrent resume data of an unfinished download
//   <root>/corrupt/<comm_d>  TEST ONLY (CAIRN_TEST_CORRUPT_SERVE): the corrupted copies served instead of shards/
//   <root>/lock              flock()ed by the running daemon, so two daemons never share a data dir
//   <root>/pid, <root>/log   written by the devnet launcher for the processes it starts
// Later issues add sealed replicas and their trees as siblings of shards/ (e.g. <root>/replicas/<deal>/).
//
// Thread-safety: a plain value.
#pragma once

#include <string>

#include "cairn/core/bytes.h"
#include "cairn/core/env.h"
#include "cairn/core/hex.h"
#include "cairn/core/identity.h"
#include "cairn/core/ids.h"
#include "cairn/core/status.h"
#include "cairn/provider/config.h"

namespace cairn::provider {

class DataDir {
 public:
  explicit DataDir(std::string root) : root_(std::move(root)) {}

  const std::string& root() const { return root_; }
  std::string identity_path() const { return root_ + "/identity.key"; }
  std::string config_path() const { return root_ + "/provider.conf"; }
  std::string db_dir() const { return root_ + "/db"; }
  std::string shards_dir() const { return root_ + "/shards"; }
  std::string spool_dir() const { return root_ + "/spool"; }
  std::string resume_dir() const { return root_ + "/resume"; }
  std::string corrupt_dir() const { return root_ + "/corrupt"; }
  std::string lock_path() const { return root_ + "/lock"; }
  std::string pid_path() const { return root_ + "/pid"; }
  std::string log_path() const { return root_ + "/log"; }

  std::string ShardPath(const ShardId& shard) const { return shards_dir() + "/" + ToHex(shard.value()); }
  std::string SpoolDir(const DealId& deal) const { return spool_dir() + "/" + ToHex(deal.value()); }
  std::string CorruptPath(const ShardId& shard) const { return corrupt_dir() + "/" + ToHex(shard.value()); }
  std::string ResumePath(const DealId& deal) const { return resume_dir() + "/" + ToHex(deal.value()); }

  // Creates the root and every subdirectory (OK when they exist).
  Status CreateLayout(Env* env) const;
  // `cairn-provider init`: the layout, a new identity, the config file and the LMDB store. kAlreadyExists when the
  // directory already holds an identity (an identity is never replaced). Returns the new public key.
  Result<Ed25519PublicKey> Initialize(Env* env, const ProviderConfig& config) const;
  // kFailedPrecondition with a hint to run `cairn-provider init` when the identity or config is missing.
  Status CheckInitialized(Env* env) const;

 private:
  std::string root_;
};

}  // namespace cairn::provider
