#include "cairn/provider/data_dir.h"

namespace cairn::provider {

Status DataDir::CreateLayout(Env* env) const {
  for (const std::string& dir : {root_, db_dir(), shards_dir(), spool_dir(), resume_dir()}) {
    CAIRN_RETURN_IF_ERROR(env->CreateDirs(dir));
  }
  CAIRN_RETURN_IF_ERROR(env->SyncDir(root_));
  return Status::Ok();
}

Status DataDir::CheckInitialized(Env* env) const {
  if (!env->FileExists(identity_path()) || !env->FileExists(config_path())) {
    return Status::FailedPrecondition(root_ + " is not a provider data dir: run `cairn-provider init --data-dir " +
                                      root_ + " --capacity SIZE` first");
  }
  return Status::Ok();
}

}  // namespace cairn::provider
