// EntityIndex: entity key -> pool slot, for the feature engine's hot path.
//
// Open addressing with linear probing over 16-byte entries in one cache-line-aligned array,
// kept at most half full: a lookup almost always reads one cache line, the one Prefetch()
// loads ahead of it. (A general-purpose Swiss table keeps control bytes and slots apart, so a
// lookup reads two or three lines, and which slot line cannot be known before the control
// bytes arrive.) Keys are 64-bit hashes of field values; positions mix them with a per-index
// random seed, so crafted keys cannot crowd one region. Deletion shifts entries back, so there
// are no tombstones.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>

namespace panorama::features::internal {

class EntityIndex {
 public:
  static constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();

  EntityIndex();
  ~EntityIndex();
  EntityIndex(const EntityIndex&) = delete;
  EntityIndex& operator=(const EntityIndex&) = delete;

  size_t size() const { return size_; }
  // Bytes of the table.
  size_t memory() const { return (mask_ + 1) * sizeof(Entry); }

  // The slot of `key`, or kNone.
  uint32_t Find(uint64_t key) const {
    for (size_t i = Home(key);; i = (i + 1) & mask_) {
      const Entry& e = entries_[i];
      if (e.slot == kNone) return kNone;
      if (e.key == key) return e.slot;
    }
  }
  // Adds `key` -> `slot` (slot != kNone); `key` must be absent.
  void Insert(uint64_t key, uint32_t slot);
  // Removes `key` if present.
  void Erase(uint64_t key);
  // Starts loading the cache line a Find(key) reads first.
  void Prefetch(uint64_t key) const { __builtin_prefetch(&entries_[Home(key)]); }

 private:
  struct Entry {
    uint64_t key;
    uint32_t slot;  // kNone: free
    uint32_t unused;
  };
  size_t Home(uint64_t key) const {
    return static_cast<size_t>(((key ^ seed_) * 0x9E3779B97F4A7C15ULL) >> shift_);
  }
  void Allocate(int bits);
  void Grow();

  Entry* entries_ = nullptr;
  size_t mask_ = 0;
  int shift_ = 64;
  size_t size_ = 0;
  uint64_t seed_ = 0;
};

}  // namespace panorama::features::internal
