#include "block_hash_sink.h"

#include <algorithm>
#include <cstring>

#include "cairn/core/digest4.h"
#include "cairn/core/sha256.h"
#include "cairn/core/swarm.h"

namespace cairn::client {
namespace {

class BlockHashingWriter : public ShardWriter {
 public:
  BlockHashingWriter(BlockHashingSink& sink, std::uint32_t segment, int shard, std::unique_ptr<ShardWriter> inner)
      : sink_(sink), segment_(segment), shard_(shard), inner_(std::move(inner)) {}

  Status Append(ByteSpan data) override {
    CAIRN_RETURN_IF_ERROR(inner_->Append(data));
    // Top up a partial block first; then hash whole blocks straight from `data`; keep the rest.
    if (partial_len_ > 0) {
      const std::size_t take = std::min(data.size(), kTorrentBlockSize - partial_len_);
      std::memcpy(partial_.data() + partial_len_, data.data(), take);
      partial_len_ += take;
      data = data.subspan(take);
      if (partial_len_ < kTorrentBlockSize) return Status::Ok();
      hashes_.push_back(Sha256Digest(ByteSpan(partial_.data(), kTorrentBlockSize)));
      partial_len_ = 0;
    }
    // Four blocks at a time in four SHA-NI lanes (an encoder unit is 64 KiB: four aligned blocks per append).
    while (data.size() >= 4 * kTorrentBlockSize) {
      const std::uint8_t* blocks[4] = {data.data(), data.data() + kTorrentBlockSize,
                                       data.data() + 2 * kTorrentBlockSize, data.data() + 3 * kTorrentBlockSize};
      Hash32 four[4];
      Sha256Digest4(blocks, kTorrentBlockSize, four);
      hashes_.insert(hashes_.end(), four, four + 4);
      data = data.subspan(4 * kTorrentBlockSize);
    }
    while (data.size() >= kTorrentBlockSize) {
      hashes_.push_back(Sha256Digest(data.first(kTorrentBlockSize)));
      data = data.subspan(kTorrentBlockSize);
    }
    if (!data.empty()) {
      if (partial_.empty()) partial_.resize(kTorrentBlockSize);
      std::memcpy(partial_.data(), data.data(), data.size());
      partial_len_ = data.size();
    }
    return Status::Ok();
  }

  Status Commit() override {
    // The file's last block is hashed at its own length.
    if (partial_len_ > 0) hashes_.push_back(Sha256Digest(ByteSpan(partial_.data(), partial_len_)));
    partial_len_ = 0;
    CAIRN_RETURN_IF_ERROR(inner_->Commit());
    sink_.Committed(segment_, shard_, std::move(hashes_));
    hashes_.clear();
    return Status::Ok();
  }

 private:
  BlockHashingSink& sink_;
  const std::uint32_t segment_;
  const int shard_;
  std::unique_ptr<ShardWriter> inner_;
  std::vector<Hash32> hashes_;
  Bytes partial_;  // a block not yet complete (allocated on first use)
  std::size_t partial_len_ = 0;
};

}  // namespace

Result<std::unique_ptr<ShardWriter>> BlockHashingSink::Create(std::uint32_t segment, int shard) {
  CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<ShardWriter> inner, inner_.Create(segment, shard));
  {
    // A shard written again (a retried segment) must not be built from its earlier hashes.
    std::lock_guard<std::mutex> lock(mu_);
    done_.erase({segment, shard});
  }
  return std::unique_ptr<ShardWriter>(new BlockHashingWriter(*this, segment, shard, std::move(inner)));
}

void BlockHashingSink::Committed(std::uint32_t segment, int shard, std::vector<Hash32> hashes) {
  std::lock_guard<std::mutex> lock(mu_);
  done_[{segment, shard}] = std::move(hashes);
}

Result<std::vector<Hash32>> BlockHashingSink::Take(std::uint32_t segment, int shard) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = done_.find({segment, shard});
  if (it == done_.end()) {
    return Status::NotFound("no block hashes for segment " + std::to_string(segment) + " shard " +
                            std::to_string(shard));
  }
  std::vector<Hash32> out = std::move(it->second);
  done_.erase(it);
  return out;
}

}  // namespace cairn::client
