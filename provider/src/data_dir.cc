#include "cairn/provider/data_dir.h"

#include "cairn/core/kv_store.h"
#include "cairn/provider/deal_store.h"

namespace cairn::provider {

Status DataDir::CreateLayout(Env* env) const {
  for (const std::string& dir : {root_, db_dir(), shards_dir(), spool_dir(), resume_dir()}) {
    CAIRN_RETURN_IF_ERROR(env->CreateDirs(dir));
  }
  CAIRN_RETURN_IF_ERROR(env->SyncDir(root_));
  return Status::Ok();
}

Result<Ed25519PublicKey> DataDir::Initialize(Env* env, const ProviderConfig& config) const {
  CAIRN_RETURN_IF_ERROR(config.Validate());
  if (env->FileExists(identity_path())) {
    return Status::AlreadyExists(root_ + " already holds a provider identity");
  }
  CAIRN_RETURN_IF_ERROR(CreateLayout(env));
  // The database first and the identity last: a data dir with an identity is complete.
  CAIRN_RETURN_IF_ERROR(config.Save(env, config_path()));
  {
    CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<KvStore> kv, KvStore::Open(db_dir(), KvStoreOptions{}));
    CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<DealStore> store, DealStore::Open(kv.get(), config.capacity));
  }
  Identity identity = Identity::Generate();
  CAIRN_RETURN_IF_ERROR(identity.Save(identity_path()));
  return identity.public_key();
}

Status DataDir::CheckInitialized(Env* env) const {
  if (!env->FileExists(identity_path()) || !env->FileExists(config_path())) {
    return Status::FailedPrecondition(root_ + " is not a provider data dir: run `cairn-provider init --data-dir " +
                                      root_ + " --capacity SIZE` first");
  }
  return Status::Ok();
}

}  // namespace cairn::provider
