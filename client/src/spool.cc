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
  CAIRN_ASSIGN_OR_RETURN(auto w, AtomicFileWriter::Create(env_, SpoolShardPath(dir_, segment, shard)));
  return std::unique_ptr<ShardWriter>(new SpoolWriter(std::move(w)));
}

Result<std::unique_ptr<ShardReader>> OpenFileShard(Env* env, const std::string& path) {
  CAIRN_ASSIGN_OR_RETURN(std::uint64_t size, env->FileSize(path));
  CAIRN_ASSIGN_OR_RETURN(auto f, env->NewRandomAccessFile(path));
  return std::unique_ptr<ShardReader>(new FileShardReader(std::move(f), size));
}

}  // namespace cairn::client
