#include "core/huge_pages.h"

#include <sys/mman.h>

#include <cstdlib>
#include <new>

namespace panorama {
namespace {

constexpr std::align_val_t kSmallAlign{64};  // a cache line

size_t RoundUp(size_t bytes) {
  return (bytes + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
}

}  // namespace

void* AllocateLarge(size_t bytes) {
  if (bytes < kHugePageBytes) return ::operator new(bytes, kSmallAlign);
  const size_t rounded = RoundUp(bytes);
  void* block = std::aligned_alloc(kHugePageBytes, rounded);
  if (block == nullptr) throw std::bad_alloc();
  // Advice only: without transparent huge pages the block simply uses small pages.
  (void)::madvise(block, rounded, MADV_HUGEPAGE);
  return block;
}

void FreeLarge(void* block, size_t bytes) noexcept {
  if (bytes < kHugePageBytes) {
    ::operator delete(block, kSmallAlign);
  } else {
    std::free(block);  // NOLINT(cppcoreguidelines-no-malloc)
  }
}

}  // namespace panorama
