#include "cli/status.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <ostream>
#include <set>

#include "cli/format.h"
#include "cli/json.h"
#include "cli/ls.h"

namespace cairn::cli {
namespace {

// The fewest confirmed shards of any segment (0 for an object without segments).
int MinHealthy(const ObjectStatus& s) {
  if (s.healthy_per_segment.empty()) return 0;
  return *std::min_element(s.healthy_per_segment.begin(), s.healthy_per_segment.end());
}

std::string ShortHex(const std::string& hex) { return hex.size() > 16 ? hex.substr(0, 16) : hex; }

void WriteStatusMembers(JsonWriter& w, const ObjectStatus& s) {
  w.Key("health").String(HealthOf(s));
  w.Key("readable").Bool(s.readable);
  w.Key("min_healthy").Int(MinHealthy(s));
  w.Key("healthy_per_segment").BeginArray();
  for (int h : s.healthy_per_segment) w.Int(h);
  w.EndArray();
}

}  // namespace

CLI::App* SetupStatus(CLI::App& app, StatusArgs& args) {
  CLI::App* sub = app.add_subcommand("status", "Health of every object, or the shards of one");
  sub->add_option("NAME", args.name, "Object name (default: every object)");
  sub->add_flag("--json", args.json, "Print JSON");
  return sub;
}

std::string HealthOf(const ObjectStatus& s) {
  if (!s.readable) return "unreadable";
  const int total = s.info.k + s.info.m;
  for (int h : s.healthy_per_segment) {
    if (h < s.info.k) return "unreadable";
    if (h < total) return "degraded";
  }
  return "healthy";
}

std::string FormatObjectStatusText(const ObjectStatus& s) {
  const ObjectInfo& info = s.info;
  std::string out;
  out += "name:      " + PrintableName(info.name) + "\n";
  out += "size:      " + HumanBytes(info.size) + " (" + std::to_string(info.size) + " bytes)\n";
  out += "stored:    " + FormatTimeUtc(info.mtime_ns) + " UTC\n";
  out += "code:      " + std::to_string(info.k) + "+" + std::to_string(info.m) + ", " + std::to_string(info.segments) +
         (info.segments == 1 ? " segment" : " segments") + "\n";
  std::set<std::string> providers;
  for (const ShardStatus& sh : s.shards) {
    if (!sh.provider_id.empty()) providers.insert(sh.provider_id);
  }
  out += "providers: " + std::to_string(providers.size()) + "\n";
  out += "health:    " + HealthOf(s) + (s.readable ? ", readable" : ", NOT readable") + "\n";
  const int total = info.k + info.m;
  for (std::size_t seg = 0; seg < s.healthy_per_segment.size(); ++seg) {
    out += "  segment " + std::to_string(seg) + ": " + std::to_string(s.healthy_per_segment[seg]) + "/" +
           std::to_string(total) + " shards confirmed (needs " + std::to_string(info.k) + ")\n";
  }
  if (s.shards.empty()) return out;
  char buf[256];
  std::snprintf(buf, sizeof(buf), "\n%-4s %-4s %-12s %-17s %-22s %s\n", "SEG", "IDX", "STATE", "PROVIDER", "ENDPOINT",
                "SHARD");
  out += buf;
  for (const ShardStatus& sh : s.shards) {
    std::snprintf(buf, sizeof(buf), "%-4u %-4d %-12s %-17s %-22s %s\n", sh.segment, sh.index,
                  PrintableName(sh.state).c_str(), PrintableName(ShortHex(sh.provider_id)).c_str(),
                  PrintableName(sh.endpoint).c_str(), PrintableName(ShortHex(sh.shard_id)).c_str());
    out += buf;
  }
  return out;
}

std::string FormatObjectStatusJson(const ObjectStatus& s) {
  JsonWriter w;
  w.BeginObject();
  WriteInfoMembers(w, s.info);
  WriteStatusMembers(w, s);
  w.Key("shards").BeginArray();
  for (const ShardStatus& sh : s.shards) {
    w.BeginObject();
    w.Key("segment").Uint(sh.segment);
    w.Key("index").Int(sh.index);
    w.Key("state").String(sh.state);
    w.Key("shard").String(sh.shard_id);
    w.Key("provider").String(sh.provider_id);
    w.Key("endpoint").String(sh.endpoint);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return w.str() + "\n";
}

std::string FormatStatusSummaryText(const std::vector<StatusSummaryRow>& rows) {
  std::string out;
  char buf[160];
  std::snprintf(buf, sizeof(buf), "%-11s %-7s %-6s %12s  %s\n", "HEALTH", "SHARDS", "CODE", "SIZE", "NAME");
  out += buf;
  for (const StatusSummaryRow& row : rows) {
    const std::string code = std::to_string(row.info.k) + "+" + std::to_string(row.info.m);
    const std::string size = HumanBytes(row.info.size);
    if (row.status.ok()) {
      const std::string shards =
          std::to_string(MinHealthy(*row.status)) + "/" + std::to_string(row.info.k + row.info.m);
      std::snprintf(buf, sizeof(buf), "%-11s %-7s %-6s %12s  ", HealthOf(*row.status).c_str(), shards.c_str(),
                    code.c_str(), size.c_str());
      out += buf + PrintableName(row.info.name) + "\n";
    } else {
      std::snprintf(buf, sizeof(buf), "%-11s %-7s %-6s %12s  ", "error", "-", code.c_str(), size.c_str());
      out += buf + PrintableName(row.info.name) + " (" + PrintableName(row.status.status().message()) + ")\n";
    }
  }
  return out;
}

std::string FormatStatusSummaryJson(const std::vector<StatusSummaryRow>& rows) {
  JsonWriter w;
  w.BeginArray();
  for (const StatusSummaryRow& row : rows) {
    w.BeginObject();
    WriteInfoMembers(w, row.info);
    if (row.status.ok()) {
      WriteStatusMembers(w, *row.status);
    } else {
      w.Key("health").String("error");
      w.Key("error").String(row.status.status().message());
    }
    w.EndObject();
  }
  w.EndArray();
  return w.str() + "\n";
}

Status RunStatus(const StatusArgs& args, const GlobalArgs& global, Environment& env) {
  CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<Client> client, OpenClient(global, env));
  if (!args.name.empty()) {
    Result<ObjectStatus> s = client->Stat(args.name);
    if (!s.ok()) return s.status().WithContext("status " + PrintableName(args.name));
    *env.out << (args.json ? FormatObjectStatusJson(*s) : FormatObjectStatusText(*s));
    return Status::Ok();
  }
  Result<std::vector<ObjectInfo>> list = client->List();
  if (!list.ok()) return list.status().WithContext("status");
  std::sort(list->begin(), list->end(), [](const ObjectInfo& a, const ObjectInfo& b) { return a.name < b.name; });
  std::vector<StatusSummaryRow> rows;
  rows.reserve(list->size());
  for (const ObjectInfo& info : *list) {
    if (env.cancel != nullptr && env.cancel->load()) return Status::Cancelled("status: cancelled");
    rows.push_back(StatusSummaryRow{info, client->Stat(info.name)});
  }
  *env.out << (args.json ? FormatStatusSummaryJson(rows) : FormatStatusSummaryText(rows));
  return Status::Ok();
}

}  // namespace cairn::cli
