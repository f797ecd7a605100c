#include "features/internal/entity_index.h"

#include <random>

#include "core/huge_pages.h"

namespace panorama::features::internal {
namespace {

constexpr int kInitialBits = 4;

}  // namespace

EntityIndex::EntityIndex() {
  std::random_device random;
  seed_ = (uint64_t{random()} << 32) ^ random();
  Allocate(kInitialBits);
}

EntityIndex::~EntityIndex() { FreeLarge(entries_, memory()); }

void EntityIndex::Allocate(int bits) {
  const size_t capacity = size_t{1} << bits;
  entries_ = static_cast<Entry*>(AllocateLarge(capacity * sizeof(Entry)));
  for (size_t i = 0; i < capacity; ++i) entries_[i] = {0, kNone, 0};
  mask_ = capacity - 1;
  shift_ = 64 - bits;
}

void EntityIndex::Grow() {
  Entry* old = entries_;
  const size_t old_capacity = mask_ + 1;
  Allocate(64 - shift_ + 1);
  for (size_t i = 0; i < old_capacity; ++i) {
    if (old[i].slot == kNone) continue;
    size_t j = Home(old[i].key);
    while (entries_[j].slot != kNone) j = (j + 1) & mask_;
    entries_[j] = old[i];
  }
  FreeLarge(old, old_capacity * sizeof(Entry));
}

void EntityIndex::Insert(uint64_t key, uint32_t slot) {
  if ((size_ + 1) * 2 > mask_ + 1) Grow();
  size_t i = Home(key);
  while (entries_[i].slot != kNone) i = (i + 1) & mask_;
  entries_[i] = {key, slot, 0};
  ++size_;
}

void EntityIndex::Erase(uint64_t key) {
  size_t i = Home(key);
  for (;; i = (i + 1) & mask_) {
    if (entries_[i].slot == kNone) return;
    if (entries_[i].key == key) break;
  }
  // Backward shift: move up every later entry of the run whose home is not in (i, j].
  for (size_t j = (i + 1) & mask_; entries_[j].slot != kNone; j = (j + 1) & mask_) {
    const size_t home = Home(entries_[j].key);
    const bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
    if (stays) continue;
    entries_[i] = entries_[j];
    i = j;
  }
  entries_[i] = {0, kNone, 0};
  --size_;
}

}  // namespace panorama::features::internal
