// `cairn status [NAME] [--json]`: without NAME, one health line per object; with NAME, its shards, where they live
// and whether each provider still confirms it.
//
// Health: "healthy" when every segment has all k + m shards confirmed, "degraded" when every segment still has at
// least k (readable, but repair is due), "unreadable" otherwise.
#pragma once

#include <string>
#include <vector>

#include "cairn/core/status.h"
#include "cli/environment.h"
#include "cli/global_options.h"

namespace cairn::cli {

struct StatusArgs {
  std::string name;  // empty: every object
  bool json = false;
};

CLI::App* SetupStatus(CLI::App& app, StatusArgs& args);
Status RunStatus(const StatusArgs& args, const GlobalArgs& global, Environment& env);

// "healthy", "degraded" or "unreadable".
std::string HealthOf(const ObjectStatus& s);

// One object's status, apart for tests.
std::string FormatObjectStatusText(const ObjectStatus& s);
std::string FormatObjectStatusJson(const ObjectStatus& s);

// The summary of every object: a Stat result per object, in list order.
struct StatusSummaryRow {
  ObjectInfo info;
  Result<ObjectStatus> status;
};
std::string FormatStatusSummaryText(const std::vector<StatusSummaryRow>& rows);
std::string FormatStatusSummaryJson(const std::vector<StatusSummaryRow>& rows);

}  // namespace cairn::cli
