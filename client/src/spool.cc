#include "spool.h"

namespace cairn::client {
namespace {

class SpoolWriter : public ShardWriter {
 public:
  explicit SpoolWriter(std::unique_ptr<AtomicFileWriter> w) : w_(std::move(w)) {}
  Status Append(ByteSpan data) override { return w_->Append(data); }
  Status Commit() override { return w_->Commit(); }

 private:
  std::unique_ptr<AtomicFileWriter> w_;
};

// Temp file, then rename; no fsync.
class VolatileSpoolWriter : public ShardWriter {
 public:
  VolatileSpoolWriter(Env* env, std::string path, std::string temp, std::unique_ptr<WritableFile> f)
      : env_(env), path_(std::move(path)), temp_(std::move(temp)), f_(std::move(f)) {}
  ~VolatileSpoolWriter() override {
    if (f_) {
      (void)f_->Close();
      (void)env_->RemoveFile(temp_);
    }
  }
  Status Append(ByteSpan data) override { return f_->Append(data); }
  Status Commit() override {
    Status s = f_->Close();
    f_.reset();
    if (s.ok()) s = env_->RenameFile(temp_, path_);
    if (!s.ok()) (void)env_->RemoveFile(temp_);
    return s;
  }

 private:
  Env* env_;
  std::string path_;
  std::string temp_;
  std::unique_ptr<WritableFile> f_;
};

class FileShardReader : public ShardReader {
 public:
  FileShardReader(std::unique_ptr<RandomAccessFile> f, std::uint64_t size) : f_(std::move(f)), size_(size) {}
  std::uint64_t size() const override { return size_; }
  Status ReadAt(std::uint64_t offset, MutableByteSpan out) override {
    CAIRN_ASSIGN_OR_RETURN(std::size_t n, f_->Read(offset, out));
    if (n != out.size()) return Status::IOError("shard file ended early");
    return Status::Ok();
  }

 private:
  std::unique_ptr<RandomAccessFile> f_;
  std::uint64_t size_;
};

}  // namespace

std::string SpoolShardPath(const std::string& dir, std::uint32_t segment, int shard) {
  return dir + "/s" + std::to_string(segment) + "-" + std::to_string(shard);
}

Result<std::unique_ptr<ShardWriter>> SpoolSink::Create(std::uint32_t segment, int shard) {
  std::string path = SpoolShardPath(dir_, segment, shard);
  if (durability_ == SpoolDurability::kVolatile) {
    std::string temp = path + ".part";
    CAIRN_ASSIGN_OR_RETURN(auto f, env_->NewWritableFile(temp));
    return std::unique_ptr<ShardWriter>(new VolatileSpoolWriter(env_, path, std::move(temp), std::move(f)));
  }
  CAIRN_ASSIGN_OR_RETURN(auto w, AtomicFileWriter::Create(env_, path));
  return std::unique_ptr<ShardWriter>(new SpoolWriter(std::move(w)));
}

Result<std::unique_ptr<ShardReader>> OpenFileShard(Env* env, const std::string& path) {
  CAIRN_ASSIGN_OR_RETURN(std::uint64_t size, env->FileSize(path));
  CAIRN_ASSIGN_OR_RETURN(auto f, env->NewRandomAccessFile(path));
  return std::unique_ptr<ShardReader>(new FileShardReader(std::move(f), size));
}

}  // namespace cairn::client
