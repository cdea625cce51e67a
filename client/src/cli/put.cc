#include "cli/put.h"

#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <ostream>

#include "cairn/core/network.h"
#include "cli/format.h"
#include "cli/progress.h"

namespace cairn::cli {
namespace {

void ValidatePut(const PutArgs& args) {
  if (args.file == "-" && args.name.empty()) {
    throw CLI::ValidationError("--name", "is required when FILE is - (standard input)");
  }
  const std::string name = PutObjectName(args);
  if (name.empty()) throw CLI::ValidationError("FILE", "has no base name; pass --name");
  if (name.size() > kMaxObjectNameBytes) {
    throw CLI::ValidationError("--name", "longer than " + std::to_string(kMaxObjectNameBytes) + " bytes");
  }
  if (args.k > 0 && args.m >= 0 && args.k + args.m > kMaxErasureTotal) {
    throw CLI::ValidationError("--k/--m", "k + m must be at most " + std::to_string(kMaxErasureTotal));
  }
}

// Fails early, before a passphrase prompt, when FILE cannot be stored.
Status CheckInputFile(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::NotFound("no such file");
    return Status::FromErrno("stat", errno);
  }
  if (S_ISDIR(st.st_mode)) return Status::InvalidArgument("is a directory");
  return Status::Ok();
}

}  // namespace

CLI::App* SetupPut(CLI::App& app, PutArgs& args) {
  CLI::App* sub = app.add_subcommand("put", "Store a file");
  sub->add_option("FILE", args.file, "File to store; - reads standard input")->required();
  sub->add_option("--name", args.name, "Object name (default: the file's base name)");
  sub->add_option("--k", args.k, "Data shards per segment (default: the network's)")
      ->check(CLI::Range(1, kMaxErasureTotal));
  sub->add_option("--m", args.m, "Parity shards per segment (default: the network's)")
      ->check(CLI::Range(0, kMaxErasureTotal - 1));
  sub->add_flag("--replace", args.replace, "Overwrite an existing object of that name");
  sub->final_callback([&args] { ValidatePut(args); });
  return sub;
}

std::string PutObjectName(const PutArgs& args) {
  if (!args.name.empty()) return args.name;
  if (args.file == "-") return "";
  return BaseName(args.file);
}

Status RunPut(const PutArgs& args, const GlobalArgs& global, Environment& env) {
  const std::string what = "put " + (args.file == "-" ? std::string("(stdin)") : args.file);
  if (args.file != "-") CAIRN_RETURN_IF_ERROR(CheckInputFile(args.file).WithContext(what));
  CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<Client> client, OpenClient(global, env));

  ProgressBar bar(*env.err, env.stderr_is_terminal, env.now);
  PutOptions options;
  options.name = PutObjectName(args);
  options.k = args.k;
  options.m = args.m;
  options.replace = args.replace;
  options.progress = bar.Callback();
  options.cancel = env.cancel;
  Result<ObjectInfo> info =
      args.file == "-" ? client->PutStream(*env.in, options) : client->PutFile(args.file, options);
  bar.Finish();
  if (!info.ok()) {
    Status st = info.status();
    if (st.code() == Code::kAlreadyExists) st = Status(st.code(), st.message() + " (pass --replace to overwrite it)");
    return st.WithContext(what);
  }
  *env.out << "stored " << PrintableName(info->name) << ": " << info->size << " bytes, " << info->k << "+" << info->m
           << ", " << info->segments << (info->segments == 1 ? " segment" : " segments") << "\n";
  return Status::Ok();
}

}  // namespace cairn::cli
