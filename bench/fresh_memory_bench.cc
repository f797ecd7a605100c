// fresh_memory_bench: what the machine charges for memory a process touches for the first time,
// against memory it has used, freed and mapped again. Context for the engine's update figures,
// whose first run in a process builds all of its state in fresh memory.
//
//   build/bench/fresh_memory_bench [--mib N] [--repeats R]
//
// Each of R rounds maps N MiB of anonymous memory (advised as transparent huge pages, as
// AllocateLarge does), writes one byte per 4 KiB page, and unmaps it; the time of the map and
// the writes is the round's. Round 1 gets pages new to the process; later rounds get the ones
// the round before freed. On bare metal both cost the kernel's zeroing of the pages. On a
// virtual machine that gives memory left free back to its host (a virtio balloon with free
// page reporting), round 1 also pays for the host to back pages again, unless something else
// freed them a moment before: run it after a few idle seconds.
#include <sys/mman.h>

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "bench_support.h"

namespace panorama::bench {
namespace {

constexpr size_t kPage = 4096;

double TouchRound(size_t bytes) {
  const auto start = Clock::now();
  void* mapped = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapped == MAP_FAILED) Die("mmap of " + std::to_string(bytes) + " bytes failed");
  (void)::madvise(mapped, bytes, MADV_HUGEPAGE);
  auto* bytes_of = static_cast<volatile char*>(mapped);
  for (size_t i = 0; i < bytes; i += kPage) bytes_of[i] = 1;
  const double seconds = Since(start);
  ::munmap(mapped, bytes);
  return seconds;
}

int Main(int argc, char** argv) {
  size_t mib = 256;
  int repeats = 5;
  for (int i = 1; i < argc; i += 2) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) Die("missing value of " + flag);
    const std::string value = argv[i + 1];
    if (flag == "--mib") {
      mib = std::stoul(value);
    } else if (flag == "--repeats") {
      repeats = std::stoi(value);
    } else {
      Die("unknown flag " + flag);
    }
  }
  if (mib == 0 || repeats < 2) Die("--mib must be positive and --repeats at least 2");
  const size_t bytes = mib << 20;
  std::vector<double> later;
  double first = 0;
  for (int r = 0; r < repeats; ++r) {
    const double seconds = TouchRound(bytes);
    std::printf("round %d: %.3f s, %.2f ns per byte\n", r + 1, seconds,
                seconds * 1e9 / static_cast<double>(bytes));
    if (r == 0) {
      first = seconds;
    } else {
      later.push_back(seconds);
    }
  }
  const double reused = Median(later);
  std::printf("\nfor BENCHMARKS.md:\n| figure | median | runs |\n|---|---|---|\n");
  std::printf("| first touch of fresh memory (%zu MiB, one round) | **%.2f ns/B** | %.3f s |\n",
              mib, first * 1e9 / static_cast<double>(bytes), first);
  std::printf("| touch of memory freed and mapped again (%zu MiB) | **%.2f ns/B** | %d rounds |\n",
              mib, reused * 1e9 / static_cast<double>(bytes), repeats - 1);
  std::printf("| ratio first / again | **%.1f×** | |\n", first / reused);
  return 0;
}

}  // namespace
}  // namespace panorama::bench

int main(int argc, char** argv) {
  try {
    return panorama::bench::Main(argc, argv);
  } catch (const std::exception& e) {  // a flag value std::stoul cannot parse
    std::fprintf(stderr, "fresh_memory_bench: %s\n", e.what());
    return 2;
  }
}
