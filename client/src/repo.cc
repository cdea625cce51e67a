// Repository header, version 1 (the file <repo>/repo), all integers big-endian:
//   header := magic:"CRNR" version:u8(=1) source:u8 (1 = passphrase, 2 = key file)
//             kdf_params:u8[30] (source 1; zeros for source 2)
//             check_len:u16 check:u8[check_len]    SealMessage(subkey "repo-check", aad "cairn/repo/v1", "cairn")
#include "repo.h"

#include <cstring>

#include "cairn/core/aead.h"
#include "cairn/core/env.h"

namespace cairn::client {
namespace {

constexpr char kMagic[4] = {'C', 'R', 'N', 'R'};
constexpr std::string_view kCheckAad = "cairn/repo/v1";
constexpr std::string_view kCheckText = "cairn";
constexpr std::size_t kMaxHeader = 4096;

Status CheckSource(const RepoKeySource& key) {
  if (key.passphrase.has_value() == key.key_file.has_value()) {
    return Status::InvalidArgument("give exactly one of a passphrase or a key file");
  }
  return Status::Ok();
}

Result<Identity> DeriveIdentity(const SecretKey& master) {
  CAIRN_ASSIGN_OR_RETURN(SecretKey seed, DeriveSubkey(master, "identity"));
  return Identity::FromSeed(seed.bytes());
}

}  // namespace

Repo::Repo(std::string dir, SecretKey master, SecretKey manifest_key)
    : dir_(std::move(dir)), master_(std::move(master)), manifest_key_(std::move(manifest_key)) {}

Status Repo::Create(const std::string& dir, const RepoKeySource& key) {
  CAIRN_RETURN_IF_ERROR(CheckSource(key));
  Env* env = Env::Default();
  if (env->FileExists(dir + "/repo")) return Status::AlreadyExists("a repository already exists in " + dir);
  CAIRN_RETURN_IF_ERROR(env->CreateDirs(dir));
  Bytes header;
  header.reserve(kMaxHeader);
  header.insert(header.end(), std::begin(kMagic), std::end(kMagic));
  header.push_back(1);
  std::optional<SecretKey> master;
  if (key.passphrase) {
    KdfParams params = NewKdfParams();
    CAIRN_ASSIGN_OR_RETURN(master, MasterKeyFromPassphrase(*key.passphrase, params));
    header.push_back(1);
    Append(header, params.Serialize());
  } else {
    if (env->FileExists(*key.key_file)) {
      CAIRN_ASSIGN_OR_RETURN(master, LoadKeyFile(*key.key_file));
    } else {
      CAIRN_ASSIGN_OR_RETURN(master, GenerateKeyFile(*key.key_file));
    }
    header.push_back(2);
    header.resize(header.size() + kKdfParamsSize, 0);
  }
  CAIRN_ASSIGN_OR_RETURN(SecretKey check_key, DeriveSubkey(*master, "repo-check"));
  CAIRN_ASSIGN_OR_RETURN(Bytes check, SealMessage(check_key.bytes(), AsBytes(kCheckAad), AsBytes(kCheckText)));
  header.push_back(static_cast<std::uint8_t>(check.size() >> 8));
  header.push_back(static_cast<std::uint8_t>(check.size()));
  Append(header, check);
  CAIRN_RETURN_IF_ERROR(env->CreateDirs(dir + "/db"));
  CAIRN_RETURN_IF_ERROR(env->CreateDirs(dir + "/spool"));
  return WriteFileAtomic(env, dir + "/repo", header);
}

Result<std::unique_ptr<Repo>> Repo::Open(const std::string& dir, const RepoKeySource& key) {
  CAIRN_RETURN_IF_ERROR(CheckSource(key));
  Env* env = Env::Default();
  if (!env->FileExists(dir + "/repo")) {
    return Status::NotFound("no repository in " + dir + " (run `cairn init` first)");
  }
  CAIRN_ASSIGN_OR_RETURN(Bytes header, ReadFileToBytes(env, dir + "/repo", kMaxHeader));
  ByteReader r(header);
  ByteSpan magic, params_bytes, check;
  std::uint8_t version = 0, source = 0, hi = 0, lo = 0;
  if (!r.ReadSpan(4, magic) || std::memcmp(magic.data(), kMagic, 4) != 0 || !r.ReadU8(version) || version != 1 ||
      !r.ReadU8(source) || (source != 1 && source != 2) || !r.ReadSpan(kKdfParamsSize, params_bytes) || !r.ReadU8(hi) ||
      !r.ReadU8(lo) || !r.ReadSpan((hi << 8) | lo, check) || !r.AtEnd()) {
    return Status::Corruption("the repository header " + dir + "/repo is damaged or of an unknown version");
  }
  std::optional<SecretKey> master;
  if (source == 1) {
    if (!key.passphrase) return Status::InvalidArgument("this repository is unlocked with a passphrase");
    CAIRN_ASSIGN_OR_RETURN(KdfParams params, KdfParams::Parse(params_bytes));
    CAIRN_ASSIGN_OR_RETURN(master, MasterKeyFromPassphrase(*key.passphrase, params));
  } else {
    if (!key.key_file) return Status::InvalidArgument("this repository is unlocked with a key file (--key-file)");
    CAIRN_ASSIGN_OR_RETURN(master, LoadKeyFile(*key.key_file));
  }
  CAIRN_ASSIGN_OR_RETURN(SecretKey check_key, DeriveSubkey(*master, "repo-check"));
  auto opened = OpenMessage(check_key.bytes(), AsBytes(kCheckAad), check);
  if (!opened.ok()) return Status::AuthFailed("wrong passphrase or key for this repository");
  CAIRN_ASSIGN_OR_RETURN(SecretKey manifest_key, DeriveSubkey(*master, "manifest"));
  std::unique_ptr<Repo> repo(new Repo(dir, std::move(*master), std::move(manifest_key)));
  CAIRN_ASSIGN_OR_RETURN(Identity id, DeriveIdentity(repo->master_));
  repo->identity_.emplace(std::move(id));
  KvStoreOptions options;
  options.initial_map_size = 16 << 20;
  CAIRN_ASSIGN_OR_RETURN(repo->store_, KvStore::Open(dir + "/db", options));
  CAIRN_ASSIGN_OR_RETURN(repo->objects_, repo->store_->OpenDb("objects"));
  CAIRN_ASSIGN_OR_RETURN(repo->providers_, repo->store_->OpenDb("providers"));
  CAIRN_RETURN_IF_ERROR(env->CreateDirs(repo->spool_dir()));
  return repo;
}

}  // namespace cairn::client
