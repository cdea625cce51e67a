// cairn::Client: the repository, the network, and the encode/upload and download/decode pipelines wired together.
#include <sys/stat.h>

#include <fstream>
#include <future>
#include <random>

#include "block_hash_sink.h"
#include "cairn/client/client.h"
#include "cairn/core/aead.h"
#include "cairn/core/env.h"
#include "cairn/core/hex.h"
#include "decoder.h"
#include "encoder.h"
#include "memory_shards.h"
#include "object_record.h"
#include "provider_cache.h"
#include "repo.h"
#include "spool.h"
#include "trace.h"
#include "transfer.h"

namespace cairn {
namespace client {
namespace {

class FileInput : public InputStream {
 public:
  explicit FileInput(std::unique_ptr<SequentialFile> f) : f_(std::move(f)) {}
  Result<std::size_t> Read(MutableByteSpan out) override { return f_->Read(out); }

 private:
  std::unique_ptr<SequentialFile> f_;
};

class IstreamInput : public InputStream {
 public:
  explicit IstreamInput(std::istream& in) : in_(in) {}
  Result<std::size_t> Read(MutableByteSpan out) override {
    in_.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(out.size()));
    if (in_.bad()) return Status::IOError("reading the input stream failed");
    return static_cast<std::size_t>(in_.gcount());
  }

 private:
  std::istream& in_;
};

class OstreamOutput : public OutputStream {
 public:
  explicit OstreamOutput(std::ostream& out) : out_(out) {}
  Status Write(ByteSpan d) override {
    out_.write(reinterpret_cast<const char*>(d.data()), static_cast<std::streamsize>(d.size()));
    if (!out_) return Status::IOError("writing the output stream failed");
    return Status::Ok();
  }

 private:
  std::ostream& out_;
};

class AtomicOutput : public OutputStream {
 public:
  explicit AtomicOutput(std::unique_ptr<AtomicFileWriter> w) : w_(std::move(w)) {}
  Status Write(ByteSpan d) override { return w_->Append(d); }
  Status Commit() { return w_->Commit(); }

 private:
  std::unique_ptr<AtomicFileWriter> w_;
};

// Cached provider records older than this are not used (a put refreshes them; DHT announces last 45 minutes).
constexpr std::chrono::seconds kProviderCacheMaxAge{30 * 60};

std::string RandomName() {
  Bytes b(8);
  RandomBytes(b);
  return ToHex(b);
}

// Removes a spool directory and the files in it (best effort).
void RemoveTree(const std::string& dir) {
  Env* env = Env::Default();
  auto entries = env->ListDir(dir);
  if (entries.ok()) {
    for (const std::string& e : *entries) {
      const std::string path = (dir + "/").append(e);
      if (env->RemoveFile(path).ok()) continue;
      RemoveTree(path);
    }
  }
  (void)env->RemoveDir(dir);
}

class ClientImpl : public Client {
 public:
  ClientImpl(std::unique_ptr<Repo> repo, NetworkConfig network, int threads)
      : repo_(std::move(repo)), network_(std::move(network)), threads_(threads) {}

  Result<ObjectInfo> PutFile(const std::string& path, const PutOptions& options) override {
    Env* env = Env::Default();
    CAIRN_ASSIGN_OR_RETURN(std::uint64_t size, env->FileSize(path));
    CAIRN_ASSIGN_OR_RETURN(auto f, env->NewSequentialFile(path));
    FileInput in(std::move(f));
    struct stat st {};
    std::int64_t mtime = 0;
    std::uint32_t mode = 0;
    if (::stat(path.c_str(), &st) == 0) {
      mtime = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
      mode = st.st_mode;
    }
    return Put(in, size, mtime, mode, options);
  }

  Result<ObjectInfo> PutStream(std::istream& in, const PutOptions& options) override {
    IstreamInput input(in);
    return Put(input, network_.segment_size, 0, 0100644, options);
  }

  Result<ObjectInfo> PutBytes(std::span<const std::uint8_t> data, const PutOptions& options) override {
    MemoryInput input(data);  // lends views of `data`: the encoder seals straight out of the app's buffer
    return Put(input, data.size(), 0, 0100644, options);
  }

  Status GetToFile(const std::string& name, const std::string& path, const GetOptions& options) override {
    CAIRN_ASSIGN_OR_RETURN(auto w, AtomicFileWriter::Create(Env::Default(), path));
    AtomicOutput out(std::move(w));
    CAIRN_RETURN_IF_ERROR(Get(name, out, options));
    return out.Commit();
  }

  Status GetToStream(const std::string& name, std::ostream& out, const GetOptions& options) override {
    OstreamOutput o(out);
    return Get(name, o, options);
  }

  Result<std::vector<ObjectInfo>> List() override {
    std::vector<ObjectInfo> out;
    Status st = repo_->store().View([&](const ReadTxn& txn) {
      Status inner;
      Status scan = txn.ForEach(repo_->objects(), {}, [&](ByteSpan, ByteSpan value) {
        auto r = OpenObjectRecord(value, repo_->manifest_key().bytes());
        if (!r.ok()) {
          inner = r.status();
          return false;
        }
        out.push_back(InfoOf(r->manifest));
        return true;
      });
      return scan.ok() ? inner : scan;
    });
    CAIRN_RETURN_IF_ERROR(st);
    return out;
  }

  Status Remove(const std::string& name) override {
    CAIRN_ASSIGN_OR_RETURN(ObjectRecord rec, Load(name));
    CAIRN_RETURN_IF_ERROR(EnsureNet());
    for (const Placement& p : rec.placements) {
      (void)net_->control().Call(p.control, p.provider, control::kTypeRemove, control::DealRef{DealId(p.deal)}.ToBody(),
                                 std::chrono::seconds(3));
    }
    return repo_->store().Update([&](WriteTxn& txn) -> Status {
      CAIRN_ASSIGN_OR_RETURN(bool gone, txn.Delete(repo_->objects(), AsBytes(name)));
      (void)gone;
      return Status::Ok();
    });
  }

  Result<ObjectStatus> Stat(const std::string& name) override {
    CAIRN_ASSIGN_OR_RETURN(ObjectRecord rec, Load(name));
    CAIRN_RETURN_IF_ERROR(EnsureNet());
    ObjectStatus out;
    out.info = InfoOf(rec.manifest);
    out.healthy_per_segment.assign(rec.manifest.coding.segments.size(), 0);
    for (const Placement& p : rec.placements) {
      ShardStatus s;
      s.segment = p.segment;
      s.index = p.shard;
      s.shard_id = ToHex(rec.manifest.coding.segments[p.segment].comm_d[p.shard]);
      s.provider_id = ToHex(p.provider);
      s.endpoint = ToString(p.control);
      auto reply = net_->CallOk(p.control, p.provider, control::kTypeDeal, control::DealRef{DealId(p.deal)}.ToBody(),
                                std::chrono::seconds(3));
      if (!reply.ok()) {
        s.state = reply.status().code() == Code::kNotFound || reply.status().code() == Code::kFailedPrecondition
                      ? "missing"
                      : "unreachable";
      } else {
        auto deal = control::DealStatusReply::FromBody(reply->body);
        s.state = deal.ok() ? deal->state : "unknown";
      }
      if (s.state == "stored") ++out.healthy_per_segment[p.segment];
      out.shards.push_back(std::move(s));
    }
    out.readable = true;
    for (int h : out.healthy_per_segment) out.readable = out.readable && h >= rec.manifest.coding.k;
    return out;
  }

 private:
  static ObjectInfo InfoOf(const Manifest& m) {
    ObjectInfo i;
    i.name = m.name;
    i.size = m.coding.size;
    i.mtime_ns = m.mtime_ns;
    i.k = m.coding.k;
    i.m = m.coding.m;
    i.segments = static_cast<std::uint32_t>(m.coding.segments.size());
    return i;
  }

  Status EnsureNet() {
    if (net_) return Status::Ok();
    CAIRN_ASSIGN_OR_RETURN(net_, ClientNet::Start(network_, repo_->identity()));
    Trace("swarm session started");
    return Status::Ok();
  }

  Result<ObjectRecord> Load(const std::string& name) {
    std::optional<Bytes> sealed;
    CAIRN_RETURN_IF_ERROR(repo_->store().View([&](const ReadTxn& txn) -> Status {
      CAIRN_ASSIGN_OR_RETURN(sealed, txn.Get(repo_->objects(), AsBytes(name)));
      return Status::Ok();
    }));
    if (!sealed) return Status::NotFound("no object named \"" + name + "\"");
    return OpenObjectRecord(*sealed, repo_->manifest_key().bytes());
  }

  Result<ObjectInfo> Put(InputStream& in, std::uint64_t size_hint, std::int64_t mtime, std::uint32_t mode,
                         const PutOptions& options) {
    if (options.name.empty() || options.name.size() > kMaxNameBytes) {
      return Status::InvalidArgument("the object name must be 1 to 4096 bytes");
    }
    if (!options.replace) {
      auto existing = Load(options.name);
      if (existing.ok()) return Status::AlreadyExists("an object named \"" + options.name + "\" exists");
    }
    EncodeOptions eo;
    eo.params.k = options.k > 0 ? options.k : network_.k;
    eo.params.m = options.m >= 0 ? options.m : network_.m;
    eo.params.segment_size = network_.segment_size;
    eo.threads = threads_;
    eo.cancel = options.cancel;
    SegmentUploader* uploading = nullptr;  // set once the uploader exists
    if (options.progress) {
      eo.progress = [&](std::uint64_t done) {
        options.progress({"encoding", done, size_hint});
        if (uploading) uploading->ReportProgress();
      };
    }
    CAIRN_RETURN_IF_ERROR(ValidateCodingParams(eo.params));
    CAIRN_RETURN_IF_ERROR(EnsureNet());
    SecretKey file_key = SecretKey::Random();
    std::string spool = repo_->spool_dir() + "/put-" + RandomName();
    CAIRN_RETURN_IF_ERROR(Env::Default()->CreateDirs(spool));
    SpoolSink spool_sink(Env::Default(), spool, SpoolDurability::kVolatile);
    BlockHashingSink sink(spool_sink);  // torrents are built from these hashes: the spool is not read back to hash
    UploadOptions uo;
    uo.cancel = options.cancel;
    // Propose to the providers found by earlier puts at once; the uploader refreshes them in the background.
    ProviderCache cache(repo_->store(), repo_->providers(), network_.network_id);
    auto cached = cache.Load(control::UnixSeconds(Env::Default()), kProviderCacheMaxAge);
    if (cached.ok()) uo.providers = std::move(*cached);
    uo.block_hashes = [&sink](std::uint32_t seg, int shard) { return sink.Take(seg, shard); };
    uo.discovered = [&cache](const std::vector<DiscoveredProvider>& found) { (void)cache.Save(found); };
    uo.seed = std::random_device{}();
    if (options.progress) {
      uo.progress = [&](std::uint64_t done, std::uint64_t total) { options.progress({"uploading", done, total}); };
    }
    // Each segment is uploaded as soon as it is encoded (the uploader looks providers up meanwhile); the encoder
    // waits when a few segments are still waiting for receipts, so the spool holds only those.
    SegmentUploader uploader(*net_, eo.params.k, eo.params.m, spool, std::move(uo));
    uploading = &uploader;
    eo.segment_done = [&uploader](std::uint32_t seg, const SegmentCoding& sc) {
      Trace("segment " + std::to_string(seg) + " encoded");
      return uploader.AddSegment(seg, sc);
    };
    auto coding = EncodeFile(in, size_hint, file_key.bytes(), eo, sink);
    if (!coding.ok()) {
      uploader.Abort();
      RemoveTree(spool);
      return coding.status();
    }
    Trace("encoding done");
    auto placements = uploader.Finish();
    Trace("every receipt in");
    RemoveTree(spool);
    CAIRN_RETURN_IF_ERROR(placements.status());
    ObjectRecord rec;
    rec.manifest.name = options.name;
    rec.manifest.mtime_ns = mtime;
    rec.manifest.mode = mode;
    rec.manifest.coding = *coding;
    CAIRN_ASSIGN_OR_RETURN(rec.manifest.wrapped_key, WrapFileKey(repo_->master(), file_key, AsBytes(options.name)));
    rec.placements = std::move(*placements);
    CAIRN_ASSIGN_OR_RETURN(Bytes sealed, SealObjectRecord(rec, repo_->manifest_key().bytes()));
    CAIRN_RETURN_IF_ERROR(
        repo_->store().Update([&](WriteTxn& txn) { return txn.Put(repo_->objects(), AsBytes(options.name), sealed); }));
    Trace("object record committed");
    return InfoOf(rec.manifest);
  }

  Status Get(const std::string& name, OutputStream& out, const GetOptions& options) {
    CAIRN_ASSIGN_OR_RETURN(ObjectRecord rec, Load(name));
    CAIRN_ASSIGN_OR_RETURN(SecretKey file_key,
                           UnwrapFileKey(repo_->master(), rec.manifest.wrapped_key, AsBytes(rec.manifest.name)));
    CAIRN_RETURN_IF_ERROR(EnsureNet());
    std::string work = repo_->spool_dir() + "/get-" + RandomName();
    CAIRN_RETURN_IF_ERROR(Env::Default()->CreateDirs(work));
    Result<DecodeReport> report = Status::Internal("not run");
    {
      SwarmShardSource source(*net_, rec, work);
      DecodeOptions d;
      d.threads = threads_;
      d.offset = options.offset;
      d.length = options.length;
      d.cancel = options.cancel;
      if (options.progress) {
        std::uint64_t total = rec.manifest.coding.size;
        d.progress = [&options, total](std::uint64_t done) { options.progress({"downloading", done, total}); };
      }
      report = DecodeFile(rec.manifest.coding, file_key.bytes(), source, out, d);
    }
    RemoveTree(work);
    return report.status();
  }

  std::unique_ptr<Repo> repo_;
  NetworkConfig network_;
  int threads_;
  std::unique_ptr<ClientNet> net_;
};

RepoKeySource KeySource(const ClientOptions& o) { return {o.passphrase, o.key_file}; }

}  // namespace
}  // namespace client

Status Client::Init(const ClientOptions& options) {
  if (options.repo_dir.empty()) return Status::InvalidArgument("no repository folder given");
  return client::Repo::Create(options.repo_dir, client::KeySource(options));
}

Result<std::unique_ptr<Client>> Client::Open(const ClientOptions& options) {
  if (options.repo_dir.empty()) return Status::InvalidArgument("no repository folder given");
  if (options.network_file.empty()) return Status::InvalidArgument("no network file given");
  CAIRN_ASSIGN_OR_RETURN(NetworkConfig network, NetworkConfig::Load(Env::Default(), options.network_file));
  client::Trace("client open: network file read");
  CAIRN_ASSIGN_OR_RETURN(auto repo, client::Repo::Open(options.repo_dir, client::KeySource(options)));
  client::Trace("repository open, master key unlocked");
  return std::unique_ptr<Client>(new client::ClientImpl(std::move(repo), std::move(network), options.threads));
}

}  // namespace cairn
