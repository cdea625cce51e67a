// `cairn ls [--json]`: the objects in the repository, sorted by name.
#pragma once

#include <string>
#include <vector>

#include "cairn/core/status.h"
#include "cli/environment.h"
#include "cli/global_options.h"

namespace cairn::cli {

struct LsArgs {
  bool json = false;
};

CLI::App* SetupLs(CLI::App& app, LsArgs& args);
Status RunLs(const LsArgs& args, const GlobalArgs& global, Environment& env);

// The outputs, apart for tests. JSON: [{"name":..,"size":..,"mtime_ns":..,"k":..,"m":..,"segments":..}, ...].
std::string FormatObjectListText(const std::vector<ObjectInfo>& objects);
std::string FormatObjectListJson(const std::vector<ObjectInfo>& objects);

class JsonWriter;
// Writes an object's summary members (name, size, mtime_ns, k, m, segments) into the open JSON object; `ls` and
// `status` share it so both print an object the same way.
void WriteInfoMembers(JsonWriter& w, const ObjectInfo& info);

}  // namespace cairn::cli
