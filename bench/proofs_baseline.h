// The issue-4 baseline for the proofs benchmarks, measured inline so that a long benchmark can quote its own ratio
// against a baseline taken moments before (the machine is shared and its speed drifts): OpenSSL's low-level
// SHA256_Init/Update/Final over 1260-byte label messages (the label grammar's length, labels.cc), contiguous in cache.
#pragma once

#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/sha.h>
#include <sys/resource.h>
#include <time.h>

#include <cstdint>
#include <random>
#include <vector>

namespace cairn::proofs::bench {

inline constexpr std::size_t kLabelMessage = 64 + 37 * 32 + 12;  // 1260 bytes

inline double Seconds(clockid_t clock) {
  timespec ts;
  if (::clock_gettime(clock, &ts) != 0) return 0;
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// User + system CPU seconds of the whole process (every thread).
inline double ProcessCpuSeconds() { return Seconds(CLOCK_PROCESS_CPUTIME_ID); }

struct LabelRate {
  double per_wall_second = 0;  // the best of ten slices: what the core does when nothing else runs on it
  double per_cpu_second = 0;   // over all slices, of the calling thread
};

// Hashes label messages with OpenSSL for about `seconds` of wall time, in ten slices. The wall rate is the best
// slice's, so that another process taking the core for a while lowers the seal's wall ratio, never the baseline.
inline LabelRate MeasureOpenSslLabels(double seconds = 0.5) {
  std::vector<std::uint8_t> msgs(kLabelMessage * 64);
  std::mt19937_64 rng(1);
  for (auto& b : msgs) b = static_cast<std::uint8_t>(rng());
  std::uint8_t out[32] = {};
  std::uint64_t total = 0;
  double best = 0;
  const double cpu0 = Seconds(CLOCK_THREAD_CPUTIME_ID);
  for (int slice = 0; slice < 10; ++slice) {
    std::uint64_t count = 0;
    const double wall0 = Seconds(CLOCK_MONOTONIC);
    double wall = 0;
    do {
      for (int i = 0; i < 1000; ++i, ++count) {
        SHA256_CTX ctx;
        SHA256_Init(&ctx);
        SHA256_Update(&ctx, msgs.data() + kLabelMessage * (count & 63), kLabelMessage);
        SHA256_Final(out, &ctx);
        msgs[kLabelMessage * (count & 63)] ^= out[0];  // a dependence the compiler cannot drop
      }
      wall = Seconds(CLOCK_MONOTONIC) - wall0;
    } while (wall < seconds / 10);
    total += count;
    if (static_cast<double>(count) / wall > best) best = static_cast<double>(count) / wall;
  }
  const double cpu = Seconds(CLOCK_THREAD_CPUTIME_ID) - cpu0;
  return {best, static_cast<double>(total) / cpu};
}

}  // namespace cairn::proofs::bench
