#include "cli/ls.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <ostream>

#include "cli/format.h"
#include "cli/json.h"

namespace cairn::cli {

CLI::App* SetupLs(CLI::App& app, LsArgs& args) {
  CLI::App* sub = app.add_subcommand("ls", "List stored objects");
  sub->add_flag("--json", args.json, "Print JSON");
  return sub;
}

std::string FormatObjectListText(const std::vector<ObjectInfo>& objects) {
  std::string out;
  char buf[128];
  for (const ObjectInfo& o : objects) {
    const std::string code = std::to_string(o.k) + "+" + std::to_string(o.m);
    std::snprintf(buf, sizeof(buf), "%12s  %-19s  %-6s  ", HumanBytes(o.size).c_str(),
                  FormatTimeUtc(o.mtime_ns).c_str(), code.c_str());
    out += buf;
    out += PrintableName(o.name);
    out += '\n';
  }
  return out;
}

void WriteInfoMembers(JsonWriter& w, const ObjectInfo& info) {
  w.Key("name").String(info.name);
  w.Key("size").Uint(info.size);
  w.Key("mtime_ns").Int(info.mtime_ns);
  w.Key("k").Int(info.k);
  w.Key("m").Int(info.m);
  w.Key("segments").Uint(info.segments);
}

std::string FormatObjectListJson(const std::vector<ObjectInfo>& objects) {
  JsonWriter w;
  w.BeginArray();
  for (const ObjectInfo& o : objects) {
    w.BeginObject();
    WriteInfoMembers(w, o);
    w.EndObject();
  }
  w.EndArray();
  return w.str() + "\n";
}

Status RunLs(const LsArgs& args, const GlobalArgs& global, Environment& env) {
  CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<Client> client, OpenClient(global, env));
  Result<std::vector<ObjectInfo>> list = client->List();
  if (!list.ok()) return list.status().WithContext("ls");
  std::vector<ObjectInfo>& objects = *list;
  std::sort(objects.begin(), objects.end(), [](const ObjectInfo& a, const ObjectInfo& b) { return a.name < b.name; });
  *env.out << (args.json ? FormatObjectListJson(objects) : FormatObjectListText(objects));
  return Status::Ok();
}

}  // namespace cairn::cli
