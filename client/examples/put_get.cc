// put_get: the smallest complete use of cairn::Client, and a check that a network works end to end.
//
//   put_get --network FILE --repo DIR --key-file KEY [--name NAME] [--keep] INPUT
//
// It creates the repository DIR if there is none (the master key is read from KEY, or written there when KEY does not
// exist yet), opens it on the network described by FILE (`cairn-provider devnet` writes one to <dir>/network),
// stores INPUT under NAME (default: INPUT's base name), reads the object back into INPUT.copy, compares the two files
// byte for byte, deletes the copy, and removes the object again unless --keep is given. It prints one line per step and
// exits 0 when the copy is exact, 1 on any failure and 2 on a usage error.
//
// Only the public header <cairn/client/client.h> is used: this is what an application sees.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/client/client.h"

namespace {

struct Args {
  std::string network;
  std::string repo;
  std::string key_file;
  std::string name;
  std::string input;
  bool keep = false;
};

constexpr std::string_view kUsage =
    "usage: put_get --network FILE --repo DIR --key-file KEY [--name NAME] [--keep] INPUT\n";

// Returns false (after printing why) when the command line is not usable.
bool ParseArgs(int argc, char** argv, Args& args) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    bool ok = true;
    if (a == "--network") {
      ok = value(args.network);
    } else if (a == "--repo") {
      ok = value(args.repo);
    } else if (a == "--key-file") {
      ok = value(args.key_file);
    } else if (a == "--name") {
      ok = value(args.name);
    } else if (a == "--keep") {
      args.keep = true;
    } else if (!a.empty() && a[0] != '-' && args.input.empty()) {
      args.input = std::string(a);
    } else {
      std::cerr << "put_get: unexpected argument '" << a << "'\n";
      return false;
    }
    if (!ok) {
      std::cerr << "put_get: " << a << " needs a value\n";
      return false;
    }
  }
  if (args.network.empty() || args.repo.empty() || args.key_file.empty() || args.input.empty()) return false;
  if (args.name.empty()) {
    std::size_t slash = args.input.rfind('/');
    args.name = slash == std::string::npos ? args.input : args.input.substr(slash + 1);
  }
  return true;
}

// True when the two files hold the same bytes; prints what differs otherwise. Reads 1 MiB at a time.
bool SameFiles(const std::string& a_path, const std::string& b_path) {
  std::ifstream a(a_path, std::ios::binary);
  std::ifstream b(b_path, std::ios::binary);
  if (!a || !b) {
    std::cerr << "put_get: cannot open " << (a ? b_path : a_path) << "\n";
    return false;
  }
  std::vector<char> abuf(1 << 20), bbuf(1 << 20);
  for (unsigned long long offset = 0;; offset += static_cast<unsigned long long>(a.gcount())) {
    a.read(abuf.data(), static_cast<std::streamsize>(abuf.size()));
    b.read(bbuf.data(), static_cast<std::streamsize>(bbuf.size()));
    if (a.bad() || b.bad()) {
      std::cerr << "put_get: reading failed\n";
      return false;
    }
    if (a.gcount() != b.gcount() || !std::equal(abuf.begin(), abuf.begin() + a.gcount(), bbuf.begin())) {
      std::cerr << "put_get: " << b_path << " differs from " << a_path << " in the MiB at byte " << offset << "\n";
      return false;
    }
    if (a.gcount() == 0) return true;
  }
}

int Fail(std::string_view what, const cairn::Status& status) {
  std::cerr << "put_get: " << what << ": " << status.ToString() << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!ParseArgs(argc, argv, args)) {
    std::cerr << kUsage;
    return 2;
  }

  cairn::ClientOptions options;
  options.network_file = args.network;
  options.repo_dir = args.repo;
  options.key_file = args.key_file;

  // 1. A repository holds the master key's parameters and the (encrypted) list of objects. Create it once.
  if (!std::ifstream(args.repo + "/repo")) {
    cairn::Status init = cairn::Client::Init(options);
    if (!init.ok()) return Fail("creating the repository " + args.repo, init);
    std::cout << "created repository " << args.repo << "\n";
  }

  // 2. Open it on the network: providers are found through the network's DHT when the first transfer starts.
  auto opened = cairn::Client::Open(options);
  if (!opened.ok()) return Fail("opening the repository", opened.status());
  std::unique_ptr<cairn::Client> client = std::move(*opened);

  // 3. Store the file. Put returns once every shard has a provider's signed receipt.
  cairn::PutOptions put;
  put.name = args.name;
  put.replace = true;
  auto info = client->PutFile(args.input, put);
  if (!info.ok()) return Fail("storing " + args.input, info.status());
  std::cout << "stored " << info->name << ": " << info->size << " bytes as " << info->segments << " segment(s) of "
            << info->k << "+" << info->m << " shards\n";

  // 4. Read it back (any k shards of each segment are enough) and compare. GetToFile writes a temporary file and
  //    renames it, so a failed get never leaves a partial copy.
  const std::string copy = args.input + ".copy";
  cairn::Status got = client->GetToFile(args.name, copy, cairn::GetOptions{});
  if (!got.ok()) return Fail("reading " + args.name + " back", got);
  const bool same = SameFiles(args.input, copy);
  std::remove(copy.c_str());
  if (!same) return 1;
  std::cout << "read back " << info->size << " bytes: identical\n";

  // 5. Remove it: the providers end their deals and free the space.
  if (!args.keep) {
    cairn::Status removed = client->Remove(args.name);
    if (!removed.ok()) return Fail("removing " + args.name, removed);
    std::cout << "removed " << args.name << "\n";
  }
  return 0;
}
