// RowArena (internal/entity.h): random allocations and frees of every size class and of
// blocks above them, each block filled with its own pattern, which must survive until the
// block is freed (no two live blocks overlap); freed blocks are reused before new chunks.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "features/internal/entity.h"

namespace panorama::features::internal {
namespace {

struct Live {
  int64_t* block;
  size_t words;  // BlockWords of the request
  int64_t tag;
};

void Fill(const Live& b) {
  for (size_t i = 0; i < b.words; ++i) b.block[i] = b.tag ^ static_cast<int64_t>(i);
}

bool Intact(const Live& b) {
  for (size_t i = 0; i < b.words; ++i) {
    if (b.block[i] != (b.tag ^ static_cast<int64_t>(i))) return false;
  }
  return true;
}

TEST(RowArena, BlockWordsArePowersOfTwoFromTheMinimum) {
  EXPECT_EQ(RowArena::BlockWords(0), RowArena::kMinWords);
  EXPECT_EQ(RowArena::BlockWords(1), RowArena::kMinWords);
  EXPECT_EQ(RowArena::BlockWords(16), 16U);
  EXPECT_EQ(RowArena::BlockWords(17), 32U);
  EXPECT_EQ(RowArena::BlockWords(1000), 1024U);
  EXPECT_EQ(RowArena::BlockWords(1U << 20), 1U << 20);
}

TEST(RowArena, LiveBlocksKeepTheirContentsAndFreedOnesAreReused) {
  std::mt19937_64 rng(20261203);
  RowArena arena;
  std::vector<Live> live;
  int64_t tag = 1;
  for (int op = 0; op < 10'000; ++op) {
    const bool allocate = live.empty() || rng() % 5 < 3;
    if (allocate) {
      // Mostly small requests, some of every class, a few above the largest class.
      const int shape = static_cast<int>(rng() % 100);
      size_t words = 1 + rng() % 64;
      if (shape >= 70) words = 1 + rng() % (RowArena::kMinWords << (RowArena::kClasses - 1));
      if (shape >= 98) words = (RowArena::kMinWords << RowArena::kClasses) + rng() % 100'000;
      Live b{arena.Allocate(words), RowArena::BlockWords(words), tag++};
      ASSERT_EQ(reinterpret_cast<uintptr_t>(b.block) % 64, 0U) << "blocks start on a cache line";
      Fill(b);
      live.push_back(b);
    } else {
      const size_t i = rng() % live.size();
      ASSERT_TRUE(Intact(live[i])) << "block of " << live[i].words << " words at op " << op;
      arena.Free(live[i].block, live[i].words);
      live[i] = live.back();
      live.pop_back();
    }
  }
  for (const Live& b : live) {
    ASSERT_TRUE(Intact(b));
    arena.Free(b.block, b.words);
  }

  // Everything is free now: the same small requests again need no new chunk.
  const size_t chunks = arena.chunk_bytes();
  std::vector<Live> again;
  again.reserve(1000);
  for (int i = 0; i < 1000; ++i) {
    again.push_back({arena.Allocate(64), 64, tag++});
    Fill(again.back());
  }
  EXPECT_EQ(arena.chunk_bytes(), chunks);
  for (const Live& b : again) {
    ASSERT_TRUE(Intact(b));
    arena.Free(b.block, b.words);
  }
}

TEST(RowArena, AChunkIsCarvedWithoutLoss) {
  // Blocks of one chunk are adjacent, and what a chunk cannot fit becomes free blocks that
  // later requests of smaller classes take before a new chunk.
  RowArena arena;
  const size_t big = RowArena::kMinWords << (RowArena::kClasses - 1);  // 128 KiB
  int64_t* first = arena.Allocate(big);
  for (size_t i = 1; i < 15; ++i) ASSERT_EQ(arena.Allocate(big), first + i * big);  // 1.875 MiB
  EXPECT_EQ(arena.chunk_bytes(), size_t{2} << 20);
  for (size_t i = 0; i < 128; ++i) {  // 16 KiB
    ASSERT_EQ(arena.Allocate(RowArena::kMinWords), first + 15 * big + i * RowArena::kMinWords);
  }
  arena.Allocate(big);  // does not fit the rest (112 KiB): a new chunk
  EXPECT_EQ(arena.chunk_bytes(), size_t{4} << 20);
  // The first chunk's last 112 KiB are now free blocks of 64, 32 and 16 KiB, in that order.
  int64_t* rest = first + 15 * big + 128 * RowArena::kMinWords;
  EXPECT_EQ(arena.Allocate(8192), rest);
  EXPECT_EQ(arena.Allocate(4096), rest + 8192);
  EXPECT_EQ(arena.Allocate(2048), rest + 8192 + 4096);
  EXPECT_EQ(arena.chunk_bytes(), size_t{4} << 20);
}

}  // namespace
}  // namespace panorama::features::internal
