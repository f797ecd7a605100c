// memory_stall_bench: how often the machine stalls a random read of memory the process already
// holds, and for how long. Context for the scoring latency's tail: one scoring reads a few
// dozen cache lines of the feature state at random, so a machine that stalls one random read
// in 10^4 or 10^5 for 100 µs or more puts a share of all scorings above that, whatever the
// code does.
//
//   build/bench/memory_stall_bench [--mib N] [--samples S] [--reads R] [--repeats K]
//
// Fills N MiB (default 1024) from AllocateLarge (2 MiB-aligned, advised as huge pages) and,
// for comparison, N MiB of plain 4 KiB pages; then times S samples (default 200,000) of R
// dependent-free random 8-byte reads (default 100) each, K passes (default 2) over the same,
// resident memory. Prints per pass the samples' p50 / p99 / p99.9 / max and the count of
// samples above 90 µs (a sample of 100 cached reads takes about 10 µs on a cache miss each).
// On bare metal every sample takes about the same time; stalls that persist on resident
// memory come from the hypervisor (the host reclaiming or re-mapping the guest's pages).
#include <sys/mman.h>

#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "bench_support.h"
#include "core/huge_pages.h"

namespace panorama::bench {
namespace {

struct Options {
  size_t mib = 1024;
  size_t samples = 200000;
  int reads = 100;
  int repeats = 2;
};

Options ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) Die("missing value for " + arg);
    const std::string value = argv[++i];
    if (arg == "--mib") {
      o.mib = std::stoul(value);
    } else if (arg == "--samples") {
      o.samples = std::stoul(value);
    } else if (arg == "--reads") {
      o.reads = std::stoi(value);
    } else if (arg == "--repeats") {
      o.repeats = std::stoi(value);
    } else {
      Die("usage: memory_stall_bench [--mib N] [--samples S] [--reads R] [--repeats K]");
    }
  }
  if (o.mib == 0 || o.samples == 0 || o.reads <= 0 || o.repeats <= 0) Die("arguments must be > 0");
  return o;
}

// Times o.samples samples of o.reads random reads of words[0, n) and prints their figures.
void Pass(const char* label, int pass, const uint64_t* words, size_t n, const Options& o) {
  std::vector<double> us;
  us.reserve(o.samples);
  uint64_t x = 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(pass);
  uint64_t sum = 0;
  size_t stalls = 0;
  const auto start = Clock::now();
  for (size_t s = 0; s < o.samples; ++s) {
    const auto t0 = Clock::now();
    for (int r = 0; r < o.reads; ++r) {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;  // a 64-bit LCG
      sum += words[(x >> 17) % n];
    }
    const double sample = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
    us.push_back(sample);
    stalls += sample > 90 ? 1 : 0;
  }
  const double seconds = Since(start);
  std::printf(
      "%s pass %d: p50 %.2f us, p99 %.2f us, p99.9 %.2f us, max %.0f us; %zu of %zu samples "
      "above 90 us (%.3f %%, one per %.0f random reads), %.2f s (checksum %llu)\n",
      label, pass, Percentile(us, 0.50), Percentile(us, 0.99), Percentile(us, 0.999),
      Percentile(us, 1.0), stalls, o.samples,
      100.0 * static_cast<double>(stalls) / static_cast<double>(o.samples),
      stalls == 0 ? 0.0 : static_cast<double>(o.samples) * o.reads / static_cast<double>(stalls),
      seconds, static_cast<unsigned long long>(sum & 1));
}

void Run(const char* label, uint64_t* words, size_t n, const Options& o) {
  for (size_t i = 0; i < n; ++i) words[i] = i * 0x9E3779B97F4A7C15ULL;  // resident from here
  for (int pass = 1; pass <= o.repeats; ++pass) Pass(label, pass, words, n, o);
}

}  // namespace
}  // namespace panorama::bench

int main(int argc, char** argv) {
  using namespace panorama;
  using namespace panorama::bench;
  try {
    const Options o = ParseArgs(argc, argv);
    std::printf(
        "command: build/bench/memory_stall_bench --mib %zu --samples %zu --reads %d --repeats %d\n",
        o.mib, o.samples, o.reads, o.repeats);
    const size_t bytes = o.mib << 20;
    const size_t n = bytes / sizeof(uint64_t);
    {
      auto* words = static_cast<uint64_t*>(AllocateLarge(bytes));
      Run("huge pages (AllocateLarge)", words, n, o);
      FreeLarge(words, bytes);
    }
    void* mapped =
        ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped == MAP_FAILED) Die("mmap failed");
    (void)::madvise(mapped, bytes, MADV_NOHUGEPAGE);
    Run("4 KiB pages", static_cast<uint64_t*>(mapped), n, o);
    ::munmap(mapped, bytes);
  } catch (const std::exception& e) {
    Die(e.what());
  }
  return 0;
}
