#include "core/huge_pages.h"

#include <sys/mman.h>

#include <cstdint>
#include <new>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

namespace panorama {
namespace {

constexpr std::align_val_t kSmallAlign{64};  // a cache line

size_t RoundUp(size_t bytes) {
  return (bytes + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
}

}  // namespace

// Large blocks are mapped directly rather than taken from malloc: malloc serves them from its
// heap once a freed mapping has raised its mmap threshold, where a 2 MiB-aligned block leaves
// padding around it and freed blocks stay resident until a trim. A mapping of the rounded size
// plus one huge page is cut down to the aligned part, so the block is exactly what it holds
// and returns to the kernel when freed.
void* AllocateLarge(size_t bytes) {
  if (bytes < kHugePageBytes) return ::operator new(bytes, kSmallAlign);
  const size_t rounded = RoundUp(bytes);
  void* mapped = ::mmap(nullptr, rounded + kHugePageBytes, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapped == MAP_FAILED) throw std::bad_alloc();
  char* const start = static_cast<char*>(mapped);
  const size_t head =
      (kHugePageBytes - reinterpret_cast<uintptr_t>(start) % kHugePageBytes) % kHugePageBytes;
  char* const block = start + head;
  if (head > 0) ::munmap(start, head);
  // The mapping is rounded + kHugePageBytes long, so kHugePageBytes - head (never 0) follow.
  ::munmap(block + rounded, kHugePageBytes - head);
  // Advice only: without transparent huge pages the block simply uses small pages.
  (void)::madvise(block, rounded, MADV_HUGEPAGE);
  return block;
}

void FreeLarge(void* block, size_t bytes) noexcept {
  if (bytes < kHugePageBytes) {
    ::operator delete(block, kSmallAlign);
  } else {
#if defined(__SANITIZE_ADDRESS__)
    // ASan keeps the shadow of an unmapped range: what the block's user poisoned (RowArena's
    // free blocks) would read as poisoned once the kernel maps the range again.
    ASAN_UNPOISON_MEMORY_REGION(block, RoundUp(bytes));
#endif
    ::munmap(block, RoundUp(bytes));
  }
}

}  // namespace panorama
