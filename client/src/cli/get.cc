#include "cli/get.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <charconv>
#include <ostream>

#include "cli/atomic_file.h"
#include "cli/fd_stream.h"
#include "cli/format.h"
#include "cli/progress.h"

namespace cairn::cli {
namespace {

// Accepts a decimal byte count that fits in 64 bits. CLI11 would wrap "-1" and values past 2^64 silently.
CLI::Validator ByteCount() {
  return CLI::Validator(
      [](const std::string& s) -> std::string {
        std::uint64_t v = 0;
        const char* end = s.data() + s.size();
        const auto [p, ec] = std::from_chars(s.data(), end, v, 10);
        if (s.empty() || ec != std::errc() || p != end) return "must be a whole number of bytes below 2^64";
        return "";
      },
      "BYTES", "ByteCount");
}

void ValidateGet(const GetArgs& args) {
  if (args.length == 0) throw CLI::ValidationError("--length", "must be at least 1");
  if (args.length != std::numeric_limits<std::uint64_t>::max() &&
      args.offset > std::numeric_limits<std::uint64_t>::max() - args.length) {
    throw CLI::ValidationError("--offset/--length", "offset + length is past 2^64");
  }
}

// Runs the library's get into `out` and flushes it; `buf` reports the OS error of a failed write.
Status GetInto(Client& client, const std::string& name, const GetOptions& options, FdOutBuf& buf) {
  std::ostream out(&buf);
  const Status st = client.GetToStream(name, out, options);
  const Status flushed = buf.Flush();
  if (!st.ok()) return st;
  return flushed;
}

// Where a regular-file OUT goes: OUT itself, or OUT/<base name of NAME> when OUT is a directory.
Result<std::string> ResolveOutputPath(const std::string& output, const std::string& name) {
  struct stat st;
  if (stat(output.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return output;
  const std::string base = BaseName(name);
  if (base.empty()) return Status::InvalidArgument(output + " is a directory and the object has no base name");
  return output + (output.back() == '/' ? "" : "/") + base;
}

}  // namespace

CLI::App* SetupGet(CLI::App& app, GetArgs& args) {
  CLI::App* sub = app.add_subcommand("get", "Get a file back (whole, or a byte range)");
  sub->add_option("NAME", args.name, "Object name")->required();
  sub->add_option("-o,--output", args.output, "Output file or directory (default or -: standard output)")
      ->type_name("OUT");
  sub->add_option("--offset", args.offset, "First byte to get (default 0)")->check(ByteCount());
  sub->add_option("--length", args.length, "Number of bytes to get (default: to the end)")->check(ByteCount());
  sub->final_callback([&args] { ValidateGet(args); });
  return sub;
}

Status RunGet(const GetArgs& args, const GlobalArgs& global, Environment& env) {
  const std::string what = "get " + PrintableName(args.name);
  const bool to_stdout = args.output.empty() || args.output == "-";
  std::string path;
  if (!to_stdout) {
    CAIRN_ASSIGN_OR_RETURN(path, ResolveOutputPath(args.output, args.name));
  }
  CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<Client> client, OpenClient(global, env));

  ProgressBar bar(*env.err, env.stderr_is_terminal, env.now);
  GetOptions options;
  options.offset = args.offset;
  options.length = args.length;
  options.progress = bar.Callback();
  options.cancel = env.cancel;

  if (to_stdout) {
    Status st = client->GetToStream(args.name, *env.out, options);
    env.out->flush();
    bar.Finish();
    if (st.ok() && !*env.out) st = Status::IOError("write to standard output failed");
    return st.WithContext(what);
  }

  struct stat st_out;
  if (stat(path.c_str(), &st_out) == 0 && !S_ISREG(st_out.st_mode)) {
    // A device or FIFO (/dev/null, a named pipe): no temp file and rename, write to it directly.
    const int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return Status::FromErrno("open " + path, errno).WithContext(what);
    Status st;
    {
      FdOutBuf buf(fd);
      st = GetInto(*client, args.name, options, buf);
    }
    bar.Finish();
    if (close(fd) != 0 && st.ok()) st = Status::FromErrno("close " + path, errno);
    return st.WithContext(what);
  }

  Result<std::unique_ptr<AtomicFileWriter>> created = AtomicFileWriter::Create(path);
  if (!created.ok()) return created.status().WithContext(what);
  std::unique_ptr<AtomicFileWriter> file = std::move(created).value();
  env.set_cleanup_path(file->temp_path());
  Status st;
  {
    FdOutBuf buf(file->fd());
    st = GetInto(*client, args.name, options, buf);
  }
  bar.Finish();
  if (st.ok()) st = file->Commit();
  env.set_cleanup_path("");
  file.reset();  // removes the temp file when not committed
  return st.WithContext(what);
}

}  // namespace cairn::cli
