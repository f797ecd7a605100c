// EntityIndex against std::unordered_map: random inserts, lookups and erases (with keys that
// share their low bits, and runs that wrap around the end of the table), and keys whose
// 32-bit tags collide.
#include "features/internal/entity_index.h"

#include <gtest/gtest.h>

#include <random>
#include <unordered_map>
#include <vector>

namespace panorama::features::internal {
namespace {

constexpr uint64_t kMultiplier = 0x9E3779B97F4A7C15ULL;  // EntityIndex's mixing constant

// The key whose mixed value under `seed` is `mixed`: the inverse of the index's mixing.
uint64_t KeyOfMixed(uint64_t mixed, uint64_t seed) {
  uint64_t inverse = kMultiplier;  // Newton's iteration for the inverse modulo 2^64
  for (int i = 0; i < 6; ++i) inverse *= 2 - kMultiplier * inverse;
  return (mixed * inverse) ^ seed;
}

// Entities as the engine keeps them: the key of each slot, as its record holds it.
struct Slots {
  std::vector<uint64_t> keys;
  uint64_t operator()(uint32_t slot) const { return keys.at(slot); }
  uint32_t Add(uint64_t key) {
    keys.push_back(key);
    return static_cast<uint32_t>(keys.size() - 1);
  }
};

void CheckAgainstMap(uint64_t seed, uint64_t key_space, uint64_t key_stride, int operations) {
  std::mt19937_64 rng(seed);
  EntityIndex index;
  Slots slots;
  std::unordered_map<uint64_t, uint32_t> expected;
  auto find = [&](uint64_t key) { return index.Find(key, slots); };
  int lookups = 0;
  int wrong_candidates = 0;
  for (int op = 0; op < operations; ++op) {
    const uint64_t key = (rng() % key_space) * key_stride;
    const int what = static_cast<int>(rng() % 10);
    auto it = expected.find(key);
    if (what < 5) {
      if (it == expected.end()) {
        const uint32_t slot = slots.Add(key);
        index.Insert(key, slot);
        expected[key] = slot;
      }
    } else if (what < 8) {
      if (it != expected.end()) {
        index.Erase(key, it->second);
        expected.erase(it);
      } else {
        index.Erase(key, static_cast<uint32_t>(slots.keys.size()));  // no such entry: nothing
      }
    } else {
      const uint32_t want = it == expected.end() ? EntityIndex::kNone : it->second;
      ASSERT_EQ(find(key), want) << "key " << key << " at operation " << op;
      // The candidate is the answer, or (rarely) the slot of another key with the same tag.
      const uint32_t candidate = index.FindCandidate(key);
      if (candidate != want) {
        ASSERT_NE(candidate, EntityIndex::kNone) << "key " << key << " at operation " << op;
        ASSERT_NE(slots(candidate), key) << "key " << key << " at operation " << op;
        ++wrong_candidates;
      }
      ++lookups;
    }
    ASSERT_EQ(index.size(), expected.size());
  }
  EXPECT_LE(wrong_candidates * 1000, lookups) << "tags should rarely collide";
  for (const auto& [key, slot] : expected) ASSERT_EQ(find(key), slot) << key;
  std::vector<uint64_t> remaining;
  remaining.reserve(expected.size());
  for (const auto& entry : expected) remaining.push_back(entry.first);
  for (size_t i = 0; i < remaining.size(); ++i) {
    index.Erase(remaining[i], expected[remaining[i]]);
    ASSERT_EQ(find(remaining[i]), EntityIndex::kNone);
    if (i + 1 < remaining.size()) {
      const uint64_t other = remaining[i + 1 + rng() % (remaining.size() - i - 1)];
      ASSERT_EQ(find(other), expected[other]);
    }
  }
  EXPECT_EQ(index.size(), 0U);
}

TEST(EntityIndexTest, AgreesWithAMapOnRandomOperations) {
  CheckAgainstMap(1, 5'000, 1, 200'000);
  CheckAgainstMap(2, 100'000, kMultiplier, 200'000);
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
  Slots slots;
  index.Insert(0, slots.Add(0));
  index.Insert(UINT64_MAX, slots.Add(UINT64_MAX));
  EXPECT_EQ(index.Find(0, slots), 0U);
  EXPECT_EQ(index.Find(UINT64_MAX, slots), 1U);
  index.Erase(0, 0);
  EXPECT_EQ(index.Find(0, slots), EntityIndex::kNone);
  EXPECT_EQ(index.Find(UINT64_MAX, slots), 1U);
}

TEST(EntityIndexTest, KeysWithTheSameTagAreToldApartByTheirRecords) {
  constexpr uint64_t kSeed = 0x1234'5678'9abc'def0ULL;
  // Groups of keys whose mixed values share their top 32 bits (tag and home) and differ below.
  std::vector<std::vector<uint64_t>> groups;
  std::mt19937_64 rng(5);
  for (int g = 0; g < 40; ++g) {
    const uint64_t top = rng() & 0xFFFF'FFFF'0000'0000ULL;
    std::vector<uint64_t> keys;
    for (uint64_t low = 1; low <= 4; ++low) keys.push_back(KeyOfMixed(top | (low * 977), kSeed));
    groups.push_back(keys);
  }
  EntityIndex index(kSeed);
  Slots slots;
  for (const auto& keys : groups) {
    // Only the first of the group is indexed: the others are absent though their tag matches.
    const uint32_t slot = slots.Add(keys[0]);
    index.Insert(keys[0], slot);
    EXPECT_EQ(index.Find(keys[1], slots), EntityIndex::kNone);
    EXPECT_EQ(index.FindCandidate(keys[1]), slot) << "the tag alone cannot tell them apart";
  }
  for (const auto& keys : groups) {
    for (size_t i = 1; i < keys.size(); ++i) index.Insert(keys[i], slots.Add(keys[i]));
  }
  for (const auto& keys : groups) {
    for (uint64_t key : keys) EXPECT_EQ(slots.keys[index.Find(key, slots)], key);
  }
  // Erasing one key of a group leaves the others found.
  for (const auto& keys : groups) {
    const uint32_t first = index.Find(keys[0], slots);
    const uint32_t second = index.Find(keys[1], slots);
    index.Erase(keys[0], first);
    EXPECT_EQ(index.Find(keys[0], slots), EntityIndex::kNone);
    EXPECT_EQ(index.Find(keys[1], slots), second);
    for (size_t i = 2; i < keys.size(); ++i) {
      EXPECT_EQ(slots.keys[index.Find(keys[i], slots)], keys[i]);
    }
  }
  EXPECT_EQ(index.size(), groups.size() * 3);
}

}  // namespace
}  // namespace panorama::features::internal
