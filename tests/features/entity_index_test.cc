// EntityIndex against std::unordered_map: random inserts, lookups and erases (with keys that
// share their low bits, and runs that wrap around the end of the table).
#include "features/internal/entity_index.h"

#include <gtest/gtest.h>

#include <random>
#include <unordered_map>
#include <vector>

namespace panorama::features::internal {
namespace {

void CheckAgainstMap(uint64_t seed, uint64_t key_space, uint64_t key_stride, int operations) {
  std::mt19937_64 rng(seed);
  EntityIndex index;
  std::unordered_map<uint64_t, uint32_t> expected;
  for (int op = 0; op < operations; ++op) {
    const uint64_t key = (rng() % key_space) * key_stride;
    const int what = static_cast<int>(rng() % 10);
    if (what < 5) {
      if (expected.count(key) == 0) {
        const auto slot = static_cast<uint32_t>(rng() % 1'000'000);
        index.Insert(key, slot);
        expected[key] = slot;
      }
    } else if (what < 8) {
      index.Erase(key);
      expected.erase(key);
    } else {
      auto it = expected.find(key);
      ASSERT_EQ(index.Find(key), it == expected.end() ? EntityIndex::kNone : it->second)
          << "key " << key << " at operation " << op;
    }
    ASSERT_EQ(index.size(), expected.size());
  }
  for (const auto& [key, slot] : expected) ASSERT_EQ(index.Find(key), slot) << key;
  std::vector<uint64_t> remaining;
  for (const auto& entry : expected) remaining.push_back(entry.first);
  for (size_t i = 0; i < remaining.size(); ++i) {
    index.Erase(remaining[i]);
    ASSERT_EQ(index.Find(remaining[i]), EntityIndex::kNone);
    if (i + 1 < remaining.size()) {
      const uint64_t other = remaining[i + 1 + rng() % (remaining.size() - i - 1)];
      ASSERT_EQ(index.Find(other), expected[other]);
    }
  }
  EXPECT_EQ(index.size(), 0U);
}

TEST(EntityIndexTest, AgreesWithAMapOnRandomOperations) {
  CheckAgainstMap(1, 5'000, 1, 200'000);
  CheckAgainstMap(2, 100'000, 0x9E3779B97F4A7C15ULL, 200'000);
}

TEST(EntityIndexTest, KeysSharingTheirLowBitsStillWork) {
  CheckAgainstMap(3, 3'000, uint64_t{1} << 40, 100'000);
}

TEST(EntityIndexTest, SmallTableWithHeavyChurn) {
  // Few keys, many erases: long probe runs shifted back, wrapping the table's end.
  CheckAgainstMap(4, 24, 1, 50'000);
}

TEST(EntityIndexTest, KeyZeroAndMaxAreOrdinaryKeys) {
  EntityIndex index;
  index.Insert(0, 7);
  index.Insert(UINT64_MAX, 8);
  EXPECT_EQ(index.Find(0), 7U);
  EXPECT_EQ(index.Find(UINT64_MAX), 8U);
  index.Erase(0);
  EXPECT_EQ(index.Find(0), EntityIndex::kNone);
  EXPECT_EQ(index.Find(UINT64_MAX), 8U);
}

}  // namespace
}  // namespace panorama::features::internal
