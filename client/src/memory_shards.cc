#include "memory_shards.h"

#include <algorithm>
#include <cstring>

namespace cairn::client {

class MemoryShardWriter : public ShardWriter {
 public:
  MemoryShardWriter(MemoryShards& owner, std::pair<std::uint32_t, int> key) : owner_(owner), key_(key) {}
  Status Append(ByteSpan data) override {
    cairn::Append(buf_, data);
    return Status::Ok();
  }
  Status Commit() override {
    std::lock_guard<std::mutex> lock(owner_.mu_);
    owner_.shards_[key_] = std::make_shared<Bytes>(std::move(buf_));
    return Status::Ok();
  }

 private:
  MemoryShards& owner_;
  std::pair<std::uint32_t, int> key_;
  Bytes buf_;
};

namespace {

class MemoryShardReader : public ShardReader {
 public:
  explicit MemoryShardReader(std::shared_ptr<const Bytes> data) : data_(std::move(data)) {}
  std::uint64_t size() const override { return data_->size(); }
  Status ReadAt(std::uint64_t offset, MutableByteSpan out) override {
    if (offset > data_->size() || data_->size() - offset < out.size()) return Status::IOError("read past shard end");
    std::memcpy(out.data(), data_->data() + offset, out.size());
    return Status::Ok();
  }

 private:
  std::shared_ptr<const Bytes> data_;
};

}  // namespace

Result<std::unique_ptr<ShardWriter>> MemoryShards::Create(std::uint32_t segment, int shard) {
  return std::unique_ptr<ShardWriter>(new MemoryShardWriter(*this, {segment, shard}));
}

Result<std::unique_ptr<ShardReader>> MemoryShards::Open(std::uint32_t segment, int shard) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = shards_.find({segment, shard});
  if (it == shards_.end()) return Status::NotFound("no shard " + std::to_string(shard));
  return std::unique_ptr<ShardReader>(new MemoryShardReader(it->second));
}

void MemoryShards::Erase(std::uint32_t segment, int shard) {
  std::lock_guard<std::mutex> lock(mu_);
  shards_.erase({segment, shard});
}

Bytes* MemoryShards::Find(std::uint32_t segment, int shard) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = shards_.find({segment, shard});
  return it == shards_.end() ? nullptr : it->second.get();
}

std::size_t MemoryShards::count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return shards_.size();
}

std::uint64_t MemoryShards::total_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::uint64_t t = 0;
  for (const auto& [k, v] : shards_) t += v->size();
  return t;
}

Result<std::size_t> MemoryInput::Read(MutableByteSpan out) {
  std::size_t n = std::min({out.size(), data_.size() - pos_, max_read_});
  std::memcpy(out.data(), data_.data() + pos_, n);
  pos_ += n;
  return n;
}

Result<Loan> MemoryInput::Borrow(std::size_t max) {
  std::size_t n = std::min({max, data_.size() - pos_, max_read_});
  Loan loan{data_.subspan(pos_, n), nullptr};
  pos_ += n;
  return loan;
}

}  // namespace cairn::client
