// AllocateLarge/FreeLarge: the alignment each size promises, every byte usable, and blocks
// independent of each other.
#include "core/huge_pages.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

namespace panorama {
namespace {

uintptr_t Address(const void* p) { return reinterpret_cast<uintptr_t>(p); }

TEST(HugePagesTest, SmallBlocksAreCacheLineAligned) {
  for (size_t bytes : {size_t{1}, size_t{64}, size_t{1000}, kHugePageBytes - 1}) {
    void* block = AllocateLarge(bytes);
    EXPECT_EQ(Address(block) % 64, 0U) << bytes;
    std::memset(block, 0xab, bytes);
    FreeLarge(block, bytes);
  }
}

TEST(HugePagesTest, LargeBlocksAreHugePageAlignedAndWhollyUsable) {
  const std::vector<size_t> sizes = {kHugePageBytes, kHugePageBytes + 1, 3 * kHugePageBytes - 64,
                                     5 * kHugePageBytes};
  std::vector<void*> blocks;
  blocks.reserve(sizes.size());
  for (size_t i = 0; i < sizes.size(); ++i) {
    void* block = AllocateLarge(sizes[i]);
    ASSERT_EQ(Address(block) % kHugePageBytes, 0U) << sizes[i];
    std::memset(block, static_cast<int>(i + 1), sizes[i]);
    blocks.push_back(block);
  }
  // Each block still holds its own pattern from its first to its last byte: none overlaps
  // another.
  for (size_t i = 0; i < sizes.size(); ++i) {
    const auto* bytes = static_cast<const unsigned char*>(blocks[i]);
    EXPECT_EQ(bytes[0], i + 1);
    EXPECT_EQ(bytes[sizes[i] / 2], i + 1);
    EXPECT_EQ(bytes[sizes[i] - 1], i + 1);
  }
  for (size_t i = 0; i < sizes.size(); ++i) FreeLarge(blocks[i], sizes[i]);
}

TEST(HugePagesTest, FreedLargeBlocksCanBeAllocatedAgain) {
  for (int round = 0; round < 50; ++round) {
    const size_t bytes = (1 + round % 4) * kHugePageBytes;
    auto* block = static_cast<unsigned char*>(AllocateLarge(bytes));
    ASSERT_EQ(Address(block) % kHugePageBytes, 0U);
    block[0] = 1;
    block[bytes - 1] = 2;
    EXPECT_EQ(block[0] + block[bytes - 1], 3);
    FreeLarge(block, bytes);
  }
}

}  // namespace
}  // namespace panorama
