// Memory for large, randomly accessed tables (entity pools, hash indexes) backed by
// transparent huge pages where the kernel allows them (madvise mode): one TLB entry then
// covers 2 MiB instead of 4 KiB, which matters when every access is a cache miss anyway.
#pragma once

#include <cstddef>

namespace panorama {

inline constexpr size_t kHugePageBytes = size_t{2} << 20;

// Allocates `bytes` (never fails: throws std::bad_alloc like operator new), aligned to a cache
// line. Blocks of at least kHugePageBytes are mappings of their own, 2 MiB-aligned, advised as
// huge pages and given back to the kernel by FreeLarge.
void* AllocateLarge(size_t bytes);
// Frees a block from AllocateLarge(bytes), with the same `bytes`.
void FreeLarge(void* block, size_t bytes) noexcept;

// A standard allocator over AllocateLarge, for containers such as absl::flat_hash_map.
template <typename T>
struct LargeAllocator {
  using value_type = T;
  LargeAllocator() = default;
  template <typename U>
  LargeAllocator(const LargeAllocator<U>& /*other*/) {}  // NOLINT(google-explicit-constructor)
  T* allocate(size_t n) { return static_cast<T*>(AllocateLarge(n * sizeof(T))); }
  void deallocate(T* p, size_t n) noexcept { FreeLarge(p, n * sizeof(T)); }
  template <typename U>
  bool operator==(const LargeAllocator<U>& /*other*/) const {
    return true;
  }
};

}  // namespace panorama
