// StatusReport: what `cairn-provider status` shows: identity, capacity ledger, shards, deals by state, and whether a
// daemon is running on the data dir. Gathered from LMDB with read transactions only, so it works while `run` is
// running.
//
// Thread-safety: plain values and reentrant functions.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "cairn/core/env.h"
#include "cairn/core/identity.h"
#include "cairn/core/status.h"
#include "cairn/provider/deal.h"

namespace cairn::provider {

struct StatusReport {
  std::string data_dir;
  Ed25519PublicKey id{};
  bool running = false;  // a daemon holds the data dir's lock
  std::uint64_t capacity = 0;
  std::uint64_t price = 0;
  std::uint64_t used = 0;                             // bytes of stored shards
  std::uint64_t reserved = 0;                         // bytes promised to unfinished deals
  std::uint64_t free = 0;                             // capacity - used - reserved (0 when over)
  std::uint64_t disk_free = 0;                        // bytes the file system holding the data dir has left (statvfs)
  std::uint64_t shards = 0;                           // stored shards
  std::map<DealState, std::uint64_t> deals_by_state;  // every state present, zeros included
  std::vector<DealRecord> deals;                      // every deal, by id
};

Result<StatusReport> GatherStatus(Env* env, const std::string& data_dir);
std::string FormatStatusText(const StatusReport& report);
// One JSON object (schema in status_report.cc); ends with a newline.
std::string FormatStatusJson(const StatusReport& report);

}  // namespace cairn::provider
