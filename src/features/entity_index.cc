#include "features/internal/entity_index.h"

#include <cstdio>
#include <cstdlib>
#include <random>

#include "core/huge_pages.h"

namespace panorama::features::internal {
namespace {

constexpr int kInitialBits = 4;
constexpr int kMaxBits = 32;  // tags are 32 bits

uint64_t RandomSeed() {
  std::random_device random;
  return (uint64_t{random()} << 32) ^ random();
}

}  // namespace

EntityIndex::EntityIndex() : EntityIndex(RandomSeed()) {}

EntityIndex::EntityIndex(uint64_t seed) : seed_(seed) { Allocate(kInitialBits); }

EntityIndex::~EntityIndex() { FreeLarge(entries_, memory()); }

void EntityIndex::Allocate(int bits) {
  if (bits > kMaxBits) {
    std::fprintf(stderr, "panorama: an entity index outgrew 2^31 entities\n");
    std::abort();
  }
  const size_t capacity = size_t{1} << bits;
  entries_ = static_cast<Entry*>(AllocateLarge(capacity * sizeof(Entry)));
  for (size_t i = 0; i < capacity; ++i) entries_[i] = {0, kNone};
  mask_ = capacity - 1;
  shift_ = 64 - bits;
}

void EntityIndex::Grow() {
  Entry* old = entries_;
  const size_t old_capacity = mask_ + 1;
  Allocate(64 - shift_ + 1);
  for (size_t i = 0; i < old_capacity; ++i) {
    if (old[i].slot == kNone) continue;
    size_t j = HomeOfTag(old[i].tag);
    while (entries_[j].slot != kNone) j = (j + 1) & mask_;
    entries_[j] = old[i];
  }
  FreeLarge(old, old_capacity * sizeof(Entry));
}

void EntityIndex::Insert(uint64_t key, uint32_t slot) {
  if ((size_ + 1) * 2 > mask_ + 1) Grow();
  const uint64_t mixed = Mix(key);
  size_t i = Home(mixed);
  while (entries_[i].slot != kNone) i = (i + 1) & mask_;
  entries_[i] = {Tag(mixed), slot};
  ++size_;
}

void EntityIndex::Erase(uint64_t key, uint32_t slot) {
  const uint64_t mixed = Mix(key);
  const uint32_t tag = Tag(mixed);
  size_t i = Home(mixed);
  for (;; i = (i + 1) & mask_) {
    if (entries_[i].slot == kNone) return;
    if (entries_[i].slot == slot && entries_[i].tag == tag) break;
  }
  // Backward shift: move up every later entry of the run whose home is not in (i, j].
  for (size_t j = (i + 1) & mask_; entries_[j].slot != kNone; j = (j + 1) & mask_) {
    const size_t home = HomeOfTag(entries_[j].tag);
    const bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
    if (stays) continue;
    entries_[i] = entries_[j];
    i = j;
  }
  entries_[i] = {0, kNone};
  --size_;
}

}  // namespace panorama::features::internal
